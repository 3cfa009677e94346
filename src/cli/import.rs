//! `scantrail import products|locations|orders FILE.csv`: all or nothing; every error names
//! the file and the line. A progress bar is drawn on a terminal for large files.

use super::Context;
use super::outln;
use crate::import::{file_label, read_locations, read_orders, read_products};
use crate::store::ImportSummary;
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// What the file holds.
    #[arg(value_enum)]
    pub what: ImportKind,
    /// The CSV file (header row required, UTF-8).
    pub file: PathBuf,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum ImportKind {
    /// sku,name,tracking,barcodes[,serial_pattern]
    Products,
    /// code,name[,parent]
    Locations,
    /// ref,kind,partner,sku,qty
    Orders,
}

impl ImportKind {
    /// The word on the command line.
    pub fn word(self) -> &'static str {
        match self {
            ImportKind::Products => "products",
            ImportKind::Locations => "locations",
            ImportKind::Orders => "orders",
        }
    }
}

/// Rows above which a progress bar is worth drawing.
const PROGRESS_FROM: usize = 5_000;

pub fn run(ctx: &Context, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    if ctx.config.sync.url.is_some() {
        // A station's own catalog would fork from the centre's, which every station pulls.
        anyhow::bail!(
            "this station syncs with a central database ([sync] url in {}): the catalog is kept there. Import it centrally with `scantrail central import {} {}`; this station receives it with the next sync",
            ctx.source,
            args.what.word(),
            args.file.display()
        );
    }
    let label = file_label(&args.file);
    let file = std::fs::File::open(&args.file).with_context(|| format!("cannot open {label}"))?;
    let input = std::io::BufReader::new(file);
    let mut store = ctx.create_store()?;
    let with_bar = |n: usize| {
        if n >= PROGRESS_FROM && std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(n as u64);
            bar.set_style(
                ProgressStyle::with_template("{msg} {bar:40} {pos}/{len} rows, {eta} left")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(format!("importing {label}"));
            bar
        } else {
            ProgressBar::hidden()
        }
    };
    let (noun, summary): (&str, ImportSummary) = match args.what {
        ImportKind::Products => {
            let rows = read_products(&label, input)?;
            let bar = with_bar(rows.len());
            let s = store
                .import_products(&rows, &mut |n| bar.inc(n))
                .with_context(|| format!("{label}: nothing was imported"))?;
            bar.finish_and_clear();
            ("products", s)
        }
        ImportKind::Locations => {
            let rows = read_locations(&label, input)?;
            let bar = with_bar(rows.len());
            let s = store
                .import_locations(&rows, &mut |n| bar.inc(n))
                .with_context(|| format!("{label}: nothing was imported"))?;
            bar.finish_and_clear();
            ("locations", s)
        }
        ImportKind::Orders => {
            let rows = read_orders(&label, input, &ctx.config.barcodes)?;
            let bar = with_bar(rows.len());
            let s = store
                .import_orders(&rows, &mut |n| bar.inc(n))
                .with_context(|| format!("{label}: nothing was imported"))?;
            bar.finish_and_clear();
            ("orders", s)
        }
    };
    outln!(
        "imported {label}: {} {noun} added, {} updated",
        summary.added,
        summary.updated
    )?;
    Ok(ExitCode::SUCCESS)
}
