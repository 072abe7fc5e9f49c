//! The `peerlog` program for the end-to-end tests (same code as the `peerlog` binary).

fn main() -> std::process::ExitCode {
    peerlog_cli::main()
}
