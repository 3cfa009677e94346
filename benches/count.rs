//! What booking a cycle count costs: the second `CMD-DONE` of a count of one bin that holds
//! 5,000 serials and 200 lots, through the core the kiosk uses (the differences taken
//! against the books, the natural keys resolved, one group of adjust movements committed
//! durably with its count document), against the store's bare commit of a group with the
//! same number of the same adjust movements, in the same run, on copies of the same
//! database in the same folder.
//!
//! Two counts are booked: "none found" (nothing scanned: 5,000 serials become missing and
//! 200 lots are adjusted out, 5,200 movements) and "lots short" (every serial scanned, each
//! lot one short: 200 movements, with 5,000 serials compared). The second also times the
//! serial scans of the count, whose state grows with each serial counted.
//!
//! ```text
//! SCANTRAIL_BENCH_DIR=/work/bench-data cargo bench --bench count
//! ```
//!
//! `SCANTRAIL_BENCH_DIR` is where the databases go (default: the system temp folder; mind
//! that /tmp may be a RAM disk). `SCANTRAIL_BENCH_ROUNDS` sets the bookings per kind
//! (default 5), each on a fresh copy.

use anyhow::Context;
use chrono::{Duration as Days, TimeZone, Utc};
use scantrail::config::{Config, DatabaseConfig};
use scantrail::core::Core;
use scantrail::domain::{LotSpec, MovementKind, Outcome};
use scantrail::store::{Group, NewMovement, ScanRecord, Store};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

mod support;
use support::Stats;

const SERIALS: usize = 5_000;
const LOTS: usize = 200;
const PER_LOT: u32 = 10;
const BIN: &str = "B-01";

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn serial(i: usize) -> String {
    format!("SN-9{:03}-{:04}", i / 10_000, i % 10_000)
}

fn lot(i: usize) -> String {
    format!("L-BENCH-{i:03}")
}

/// The demo warehouse with 5,000 laptops and 200 aspirin lots of 10 received into B-01.
fn seed(path: &Path, db: &DatabaseConfig) -> anyhow::Result<()> {
    let config = Config {
        database: db.clone(),
        ..Config::default()
    };
    let mut store = Store::open(path, db)?;
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .context("date")?;
    scantrail::demo::load(&mut store, &config, "BENCH", at)?;
    let laptop = store.product_by_sku("LAP-X1")?.context("LAP-X1")?.id;
    let aspirin = store.product_by_sku("ASP-500")?.context("ASP-500")?.id;
    let bin = store.location_by_code(BIN)?.context("B-01")?.id;
    let receipt = |product, lot: Option<String>, serial: Option<String>, qty| NewMovement {
        kind: MovementKind::Receive,
        product,
        lot: lot.map(|code| LotSpec { code, expiry: None }),
        serial,
        qty,
        from: None,
        to: Some(bin),
        partner: None,
        document: None,
        reverses: None,
    };
    let mut movements: Vec<NewMovement> = (0..SERIALS)
        .map(|i| receipt(laptop, None, Some(serial(i)), 1))
        .collect();
    movements.extend((0..LOTS).map(|i| receipt(aspirin, Some(lot(i)), None, PER_LOT)));
    store.commit_batch(&[group("seed", movements)])?;
    Ok(())
}

fn group(raw: &str, movements: Vec<NewMovement>) -> Group {
    Group {
        id: uuid::Uuid::now_v7(),
        at: Utc::now(),
        station: "AISLE-1".into(),
        operator: Some("ann".into()),
        scan: ScanRecord {
            raw: raw.to_owned(),
            device: None,
            outcome: Outcome::Ok,
            message: format!("bench {raw}"),
        },
        movements,
        close_document: None,
        count: None,
    }
}

/// A fresh copy of the seeded database.
fn copy(seeded: &Path, dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    std::fs::copy(seeded, &path)?;
    Ok(path)
}

struct Booked {
    review: Duration,
    booking: Duration,
    movements: usize,
    scans: Option<Stats>,
}

/// Counts B-01 at a kiosk core: `found` scans every serial, `short` counts each lot one
/// short (else nothing of the lots is counted); times the first and the second `CMD-DONE`.
fn count_at_kiosk(path: &Path, db: &DatabaseConfig, found: bool) -> anyhow::Result<Booked> {
    let config = Config {
        database: db.clone(),
        ..Config::default()
    };
    let store = Store::open(path, db)?;
    let mut core = Core::new(store, &config, "AISLE-1".into());
    let mut now = Utc::now();
    let mut scan = |core: &mut Core, text: &str| {
        now += Days::seconds(1);
        core.scan(now, text, None)
    };
    for text in ["OP-ann", "CMD-COUNT", &format!("LOC-{BIN}")] {
        scan(&mut core, text);
    }
    let mut scans = None;
    if found {
        scan(&mut core, "0614141000029");
        let mut samples = Vec::with_capacity(SERIALS);
        for i in 0..SERIALS {
            let t = Instant::now();
            let r = scan(&mut core, &serial(i));
            samples.push(t.elapsed());
            anyhow::ensure!(r.feedback.outcome == Outcome::Ok, "{}", r.feedback.message);
        }
        scans = Some(Stats::of(&mut samples));
        for i in 0..LOTS {
            scan(&mut core, &format!("CMD-QTY-{}", PER_LOT - 1));
            scan(&mut core, "0614141000012");
            scan(&mut core, &lot(i));
        }
    }
    let t = Instant::now();
    let review = scan(&mut core, "CMD-DONE");
    let review_time = t.elapsed();
    anyhow::ensure!(
        review.feedback.outcome == Outcome::Warn,
        "{}",
        review.feedback.message
    );
    let t = Instant::now();
    let booked = scan(&mut core, "CMD-DONE");
    let booking = t.elapsed();
    anyhow::ensure!(
        booked.feedback.headline == "COUNT BOOKED",
        "{}",
        booked.feedback.message
    );
    Ok(Booked {
        review: review_time,
        booking,
        movements: booked.movements.len(),
        scans,
    })
}

/// The same adjust movements as the count booked, by the store's bare commit.
fn bare_commit(path: &Path, db: &DatabaseConfig, found: bool) -> anyhow::Result<Duration> {
    let mut store = Store::open(path, db)?;
    let laptop = store.product_by_sku("LAP-X1")?.context("LAP-X1")?.id;
    let aspirin = store.product_by_sku("ASP-500")?.context("ASP-500")?.id;
    let bin = store.location_by_code(BIN)?.context("B-01")?.id;
    let out = |product, lot: Option<String>, serial: Option<String>, qty| NewMovement {
        kind: MovementKind::Adjust,
        product,
        lot: lot.map(|code| LotSpec { code, expiry: None }),
        serial,
        qty,
        from: Some(bin),
        to: None,
        partner: None,
        document: None,
        reverses: None,
    };
    let mut movements: Vec<NewMovement> = Vec::new();
    if !found {
        movements.extend((0..SERIALS).map(|i| out(laptop, None, Some(serial(i)), 1)));
    }
    let qty = if found { 1 } else { PER_LOT };
    movements.extend((0..LOTS).map(|i| out(aspirin, Some(lot(i)), None, qty)));
    let g = group("CMD-DONE", movements);
    let t = Instant::now();
    store.commit(&g)?;
    Ok(t.elapsed())
}

fn main() -> anyhow::Result<()> {
    let dir = match std::env::var_os("SCANTRAIL_BENCH_DIR") {
        Some(d) => PathBuf::from(d),
        None => std::env::temp_dir(),
    };
    std::fs::create_dir_all(&dir)?;
    let rounds: usize = std::env::var("SCANTRAIL_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let db = DatabaseConfig::default();
    let seeded = dir.join("count-seed.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", seeded.display()));
    }
    seed(&seeded, &db)?;
    // One file: the seed's WAL folded in (closing the last connection checkpoints it).
    println!(
        "count benchmark: {SERIALS} serials and {LOTS} lots in {BIN}, {rounds} booking(s) of each kind, synchronous = {:?}, in {}",
        db.synchronous,
        dir.display()
    );
    for (found, name) in [(false, "none found"), (true, "lots short")] {
        let mut booking = Vec::new();
        let mut review = Vec::new();
        let mut bare = Vec::new();
        let mut movements = 0;
        let mut scans = None;
        for round in 0..rounds {
            // Interleaved, the order turning, so disk noise hits both alike.
            let kiosk = copy(&seeded, &dir, "count-kiosk.db")?;
            let plain = copy(&seeded, &dir, "count-bare.db")?;
            let (a, b) = if round % 2 == 0 {
                let a = count_at_kiosk(&kiosk, &db, found)?;
                (a, bare_commit(&plain, &db, found)?)
            } else {
                let b = bare_commit(&plain, &db, found)?;
                (count_at_kiosk(&kiosk, &db, found)?, b)
            };
            booking.push(a.booking);
            review.push(a.review);
            bare.push(b);
            movements = a.movements;
            if scans.is_none() {
                scans = a.scans;
            }
        }
        let booking = Stats::of(&mut booking);
        let review = Stats::of(&mut review);
        let bare = Stats::of(&mut bare);
        println!("{name}: {movements} movements in one group");
        println!(
            "  booking (2nd CMD-DONE)  mean {:8.1} ms  p50 {:8.1}  max {:8.1}",
            ms(booking.mean),
            ms(booking.p50),
            ms(booking.max)
        );
        println!(
            "  bare Store::commit      mean {:8.1} ms  p50 {:8.1}  max {:8.1}",
            ms(bare.mean),
            ms(bare.p50),
            ms(bare.max)
        );
        println!(
            "  booking / bare commit   {:.2}",
            booking.mean.as_secs_f64() / bare.mean.as_secs_f64()
        );
        println!(
            "  review (1st CMD-DONE)   mean {:8.1} ms  p50 {:8.1}  max {:8.1}",
            ms(review.mean),
            ms(review.p50),
            ms(review.max)
        );
        if let Some(s) = scans {
            println!(
                "  serial scans of the count ({}): mean {:.2} ms  p50 {:.2}  p99 {:.2}  max {:.2}",
                s.n,
                ms(s.mean),
                ms(s.p50),
                ms(s.p99),
                ms(s.max)
            );
        }
    }
    Ok(())
}
