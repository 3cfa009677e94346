//! Scan throughput and per-scan latency inside the core (classify → session → durable
//! commit → settle), against a raw-SQLite baseline measured in the same run.
//!
//! `cargo bench --bench core` (or `-- SERIALS MIXED` for other sizes, default 10000 50000).
//! Databases go to a temporary folder on the same disk as the kiosk's would be
//! (`$SCANTRAIL_BENCH_DIR`, else the system temp dir), at `synchronous = FULL`.
//!
//! - baseline: one bare INSERT of a row as wide as a movement per transaction, same pragmas
//!   (SQLite's own WAL checkpoints, inside the commits that cross its threshold).
//! - per-scan latency: from the scan's text to its durable record, as the kiosk shows it;
//!   the core's WAL checkpoint after every 100 scans happens after the outcome, so it counts
//!   in the total time (and so in scans per second) but not in a scan's latency.
//! - serial receipts: GS1 scans that each carry GTIN + serial, each its own durable commit.
//! - CPU µs: the thread's own time on a CPU (`/proc/thread-self/schedstat`) over the whole
//!   loop, divided by the scans: what a scan costs the processor, whatever else the machine is
//!   doing (the wall figures rise with the machine's load; this one hardly does).
//! - mixed day: receipts (untracked, lot, serial), transfers, picks against sales orders,
//!   returns and lookups, cycled until the scan count is reached.

use anyhow::Context as _;
use chrono::{Duration, Utc};
use scantrail::config::{Config, DatabaseConfig, Synchronous};
use scantrail::core::Core;
use scantrail::domain::{DocumentKind, Outcome};
use scantrail::store::{OrderRow, Store};
use std::time::Instant;

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Nanoseconds this thread has spent on a CPU (the kernel's scheduler statistics), and of
/// those, the ones in the kernel (`/proc/thread-self/stat`, in clock ticks of 10 ms).
fn thread_cpu_ns() -> (u64, u64) {
    let on_cpu = std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0);
    // Fields after the command name in parentheses: state is the 3rd, stime the 15th.
    let system_ticks: u64 = std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1.to_owned();
            rest.split_whitespace().nth(12)?.parse().ok()
        })
        .unwrap_or(0);
    (on_cpu, system_ticks * 10_000_000)
}

fn cpu_since((cpu, sys): (u64, u64)) -> (u64, u64) {
    let (cpu_now, sys_now) = thread_cpu_ns();
    (cpu_now - cpu, sys_now - sys)
}

struct Stats {
    n: usize,
    cpu_us: f64,
    system_us: f64,
    total_s: f64,
    p50_us: f64,
    p99_us: f64,
    mean_us: f64,
}

fn stats(mut micros: Vec<f64>, total_s: f64, (cpu_ns, system_ns): (u64, u64)) -> Stats {
    micros.sort_by(|a, b| a.total_cmp(b));
    let n = micros.len();
    let mean_us = micros.iter().sum::<f64>() / n.max(1) as f64;
    Stats {
        n,
        cpu_us: cpu_ns as f64 / 1e3 / n.max(1) as f64,
        system_us: system_ns as f64 / 1e3 / n.max(1) as f64,
        total_s,
        p50_us: percentile(&micros, 0.50),
        p99_us: percentile(&micros, 0.99),
        mean_us,
    }
}

fn row(name: &str, s: &Stats) {
    println!(
        "| {name} | {} | {:.2} | {:.0} | {:.1} | {:.0} | {:.0} | {:.0} | {:.0} |",
        s.n,
        s.total_s,
        s.n as f64 / s.total_s,
        s.cpu_us,
        s.system_us,
        s.mean_us,
        s.p50_us,
        s.p99_us
    );
}

/// One bare INSERT per transaction into a table as wide as the journal, same pragmas.
fn baseline(dir: &std::path::Path, n: usize, synchronous: Synchronous) -> anyhow::Result<Stats> {
    let path = dir.join(format!("baseline-{}.db", uuid::Uuid::now_v7()));
    let conn = rusqlite::Connection::open(&path)?;
    conn.busy_timeout(std::time::Duration::from_millis(5000))?;
    let _: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch(&format!(
        "PRAGMA foreign_keys = ON; PRAGMA synchronous = {};
         CREATE TABLE t (seq INTEGER PRIMARY KEY, id BLOB, g BLOB, at TEXT, station TEXT, op TEXT,
           kind TEXT, doc INTEGER, product INTEGER, lot INTEGER, serial TEXT, qty INTEGER,
           f INTEGER, t INTEGER, p INTEGER, r BLOB);",
        synchronous.as_pragma()
    ))?;
    let mut micros = Vec::with_capacity(n);
    let start = Instant::now();
    let cpu = thread_cpu_ns();
    for i in 0..n {
        let t0 = Instant::now();
        let tx = conn.unchecked_transaction()?;
        tx.prepare_cached(
            "INSERT INTO t (id, g, at, station, op, kind, doc, product, lot, serial, qty, f, t, p, r)
             VALUES (?1, ?2, ?3, 'DOCK-1', 'maria', 'receive', 1, 2, NULL, ?4, 1, NULL, 3, 1, NULL)",
        )?
        .execute(rusqlite::params![
            uuid::Uuid::now_v7(),
            uuid::Uuid::now_v7(),
            Utc::now().to_rfc3339(),
            format!("SN-{i:08}")
        ])?;
        tx.commit()?;
        micros.push(t0.elapsed().as_secs_f64() * 1e6);
    }
    let cpu = cpu_since(cpu);
    Ok(stats(micros, start.elapsed().as_secs_f64(), cpu))
}

fn demo_core(
    dir: &std::path::Path,
    name: &str,
    extra_orders: usize,
    synchronous: Synchronous,
) -> anyhow::Result<(Core, std::path::PathBuf)> {
    let path = dir.join(format!("{name}.db"));
    let config = Config {
        database: DatabaseConfig {
            synchronous,
            ..DatabaseConfig::default()
        },
        ..Config::default()
    };
    let mut store = Store::open(&path, &config.database)?;
    scantrail::demo::load(&mut store, &config, "BENCH", Utc::now() - Duration::days(1))?;
    if extra_orders > 0 {
        let rows: Vec<OrderRow> = (0..extra_orders)
            .map(|i| OrderRow {
                line: i as u64 + 2,
                reference: format!("SO-B{i}"),
                kind: DocumentKind::Sale,
                partner: "Bench Customer".into(),
                sku: "USB-C1M".into(),
                qty: 2,
            })
            .collect();
        store.import_orders(&rows, &mut |_| {})?;
    }
    Ok((Core::new(store, &config, "BENCH".into()), path))
}

/// `db verify` of what a run wrote, and SQLite's own check of every page: the benchmark's
/// scans must leave the books as sound as any other.
fn verify(core: &Core, what: &str) -> anyhow::Result<String> {
    let differences = core.store().verify()?;
    let damage = core.store().damage()?;
    anyhow::ensure!(
        differences.is_empty() && damage.is_empty(),
        "{what}: db verify found {} difference(s) and quick_check {:?}",
        differences.len(),
        damage
    );
    Ok(format!("{what}: db verify clean"))
}

fn run(core: &mut Core, scans: &[String]) -> (Stats, [usize; 4]) {
    let mut outcomes = [0usize; 4];
    let mut first_error: Option<String> = None;
    let mut micros = Vec::with_capacity(scans.len());
    let start = Instant::now();
    let cpu = thread_cpu_ns();
    for scan in scans {
        let t0 = Instant::now();
        let report = core.scan(Utc::now(), scan, Some("bench"));
        micros.push(t0.elapsed().as_secs_f64() * 1e6);
        // As at the kiosk: housekeeping after the outcome, counted in the total time only.
        core.after_scan();
        if report.feedback.outcome == Outcome::Error && first_error.is_none() {
            first_error = Some(format!("{scan:?}: {}", report.feedback.message));
        }
        outcomes[match report.feedback.outcome {
            Outcome::Ok => 0,
            Outcome::Warn => 1,
            Outcome::Error => 2,
            Outcome::Info => 3,
        }] += 1;
    }
    if let Some(e) = first_error {
        eprintln!("first error: {e}");
    }
    let cpu = cpu_since(cpu);
    (stats(micros, start.elapsed().as_secs_f64(), cpu), outcomes)
}

/// Serials that fit the demo laptop's pattern `SN-####-####`.
fn receipt_serial(i: usize) -> String {
    format!("SN-{:04}-{:04}", 1000 + i / 10_000, i % 10_000)
}

fn mixed_serial(i: usize) -> String {
    format!("SN-{:04}-{:04}", 5000 + i / 10_000, i % 10_000)
}

/// A day at every station of a small warehouse, cycled: about 25 scans a cycle.
fn mixed_day(target: usize) -> (Vec<String>, usize) {
    let mut scans = Vec::with_capacity(target + 32);
    let mut cycle = 0;
    while scans.len() < target {
        let i = cycle;
        for s in [
            "CMD-RECEIVE".to_owned(),
            "LOC-DOCK".into(),
            "CMD-QTY-20".into(),
            "CABLE-1M".into(),
            "0614141000012".into(),
            format!("LM-{}", i % 50),
            format!("]d20100614141000029\u{1d}21{}", mixed_serial(i)),
            "CMD-TRANSFER".into(),
            "LOC-DOCK".into(),
            "CMD-QTY-10".into(),
            "CABLE-1M".into(),
            mixed_serial(i),
            "LOC-B-02".into(),
            "CMD-PICK".into(),
            format!("SO-B{i}"),
            "LOC-B-02".into(),
            "CMD-QTY-2".into(),
            "CABLE-1M".into(),
            "CMD-DONE".into(),
            "CMD-LOOKUP".into(),
            mixed_serial(i),
            "CMD-RETURN".into(),
            format!("SO-B{i}"),
            "CABLE-1M".into(),
            "CMD-DONE".into(),
        ] {
            scans.push(s);
        }
        cycle += 1;
    }
    (scans, cycle)
}

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let serials = args.first().copied().unwrap_or(10_000);
    let mixed = args.get(1).copied().unwrap_or(50_000);
    let root = std::env::var_os("SCANTRAIL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&root)?;
    let dir = tempfile::tempdir_in(&root).context("temp dir for the benchmark databases")?;
    let receipts: Vec<String> = (0..serials)
        .map(|i| format!("]d20100614141000029\u{1d}21{}", receipt_serial(i)))
        .collect();
    let (mixed_scans, cycles) = mixed_day(mixed);

    println!(
        "| what | scans | total s | per s | CPU µs | of which kernel µs | mean µs | p50 µs | p99 µs |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let mut verdicts = Vec::new();
    for sync in [Synchronous::Full, Synchronous::Normal] {
        let tag = sync.as_pragma();
        let before = baseline(dir.path(), 2000, sync)?;
        row(
            &format!("{tag}: baseline before, bare INSERT 1 row/tx"),
            &before,
        );
        let (mut core, _) = demo_core(dir.path(), &format!("serials-{tag}"), 0, sync)?;
        let (receipt_stats, outcomes) = run(&mut core, &receipts);
        let mut checks = vec![verify(&core, "serial receipts")?];
        row(
            &format!("{tag}: serial receipts (GS1 01+21), 1 commit each"),
            &receipt_stats,
        );
        let (mut core, _) = demo_core(dir.path(), &format!("mixed-{tag}"), cycles, sync)?;
        let (mixed_stats, mixed_outcomes) = run(&mut core, &mixed_scans);
        checks.push(verify(&core, "mixed day")?);
        row(&format!("{tag}: mixed day (all modes)"), &mixed_stats);
        let after = baseline(dir.path(), 2000, sync)?;
        row(&format!("{tag}: baseline after"), &after);
        let base_p99 = before.p99_us.max(after.p99_us);
        let base_mean = (before.mean_us + after.mean_us) / 2.0;
        verdicts.push(format!(
            "{tag}: serial receipts {} of {serials} ok in {:.2} s (target < 3 s); mixed day {} ok, {} warn, {} error, {} info; \
             p99 per scan / baseline p99: receipts {:.2}, mixed {:.2} (target ≤ 1.5); \
             mean per scan / baseline mean: receipts {:.2}, mixed {:.2} (target ≤ 1.5); \
             CPU per receipt {:.1} µs, {:.0} in the kernel (bare insert {:.1} µs); {}",
            outcomes[0],
            receipt_stats.total_s,
            mixed_outcomes[0],
            mixed_outcomes[1],
            mixed_outcomes[2],
            mixed_outcomes[3],
            receipt_stats.p99_us / base_p99,
            mixed_stats.p99_us / base_p99,
            receipt_stats.mean_us / base_mean,
            mixed_stats.mean_us / base_mean,
            receipt_stats.cpu_us,
            receipt_stats.system_us,
            (before.cpu_us + after.cpu_us) / 2.0,
            checks.join(", ")
        ));
    }
    println!();
    for v in verdicts {
        println!("{v}");
    }
    Ok(())
}
