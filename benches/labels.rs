//! Label throughput (issue 11): 1,000 serial labels to one PDF and 10,000 to ZPL, each timed
//! whole (content from the facts, the GS1 DataMatrix encoded for PDF and sized for ZPL
//! (`Label::for_format`), the layout, the format written, the file written) beside writing the very same bytes to a file with no encoding,
//! in the same run. The figure is labels per second; targets ≥ 1,000 PDF labels/s and
//! ≥ 20,000 ZPL labels/s.
//!
//! ZPL is also timed with every symbol encoded in full (`Label::new`, as before ZPL sized
//! the DataMatrix from its data), in the same rounds, and must give the same bytes.
//!
//! Run: `cargo bench --bench labels` (plain `std::time::Instant`, no harness). Five rounds
//! of each after one warm-up; the median and the best are printed. `docs/benchmarks.md`
//! records the figures.
#![allow(clippy::expect_used)]

use scantrail::labels::content::{self, Gs1Choice, LotFacts, ProductFacts};
use scantrail::labels::layout::LabelGeometry;
use scantrail::labels::{Format, Label, render};
use std::path::Path;
use std::time::Instant;

const ROUNDS: usize = 5;

/// How a label's symbol is made: as `Label::for_format` does, or encoded in full whatever
/// the format (`Label::new`, what ZPL did before it was sized from its data).
#[derive(Clone, Copy)]
enum Make {
    ForFormat,
    Encoded,
}

fn serial_labels(count: usize, format: Format, make: Make, file: &Path) -> Vec<u8> {
    let product = ProductFacts {
        sku: "LAP-X1".into(),
        name: "Laptop X1 Carbon".into(),
        gtin: Some("00614141000029".into()),
        alias: None,
    };
    let lot = LotFacts {
        code: "L2026-118".into(),
        expiry: Some("2027-01-31".into()),
    };
    let labels: Vec<Label> = (0..count)
        .map(|n| {
            let c = content::serial(
                &product,
                &format!("SN-4471-{n:06}"),
                Some(&lot),
                &Gs1Choice::DataMatrix,
            )
            .expect("content");
            match make {
                Make::ForFormat => Label::for_format(c, format),
                Make::Encoded => Label::new(c),
            }
            .expect("encode")
        })
        .collect();
    let geometry = LabelGeometry {
        width_mm: 50.0,
        height_mm: 25.0,
        dpi: 203,
    };
    let bytes = render(&labels, format, &geometry, (210.0, 297.0)).expect("render");
    std::fs::write(file, &bytes).expect("write");
    bytes
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn best(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    println!(
        "  what                                   labels   median labels/s   best labels/s   MB"
    );
    for (name, format, count) in [("PDF", Format::Pdf, 1_000), ("ZPL", Format::Zpl, 10_000)] {
        let file = dir.path().join("labels.out");
        let bytes = serial_labels(count, format, Make::ForFormat, &file);
        let mut encoded = Vec::new();
        let mut full = Vec::new();
        let mut bare = Vec::new();
        for _ in 0..ROUNDS {
            let start = Instant::now();
            let out = serial_labels(count, format, Make::ForFormat, &file);
            encoded.push(count as f64 / start.elapsed().as_secs_f64());
            assert_eq!(out, bytes);
            if matches!(format, Format::Zpl) {
                let start = Instant::now();
                let out = serial_labels(count, format, Make::Encoded, &file);
                full.push(count as f64 / start.elapsed().as_secs_f64());
                assert_eq!(out, bytes, "the same ZPL with the symbol encoded");
            }
            let start = Instant::now();
            std::fs::write(&file, &bytes).expect("write");
            bare.push(count as f64 / start.elapsed().as_secs_f64());
        }
        let mb = bytes.len() as f64 / 1e6;
        println!(
            "  {name} serial labels, GS1 DataMatrix    {count:>6}   {:>15.0}   {:>13.0}   {mb:.2}",
            median(encoded.clone()),
            best(&encoded)
        );
        if !full.is_empty() {
            println!(
                "  the same, symbol encoded (Label::new)  {count:>6}   {:>15.0}   {:>13.0}   {mb:.2}",
                median(full.clone()),
                best(&full)
            );
        }
        println!(
            "  the same bytes written, no encoding    {count:>6}   {:>15.0}   {:>13.0}   {mb:.2}",
            median(bare.clone()),
            best(&bare)
        );
    }
}
