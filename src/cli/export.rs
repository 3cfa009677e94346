//! `scantrail export movements|stock [--format csv|json]`: the journal or the stock for
//! spreadsheets and other systems, streamed to stdout. JSON is one array. With `--central`,
//! every station's journal and the whole warehouse's stock, in the same columns, the journal
//! read a page at a time in the centre's order.

use super::Context;
use super::central::AskCentre;
use crate::store::StockFilter;
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
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ExportKind {
    /// Every movement of the journal, oldest first.
    Movements,
    /// Stock on hand by SKU, lot and location.
    Stock,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

pub fn run(ctx: &Context, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    if args.centre.central {
        return central(ctx, args);
    }
    let store = ctx.open_store()?;
    let stdout = std::io::stdout().lock();
    let out = std::io::BufWriter::new(stdout);
    match args.what {
        ExportKind::Movements => {
            let mut sink = Sink::new(out, args.format);
            store.export_movements(&mut |m| sink.row(&m))?;
            sink.finish()?;
        }
        ExportKind::Stock => {
            let mut sink = Sink::new(out, args.format);
            for row in store.stock(&StockFilter::default())? {
                sink.row(&row)?;
            }
            sink.finish()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The same exports from the centre: every station's movements, the whole warehouse's stock.
fn central(ctx: &Context, args: &ExportArgs) -> anyhow::Result<ExitCode> {
    args.centre.ask(ctx, async |central| {
        let stdout = std::io::stdout().lock();
        let mut sink = Sink::new(std::io::BufWriter::new(stdout), args.format);
        match args.what {
            ExportKind::Movements => {
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
            ExportKind::Stock => {
                for row in central.stock(&StockFilter::default()).await? {
                    sink.row(&row)?;
                }
            }
        }
        sink.finish()?;
        Ok(ExitCode::SUCCESS)
    })
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
                serde_json::to_writer(&mut *out, row).map_err(std::io::Error::other)
            }
        }
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
