//! `scantrail init [--demo]`: create the database, or bring an existing one to this
//! version's schema; with `--demo`, a new database gets the demo catalog and history.

use super::Context;
use super::outln;
use crate::store::SCHEMA_VERSION;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// Fill the new database with the demo catalog (products of each tracking mode,
    /// locations, a supplier, customers, orders) and a short history of scans.
    #[arg(long)]
    pub demo: bool,
}

pub fn run(ctx: &Context, args: &InitArgs) -> anyhow::Result<ExitCode> {
    let existed = ctx.db_path.exists();
    if args.demo && existed {
        anyhow::bail!(
            "{} already exists; the demo goes into a new database: name another with --db",
            ctx.db_path.display()
        );
    }
    let mut store = ctx.create_store()?;
    if args.demo {
        let summary =
            crate::demo::load(&mut store, &ctx.config, &ctx.station(), chrono::Utc::now())?;
        outln!("{summary}")?;
    }
    outln!(
        "{} {} (schema version {SCHEMA_VERSION})",
        if existed { "up to date:" } else { "created:" },
        ctx.db_path.display()
    )?;
    Ok(ExitCode::SUCCESS)
}
