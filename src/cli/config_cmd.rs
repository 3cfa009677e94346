//! `scantrail config check|show`: which config file is in force, whether it is valid, and
//! the values that result (defaults filled in).

use super::Cli;
use super::outln;
use crate::config::{Config, Env};
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Say which config file is used and whether it is valid.
    Check,
    /// Print the configuration in force, defaults filled in, as TOML.
    Show,
}

pub fn run(cli: &Cli, cmd: &ConfigCommand) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let (config, source) = Config::discover(cli.config.as_deref(), &env)?;
    match cmd {
        ConfigCommand::Check => {
            outln!("config:   {source}: valid")?;
            outln!("station:  {}", config.station_name())?;
            outln!(
                "database: {}",
                config.database_path(cli.db.as_deref(), &env).display()
            )?;
        }
        ConfigCommand::Show => {
            outln!("# in force: {source}")?;
            print!("{}", toml::to_string_pretty(&config)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
