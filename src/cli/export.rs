//! `scantrail export movements|stock|scans [--format csv|json]`: the journal, the stock or
//! the scan log (every scan with its outcome, errors included) for spreadsheets and other
//! systems, streamed to stdout. JSON is one array. With `--central`,
//! every station's journal and the whole warehouse's stock, in the same columns, the journal
//! read a page at a time in the centre's order.
//!
//! `scantrail export epcis [--since TIME] [--lot LOT --product SKU | --serial SERIAL]`: the
//! journal as one GS1 EPCIS 2.0 document (SPEC §9, `crate::epcis`), streamed as well; with
//! `--central`, every station's, a page at a time.

use super::Context;
use super::central::AskCentre;
use crate::config::Config;
use crate::epcis::Document;
use crate::store::{EpcisFilter, ExportScan, StockFilter};
use crate::sync::central::EXPORT_PAGE;
use anyhow::Context as _;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    pub what: ExportKind,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    #[command(flatten)]
    pub centre: AskCentre,
    #[command(flatten)]
    pub epcis: EpcisArgs,
}

/// Which events `export epcis` takes (and `trace lot --format epcis`).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct EpcisArgs {
    /// Only what happened at or after TIME (RFC 3339, e.g. 2026-11-20T08:00:00+01:00, or a
    /// date, meaning its midnight in UTC). Only for `export epcis`.
    #[arg(long, value_name = "TIME", value_parser = parse_since)]
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    /// Only the events of this lot (with --product): a recall package.
    #[arg(
        long,
        value_name = "LOT",
        requires = "product",
        conflicts_with = "serial"
    )]
    pub lot: Option<String>,
    /// Only the events of this product.
    #[arg(long, value_name = "SKU")]
    pub product: Option<String>,
    /// Only the events of this serial (of any product, or of --product).
    #[arg(long, value_name = "SERIAL")]
    pub serial: Option<String>,
}

impl EpcisArgs {
    fn given(&self) -> bool {
        self.since.is_some()
            || self.lot.is_some()
            || self.product.is_some()
            || self.serial.is_some()
    }

    fn filter(&self) -> EpcisFilter {
        EpcisFilter {
            since: self.since,
            sku: self.product.clone(),
            lot: self.lot.clone(),
            serial: self.serial.clone(),
        }
    }
}

/// `--since`: an RFC 3339 time or a date.
fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| {
            format!(
                "'{text}' is not a time like 2026-11-20T08:00:00+01:00 or a date like 2026-11-20"
            )
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportKind {
    /// Every movement of the journal, oldest first.
    Movements,
    /// Stock on hand by SKU, lot and location.
    Stock,
    /// The scan log, oldest first: every scan with its outcome and message, errors included.
    Scans,
    /// The journal as one GS1 EPCIS 2.0 document (JSON-LD), for traceability partners.
    Epcis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

pub fn run(ctx: &Context, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if args.what != ExportKind::Epcis && args.epcis.given() {
        eprintln!(
            "scantrail: --since, --lot, --product and --serial choose the events of `export epcis`; \
             `export movements` and `export stock` take the whole journal or stock"
        );
        return Ok(ExitCode::from(2));
    }
    let table = match args.what {
        ExportKind::Epcis => return epcis(ctx, &args.epcis.filter(), &args.centre),
        ExportKind::Movements => Table::Movements,
        ExportKind::Stock => Table::Stock,
        ExportKind::Scans => Table::Scans,
    };
    if args.centre.central {
        return central(ctx, table, args.format, &args.centre);
    }
    let store = ctx.open_store()?;
    let stdout = std::io::stdout().lock();
    let out = std::io::BufWriter::new(stdout);
    match table {
        Table::Movements => {
            let mut sink = Sink::new(out, args.format);
            store.export_movements(&mut |m| sink.row(&m))?;
            sink.finish()?;
        }
        Table::Stock => {
            let mut sink = Sink::new(out, args.format);
            for row in store.stock(&StockFilter::default())? {
                sink.row(&row)?;
            }
            sink.finish()?;
        }
        Table::Scans => {
            let mut sink = Sink::new(out, args.format);
            store.export_scans(&mut |scan| sink.scan(scan))?;
            sink.finish()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The EPCIS document of the events `filter` takes, from this station's journal or, with
/// `--central`, from every station's.
pub fn epcis(ctx: &Context, filter: &EpcisFilter, centre: &AskCentre) -> anyhow::Result<ExitCode> {
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let created = chrono::Utc::now();
    if centre.central {
        return central_epcis(ctx, filter, centre, out, created);
    }
    let store = ctx.open_store()?;
    crate::epcis::export(&store, &ctx.config.epcis, filter, created, out)?;
    Ok(ExitCode::SUCCESS)
}

/// Every station's events from the centre: the status changes first (they are few), then
/// the movements a page at a time, so the document streams as a station's does.
fn central_epcis(
    ctx: &Context,
    filter: &EpcisFilter,
    centre: &AskCentre,
    out: impl Write,
    created: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<ExitCode> {
    let config: &Config = &ctx.config;
    centre.ask(ctx, async |central| {
        let changes = central
            .epcis_lot_changes(filter)
            .await
            .map_err(super::central::not_found)?;
        let mut document = Document::begin(out, &config.epcis, created, changes)?;
        let mut after = None;
        loop {
            let (movements, next) = central
                .epcis_movements_page(filter, after, EXPORT_PAGE)
                .await?;
            if movements.is_empty() {
                break;
            }
            for m in &movements {
                document.movement(m)?;
            }
            after = next;
        }
        document.finish()?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The same exports from the centre: every station's movements, the whole warehouse's stock.
fn central(
    ctx: &Context,
    table: Table,
    format: Format,
    centre: &AskCentre,
) -> anyhow::Result<ExitCode> {
    centre.ask(ctx, async |central| {
        let stdout = std::io::stdout().lock();
        let mut sink = Sink::new(std::io::BufWriter::new(stdout), format);
        match table {
            Table::Movements => {
                let mut after = None;
                loop {
                    let page = central.movements_page(after, EXPORT_PAGE).await?;
                    if page.movements.is_empty() {
                        break;
                    }
                    for m in &page.movements {
                        sink.row(m)?;
                    }
                    after = page.next;
                }
            }
            Table::Stock => {
                for row in central.stock(&StockFilter::default()).await? {
                    sink.row(&row)?;
                }
            }
            Table::Scans => {
                let mut after = 0;
                loop {
                    let (scans, last) = central.scans_page(after, EXPORT_PAGE).await?;
                    if scans.is_empty() {
                        break;
                    }
                    for scan in scans {
                        sink.scan(scan)?;
                    }
                    after = last;
                }
            }
        }
        sink.finish()?;
        Ok(ExitCode::SUCCESS)
    })
}

/// The table exports.
#[derive(Debug, Clone, Copy)]
enum Table {
    Movements,
    Stock,
    Scans,
}

/// Rows to CSV (header from the first row's fields) or to one streamed JSON array.
enum Sink<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Json { out: W, first: bool },
}

impl<W: Write> Sink<W> {
    fn new(out: W, format: Format) -> Self {
        match format {
            Format::Csv => Sink::Csv(Box::new(csv::Writer::from_writer(out))),
            Format::Json => Sink::Json { out, first: true },
        }
    }

    fn row<T: serde::Serialize>(&mut self, row: &T) -> std::io::Result<()> {
        match self {
            Sink::Csv(w) => w.serialize(row).map_err(std::io::Error::other),
            Sink::Json { out, first } => {
                out.write_all(if *first { b"[\n" } else { b",\n" })?;
                *first = false;
                super::json_to_writer(&mut *out, row).map_err(std::io::Error::other)
            }
        }
    }

    /// A row of the scan log. A CSV file is read by people and by spreadsheets: the scan as
    /// the kiosk shows it (a GS as `<GS>`, other control characters escaped), so that no
    /// scan can drive a terminal that prints the file. JSON keeps it exact (escaped by JSON).
    fn scan(&mut self, mut scan: ExportScan) -> std::io::Result<()> {
        if let Sink::Csv(_) = self {
            scan.raw = crate::session::shown(&scan.raw);
        }
        self.row(&scan)
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Sink::Csv(mut w) => w.flush().context("cannot write the export")?,
            Sink::Json { mut out, first } => {
                out.write_all(if first { b"[]\n" } else { b"\n]\n" })?;
                out.flush()?;
            }
        }
        Ok(())
    }
}
