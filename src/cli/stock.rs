//! `scantrail stock [--product SKU] [--location CODE] [--lot LOT] [--json] [--central]`: what
//! is on hand, at this station or (with `--central`) in the whole warehouse.

use super::central::AskCentre;
use super::outln;
use super::{Context, print_json, print_table};
use crate::store::{StockFilter, StockRow};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct StockArgs {
    /// Only this product.
    #[arg(long, value_name = "SKU")]
    pub product: Option<String>,
    /// Only this location and the locations inside it.
    #[arg(long, value_name = "CODE")]
    pub location: Option<String>,
    /// Only this lot code.
    #[arg(long, value_name = "LOT")]
    pub lot: Option<String>,
    /// One JSON document: [{"sku","lot","location","qty"}].
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub centre: AskCentre,
}

pub fn run(ctx: &Context, args: &StockArgs) -> anyhow::Result<ExitCode> {
    let filter = StockFilter {
        sku: args.product.clone(),
        location: args.location.clone(),
        lot: args.lot.clone(),
    };
    let rows = if args.centre.central {
        args.centre
            .ask(ctx, async |central| Ok(central.stock(&filter).await?))?
    } else {
        local(ctx, &filter)?
    };
    if args.json {
        print_json(&rows)?;
    } else if rows.is_empty() {
        outln!("no stock on hand matches")?;
    } else {
        let table: Vec<Vec<String>> = rows
            .iter()
            .map(|r| {
                vec![
                    r.sku.clone(),
                    r.lot.clone().unwrap_or_else(|| "—".into()),
                    r.location.clone(),
                    r.qty.to_string(),
                ]
            })
            .collect();
        print_table(&["SKU", "LOT", "LOCATION", "QTY"], &table)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// This station's stock; a product or location it does not know is an error, not an empty list.
fn local(ctx: &Context, filter: &StockFilter) -> anyhow::Result<Vec<StockRow>> {
    let store = ctx.open_store()?;
    if let Some(sku) = &filter.sku
        && store.product_by_sku(sku)?.is_none()
    {
        anyhow::bail!("there is no product with SKU '{sku}'");
    }
    if let Some(code) = &filter.location
        && store.location_by_code(code)?.is_none()
    {
        anyhow::bail!("there is no location '{code}'");
    }
    Ok(store.stock(filter)?)
}
