//! `scantrail central …`: the warehouse's administration of the central PostgreSQL database
//! (SPEC §7): create or upgrade its schema, add a station's role, import the catalog and the
//! documents there, quarantine or release a lot. Each takes `--url URL`, else
//! `$SCANTRAIL_CENTRAL_URL`, else `[sync] url`; stations receive every change by pull.

use super::Context;
use super::import::ImportKind;
use super::outln;
use crate::import::{file_label, read_locations, read_orders, read_products};
use crate::sync::central::{Central, CentralError};
use anyhow::Context as _;
use clap::Subcommand;
use std::future::Future;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct CentralArgs {
    /// The central database (else $SCANTRAIL_CENTRAL_URL, else [sync] url).
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,
    #[command(subcommand)]
    pub command: CentralCommand,
}

#[derive(Debug, Subcommand)]
pub enum CentralCommand {
    /// Create the central schema, or bring it up to date.
    Migrate,
    /// Stations' access to the centre.
    #[command(subcommand)]
    Station(StationCommand),
    /// Load products, locations or orders into the central catalog, all or nothing.
    Import(CentralImportArgs),
    /// Quarantine or release a lot for every station.
    #[command(subcommand)]
    Lot(super::lot::LotCommand),
}

#[derive(Debug, Subcommand)]
pub enum StationCommand {
    /// A login role for one station that can only push and pull as that station; prints
    /// the URL for that station's [sync] url.
    Add {
        /// The station's name, as its [station] name says.
        name: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct CentralImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub what: ImportKind,
    /// The CSV file (header row required, UTF-8).
    pub file: PathBuf,
}

/// Where the central URL comes from, in SPEC §7's order.
pub(super) fn url_for(
    ctx: &Context,
    url: Option<&str>,
) -> anyhow::Result<(String, Option<PathBuf>)> {
    if let Some(url) = url {
        return Ok((url.to_owned(), None));
    }
    if let Some(url) = std::env::var("SCANTRAIL_CENTRAL_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        return Ok((url, None));
    }
    match &ctx.config.sync.url {
        Some(url) => Ok((url.clone(), ctx.config.sync.password_file.clone())),
        None => anyhow::bail!(
            "no central database: give --url postgresql://…, set $SCANTRAIL_CENTRAL_URL, or set [sync] url in the config (in force: {})",
            ctx.source
        ),
    }
}

/// `--central [--url URL]` on the commands that read the books (`stock`, `trace`, `export`):
/// answer from the central database, the whole warehouse, every station.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AskCentre {
    /// Answer from the central database: the whole warehouse, every station.
    #[arg(long)]
    pub central: bool,
    /// The central database for --central (else $SCANTRAIL_CENTRAL_URL, else [sync] url).
    #[arg(long, value_name = "URL", requires = "central")]
    pub url: Option<String>,
}

impl AskCentre {
    /// Connects to the centre and runs `work` with the connection.
    pub(super) fn ask<T>(
        &self,
        ctx: &Context,
        work: impl AsyncFnOnce(Central) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let (url, password_file) = url_for(ctx, self.url.as_deref())?;
        block_on(async move {
            let central = Central::connect(&url, password_file.as_deref()).await?;
            work(central).await
        })
    }
}

/// The centre's "there is no such serial or lot" as the local command says it: the message
/// alone; any other error as it is.
pub(super) fn not_found(e: CentralError) -> anyhow::Error {
    match e {
        CentralError::Refused { code, message } if code == "not_found" => anyhow::anyhow!(message),
        other => other.into(),
    }
}

/// Runs `work` on a small current-thread runtime (the connection is driven by a task).
pub(super) fn block_on<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime for the central database")?
        .block_on(work)
}

pub fn run(ctx: &Context, args: &CentralArgs) -> anyhow::Result<ExitCode> {
    let (url, password_file) = url_for(ctx, args.url.as_deref())?;
    block_on(async {
        let mut central = Central::connect(&url, password_file.as_deref()).await?;
        match &args.command {
            CentralCommand::Migrate => {
                let done = central.migrate().await?;
                if done.from == done.to {
                    outln!(
                        "the central schema at {} is up to date (version {})",
                        central.host(),
                        done.to
                    )?;
                } else {
                    outln!(
                        "the central schema at {} is now at version {} (was {})",
                        central.host(),
                        done.to,
                        done.from
                    )?;
                }
            }
            CentralCommand::Station(StationCommand::Add { name }) => {
                let access = central.add_station(name).await?;
                outln!("{}", access.url)?;
                eprintln!(
                    "station {} may now push and pull as role {}: put the URL above in its config.toml as [sync] url. It holds the password: keep that file readable by root only, or put the password in a [sync] password_file (chmod 600) and leave it out of the URL.",
                    access.station, access.role
                );
                if central.target().is_local() {
                    eprintln!(
                        "The URL names {} as this command reached the centre: on a station on another machine, write the centre's network name instead, with sslmode=verify-full&sslrootcert=FILE.",
                        central.host()
                    );
                }
            }
            CentralCommand::Import(import) => import_file(&central, ctx, import).await?,
            CentralCommand::Lot(lot) => {
                let (lot, quarantine) = match lot {
                    super::lot::LotCommand::Quarantine(a) => (a, true),
                    super::lot::LotCommand::Release(a) => (a, false),
                };
                if lot.reason.trim().is_empty() {
                    anyhow::bail!("--reason cannot be empty: say why, for the log");
                }
                let before = if quarantine {
                    central
                        .lot_quarantine(&lot.product, &lot.lot, &lot.reason, None)
                        .await?
                } else {
                    central
                        .lot_release(&lot.product, &lot.lot, &lot.reason, None)
                        .await?
                };
                let verb = if quarantine {
                    "quarantined"
                } else {
                    "released"
                };
                let already = (before == crate::domain::LotStatus::Quarantined) == quarantine;
                outln!(
                    "lot {} of {} {verb} for every station{}; stations receive it with their next sync",
                    crate::session::shown(&lot.lot),
                    crate::session::shown(&lot.product),
                    if already {
                        " (it already was; the reason is logged)"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

async fn import_file(
    central: &Central,
    ctx: &Context,
    args: &CentralImportArgs,
) -> anyhow::Result<()> {
    let label = file_label(&args.file);
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {label}"))?;
    let input = std::io::BufReader::new(file);
    let (noun, summary) = match args.what {
        ImportKind::Products => {
            let rows = read_products(&label, input)?;
            ("products", central.import_products(&label, &rows).await?)
        }
        ImportKind::Locations => {
            let rows = read_locations(&label, input)?;
            ("locations", central.import_locations(&label, &rows).await?)
        }
        ImportKind::Orders => {
            let rows = read_orders(&label, input, &ctx.config.barcodes)?;
            ("orders", central.import_orders(&label, &rows).await?)
        }
    };
    outln!(
        "imported {label} centrally: {} {noun} added, {} updated; stations receive them with their next sync",
        summary.added,
        summary.updated
    )?;
    Ok(())
}
