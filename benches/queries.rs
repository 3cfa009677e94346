//! The reports on a large journal, through the `Store` methods the CLI calls: `trace serial`
//! over random serials, `trace lot` of the lot shipped to 1,000 orders, `stock --product`
//! over every product. Warm-up, many samples, mean / p50 / p99 / max.
//!
//! It needs a database made by the generator (see `examples/generate_journal.rs`) and the
//! `<db>.json` it writes beside it:
//!
//! ```text
//! cargo run --release --example generate_journal -- --db /work/bench-data/journal-10m.db
//! SCANTRAIL_BENCH_DB=/work/bench-data/journal-10m.db cargo bench --bench queries
//! ```
//!
//! Without `SCANTRAIL_BENCH_DB` it says so and measures nothing. `SCANTRAIL_BENCH_ONLY`
//! (a comma-separated list of `serial`, `lot`, `stock`) runs only those queries.

use anyhow::{Context, bail};
use scantrail::config::DatabaseConfig;
use scantrail::store::{StockFilter, Store};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(Debug, serde::Deserialize)]
struct Manifest {
    movements: u64,
    serials: u32,
    products: u32,
    serial_products: (u32, u32),
    lot_products: (u32, u32),
    recall_sku: String,
    recall_lot: String,
    recall_orders: u32,
}

mod support;
use support::{Rng, Stats};

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn report(name: &str, samples: &mut [Duration], target: Option<(&str, Duration)>, note: &str) {
    let s = Stats::of(samples);
    let verdict = match target {
        Some((which, limit)) => {
            let value = if which == "p99" { s.p99 } else { s.mean };
            format!(
                "{which} target < {:.0} ms: {}",
                ms(limit),
                if value < limit { "met" } else { "MISSED" }
            )
        }
        None => String::new(),
    };
    println!(
        "  {name:<34} {:>7} {:>9.3} {:>9.3} {:>9.3} {:>9.3} {:>9.0}  {verdict}  {note}",
        s.n,
        ms(s.mean),
        ms(s.p50),
        ms(s.p99),
        ms(s.max),
        1.0 / s.mean.as_secs_f64(),
    );
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let Some(db) = std::env::var_os("SCANTRAIL_BENCH_DB").map(PathBuf::from) else {
        println!(
            "queries: set SCANTRAIL_BENCH_DB to a database made by \
             `cargo run --release --example generate_journal -- --db PATH`; nothing measured"
        );
        return Ok(());
    };
    let mut manifest_path = db.clone().into_os_string();
    manifest_path.push(".json");
    let manifest_path = PathBuf::from(manifest_path);
    let manifest: Manifest = serde_json::from_str(
        &std::fs::read_to_string(&manifest_path)
            .with_context(|| format!("cannot read {}", manifest_path.display()))?,
    )
    .with_context(|| {
        format!(
            "{} is not the generator's manifest",
            manifest_path.display()
        )
    })?;
    let opened = Instant::now();
    let store = Store::open_existing(&db, &DatabaseConfig::default())?;
    println!(
        "{}: {} movements, {} serials, {} products; opened in {:.1} ms",
        db.display(),
        manifest.movements,
        manifest.serials,
        manifest.products,
        ms(opened.elapsed())
    );
    println!(
        "  {:<34} {:>7} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "query", "samples", "mean ms", "p50 ms", "p99 ms", "max ms", "per s"
    );
    let mut rng = Rng(7);
    // SCANTRAIL_BENCH_ONLY=serial,lot,stock picks some of the three.
    let only = std::env::var("SCANTRAIL_BENCH_ONLY").ok();
    let wanted = |name: &str| {
        only.as_deref()
            .is_none_or(|o| o.split(',').any(|w| w.trim() == name))
    };

    if wanted("serial") {
        // trace serial: random serials, no SKU given (as a person at the kiosk would ask).
        let serial = |rng: &mut Rng| format!("SN-{:08}", rng.next() % u64::from(manifest.serials));
        let mut events = 0;
        for _ in 0..2_000 {
            store.trace_serial(&serial(&mut rng), None)?;
        }
        let mut samples = Vec::new();
        for _ in 0..20_000 {
            let s = serial(&mut rng);
            let t = Instant::now();
            let trace = store.trace_serial(&s, None)?;
            samples.push(t.elapsed());
            events += trace.history.len();
        }
        let note = format!(
            "{:.1} events per serial",
            events as f64 / samples.len() as f64
        );
        report(
            "trace serial (random serial)",
            &mut samples,
            Some(("p99", Duration::from_millis(1))),
            &note,
        );
    }
    if wanted("lot") {
        // trace lot: the lot shipped to 1,000 orders.
        let lot = store.trace_lot(&manifest.recall_lot, &manifest.recall_sku)?;
        if lot.shipped.len() != manifest.recall_orders as usize {
            bail!(
                "lot {} shows {} shipped lines, not the {} orders the generator made",
                manifest.recall_lot,
                lot.shipped.len(),
                manifest.recall_orders
            );
        }
        for _ in 0..20 {
            store.trace_lot(&manifest.recall_lot, &manifest.recall_sku)?;
        }
        let mut samples = Vec::new();
        for _ in 0..500 {
            let t = Instant::now();
            store.trace_lot(&manifest.recall_lot, &manifest.recall_sku)?;
            samples.push(t.elapsed());
        }
        report(
            "trace lot (shipped to 1,000 orders)",
            &mut samples,
            Some(("p99", Duration::from_millis(20))),
            &format!("{} order lines", lot.shipped.len()),
        );
    }
    if wanted("stock") {
        // stock --product: every product, in random order, twice; split by tracking.
        let mut skus: Vec<u32> = (1..=manifest.products)
            .chain(1..=manifest.products)
            .collect();
        for i in (1..skus.len()).rev() {
            skus.swap(i, (rng.next() % (i as u64 + 1)) as usize);
        }
        let filter = |i: u32| StockFilter {
            sku: Some(format!("SKU-{i:05}")),
            location: None,
            lot: None,
        };
        for &i in skus.iter().take(500) {
            store.stock(&filter(i))?;
        }
        let mut all = Vec::new();
        let mut by_kind: [(Vec<Duration>, usize, usize); 3] = Default::default();
        for &i in &skus {
            let f = filter(i);
            let t = Instant::now();
            let rows = store.stock(&f)?;
            let d = t.elapsed();
            all.push(d);
            let kind = if i <= manifest.serial_products.1 {
                0
            } else if i <= manifest.lot_products.1 {
                1
            } else {
                2
            };
            let slot = &mut by_kind[kind];
            slot.0.push(d);
            slot.1 += rows.len();
            slot.2 = slot.2.max(rows.len());
        }
        report(
            "stock --product (every product)",
            &mut all,
            Some(("p99", Duration::from_millis(5))),
            "",
        );
        for (name, (mut samples, rows, max_rows)) in [
            "  serial-tracked products",
            "  lot-tracked products",
            "  untracked products",
        ]
        .into_iter()
        .zip(by_kind)
        {
            let note = format!(
                "{:.0} rows on average, {max_rows} at most",
                rows as f64 / samples.len() as f64
            );
            report(name, &mut samples, None, &note);
        }
    }
    Ok(())
}
