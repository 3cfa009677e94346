//! `scantrail trace serial|lot`: the warranty question (where has this unit been?) and the
//! recall question (who got this lot, and what is still on hand where?).

use super::outln;
use super::{Context, print_json};
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
    },
    /// A lot's recall view: received, on hand by location, shipped and returned per order.
    Lot {
        lot: String,
        #[arg(long, value_name = "SKU")]
        product: String,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(ctx: &Context, cmd: &TraceCommand) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    match cmd {
        TraceCommand::Serial {
            serial,
            product,
            json,
        } => {
            let t = store.trace_serial(serial, product.as_deref())?;
            if *json {
                print_json(&t)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!("{}  {}  {}", t.serial, t.product.sku, t.product.name)?;
            let now = t.whereabouts();
            outln!("now      {now}")?;
            outln!("lot      {}", t.lot.as_deref().unwrap_or("—"))?;
            for (i, e) in t.history.iter().enumerate() {
                outln!(
                    "{}{}  {:<9} {} → {}{}  {}{}",
                    if i == 0 { "history  " } else { "         " },
                    e.at.get(..16).unwrap_or(&e.at).replace('T', " "),
                    e.kind.as_str(),
                    e.from.as_deref().unwrap_or("—"),
                    e.to.as_deref().unwrap_or("—"),
                    e.document
                        .as_deref()
                        .map(|d| format!(" {d}"))
                        .unwrap_or_default(),
                    e.station,
                    e.operator
                        .as_deref()
                        .map(|o| format!(" {o}"))
                        .unwrap_or_default(),
                )?;
            }
        }
        TraceCommand::Lot { lot, product, json } => {
            let t = store.trace_lot(lot, product)?;
            if *json {
                print_json(&t)?;
                return Ok(ExitCode::SUCCESS);
            }
            outln!("lot {}  {}  {}", t.lot, t.product.sku, t.product.name)?;
            outln!("expiry    {}", t.expiry.as_deref().unwrap_or("—"))?;
            outln!("status    {}", t.status)?;
            outln!("received  {}", t.received)?;
            let on_hand: i64 = t.on_hand.iter().map(|o| o.qty).sum();
            outln!("on hand   {on_hand}")?;
            for o in &t.on_hand {
                outln!("          {:>8}  at {}", o.qty, o.location)?;
            }
            for (title, lines) in [("shipped", &t.shipped), ("returned", &t.returned)] {
                let total: i64 = lines.iter().map(|l| l.qty).sum();
                outln!("{title:<9} {total}")?;
                for l in lines.iter() {
                    outln!(
                        "          {:>8}  {} {}",
                        l.qty,
                        l.document.as_deref().unwrap_or("(no document)"),
                        l.partner.as_deref().unwrap_or("")
                    )?;
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
