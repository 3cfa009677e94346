//! Decode throughput: how many scans per second one core classifies, for a mixed set of
//! GS1 DataMatrix strings (4–6 AIs), GS1 Digital Link URIs, plain GTINs and plain text,
//! with no database (the store's lookups are outside this measure).
//!
//! Run: `cargo bench --bench decode` (plain `std::time::Instant`, no harness). It warms up,
//! then times several rounds over the whole set and prints decodes per second for each
//! kind and for the mix; `docs/benchmarks.md` records the figures.

use scantrail::barcode::classify::{Classifier, NoStore};
use scantrail::config::BarcodeConfig;
use std::hint::black_box;
use std::time::{Duration, Instant};

const DATAMATRIX: &[&str] = &[
    "]d2010950600013435217261231\x1d10ABC123\x1d21SN-000123",
    "]d201095060001343521726120010LOT-2026-11\x1d21A1B2C3D4\x1d3103001250",
    "]d2010061414100041817270615\x1d10B-77\x1d240PART-9\x1d31030005003922995",
    "]d2010061414100041817280300\x1d10X9\x1d21S/N:7781\x1d70032612312359\x1d422276",
    "]d2010950600013435211260101172701001526063010LOT42\x1d21Z99",
];

const DIGITAL_LINK: &[&str] = &[
    "https://id.gs1.org/01/09506000134352/10/ABC123/21/SN-000123?17=261231",
    "https://brand.example.com/p/01/9506000134352/10/LOT%2F42?3103=001250&linkType=gs1:pip",
    "https://id.gs1.org/01/00614141000418/21/000042",
    "https://example.org/00/106141412345678908?02=09506000134352&37=48",
];

const GTINS: &[&str] = &[
    "4006381333931",
    "036000291452",
    "96385074",
    "10614141000415",
];

const TEXT: &[&str] = &[
    "LOT-2026-11",
    "SN123456789",
    "LOC-A-01-3",
    "CMD-QTY-12",
    "PO-1001",
    "OP-ANNA",
];

/// Decodes per second over `scans`, best of `rounds` rounds of about `round` each.
fn measure(classifier: &Classifier, scans: &[&str], round: Duration, rounds: usize) -> Vec<f64> {
    let mut rates = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        let mut n = 0u64;
        while start.elapsed() < round {
            for scan in scans {
                let outcome = classifier.classify(black_box(scan), &NoStore);
                black_box(&outcome);
                n += 1;
            }
        }
        rates.push(n as f64 / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    rates
}

fn main() {
    let classifier = Classifier::new(&BarcodeConfig::default());
    for scan in DATAMATRIX
        .iter()
        .chain(DIGITAL_LINK)
        .chain(GTINS)
        .chain(TEXT)
    {
        // Every scan in the set must decode as intended, or the figures mean nothing.
        match classifier.classify(scan, &NoStore) {
            Ok(c) => {
                let ok = !matches!(
                    c,
                    scantrail::barcode::classify::Classified::InvalidGs1 { .. }
                        | scantrail::barcode::classify::Classified::BadCommand { .. }
                );
                if !ok {
                    eprintln!("bench input does not decode cleanly: {scan:?}: {c:?}");
                    std::process::exit(1);
                }
            }
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        }
    }
    let mixed: Vec<&str> = DATAMATRIX
        .iter()
        .chain(DIGITAL_LINK)
        .chain(GTINS)
        .chain(TEXT)
        .copied()
        .collect();
    // Warm-up: caches, branch predictors, allocator.
    measure(&classifier, &mixed, Duration::from_millis(500), 1);
    println!(
        "decode throughput, one thread, decodes per second (min / median / max of 7 rounds of 0.5 s)"
    );
    for (name, set) in [
        ("GS1 DataMatrix (4-6 AIs)", DATAMATRIX),
        ("GS1 Digital Link URIs", DIGITAL_LINK),
        ("plain GTINs", GTINS),
        ("plain text and prefixes", TEXT),
        ("mixed (all of the above)", &mixed[..]),
    ] {
        let rates = measure(&classifier, set, Duration::from_millis(500), 7);
        let (min, median, max) = (rates[0], rates[rates.len() / 2], rates[rates.len() - 1]);
        println!(
            "{name:<28} {:>12.0} / {:>12.0} / {:>12.0}",
            min, median, max
        );
    }
}
