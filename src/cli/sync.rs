//! `scantrail sync`, `scantrail sync status` and `scantrail conflicts` (SPEC §7): one round
//! with the central database, where this station stands, and what the centre found.
//! `sync` exits 0 when the station is up to date and 1 with a clear message when the centre
//! cannot be reached or refuses; nothing is lost either way, the next round sends it.

use super::central::{block_on, url_for};
use super::{Context, outln, print_json};
use crate::session::shown;
use crate::sync::central::Central;
use crate::sync::round;
use crate::sync::wire::{ConflictStatus, WireConflict};
use anyhow::Context as _;
use chrono::{SecondsFormat, Utc};
use clap::Subcommand;
use serde::Serialize;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Where this station stands: last good round, scans waiting, open conflicts.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct ConflictsArgs {
    #[arg(long)]
    pub json: bool,
    /// Ask the central database (live) instead of this station's copy of its last round.
    #[arg(long)]
    pub central: bool,
    /// The central database for --central and resolve (else $SCANTRAIL_CENTRAL_URL, else
    /// [sync] url).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    #[command(subcommand)]
    pub command: Option<ConflictsCommand>,
}

#[derive(Debug, Subcommand)]
pub enum ConflictsCommand {
    /// Mark a conflict resolved at the centre, with who and why; every station sees it.
    Resolve {
        id: i64,
        /// What was done about it.
        #[arg(long)]
        note: String,
    },
}

/// SPEC §7's `sync status --json`.
#[derive(Serialize)]
struct StatusJson {
    station: String,
    last_sync: Option<String>,
    pending: u64,
    conflicts: u64,
}

pub fn run(ctx: &Context, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    match &args.command {
        Some(SyncCommand::Status { json }) => status(ctx, *json),
        None => one_round(ctx),
    }
}

fn one_round(ctx: &Context) -> anyhow::Result<ExitCode> {
    let Some(url) = ctx.config.sync.url.clone() else {
        anyhow::bail!(
            "this station is standalone: set [sync] url in {} to the URL `scantrail central station add {}` printed",
            ctx.source,
            ctx.station()
        );
    };
    let mut store = ctx.open_store()?;
    let password_file = ctx.config.sync.password_file.clone();
    let done = block_on(async {
        let central = match Central::connect(&url, password_file.as_deref()).await {
            Ok(central) => central,
            Err(e) => {
                let _ = store.record_sync_error(&e.to_string());
                return Err(e.into());
            }
        };
        round::round(&mut store, &central, Utc::now())
            .await
            .map_err(anyhow::Error::from)
    })
    .context("sync did not finish; every scan is kept here and goes with the next round")?;
    let status = store.sync_status()?;
    outln!(
        "up to date: {} scan(s) sent, {} item(s) received; {} open conflict(s)",
        done.pushed,
        done.pulled,
        status.open_conflicts
    )?;
    Ok(ExitCode::SUCCESS)
}

fn status(ctx: &Context, json: bool) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    let status = store.sync_status()?;
    let last_sync = status
        .last_sync
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true));
    if json {
        print_json(&StatusJson {
            station: ctx.station(),
            last_sync,
            pending: status.pending,
            conflicts: status.open_conflicts,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if ctx.config.sync.url.is_none() {
        outln!(
            "station {}: standalone (no [sync] url)",
            shown(&ctx.station())
        )?;
    } else {
        outln!(
            "station {}: last sync {}, {} scan(s) waiting, {} open conflict(s)",
            shown(&ctx.station()),
            last_sync.as_deref().unwrap_or("never"),
            status.pending,
            status.open_conflicts
        )?;
    }
    if let Some(error) = &status.last_error {
        outln!("last round failed: {}", shown(error))?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn conflicts(ctx: &Context, args: &ConflictsArgs) -> anyhow::Result<ExitCode> {
    if let Some(ConflictsCommand::Resolve { id, note }) = &args.command {
        if note.trim().is_empty() {
            anyhow::bail!("--note cannot be empty: say what was done about it");
        }
        let (url, password_file) = url_for(ctx, args.url.as_deref())?;
        let who = ctx.station();
        block_on(async {
            let central = Central::connect(&url, password_file.as_deref()).await?;
            central.resolve_conflict(*id, note, Some(&who)).await?;
            Ok(())
        })?;
        outln!("conflict #{id} resolved: {}", shown(note))?;
        return Ok(ExitCode::SUCCESS);
    }
    let list = if args.central {
        let (url, password_file) = url_for(ctx, args.url.as_deref())?;
        block_on(async {
            let central = Central::connect(&url, password_file.as_deref()).await?;
            Ok(central.conflicts().await?)
        })?
    } else {
        ctx.open_store()?.conflicts()?
    };
    if args.json {
        print_json(&list)?;
        return Ok(ExitCode::SUCCESS);
    }
    if list.is_empty() {
        outln!("no conflicts")?;
    }
    for c in &list {
        outln!("{}", conflict_line(c))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// One conflict as a line of text, stored texts escaped.
fn conflict_line(c: &WireConflict) -> String {
    let what = [
        Some(c.product.as_str()),
        c.lot.as_deref(),
        c.serial.as_deref(),
        c.location.as_deref(),
    ]
    .into_iter()
    .flatten()
    .map(shown)
    .collect::<Vec<_>>()
    .join(" ");
    let status = match c.status {
        ConflictStatus::Open => "open",
        ConflictStatus::Resolved => "resolved",
    };
    format!(
        "#{} {} {status} {what} — stations {} — {}",
        c.id,
        c.kind.as_str(),
        c.stations
            .iter()
            .map(|s| shown(s))
            .collect::<Vec<_>>()
            .join(", "),
        c.detected_at.to_rfc3339_opts(SecondsFormat::Secs, true)
    )
}
