//! `scantrail run [--demo | --headless]` (and plain `scantrail`): the kiosk screen, with scans
//! from the scanners the config selects and from the keyboard. With `--demo`, a fresh demo
//! warehouse in a temporary folder (removed at exit) and the barcode sheet open, so a
//! newcomer can type barcodes and try every mode. With `--headless`, no screen: each outcome
//! is logged to stderr (the journal under systemd).

use super::Context;
use crate::core::Core;
use crate::station;
use crate::store::Store;
use crate::ui::kiosk::{self, KioskOptions};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Default, clap::Args)]
pub struct RunArgs {
    /// A fresh demo warehouse (in a temporary folder) and the barcode sheet on screen.
    #[arg(long)]
    pub demo: bool,
    /// No screen: scanners → scan session → journal, each outcome logged to stderr.
    #[arg(long, conflicts_with = "demo")]
    pub headless: bool,
}

pub fn run(ctx: &Context, args: &RunArgs) -> anyhow::Result<ExitCode> {
    if args.headless {
        let core = Core::new(ctx.open_store()?, &ctx.config, ctx.station());
        station::run_headless(core, &ctx.config)?;
        return Ok(ExitCode::SUCCESS);
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!(
            "scantrail run draws the kiosk screen and needs a terminal; run it on a console or in a terminal window"
        );
    }
    let station = ctx.station();
    let demo_dir;
    let store = if args.demo {
        demo_dir = tempfile::Builder::new()
            .prefix("scantrail-demo-")
            .tempdir()?;
        let mut store = Store::open(&demo_dir.path().join("demo.db"), &ctx.config.database)?;
        crate::demo::load(&mut store, &ctx.config, &station, chrono::Utc::now())?;
        store
    } else {
        ctx.open_store()?
    };
    let core = Core::new(store, &ctx.config, station);
    kiosk::run(core, &ctx.config, KioskOptions { demo: args.demo })?;
    Ok(ExitCode::SUCCESS)
}
