//! The `peerlog` binary; everything is in the library (`peerlog_cli::main`).

fn main() -> std::process::ExitCode {
    peerlog_cli::main()
}
