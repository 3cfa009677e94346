//! `scantrail document REF [--json] [--format text|pdf] [-o PATH]`: a purchase order, sales
//! order or return as the paper that goes with the goods (SPEC §8) — the pick list of a sales
//! order before it is picked, its packing slip after, a purchase order's receipt, a return's
//! record — with its lines, what was received, picked or returned, and which lots and serials.
//! The words and the layout are in `crate::documents`; this edge reads the clock, the station
//! name and the arguments, and writes the result.

use super::Context;
use crate::documents::pdf::Paper;
use crate::documents::{Form, gather, pdf, text};
use anyhow::Context as _;
use chrono::NaiveDate;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DocumentArgs {
    /// The document's reference: PO-…, SO-…, RMA-….
    #[arg(value_name = "REF")]
    pub reference: String,
    /// One JSON document: reference, kind, form, status, partner, date, station and its
    /// lines, each with what was ordered, done and open and its items (lot, expiry,
    /// location, quantity, serials); the whole shape is in docs/labels.md, "Documents".
    #[arg(long, conflicts_with = "format")]
    pub json: bool,
    /// `text` for a terminal (the default) or `pdf` (then -o is required).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    pub format: DocumentFormat,
    /// Where to write it; `-` is standard output (the default for text and JSON).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The paper of a PDF.
    #[arg(long, value_enum, default_value = "a4")]
    pub paper: Paper,
    /// A sales order as its pick list (what is still to pick, and where) or its packing slip
    /// (what went); without it, the pick list until something is shipped, then the slip.
    #[arg(long = "as", value_enum, value_name = "FORM")]
    pub form: Option<Form>,
    /// The day printed on it, against which a pick list counts lots as expired (YYYY-MM-DD;
    /// default today, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub date: Option<NaiveDate>,
}

fn parse_day(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("a day as YYYY-MM-DD, not '{text}'"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DocumentFormat {
    Text,
    Pdf,
}

pub fn run(ctx: &Context, args: &DocumentArgs) -> anyhow::Result<ExitCode> {
    if args.format == DocumentFormat::Pdf && args.output.is_none() {
        anyhow::bail!("a PDF needs somewhere to go: add -o FILE (or -o - for standard output)");
    }
    let store = ctx.open_store()?;
    let today = args.date.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let doc = gather(&store, &args.reference, args.form, today, &ctx.station())?;
    let bytes = if args.json {
        let mut b = serde_json::to_vec(&doc).context("cannot write JSON")?;
        b.push(b'\n');
        b
    } else {
        match args.format {
            DocumentFormat::Text => text::render(&doc).into_bytes(),
            DocumentFormat::Pdf => pdf::write(&doc, args.paper),
        }
    };
    match args.output.as_deref() {
        None => std::io::stdout().lock().write_all(&bytes)?,
        Some(p) if p.as_os_str() == "-" => std::io::stdout().lock().write_all(&bytes)?,
        Some(p) => {
            std::fs::write(p, &bytes).with_context(|| format!("cannot write {}", p.display()))?
        }
    }
    Ok(ExitCode::SUCCESS)
}
