//! `scantrail trace serial|lot`: the warranty question (where has this unit been?) and the
//! recall question (who got this lot, and what is still on hand where?). The text output
//! escapes every stored text (a serial or a lot may hold any character a scanner sent);
//! `--json` gives them exactly. With `--central` the centre answers, for every station, in
//! the same shapes. `trace lot … --format epcis` is the lot's recall package: every event of
//! the lot as one GS1 EPCIS 2.0 document, as `export epcis --lot … --product …` writes it.

use super::central::{AskCentre, not_found};
use super::outln;
use super::{Context, print_json};
use crate::session::shown;
use crate::store::{EpcisFilter, LotTrace, SerialTrace};
use crate::sync::wire::{ConflictStatus, WireConflict};
use anyhow::Context as _;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum TraceCommand {
    /// A serial's product, lot, status, location and full history.
    Serial {
        serial: String,
        /// The product, when the same serial exists for several.
        #[arg(long, value_name = "SKU")]
        product: Option<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        centre: AskCentre,
    },
    /// A lot's recall view: received, on hand by location, shipped and returned per order.
    Lot {
        lot: String,
        #[arg(long, value_name = "SKU")]
        product: String,
        #[arg(long, conflicts_with = "format")]
        json: bool,
        /// `epcis`: every event of the lot as one GS1 EPCIS 2.0 document, to send to a
        /// customer or an authority.
        #[arg(long, value_enum, value_name = "FORMAT")]
        format: Option<LotFormat>,
        #[command(flatten)]
        centre: AskCentre,
    },
}

/// The other forms of a lot's trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LotFormat {
    /// A GS1 EPCIS 2.0 document (JSON-LD) of every event of the lot.
    Epcis,
}

pub fn run(ctx: &Context, cmd: &TraceCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TraceCommand::Serial {
            serial,
            product,
            json,
            centre,
        } => {
            let (t, disputes): (SerialTrace, _) = if centre.central {
                centre.ask(ctx, async |central| {
                    let t = central
                        .trace_serial(serial, product.as_deref())
                        .await
                        .map_err(not_found)?;
                    let t: SerialTrace = serde_json::from_value(t).context(
                        "the centre's trace of the serial cannot be read: upgrade scantrail",
                    )?;
                    let open = central.conflicts().await?;
                    let disputes = open_of(open, &t.product.sku, None, Some(&t.serial));
                    Ok((t, disputes))
                })?
            } else {
                let store = ctx.open_store()?;
                let t = store.trace_serial(serial, product.as_deref())?;
                let disputes = store.open_conflicts_of(&t.product.sku, None, Some(&t.serial))?;
                (t, disputes)
            };
            if *json {
                print_json(&t)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "{}  {}  {}",
                shown(&t.serial),
                shown(&t.product.sku),
                shown(&t.product.name)
            )?;
            outln!("now      {}", t.whereabouts())?;
            outln!("lot      {}", shown(t.lot.as_deref().unwrap_or("—")))?;
            print_disputes(&disputes)?;
            for (i, e) in t.history.iter().enumerate() {
                let title = if i == 0 { "history  " } else { "         " };
                outln!("{title}{}", e.line("→", true))?;
            }
        }
        TraceCommand::Lot {
            lot,
            product,
            json,
            format,
            centre,
        } => {
            if *format == Some(LotFormat::Epcis) {
                let filter = EpcisFilter {
                    sku: Some(product.clone()),
                    lot: Some(lot.clone()),
                    ..EpcisFilter::default()
                };
                return super::export::epcis(ctx, &filter, centre);
            }
            let (t, disputes): (LotTrace, _) = if centre.central {
                centre.ask(ctx, async |central| {
                    let t = central.trace_lot(lot, product).await.map_err(not_found)?;
                    let t: LotTrace = serde_json::from_value(t).context(
                        "the centre's trace of the lot cannot be read: upgrade scantrail",
                    )?;
                    let open = central.conflicts().await?;
                    let disputes = open_of(open, &t.product.sku, Some(&t.lot), None);
                    Ok((t, disputes))
                })?
            } else {
                let store = ctx.open_store()?;
                let t = store.trace_lot(lot, product)?;
                let disputes = store.open_conflicts_of(&t.product.sku, Some(&t.lot), None)?;
                (t, disputes)
            };
            if *json {
                print_json(&t)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!(
                "lot {}  {}  {}",
                shown(&t.lot),
                shown(&t.product.sku),
                shown(&t.product.name)
            )?;
            outln!("expiry    {}", shown(t.expiry.as_deref().unwrap_or("—")))?;
            outln!("status    {}", t.status)?;
            print_disputes(&disputes)?;
            outln!("received  {}", t.received)?;
            let on_hand: i64 = t.on_hand.iter().map(|o| o.qty).sum();
            outln!("on hand   {on_hand}")?;
            for o in &t.on_hand {
                outln!("          {:>8}  at {}", o.qty, shown(&o.location))?;
            }
            for (title, lines) in [("shipped", &t.shipped), ("returned", &t.returned)] {
                let total: i64 = lines.iter().map(|l| l.qty).sum();
                outln!("{title:<9} {total}")?;
                for l in lines.iter() {
                    outln!(
                        "          {:>8}  {} {}",
                        l.qty,
                        shown(l.document.as_deref().unwrap_or("(no document)")),
                        shown(l.partner.as_deref().unwrap_or(""))
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The open conflicts among `all` about this product and lot or serial (the centre's list
/// holds every conflict; a station's holds what it pulled).
fn open_of(
    all: Vec<WireConflict>,
    sku: &str,
    lot: Option<&str>,
    serial: Option<&str>,
) -> Vec<WireConflict> {
    all.into_iter()
        .filter(|c| {
            c.status == ConflictStatus::Open
                && c.product == sku
                && lot.is_none_or(|l| c.lot.as_deref() == Some(l))
                && serial.is_none_or(|s| c.serial.as_deref() == Some(s))
        })
        .collect()
}

/// One line per open conflict, as the kiosk marks a disputed serial or lot.
fn print_disputes(disputes: &[WireConflict]) -> anyhow::Result<()> {
    for c in disputes {
        outln!(
            "CONFLICT #{} {} ({}), detected {}: see scantrail conflicts, tell a supervisor",
            c.id,
            c.kind.as_str(),
            shown(&c.stations.join(", ")),
            c.detected_at.format("%Y-%m-%d %H:%M")
        )?;
    }
    Ok(())
}
