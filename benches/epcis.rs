//! `export epcis` on a large journal: events per second and memory, beside `export
//! movements --format json` of the same journal in the same run (the baseline: the same
//! journal read in the same order, each row serialised as JSON).
//!
//! Both write to a sink that counts bytes, through the functions the CLI calls
//! (`scantrail::epcis::export`, `Store::export_movements`). While the EPCIS export runs, the
//! resident memory is sampled every 500,000 events, to show that it stays flat; at the end
//! the process's peak (VmHWM) is printed. Resident memory counts the database pages SQLite
//! maps (`mmap_size`, 256 MiB) and caches (64 MiB), which are bounded whatever the journal's
//! size; the anonymous part is the export's own. Run each export in a process of its own to read
//! its peak alone (`SCANTRAIL_BENCH_ONLY=epcis` or `=movements`):
//!
//! ```text
//! cargo run --release --example generate_journal -- --db /work/bench-data/journal-1m.db --movements 1000000 --serials 100000
//! SCANTRAIL_BENCH_DB=/work/bench-data/journal-1m.db cargo bench --bench epcis
//! ```
//!
//! Without `SCANTRAIL_BENCH_DB` it says so and measures nothing.

use anyhow::{Context, bail};
use scantrail::config::{DatabaseConfig, EpcisConfig};
use scantrail::store::{EpcisFilter, Store};
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

/// Counts what is written, and samples the memory every so many events.
struct Sink {
    bytes: u64,
    lines: u64,
    sample_every: u64,
    samples: Vec<(u64, u64, u64)>,
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes += buf.len() as u64;
        // One event (or row) a line in both exports.
        let lines = buf.iter().filter(|b| **b == b'\n').count() as u64;
        for _ in 0..lines {
            self.lines += 1;
            if self.sample_every > 0 && self.lines.is_multiple_of(self.sample_every) {
                self.samples
                    .push((self.lines, memory_kib("VmRSS"), memory_kib("RssAnon")));
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A line of /proc/self/status in KiB (`VmRSS`, `VmHWM`).
fn memory_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn sink() -> std::io::BufWriter<Sink> {
    std::io::BufWriter::with_capacity(
        64 * 1024,
        Sink {
            bytes: 0,
            lines: 0,
            sample_every: 500_000,
            samples: Vec::new(),
        },
    )
}

fn main() -> anyhow::Result<()> {
    let Some(db) = std::env::var_os("SCANTRAIL_BENCH_DB").map(PathBuf::from) else {
        println!(
            "epcis: set SCANTRAIL_BENCH_DB to a journal made by examples/generate_journal.rs; nothing measured"
        );
        return Ok(());
    };
    if !db.exists() {
        bail!("{} does not exist", db.display());
    }
    let only = std::env::var("SCANTRAIL_BENCH_ONLY").unwrap_or_default();
    let run = |name: &str| only.is_empty() || only.split(',').any(|o| o == name);
    let store = Store::open_existing(&db, &DatabaseConfig::default())
        .with_context(|| format!("cannot open {}", db.display()))?;
    println!("journal {}", db.display());
    if run("movements") {
        let mut out = sink();
        let started = Instant::now();
        out.write_all(b"[\n")?;
        let mut first = true;
        let mut rows = 0u64;
        store.export_movements(&mut |m| {
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            rows += 1;
            serde_json::to_writer(&mut out, &m).map_err(std::io::Error::other)
        })?;
        out.write_all(b"\n]\n")?;
        out.flush()?;
        let took = started.elapsed();
        let bytes = out.get_ref().bytes;
        println!(
            "  export movements --format json  {rows:>10} rows    {:>8.2} s  {:>9.0} rows/s    {:>6.0} MB  peak RSS so far {} MiB",
            took.as_secs_f64(),
            rows as f64 / took.as_secs_f64(),
            bytes as f64 / 1e6,
            memory_kib("VmHWM") / 1024
        );
    }
    if run("epcis") {
        let mut out = sink();
        let started = Instant::now();
        let config = EpcisConfig {
            time_zone_offset: "+01:00".into(),
            ..EpcisConfig::default()
        };
        let events = scantrail::epcis::export(
            &store,
            &config,
            &EpcisFilter::default(),
            chrono::Utc::now(),
            &mut out,
        )?;
        let took = started.elapsed();
        let rate = events as f64 / took.as_secs_f64();
        let bytes = out.get_ref().bytes;
        println!(
            "  export epcis                    {events:>10} events  {:>8.2} s  {rate:>9.0} events/s  {:>6.0} MB  peak RSS so far {} MiB  (target > 200,000 events/s: {})",
            took.as_secs_f64(),
            bytes as f64 / 1e6,
            memory_kib("VmHWM") / 1024,
            if rate > 200_000.0 { "met" } else { "MISSED" }
        );
        let samples = &out.get_ref().samples;
        let rss: Vec<String> = samples
            .iter()
            .map(|(n, rss, anon)| format!("{}k:{}/{}", n / 1000, rss / 1024, anon / 1024))
            .collect();
        // VmRSS counts the database pages SQLite maps (mmap_size, 256 MiB) and caches
        // (cache_size, 64 MiB); RssAnon is the process's own memory.
        println!(
            "    MiB resident / of it anonymous, after N events: {}",
            rss.join(" ")
        );
    }
    Ok(())
}
