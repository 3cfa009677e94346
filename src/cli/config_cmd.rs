//! `scantrail config check|show`: which config file is in force, whether it is valid, and
//! the values that result (defaults filled in).

use super::Cli;
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
            println!("config:   {source}: valid");
            println!("station:  {}", config.station_name());
            println!(
                "database: {}",
                config.database_path(cli.db.as_deref(), &env).display()
            );
        }
        ConfigCommand::Show => {
            println!("# in force: {source}");
            print!("{}", toml::to_string_pretty(&config)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}
