//! `scantrail run [--demo]` (and plain `scantrail`): the kiosk screen. With `--demo`, a fresh
//! demo warehouse in a temporary folder (removed at exit) and the barcode sheet open, so a
//! newcomer can type barcodes on a keyboard and try every mode.

use super::Context;
use crate::core::Core;
use crate::store::Store;
use crate::ui::kiosk::{self, KioskOptions};
use std::io::IsTerminal;
use std::process::ExitCode;

#[derive(Debug, Default, clap::Args)]
pub struct RunArgs {
    /// A fresh demo warehouse (in a temporary folder) and the barcode sheet on screen.
    #[arg(long)]
    pub demo: bool,
}

pub fn run(ctx: &Context, args: &RunArgs) -> anyhow::Result<ExitCode> {
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
    kiosk::run(
        core,
        &ctx.config,
        KioskOptions { demo: args.demo },
        |_feeds| {},
    )?;
    Ok(ExitCode::SUCCESS)
}
