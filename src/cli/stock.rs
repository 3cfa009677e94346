//! `scantrail stock [--product SKU] [--location CODE] [--lot LOT] [--json]`: what is on hand.

use super::outln;
use super::{Context, print_json, print_table};
use crate::store::StockFilter;
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
}

pub fn run(ctx: &Context, args: &StockArgs) -> anyhow::Result<ExitCode> {
    let store = ctx.open_store()?;
    if let Some(sku) = &args.product
        && store.product_by_sku(sku)?.is_none()
    {
        anyhow::bail!("there is no product with SKU '{sku}'");
    }
    if let Some(code) = &args.location
        && store.location_by_code(code)?.is_none()
    {
        anyhow::bail!("there is no location '{code}'");
    }
    let rows = store.stock(&StockFilter {
        sku: args.product.clone(),
        location: args.location.clone(),
        lot: args.lot.clone(),
    })?;
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
