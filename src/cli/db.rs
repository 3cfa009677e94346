//! `scantrail db verify|backup`: prove the projections match the journal; copy the database
//! safely while the kiosk runs.

use super::Context;
use super::outln;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Rebuild stock and serial states from the journal and compare; exit 1 on a difference.
    Verify,
    /// Copy the database to PATH, consistent and complete, while scans go on.
    Backup { path: PathBuf },
}

pub fn run(ctx: &Context, cmd: &DbCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    match cmd {
        DbCommand::Verify => {
            let damage = store.damage()?;
            if !damage.is_empty() {
                eprintln!(
                    "{} is damaged: SQLite's check of its pages found {} problem(s); restore the \
                     last backup, and keep this file for support:",
                    ctx.db_path.display(),
                    damage.len()
                );
                for line in &damage {
                    eprintln!("  {line}");
                }
                return Ok(ExitCode::from(1));
            }
            let differences = store.verify()?;
            if differences.is_empty() {
                outln!(
                    "ok: the stock and serial projections of {} agree with the journal",
                    ctx.db_path.display()
                )?;
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "{} difference(s) between the projections and the journal of {}:",
                    differences.len(),
                    ctx.db_path.display()
                );
                for d in &differences {
                    eprintln!(
                        "  {}: projection says {}, journal says {}",
                        d.what, d.projection, d.journal
                    );
                }
                Ok(ExitCode::from(1))
            }
        }
        DbCommand::Backup { path } => {
            store.backup_to(path)?;
            outln!("backed up {} to {}", ctx.db_path.display(), path.display())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
