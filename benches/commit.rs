//! What a scan costs to write: `Store::commit` of a one-movement group (scan-log row +
//! movement + the projections the triggers keep), one durable transaction each, against the
//! raw-SQLite baseline of a bare one-row INSERT per transaction into a table as wide as the
//! journal (16 columns, no index, no trigger), in the same run, with the same pragmas (WAL,
//! `synchronous`, foreign keys, busy timeout), in the same folder.
//!
//! The loops are interleaved: every round does one of each, in an order that rotates, so
//! that disk noise and page-cache state hit all of them alike. No criterion: warm-up, many
//! samples, mean / p50 / p99 / max and commits per second.
//!
//! ```text
//! SCANTRAIL_BENCH_DIR=/work/bench-data cargo bench --bench commit
//! ```
//!
//! `SCANTRAIL_BENCH_DIR` is where the two databases go (default: the system temp folder;
//! mind that /tmp may be a RAM disk, where an fsync costs nothing). `SCANTRAIL_BENCH_ITERS`
//! sets the samples per loop (default 2000). `SCANTRAIL_BENCH_STORE_DB` makes the store
//! loops commit into an existing database instead of a fresh one, to see what a full journal
//! costs; give it a *copy* of a generated journal, because the benchmark writes into it.

use anyhow::Context;
use rusqlite::{Connection, params};
use scantrail::config::{DatabaseConfig, Synchronous};
use scantrail::domain::{DocumentKind, LocationId, MovementKind, Outcome, Tracking};
use scantrail::store::{
    Committed, Group, LocationRow, NewMovement, OrderRow, ProductRow, ScanRecord, Store,
};
use std::path::Path;
use std::time::{Duration, Instant};

mod support;
use support::Stats;

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// The bare baseline: one row of the journal's width, nothing else.
struct Bare {
    conn: Connection,
    n: i64,
}

impl Bare {
    fn open(path: &Path, sync: Synchronous) -> anyhow::Result<Bare> {
        let conn = Connection::open(path)?;
        // The same per-connection settings as `Store::open` (src/store/mod.rs).
        conn.busy_timeout(Duration::from_millis(5000))?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.execute_batch(&format!(
            "PRAGMA foreign_keys = ON; PRAGMA synchronous = {}; PRAGMA temp_store = MEMORY;
             CREATE TABLE bare (
                 seq INTEGER PRIMARY KEY, id BLOB NOT NULL, group_id BLOB NOT NULL,
                 at TEXT NOT NULL, station TEXT NOT NULL, operator TEXT, kind TEXT NOT NULL,
                 document_id INTEGER, product_id INTEGER NOT NULL, lot_id INTEGER,
                 serial TEXT, qty INTEGER NOT NULL, from_location_id INTEGER,
                 to_location_id INTEGER, partner_id INTEGER, reverses BLOB
             );",
            sync.as_pragma()
        ))?;
        Ok(Bare { conn, n: 0 })
    }

    fn insert(&mut self) -> anyhow::Result<()> {
        self.n += 1;
        let id = uuid::Uuid::now_v7();
        let serial = format!("SN-{:08}", self.n);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO bare (id, group_id, at, station, operator, kind, document_id,
                product_id, lot_id, serial, qty, from_location_id, to_location_id, partner_id,
                reverses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            id,
            id,
            "2026-11-24T02:00:00.000Z",
            "KIOSK-DOCK-1",
            "maria",
            "receive",
            1,
            1,
            Option::<i64>::None,
            serial,
            1,
            Option::<i64>::None,
            2,
            1,
            Option::<uuid::Uuid>::None,
        ])?;
        tx.commit()?;
        Ok(())
    }
}

/// The store side: a small catalog and the groups that scans would commit.
struct Scans {
    store: Store,
    serial_product: scantrail::domain::ProductId,
    plain_product: scantrail::domain::ProductId,
    dock: LocationId,
    a: LocationId,
    b: LocationId,
    po: scantrail::store::DocumentInfo,
    serial_prefix: String,
    received: u64,
    moved: u64,
}

impl Scans {
    fn open(path: &Path, sync: Synchronous) -> anyhow::Result<Scans> {
        let config = DatabaseConfig {
            path: None,
            synchronous: sync,
            busy_timeout_ms: 5000,
        };
        let mut store = Store::open(path, &config)?;
        let product = |line, sku: &str, tracking| ProductRow {
            line,
            sku: sku.to_owned(),
            name: format!("Bench {sku}"),
            tracking,
            barcodes: vec![],
            serial_pattern: None,
        };
        store.import_products(
            &[
                product(2, "BENCH-SERIAL", Tracking::Serial),
                product(3, "BENCH-PLAIN", Tracking::None),
            ],
            &mut |_| {},
        )?;
        let location = |line, code: &str| LocationRow {
            line,
            code: code.to_owned(),
            name: code.to_owned(),
            parent: None,
        };
        store.import_locations(
            &[location(2, "DOCK"), location(3, "A"), location(4, "B")],
            &mut |_| {},
        )?;
        if store.document_by_ref("PO-1")?.is_none() {
            store.import_orders(
                &[OrderRow {
                    line: 2,
                    reference: "PO-1".into(),
                    kind: DocumentKind::Purchase,
                    partner: "Supplier".into(),
                    sku: "BENCH-SERIAL".into(),
                    qty: 1,
                }],
                &mut |_| {},
            )?;
        }
        let product_id = |sku: &str| -> anyhow::Result<_> {
            Ok(store.product_by_sku(sku)?.context("bench product")?.id)
        };
        let location_id = |code: &str| -> anyhow::Result<_> {
            Ok(store.location_by_code(code)?.context("bench location")?.id)
        };
        let serial_product = product_id("BENCH-SERIAL")?;
        let plain_product = product_id("BENCH-PLAIN")?;
        let (dock, a, b) = (location_id("DOCK")?, location_id("A")?, location_id("B")?);
        let po = store.document_by_ref("PO-1")?.context("bench order")?;
        let mut scans = Scans {
            store,
            serial_product,
            plain_product,
            dock,
            a,
            b,
            po,
            // Serials unique to this run, so a database can be committed into again.
            serial_prefix: format!("BENCH-{}", chrono::Utc::now().timestamp_millis()),
            received: 0,
            moved: 0,
        };
        // Something to move back and forth.
        let stock = scans.group(
            "0614141000036",
            "Received 1000 × BENCH-PLAIN into A".into(),
            NewMovement {
                kind: MovementKind::Receive,
                product: plain_product,
                lot: None,
                serial: None,
                qty: 1000,
                from: None,
                to: Some(a),
                partner: None,
                document: None,
                reverses: None,
            },
        );
        scans.commit(&stock)?;
        Ok(scans)
    }

    fn group(&self, raw: &str, message: String, movement: NewMovement) -> Group {
        Group {
            id: uuid::Uuid::now_v7(),
            at: chrono::Utc::now(),
            station: "KIOSK-DOCK-1".into(),
            operator: Some("maria".into()),
            scan: ScanRecord {
                raw: raw.to_owned(),
                device: Some("scanner-0".into()),
                outcome: Outcome::Ok,
                message,
            },
            movements: vec![movement],
            close_document: None,
            count: None,
        }
    }

    /// The scan of a new serial at the dock: scan log, movement, stock, serial projection.
    fn next_receipt(&mut self) -> Group {
        self.received += 1;
        let serial = format!("{}-{:08}", self.serial_prefix, self.received);
        self.group(
            &serial.clone(),
            format!("Received BENCH-SERIAL {serial} into DOCK"),
            NewMovement {
                kind: MovementKind::Receive,
                product: self.serial_product,
                lot: None,
                serial: Some(serial),
                qty: 1,
                from: None,
                to: Some(self.dock),
                partner: Some(self.po.partner),
                document: Some(self.po.id),
                reverses: None,
            },
        )
    }

    /// The scan that moves one untracked unit between two bins: stock out (checked) and in.
    fn next_transfer(&mut self) -> Group {
        self.moved += 1;
        let (from, to) = if self.moved % 2 == 1 {
            (self.a, self.b)
        } else {
            (self.b, self.a)
        };
        self.group(
            "0614141000036",
            "Moved 1 × BENCH-PLAIN".into(),
            NewMovement {
                kind: MovementKind::Transfer,
                product: self.plain_product,
                lot: None,
                serial: None,
                qty: 1,
                from: Some(from),
                to: Some(to),
                partner: None,
                document: None,
                reverses: None,
            },
        )
    }

    fn commit(&mut self, group: &Group) -> anyhow::Result<()> {
        match self.store.commit(group)? {
            Committed::Recorded { .. } => Ok(()),
            Committed::Refused(r) => anyhow::bail!("the store refused a bench scan: {r}"),
        }
    }
}

/// Pages in a WAL file: a 32-byte header, then frames of a 24-byte header and a 4 KiB page.
fn wal_frames(path: &Path) -> u64 {
    let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    len.saturating_sub(32) / (24 + 4096)
}

/// The page numbers of the WAL frames `from..to` (a frame header starts with its page number).
fn wal_page_numbers(path: &Path, from: u64, to: u64) -> anyhow::Result<Vec<u32>> {
    let bytes = std::fs::read(path)?;
    Ok((from..to)
        .filter_map(|frame| {
            let at = 32 + frame as usize * (24 + 4096);
            let header = bytes.get(at..at + 4)?;
            Some(u32::from_be_bytes(header.try_into().ok()?))
        })
        .collect())
}

/// Which table or index each written page belongs to (SQLite's `dbstat`), counted over the
/// probes: where a receipt's pages go.
fn pages_by_btree(db: &Path, pages: &[u32], probes: u64) -> anyhow::Result<Vec<(String, f64)>> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut owner = std::collections::HashMap::new();
    let mut st = conn.prepare("SELECT name, pageno FROM dbstat")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    for row in rows {
        let (name, page) = row?;
        owner.insert(page, name);
    }
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    for page in pages {
        let name = match owner.get(page) {
            Some(name) => name.clone(),
            None if *page == 1 => "(page 1: the schema root)".to_owned(),
            None => "(free or new page)".to_owned(),
        };
        *counts.entry(name).or_default() += 1;
    }
    let mut out: Vec<(String, f64)> = counts
        .into_iter()
        .map(|(name, n)| (name, n as f64 / probes as f64))
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// One pass at one `synchronous` level: the three loops interleaved.
fn pass(dir: &Path, sync: Synchronous, warm_up: usize, iters: usize) -> anyhow::Result<()> {
    let label = sync.as_pragma();
    let store_db = match std::env::var_os("SCANTRAIL_BENCH_STORE_DB") {
        Some(path) => std::path::PathBuf::from(path),
        None => dir.join(format!("store-{label}.db")),
    };
    let mut scans = Scans::open(&store_db, sync)?;
    println!("store database {}", store_db.display());
    let mut bare = Bare::open(&dir.join(format!("bare-{label}.db")), sync)?;
    // How many pages one commit appends to the WAL (a fresh WAL only grows until its first
    // checkpoint at 1000 pages): the disk work that `synchronous = FULL` waits for.
    let mut store_wal = store_db.clone().into_os_string();
    store_wal.push("-wal");
    let store_wal = std::path::PathBuf::from(store_wal);
    let bare_wal = dir.join(format!("bare-{label}.db-wal"));
    let mut frames = [0u64; 3];
    let mut receipt_pages = Vec::new();
    const PROBES: u64 = 20;
    for _ in 0..PROBES {
        let before = wal_frames(&store_wal);
        let g = scans.next_receipt();
        scans.commit(&g)?;
        let after = wal_frames(&store_wal);
        frames[0] += after - before;
        receipt_pages.extend(wal_page_numbers(&store_wal, before, after)?);
        let before = wal_frames(&store_wal);
        let g = scans.next_transfer();
        scans.commit(&g)?;
        frames[1] += wal_frames(&store_wal) - before;
        let before = wal_frames(&bare_wal);
        bare.insert()?;
        frames[2] += wal_frames(&bare_wal) - before;
    }
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..warm_up + iters {
        for k in 0..3 {
            let which = (round + k) % 3;
            let elapsed = match which {
                0 => {
                    let g = scans.next_receipt();
                    let t = Instant::now();
                    scans.commit(&g)?;
                    t.elapsed()
                }
                1 => {
                    let g = scans.next_transfer();
                    let t = Instant::now();
                    scans.commit(&g)?;
                    t.elapsed()
                }
                _ => {
                    let t = Instant::now();
                    bare.insert()?;
                    t.elapsed()
                }
            };
            if round >= warm_up {
                samples[which].push(elapsed);
            }
        }
    }
    let [receipt, transfer, baseline] = samples.map(|mut s| Stats::of(&mut s));
    println!(
        "synchronous = {label}, WAL, {iters} samples per loop after {warm_up} warm-up, interleaved"
    );
    println!(
        "  {:<44} {:>10} {:>10} {:>10} {:>10} {:>10} {:>12}",
        "loop", "commits/s", "mean µs", "p50 µs", "p99 µs", "max µs", "WAL pages"
    );
    for ((name, s), pages) in [
        ("Store::commit, serial receipt (1 movement)", &receipt),
        ("Store::commit, transfer (1 movement)", &transfer),
        ("bare INSERT, 16 columns (baseline)", &baseline),
    ]
    .into_iter()
    .zip(frames)
    {
        println!(
            "  {name:<44} {:>10.0} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.1}",
            s.per_second(),
            us(s.mean),
            us(s.p50),
            us(s.p99),
            us(s.max),
            pages as f64 / PROBES as f64
        );
        debug_assert_eq!(s.n, iters);
    }
    println!("  the pages of one serial receipt, by table or index (mean of {PROBES} commits):");
    for (name, per_commit) in pages_by_btree(&store_db, &receipt_pages, PROBES)? {
        println!("    {name:<42} {per_commit:>6.2}");
    }
    for (name, s) in [("serial receipt", &receipt), ("transfer", &transfer)] {
        println!(
            "  ratio {name:<15} / baseline: mean {:.2}, p50 {:.2}, p99 {:.2}",
            us(s.mean) / us(baseline.mean),
            us(s.p50) / us(baseline.p50),
            us(s.p99) / us(baseline.p99)
        );
    }
    println!();
    Ok(())
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let base = std::env::var_os("SCANTRAIL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&base).with_context(|| format!("cannot create {}", base.display()))?;
    let dir = tempfile::tempdir_in(&base)
        .with_context(|| format!("cannot make a folder in {}", base.display()))?;
    // `cargo bench` passes `--bench`; `cargo test --benches` (or `--all-targets`) does not,
    // and then a few rounds show that the benchmark still works, without measuring.
    let measuring = std::env::args().any(|a| a == "--bench");
    let (warm_up, iters) = if measuring {
        let iters = match std::env::var("SCANTRAIL_BENCH_ITERS") {
            Ok(v) => v
                .parse()
                .with_context(|| format!("SCANTRAIL_BENCH_ITERS={v} is not a count"))?,
            Err(_) => 2000,
        };
        (200, iters)
    } else {
        println!("not under `cargo bench`: a smoke run of a few rounds; the figures mean nothing");
        (2, 5)
    };
    println!("databases in {}", dir.path().display());
    pass(dir.path(), Synchronous::Full, warm_up, iters)?;
    // The same loops without waiting for the disk: what the CPU work alone costs.
    pass(dir.path(), Synchronous::Off, warm_up, iters)?;
    Ok(())
}
