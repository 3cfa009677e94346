//! The command-line edge: argument parsing with clap, config and database discovery, output
//! as text or JSON, and the exit codes of SPEC §6 (0 success, 1 the request failed, 2 usage).
//! This is the only place that uses `anyhow`; everything below returns typed errors.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod config_cmd;
pub mod decode;

/// scantrail: barcode scans become a lot- and serial-tracked stock journal.
#[derive(Debug, Parser)]
#[command(name = "scantrail", version, about, long_about = None)]
pub struct Cli {
    /// The config file (else $SCANTRAIL_CONFIG, /etc/scantrail/config.toml, ./config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// The database file (else database.path from the config, else the platform default).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check or show the configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCommand),
    /// Say what scans mean, without recording anything.
    Decode(decode::DecodeArgs),
}

/// Parses the process arguments, runs the command and turns its result into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("scantrail: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Runs one parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match &cli.command {
        Command::Config(cmd) => config_cmd::run(&cli, cmd),
        // The store's ScanLookup goes here once it exists; without it nothing is "known".
        Command::Decode(args) => decode::run(&cli, args, &crate::barcode::classify::NoStore),
    }
}
