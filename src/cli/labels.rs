//! `scantrail labels serial|lot|location|product|commands …` (SPEC §8): labels from the
//! catalog and the journal, written as PNG, SVG, PDF or ZPL to a file or standard output,
//! or sent to the `[labels]` printer with `--print`. The command sheet needs no database.

use super::Context;
use crate::labels::content::{self, Gs1Choice, LabelContent, LotFacts, ProductFacts};
use crate::labels::printer::Printer;
use crate::labels::{Format, Label};
use crate::store::{ProductInfo, Store};
use anyhow::{Context as _, bail};
use clap::{Subcommand, ValueEnum};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct LabelsArgs {
    #[command(subcommand)]
    pub what: LabelsCommand,
    /// png, svg, pdf or zpl; else from the -o file's extension, else pdf (zpl with --print).
    #[arg(long, value_enum, global = true)]
    pub format: Option<FormatArg>,
    /// Where to write the labels; `-` (the default) is standard output.
    #[arg(short = 'o', long = "output", value_name = "PATH", global = true)]
    pub output: Option<PathBuf>,
    /// How a GS1 serial, lot or product label is printed.
    #[arg(long, value_enum, default_value_t = SymbologyArg::Datamatrix, global = true)]
    pub symbology: SymbologyArg,
    /// The start of the GS1 Digital Link URIs for --symbology qr-dl (https://id.example.com).
    #[arg(long, value_name = "URL", global = true)]
    pub dl_base: Option<String>,
    /// Send the labels as ZPL to the [labels] printer (as well as to -o, if given).
    #[arg(long, global = true)]
    pub print: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Png,
    Svg,
    Pdf,
    Zpl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SymbologyArg {
    /// GS1 DataMatrix (a scanner reports ]d2).
    Datamatrix,
    /// GS1-128, Code 128 with FNC1 (]C1).
    #[value(name = "gs1-128")]
    Gs1_128,
    /// A QR code of the GS1 Digital Link URI (needs --dl-base).
    #[value(name = "qr-dl")]
    QrDl,
}

#[derive(Debug, Subcommand)]
pub enum LabelsCommand {
    /// Serial labels: the serials named, or every serial received on a purchase order.
    Serial {
        #[arg(
            value_name = "SERIAL",
            required_unless_present = "document",
            conflicts_with = "document"
        )]
        serials: Vec<String>,
        /// The serials' product; without it each serial must be in the books already.
        #[arg(long, value_name = "SKU")]
        product: Option<String>,
        /// Every serial received on this purchase order (PO-…) and not undone.
        #[arg(long, value_name = "REF")]
        document: Option<String>,
    },
    /// A lot label, with the lot's expiry when it has one.
    Lot {
        lot: String,
        #[arg(long, value_name = "SKU")]
        product: String,
        /// The expiry (YYYY-MM-DD) of a lot that is not in the books yet.
        #[arg(long, value_name = "DATE")]
        expiry: Option<String>,
    },
    /// Location labels (LOC-…): the codes named, every location, or all under one.
    Location {
        #[arg(value_name = "CODE")]
        codes: Vec<String>,
        /// Every location.
        #[arg(long)]
        all: bool,
        /// This location and every location inside it.
        #[arg(long, value_name = "CODE")]
        under: Option<String>,
    },
    /// Product labels: the GTIN as GS1, else the product's other barcode as Code 128.
    Product {
        #[arg(value_name = "SKU", required = true)]
        skus: Vec<String>,
    },
    /// The sheet of command barcodes (CMD-…), each with its caption, CMD-QTY-1 to -10.
    Commands,
}

pub fn run(ctx: &Context, args: &LabelsArgs) -> anyhow::Result<ExitCode> {
    let choice = match args.symbology {
        SymbologyArg::Datamatrix => Gs1Choice::DataMatrix,
        SymbologyArg::Gs1_128 => Gs1Choice::Gs1_128,
        SymbologyArg::QrDl => match &args.dl_base {
            Some(base) if crate::barcode::gs1::digital_link::is_web_address(base) => {
                Gs1Choice::DigitalLink(base.clone())
            }
            Some(base) => bail!("--dl-base '{base}' is not a web address (https://…)"),
            None => {
                bail!("--symbology qr-dl needs --dl-base URL, the start of the Digital Link URIs")
            }
        },
    };
    if args.dl_base.is_some() && args.symbology != SymbologyArg::QrDl {
        bail!("--dl-base goes with --symbology qr-dl");
    }
    let format = match (args.format, &args.output) {
        (Some(f), _) => f,
        (None, Some(path)) => match path.extension().and_then(|e| e.to_str()) {
            Some("png") => FormatArg::Png,
            Some("svg") => FormatArg::Svg,
            Some("zpl") => FormatArg::Zpl,
            _ if args.print => FormatArg::Zpl,
            _ => FormatArg::Pdf,
        },
        (None, None) if args.print => FormatArg::Zpl,
        (None, None) => FormatArg::Pdf,
    };
    let contents = match &args.what {
        LabelsCommand::Commands => content::command_sheet(&ctx.config.barcodes.command_prefix)?,
        what => gather(&ctx.open_store()?, ctx, what, &choice)?,
    };
    // ZPL alone (to a file or the printer) needs no symbol encoded; with --print beside
    // another format, the labels are encoded for that one.
    let labels = contents
        .into_iter()
        .map(|c| match format {
            FormatArg::Zpl => Label::for_zpl(c),
            FormatArg::Png | FormatArg::Svg | FormatArg::Pdf => Label::new(c),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let config = &ctx.config.labels;
    let geometry = crate::labels::geometry(config);
    let paper = crate::labels::paper_mm(config);
    let count = labels.len();
    if args.print {
        let printer = Printer::from_config(config.printer.as_deref())?;
        let zpl = crate::labels::render(&labels, Format::Zpl, &geometry, paper)?;
        printer.send(&zpl)?;
        eprintln!("sent {count} label(s) to the printer {}", printer.name());
        if args.output.is_none() {
            return Ok(ExitCode::SUCCESS);
        }
    }
    let bytes = crate::labels::render(
        &labels,
        match format {
            FormatArg::Png => Format::Png,
            FormatArg::Svg => Format::Svg,
            FormatArg::Pdf => Format::Pdf,
            FormatArg::Zpl => Format::Zpl,
        },
        &geometry,
        paper,
    )?;
    match args.output.as_deref() {
        None => std::io::stdout().lock().write_all(&bytes)?,
        Some(p) if p.as_os_str() == "-" => std::io::stdout().lock().write_all(&bytes)?,
        Some(path) => {
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write the labels to {}", path.display()))?;
            eprintln!("wrote {count} label(s) to {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn product(store: &Store, sku: &str) -> anyhow::Result<ProductInfo> {
    store
        .product_by_sku(sku)?
        .ok_or_else(|| anyhow::anyhow!("there is no product with SKU '{sku}'"))
}

fn facts(store: &Store, product: &ProductInfo) -> anyhow::Result<ProductFacts> {
    Ok(ProductFacts {
        sku: product.sku.clone(),
        name: product.name.clone(),
        gtin: store.unit_gtin(product.id)?,
        alias: store.unit_alias(product.id)?,
    })
}

fn lot_facts(lot: crate::store::LotInfo) -> LotFacts {
    LotFacts {
        code: lot.code,
        expiry: lot.expiry,
    }
}

/// The labels asked for, from the books.
fn gather(
    store: &Store,
    ctx: &Context,
    what: &LabelsCommand,
    choice: &Gs1Choice,
) -> anyhow::Result<Vec<LabelContent>> {
    let mut out = Vec::new();
    match what {
        LabelsCommand::Serial {
            serials,
            product: sku,
            document,
        } => {
            let named = match sku {
                Some(sku) => Some(product(store, sku)?),
                None => None,
            };
            if let Some(p) = &named
                && p.tracking != crate::domain::Tracking::Serial
            {
                bail!("product {} is not tracked by serial number", p.sku);
            }
            let mut wanted: Vec<(ProductInfo, String)> = Vec::new();
            if let Some(reference) = document {
                let doc = store
                    .document_by_ref(reference)?
                    .ok_or_else(|| anyhow::anyhow!("there is no document '{reference}'"))?;
                if doc.kind != crate::domain::DocumentKind::Purchase {
                    bail!(
                        "{reference} is not a purchase order: serial labels come from what was received"
                    );
                }
                for received in store.serials_received(doc.id)? {
                    if named.as_ref().is_some_and(|p| p.id != received.product) {
                        continue;
                    }
                    let p = store.product(received.product)?.ok_or_else(|| {
                        anyhow::anyhow!("the product of serial {} is gone", received.serial)
                    })?;
                    wanted.push((p, received.serial));
                }
                if wanted.is_empty() {
                    bail!("no serials were received on {reference}");
                }
            }
            for serial in serials {
                let p = match &named {
                    Some(p) => p.clone(),
                    None => {
                        let ids = store.products_with_serial(serial)?;
                        match ids.as_slice() {
                            [id] => store.product(*id)?.ok_or_else(|| {
                                anyhow::anyhow!("the product of serial {serial} is gone")
                            })?,
                            [] => bail!(
                                "serial '{serial}' is not in the books: name its product with --product SKU to label a new unit"
                            ),
                            _ => bail!(
                                "serial '{serial}' belongs to several products: say which with --product SKU"
                            ),
                        }
                    }
                };
                wanted.push((p, serial.clone()));
            }
            for (p, serial) in wanted {
                let lot = store.serial_lot(p.id, &serial)?.flatten().map(lot_facts);
                out.push(content::serial(
                    &facts(store, &p)?,
                    &serial,
                    lot.as_ref(),
                    choice,
                )?);
            }
        }
        LabelsCommand::Lot {
            lot,
            product: sku,
            expiry,
        } => {
            let p = product(store, sku)?;
            if p.tracking != crate::domain::Tracking::Lot {
                bail!("product {} is not tracked by lot", p.sku);
            }
            let facts_of_lot = match (store.lot(p.id, lot)?, expiry) {
                (Some(known), None) => lot_facts(known),
                (Some(known), Some(date)) if known.expiry.as_deref() == Some(date.as_str()) => {
                    lot_facts(known)
                }
                (Some(known), Some(date)) => bail!(
                    "lot {lot} of {sku} expires {} in the books, not {date}: leave --expiry out",
                    known.expiry.as_deref().unwrap_or("never")
                ),
                (None, expiry) => {
                    if let Some(date) = expiry
                        && chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err()
                    {
                        bail!("--expiry {date} is not a date YYYY-MM-DD");
                    }
                    LotFacts {
                        code: lot.clone(),
                        expiry: expiry.clone(),
                    }
                }
            };
            out.push(content::lot(&facts(store, &p)?, &facts_of_lot, choice)?);
        }
        LabelsCommand::Location { codes, all, under } => {
            if codes.is_empty() && !*all && under.is_none() {
                bail!("name the locations (CODE…), or give --all or --under CODE");
            }
            let mut found = Vec::new();
            if *all {
                found.extend(store.all_locations()?);
            }
            if let Some(top) = under {
                let top = store
                    .location_by_code(top)?
                    .ok_or_else(|| anyhow::anyhow!("there is no location '{top}'"))?;
                found.extend(store.locations_under(top.id)?);
            }
            for code in codes {
                found.push(
                    store
                        .location_by_code(code)?
                        .ok_or_else(|| anyhow::anyhow!("there is no location '{code}'"))?,
                );
            }
            let mut seen = std::collections::HashSet::new();
            for location in found {
                if seen.insert(location.id) {
                    out.push(content::location(
                        &ctx.config.barcodes.location_prefix,
                        &location.code,
                        &location.name,
                    )?);
                }
            }
        }
        LabelsCommand::Product { skus } => {
            for sku in skus {
                out.push(content::product(
                    &facts(store, &product(store, sku)?)?,
                    choice,
                )?);
            }
        }
        LabelsCommand::Commands => {
            out = content::command_sheet(&ctx.config.barcodes.command_prefix)?;
        }
    }
    Ok(out)
}
