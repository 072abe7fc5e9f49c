//! The crash soak (see `peerlog_tests::soak`): `peerlog-soak --rounds N --seed S --backend both`.

fn main() -> std::process::ExitCode {
    peerlog_tests::soak::main()
}
