//! The `scantrail` binary: parse the command line and hand over to [`scantrail::cli::run`].
//! Everything else lives in the library so that tests drive the same code.

use std::process::ExitCode;

fn main() -> ExitCode {
    scantrail::cli::main()
}
