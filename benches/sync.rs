//! What sync costs (issue 10), against a real PostgreSQL on loopback, in one run:
//!
//! - **push**: one station's 50,000 serial receipts sent by `sync::round` (batches of
//!   `PUSH_BATCH` groups through `scantrail.push`, with its lock, continuity and hash checks,
//!   conflict detection and central projections), against the **bare baseline**: the same
//!   batches of scan-log and movement rows inserted into two plain tables of the same
//!   columns (primary keys only), one statement per table per batch — what storing the
//!   journal's rows in PostgreSQL costs at least —, and the groups' JSON into one table
//!   `(id uuid primary key, body jsonb)`, one row per group. The ratio of rows per second
//!   is the figure (target ≥ 0.5, and ≥ 5,000 movements/s).
//! - **catch-up**: a second station, offline for those 50,000 scans, pulls and applies them
//!   in one round (target < 30 s).
//! - **scan latency, synced against standalone**: durable serial receipts at
//!   `synchronous = FULL` through `Core::scan`, at a standalone station and at a station whose
//!   database a sync thread (its own connection, as the kiosk's sync task) keeps pushing and
//!   pulling, interleaved scan by scan.
//!
//! ```text
//! SCANTRAIL_BENCH_DIR=/work/bench-data cargo bench --bench sync
//! ```
//!
//! Without `PGHOST` it runs itself under Debian's `pg_virtualenv` (a throwaway cluster).
//! `SCANTRAIL_BENCH_SCANS` sets the number of receipts (default 50,000),
//! `SCANTRAIL_BENCH_ITERS` the latency samples per station (default 500).

use chrono::Utc;
use scantrail::config::{Config, DatabaseConfig, Synchronous};
use scantrail::core::Core;
use scantrail::store::Store;
use scantrail::sync::central::Central;
use scantrail::sync::round::{self, PUSH_BATCH};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[path = "support/centre.rs"]
mod centre;
mod support;
use support::Stats;

const LAPTOP: &str = "0614141000029";

/// The baselines' tables: the scan log's and the journal's columns as the centre has them,
/// primary keys only.
const BARE_TABLES: &str = "
    CREATE TABLE bare (id uuid PRIMARY KEY, body jsonb NOT NULL);
    CREATE TABLE bare_scans (id uuid PRIMARY KEY, station text NOT NULL, station_seq bigint NOT NULL,
        at timestamptz NOT NULL, operator text, device text, raw text NOT NULL,
        outcome text NOT NULL, message text NOT NULL, close_document text);
    CREATE TABLE bare_movements (id uuid PRIMARY KEY, scan_id uuid NOT NULL,
        station text NOT NULL, station_seq bigint NOT NULL, at timestamptz NOT NULL, kind text NOT NULL,
        sku text NOT NULL, lot text, serial text, qty integer NOT NULL, from_loc text,
        to_loc text, partner text, document text, reverses uuid);
";
const BARE_SCANS: &str = "
    INSERT INTO bare_scans (id, station, station_seq, at, operator, device, raw, outcome, message, close_document)
    SELECT x.id, x.station, x.seq, x.at, x.operator, x.device, x.raw, x.outcome, x.message, x.close_document
    FROM jsonb_to_recordset($1::jsonb) AS x (id uuid, station text, seq bigint, at timestamptz, operator text,
        device text, raw text, outcome text, message text, close_document text)";
const BARE_MOVEMENTS: &str = "
    INSERT INTO bare_movements (id, scan_id, station, station_seq, at, kind, sku, lot, serial, qty,
        from_loc, to_loc, partner, document, reverses)
    SELECT m.id, x.id, x.station, x.seq, x.at, m.kind, m.sku, m.lot, m.serial, m.qty, m.\"from\", m.\"to\",
        m.partner, m.document, m.reverses
    FROM jsonb_to_recordset($1::jsonb) AS x (id uuid, station text, seq bigint, at timestamptz, movements jsonb)
    CROSS JOIN LATERAL jsonb_to_recordset(coalesce(x.movements, '[]'::jsonb))
        AS m (id uuid, kind text, sku text, lot text, serial text, qty integer, \"from\" text,
              \"to\" text, partner text, document text, reverses uuid)";

fn main() -> anyhow::Result<()> {
    centre::under_pg_virtualenv()?;
    let scans: usize = env_or("SCANTRAIL_BENCH_SCANS", 50_000);
    let iters: usize = env_or("SCANTRAIL_BENCH_ITERS", 500);
    let dir = tempfile::tempdir_in(
        std::env::var_os("SCANTRAIL_BENCH_DIR").map_or_else(std::env::temp_dir, PathBuf::from),
    )?;
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(run(dir.path(), scans, iters))
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn station_db(dir: &Path, name: &str, synchronous: Synchronous) -> anyhow::Result<Store> {
    let config = DatabaseConfig {
        synchronous,
        ..DatabaseConfig::default()
    };
    Ok(Store::open(&dir.join(format!("{name}.db")), &config)?)
}

/// A station's core on `store`, in receive mode at the dock.
fn receiving(store: Store, name: &str) -> Core {
    let mut core = Core::new(store, &Config::default(), name.to_owned());
    for scan in ["CMD-RECEIVE", "LOC-DOCK"] {
        core.scan(Utc::now(), scan, None);
    }
    core
}

async fn run(dir: &Path, scans: usize, iters: usize) -> anyhow::Result<()> {
    let (url, centre) = centre::fresh_centre().await?;
    let mut urls = Vec::new();
    for name in ["dock1", "pack3", "dock4"] {
        urls.push(centre.add_station(name).await?.url);
    }
    let dock1 = Central::connect(&urls[0], None).await?;
    let pack3 = Central::connect(&urls[1], None).await?;
    let dock4 = Central::connect(&urls[2], None).await?;

    // dock1 receives `scans` serials while nobody syncs (OFF: making them is not measured).
    let mut store = station_db(dir, "dock1", Synchronous::Off)?;
    round::round(&mut store, &dock1, Utc::now()).await?;
    let mut core = receiving(store, "dock1");
    core.scan(Utc::now(), LAPTOP, None);
    for i in 0..scans {
        core.scan(
            Utc::now(),
            &format!("SN-5{:03}-{:04}", i / 10_000, i % 10_000),
            None,
        );
    }
    drop(core);
    let mut store = station_db(dir, "dock1", Synchronous::Off)?;
    let outbox_groups = store.outbox(usize::MAX)?.groups;
    let movements: usize = outbox_groups.iter().map(|g| g.movements.len()).sum();

    // The bare baselines, in the same batches. One: the groups' JSON into one plain table,
    // one row per group. Two: the same scan-log rows and movement rows that a push stores,
    // into two plain tables of the same columns with their primary keys, one statement per
    // table per batch — the journal's rows in PostgreSQL without checks or projections.
    let (mut bare, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls).await?;
    tokio::spawn(conn);
    bare.batch_execute(BARE_TABLES).await?;
    let blob = bare
        .prepare("INSERT INTO bare (id, body) SELECT (g->>'id')::uuid, g FROM jsonb_array_elements($1::jsonb) g")
        .await?;
    let rows = [
        bare.prepare(BARE_SCANS).await?,
        bare.prepare(BARE_MOVEMENTS).await?,
    ];
    let batches: Vec<serde_json::Value> = outbox_groups
        .chunks(PUSH_BATCH)
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    for batch in &batches {
        bare.execute(&blob, &[batch]).await?;
    }
    let blob_time = started.elapsed();
    let started = Instant::now();
    for batch in &batches {
        let tx = bare.transaction().await?;
        for statement in &rows {
            tx.execute(statement, &[batch]).await?;
        }
        tx.commit().await?;
    }
    let rows_time = started.elapsed();

    let started = Instant::now();
    let pushed = round::round(&mut store, &dock1, Utc::now()).await?;
    let push_time = started.elapsed();
    // pack3 was offline for all of it: one round catches up.
    let mut late = station_db(dir, "pack3", Synchronous::Full)?;
    let started = Instant::now();
    let caught = round::round(&mut late, &pack3, Utc::now()).await?;
    let catch_up = started.elapsed();

    println!(
        "machine: {} cores; PostgreSQL on loopback (pg_virtualenv), SQLite in {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        dir.display()
    );
    println!(
        "groups pushed: {} ({movements} movements, {} scan-log rows)",
        pushed.pushed,
        outbox_groups.len()
    );
    let rate = |n: usize, t: Duration| n as f64 / t.as_secs_f64();
    println!(
        "bare batched INSERT, one JSON row per group:      {:>8.0} groups/s ({:.2} s)",
        rate(outbox_groups.len(), blob_time),
        blob_time.as_secs_f64()
    );
    println!(
        "bare batched INSERT, the scan and movement rows:  {:>8.0} groups/s ({:.2} s)",
        rate(outbox_groups.len(), rows_time),
        rows_time.as_secs_f64()
    );
    println!(
        "push (sync round):                                {:>8.0} groups/s ({:.2} s), {:.0} movements/s",
        rate(pushed.pushed, push_time),
        push_time.as_secs_f64(),
        rate(movements, push_time),
    );
    println!(
        "ratio of push to bare: {:.2} of the scan and movement rows, {:.2} of the JSON rows",
        rows_time.as_secs_f64() / push_time.as_secs_f64(),
        blob_time.as_secs_f64() / push_time.as_secs_f64()
    );
    println!(
        "catch-up of an offline station: {} feed items in {:.2} s ({:.0} items/s, FULL)",
        caught.pulled,
        catch_up.as_secs_f64(),
        rate(caught.pulled, catch_up)
    );

    // Scan latency: standalone against synced, interleaved.
    // The standalone station has the same catalog, imported locally (the demo's).
    let mut alone = station_db(dir, "standalone", Synchronous::Full)?;
    scantrail::demo::load(&mut alone, &Config::default(), "standalone", Utc::now())?;
    let standalone = receiving(alone, "standalone");
    let mut synced_store = station_db(dir, "dock4", Synchronous::Full)?;
    round::round(&mut synced_store, &dock4, Utc::now()).await?;
    let synced = receiving(synced_store, "dock4");
    let stop = Arc::new(AtomicBool::new(false));
    let syncer = {
        let stop = stop.clone();
        let path = dir.join("dock4.db");
        let access_url = urls[2].clone();
        std::thread::spawn(move || -> anyhow::Result<usize> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut store = Store::open(&path, &DatabaseConfig::default())?;
                let central = Central::connect(&access_url, None).await?;
                let mut rounds = 0;
                while !stop.load(Ordering::Relaxed) {
                    round::round(&mut store, &central, Utc::now()).await?;
                    rounds += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(rounds)
            })
        })
    };
    let (mut a, mut b) = (Vec::with_capacity(iters), Vec::with_capacity(iters));
    let mut cores = [standalone, synced];
    for core in &mut cores {
        core.scan(Utc::now(), LAPTOP, None);
    }
    for i in 0..iters {
        for (k, core) in cores.iter_mut().enumerate() {
            let serial = format!("SN-6{k}00-{i:04}");
            let started = Instant::now();
            let report = core.scan(Utc::now(), &serial, None);
            let took = started.elapsed();
            anyhow::ensure!(
                !report.movements.is_empty(),
                "{serial}: {}",
                report.feedback.message
            );
            if k == 0 { a.push(took) } else { b.push(took) }
        }
    }
    stop.store(true, Ordering::Relaxed);
    let rounds = syncer
        .join()
        .map_err(|_| anyhow::anyhow!("the sync thread panicked"))??;
    let (a, b) = (Stats::of(&mut a), Stats::of(&mut b));
    println!("serial receipt at FULL, {iters} each, interleaved:");
    println!(
        "  standalone: mean {:?}  p50 {:?}  p99 {:?}  max {:?}",
        a.mean, a.p50, a.p99, a.max
    );
    println!(
        "  synced:     mean {:?}  p50 {:?}  p99 {:?}  max {:?}  ({rounds} sync rounds meanwhile)",
        b.mean, b.p50, b.p99, b.max
    );
    Ok(())
}
