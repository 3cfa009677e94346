//! `scantrail completions SHELL`: the shell's Tab completion script for every subcommand and
//! option, written to stdout. Made from the clap definitions when it runs, so a new command
//! completes without anyone writing it twice. The Debian package ships what this prints for
//! bash, zsh and fish (`debian/package.sh`); elsewhere, where to put it is in README.md.

use super::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn run(args: &CompletionsArgs) -> anyhow::Result<ExitCode> {
    // Into memory first: clap_complete panics on a failed write, and a closed stdout
    // (`scantrail completions bash | head`) is an error to return, not a panic.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "scantrail", &mut script);
    std::io::stdout().lock().write_all(&script)?;
    Ok(ExitCode::SUCCESS)
}
