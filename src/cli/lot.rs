//! `scantrail lot quarantine|release LOT --product SKU --reason TEXT`: block a lot for pick
//! and transfer, or unblock it. Both are logged with station, time and reason.

use super::Context;
use super::outln;
use crate::domain::LotStatus;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum LotCommand {
    /// Block the lot: it can no longer be picked or transferred.
    Quarantine(LotArgs),
    /// Unblock the lot.
    Release(LotArgs),
}

#[derive(Debug, clap::Args)]
pub struct LotArgs {
    pub lot: String,
    #[arg(long, value_name = "SKU")]
    pub product: String,
    /// Why: kept in the lot's status log.
    #[arg(long)]
    pub reason: String,
}

pub fn run(ctx: &Context, cmd: &LotCommand) -> anyhow::Result<ExitCode> {
    let (args, status) = match cmd {
        LotCommand::Quarantine(a) => (a, LotStatus::Quarantined),
        LotCommand::Release(a) => (a, LotStatus::Active),
    };
    if args.reason.trim().is_empty() {
        anyhow::bail!("--reason cannot be empty: say why, for the log");
    }
    let mut store = ctx.open_store()?;
    let product = store
        .product_by_sku(&args.product)?
        .ok_or_else(|| anyhow::anyhow!("there is no product with SKU '{}'", args.product))?;
    let before = store
        .lot(product.id, &args.lot)?
        .ok_or_else(|| anyhow::anyhow!("SKU '{}' has no lot '{}'", args.product, args.lot))?;
    let lot = store.set_lot_status(
        product.id,
        &args.lot,
        status,
        &args.reason,
        &ctx.station(),
        chrono::Utc::now(),
    )?;
    let verb = match status {
        LotStatus::Quarantined => "quarantined",
        LotStatus::Active => "released",
    };
    let note = if before.status == status {
        " (it already was; the reason is logged)"
    } else {
        ""
    };
    outln!(
        "lot {} of {} {verb}{note}",
        crate::session::shown(&lot.code),
        crate::session::shown(&product.sku)
    )?;
    Ok(ExitCode::SUCCESS)
}
