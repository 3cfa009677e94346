//! Builds a large, realistic scantrail journal for the query benchmarks (`benches/queries.rs`).
//!
//! Everything goes through the store's own API: the catalog through `import_products`,
//! `import_locations` and `import_orders`, the history through `Store::commit_batch` (many
//! one-movement groups per transaction), so the result is a real journal whose projections
//! (stock, serials) were kept by the schema's triggers, row by row, and that `db verify`
//! accepts. The database is opened with `synchronous = OFF` for speed: a crash during
//! generation may lose the file, which only means running the generator again.
//!
//! The warehouse: 5,000 products (2,000 serial-tracked, 2,000 lot-tracked, 1,000 untracked),
//! 2,012 locations (a dock, ten zones of 200 bins), 200 suppliers, 1,000 customers, 2,000
//! purchase and 6,000 sales orders. Its history, spread over two years by four stations:
//! every serial is received at the dock, put away, sometimes moved, mostly shipped; every lot
//! or batch of an untracked product is received, put away, picked and shipped in small
//! quantities to sales orders, sometimes moved to another bin half-way. One lot of
//! `SKU-02001`, `L-RECALL-1000`, is shipped two units at a time to 1,000 different sales
//! orders (the recall question of the benchmark).
//!
//! ```text
//! cargo run --release --example generate_journal -- --db /work/bench-data/journal-10m.db
//! ```
//!
//! Next to the database it writes `<db>.json`, which tells the query benchmark which serials,
//! products and lot exist.

#[path = "../benches/support/mod.rs"]
mod support;
use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clap::Parser;
use scantrail::barcode::gtin::check_digit;
use scantrail::config::{DatabaseConfig, Synchronous};
use scantrail::domain::{
    DocumentId, DocumentKind, LocationId, LotSpec, MovementKind, Outcome, PartnerId, ProductId,
    Tracking,
};
use scantrail::store::{Group, LocationRow, NewMovement, OrderRow, ProductRow, ScanRecord, Store};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::Instant;
use support::Rng;

#[derive(Debug, Parser)]
#[command(about = "Generate a large scantrail journal for the benchmarks")]
struct Args {
    /// The database to create (must not exist).
    #[arg(long)]
    db: PathBuf,
    /// Movements in the journal (one scan, one group, one movement each).
    #[arg(long, default_value_t = 10_000_000)]
    movements: u64,
    /// Serial-tracked units received.
    #[arg(long, default_value_t = 1_000_000)]
    serials: u32,
    /// Groups per `commit_batch` transaction.
    #[arg(long, default_value_t = 20_000)]
    batch: usize,
    /// Seed of the pseudo-random choices; the same seed gives the same warehouse.
    #[arg(long, default_value_t = 2)]
    seed: u64,
    /// Keep `synchronous = FULL` (slow) instead of OFF.
    #[arg(long)]
    durable: bool,
}

/// What the query benchmark needs to know about the generated database.
#[derive(Debug, serde::Serialize)]
struct Manifest {
    movements: u64,
    serials: u32,
    /// Serial `i` is `format!("SN-{i:08}")`.
    serial_format: &'static str,
    products: u32,
    /// Product `i` (1-based) is `format!("SKU-{i:05}")`.
    sku_format: &'static str,
    serial_products: (u32, u32),
    lot_products: (u32, u32),
    untracked_products: (u32, u32),
    recall_sku: &'static str,
    recall_lot: &'static str,
    recall_orders: u32,
    lots: u64,
    build_seconds: f64,
}

const PRODUCTS: u32 = 5_000;
const SERIAL_PRODUCTS: (u32, u32) = (1, 2_000);
const LOT_PRODUCTS: (u32, u32) = (2_001, 4_000);
const UNTRACKED_PRODUCTS: (u32, u32) = (4_001, 5_000);
const ZONES: u32 = 10;
const BINS_PER_ZONE: u32 = 200;
const SUPPLIERS: u32 = 200;
const CUSTOMERS: u32 = 1_000;
const PURCHASE_ORDERS: u32 = 2_000;
const SALES_ORDERS: u32 = 5_000;
const RECALL_ORDERS: u32 = 1_000;
const RECALL_SKU: &str = "SKU-02001";
const RECALL_LOT: &str = "L-RECALL-1000";
const STATIONS: [&str; 4] = [
    "KIOSK-DOCK-1",
    "KIOSK-DOCK-2",
    "KIOSK-PICK-1",
    "KIOSK-PICK-2",
];
const OPERATORS: [&str; 12] = [
    "maria", "jonas", "aylin", "pieter", "sofia", "tomasz", "lena", "ravi", "chloe", "mehmet",
    "ines", "oskar",
];
const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// One thing with a life in the warehouse: a serial-tracked unit, or a received quantity
/// of a lot (or of an untracked product) that is shipped bit by bit.
enum Entity {
    Serial {
        product: u32,
        n: u32,
        bin: u32,
        step: u8,
        moves: bool,
        ships: bool,
    },
    Batch {
        product: u32,
        lot: Option<u32>,
        per_ship: u32,
        ships_left: u32,
        leftover: u32,
        bin: u32,
        step: u8,
        /// When `ships_left` comes down to this, the rest moves to another bin first.
        move_at: Option<u32>,
        ship_gap_ms: i64,
        recall: bool,
    },
}

impl Entity {
    fn movements(&self) -> u64 {
        match self {
            Entity::Serial { moves, ships, .. } => 2 + u64::from(*moves) + u64::from(*ships),
            Entity::Batch {
                ships_left,
                move_at,
                ..
            } => 2 + u64::from(*ships_left) + u64::from(move_at.is_some()),
        }
    }
}

/// The catalog's ids, looked up once after the import.
struct Catalog {
    products: Vec<ProductId>,
    gtins: Vec<String>,
    dock: LocationId,
    bins: Vec<(LocationId, String)>,
    purchase: Vec<(DocumentId, PartnerId)>,
    sales: Vec<(DocumentId, PartnerId)>,
    recall_sales: Vec<(DocumentId, PartnerId)>,
}

fn sku(i: u32) -> String {
    format!("SKU-{i:05}")
}

fn gtin14(i: u32) -> String {
    let body = format!("0400000{i:06}");
    let digits: Vec<u8> = body.bytes().map(|b| b - b'0').collect();
    format!("{body}{}", check_digit(&digits))
}

fn bin_code(zone: u32, bin: u32) -> String {
    format!("Z{zone:02}-{:02}-{:02}", bin / 10 + 1, bin % 10 + 1)
}

fn load_catalog(store: &mut Store, rng: &mut Rng) -> anyhow::Result<Catalog> {
    let products: Vec<ProductRow> = (1..=PRODUCTS)
        .map(|i| {
            let tracking = if i <= SERIAL_PRODUCTS.1 {
                Tracking::Serial
            } else if i <= LOT_PRODUCTS.1 {
                Tracking::Lot
            } else {
                Tracking::None
            };
            ProductRow {
                line: u64::from(i) + 1,
                sku: sku(i),
                name: format!("Generated product {i}"),
                tracking,
                barcodes: vec![(gtin14(i), 1)],
                serial_pattern: (tracking == Tracking::Serial).then(|| "SN-########".to_owned()),
            }
        })
        .collect();
    store.import_products(&products, &mut |_| {})?;

    let mut locations = vec![
        LocationRow {
            line: 2,
            code: "WH".into(),
            name: "Warehouse".into(),
            parent: None,
        },
        LocationRow {
            line: 3,
            code: "DOCK".into(),
            name: "Receiving dock".into(),
            parent: Some("WH".into()),
        },
    ];
    for zone in 1..=ZONES {
        locations.push(LocationRow {
            line: locations.len() as u64 + 2,
            code: format!("Z{zone:02}"),
            name: format!("Zone {zone}"),
            parent: Some("WH".into()),
        });
        for bin in 0..BINS_PER_ZONE {
            locations.push(LocationRow {
                line: locations.len() as u64 + 2,
                code: bin_code(zone, bin),
                name: format!("Zone {zone} bin {bin}"),
                parent: Some(format!("Z{zone:02}")),
            });
        }
    }
    store.import_locations(&locations, &mut |_| {})?;

    let mut orders = Vec::new();
    let mut line = 1;
    let mut order = |reference: String, kind: DocumentKind, partner: String, rng: &mut Rng| {
        line += 1;
        orders.push(OrderRow {
            line,
            reference,
            kind,
            partner,
            sku: sku(rng.range(1, u64::from(PRODUCTS)) as u32),
            qty: rng.range(1, 100) as u32,
        });
    };
    for i in 1..=PURCHASE_ORDERS {
        let supplier = format!("Supplier {:03}", rng.range(1, u64::from(SUPPLIERS)));
        order(format!("PO-{i:06}"), DocumentKind::Purchase, supplier, rng);
    }
    for i in 1..=SALES_ORDERS {
        let customer = format!("Customer {:04}", rng.range(1, u64::from(CUSTOMERS)));
        order(format!("SO-{i:06}"), DocumentKind::Sale, customer, rng);
    }
    for i in 1..=RECALL_ORDERS {
        let customer = format!("Customer {:04}", (i - 1) % CUSTOMERS + 1);
        order(format!("SO-R{i:05}"), DocumentKind::Sale, customer, rng);
    }
    store.import_orders(&orders, &mut |_| {})?;

    let mut ids = Vec::with_capacity(PRODUCTS as usize + 1);
    ids.push(ProductId(0));
    for i in 1..=PRODUCTS {
        let p = store
            .product_by_sku(&sku(i))?
            .with_context(|| format!("product {} was not imported", sku(i)))?;
        ids.push(p.id);
    }
    let location = |store: &Store, code: &str| -> anyhow::Result<LocationId> {
        Ok(store
            .location_by_code(code)?
            .with_context(|| format!("location {code} was not imported"))?
            .id)
    };
    let mut bins = Vec::new();
    for zone in 1..=ZONES {
        for bin in 0..BINS_PER_ZONE {
            let code = bin_code(zone, bin);
            bins.push((location(store, &code)?, code));
        }
    }
    let document = |store: &Store, reference: String| -> anyhow::Result<(DocumentId, PartnerId)> {
        let d = store
            .document_by_ref(&reference)?
            .with_context(|| format!("order {reference} was not imported"))?;
        Ok((d.id, d.partner))
    };
    Ok(Catalog {
        products: ids,
        gtins: (0..=PRODUCTS).map(gtin14).collect(),
        dock: location(store, "DOCK")?,
        bins,
        purchase: (1..=PURCHASE_ORDERS)
            .map(|i| document(store, format!("PO-{i:06}")))
            .collect::<anyhow::Result<_>>()?,
        sales: (1..=SALES_ORDERS)
            .map(|i| document(store, format!("SO-{i:06}")))
            .collect::<anyhow::Result<_>>()?,
        recall_sales: (1..=RECALL_ORDERS)
            .map(|i| document(store, format!("SO-R{i:05}")))
            .collect::<anyhow::Result<_>>()?,
    })
}

/// Plans every entity's life so that their movements add up to exactly `target`.
fn plan(target: u64, serials: u32, rng: &mut Rng) -> anyhow::Result<Vec<Entity>> {
    let mut entities = Vec::new();
    let mut total = 0;
    let bins = u64::from(ZONES * BINS_PER_ZONE);
    for n in 0..serials {
        let e = Entity::Serial {
            product: rng.range(u64::from(SERIAL_PRODUCTS.0), u64::from(SERIAL_PRODUCTS.1)) as u32,
            n,
            bin: rng.range(0, bins - 1) as u32,
            step: 0,
            moves: rng.chance(30),
            ships: rng.chance(70),
        };
        total += e.movements();
        entities.push(e);
    }
    let recall = Entity::Batch {
        product: LOT_PRODUCTS.0,
        lot: None,
        per_ship: 2,
        ships_left: RECALL_ORDERS,
        leftover: 500,
        bin: rng.range(0, bins - 1) as u32,
        step: 0,
        move_at: Some(RECALL_ORDERS / 2),
        ship_gap_ms: 4 * HOUR_MS,
        recall: true,
    };
    total += recall.movements();
    entities.push(recall);
    if total > target {
        bail!(
            "{serials} serials alone need {total} movements, more than the {target} asked for; \
             ask for fewer serials or more movements"
        );
    }
    let mut lot_no = 0;
    while total < target {
        let product = rng.range(u64::from(LOT_PRODUCTS.0), u64::from(UNTRACKED_PRODUCTS.1)) as u32;
        let lot = (product <= LOT_PRODUCTS.1).then(|| {
            lot_no += 1;
            lot_no
        });
        let mut ships = rng.range(20, 80) as u32;
        let mut moves = rng.chance(20);
        let planned = 2 + u64::from(ships) + u64::from(moves);
        let rest = target - total;
        if planned + 1 >= rest {
            // The last batch is cut (or stretched by one) to fit exactly; what it does not
            // ship stays on hand.
            if rest < 2 {
                bail!("cannot fit a last batch into {rest} movement; ask for one more or less");
            }
            moves = false;
            ships = (rest - 2) as u32;
        }
        let per_ship = rng.range(1, 24) as u32;
        let life_ms = rng.range(30, 150) as i64 * DAY_MS;
        let e = Entity::Batch {
            product,
            lot,
            per_ship,
            ships_left: ships,
            leftover: rng.range(0, u64::from(per_ship) * 3) as u32,
            bin: rng.range(0, bins - 1) as u32,
            step: 0,
            move_at: (moves && ships > 1).then_some(ships / 2),
            ship_gap_ms: life_ms / i64::from(ships.max(1)),
            recall: false,
        };
        total += e.movements();
        entities.push(e);
    }
    if total != target {
        bail!("planned {total} movements instead of {target}: the generator has a bug");
    }
    Ok(entities)
}

fn lot_code(product: u32, lot: Option<u32>, recall: bool) -> Option<String> {
    if recall {
        Some(RECALL_LOT.to_owned())
    } else {
        lot.map(|n| format!("L{product:05}-{n:06}"))
    }
}

/// The next movement of an entity, its scan text and message, and when its next movement
/// comes (`None`: its life is over).
fn next_movement(
    e: &mut Entity,
    cat: &Catalog,
    rng: &mut Rng,
    at: DateTime<Utc>,
) -> (NewMovement, String, String, Option<i64>) {
    let bins = cat.bins.len() as u64;
    match e {
        Entity::Serial {
            product,
            n,
            bin,
            step,
            moves,
            ships,
        } => {
            let serial = format!("SN-{n:08}");
            let pid = cat.products[*product as usize];
            let base = NewMovement {
                kind: MovementKind::Receive,
                product: pid,
                lot: None,
                serial: Some(serial.clone()),
                qty: 1,
                from: None,
                to: None,
                partner: None,
                document: None,
                reverses: None,
            };
            let (bin_id, bin_code) = &cat.bins[*bin as usize];
            let (m, message) = match *step {
                0 => {
                    let (doc, partner) = *rng.pick(&cat.purchase);
                    *step = 1;
                    (
                        NewMovement {
                            to: Some(cat.dock),
                            partner: Some(partner),
                            document: Some(doc),
                            ..base
                        },
                        format!("Received SKU-{product:05} {serial} into DOCK"),
                    )
                }
                1 => {
                    *step = if *moves { 2 } else { 3 };
                    (
                        NewMovement {
                            kind: MovementKind::Transfer,
                            from: Some(cat.dock),
                            to: Some(*bin_id),
                            ..base
                        },
                        format!("Moved SKU-{product:05} {serial} DOCK → {bin_code}"),
                    )
                }
                2 => {
                    let new_bin = rng.range(0, bins - 1) as u32;
                    let new_bin = if new_bin == *bin {
                        (new_bin + 1) % bins as u32
                    } else {
                        new_bin
                    };
                    let (to_id, to_code) = &cat.bins[new_bin as usize];
                    *bin = new_bin;
                    *step = 3;
                    (
                        NewMovement {
                            kind: MovementKind::Transfer,
                            from: Some(*bin_id),
                            to: Some(*to_id),
                            ..base
                        },
                        format!("Moved SKU-{product:05} {serial} {bin_code} → {to_code}"),
                    )
                }
                _ => {
                    let (doc, partner) = *rng.pick(&cat.sales);
                    *step = 4;
                    (
                        NewMovement {
                            kind: MovementKind::Ship,
                            from: Some(*bin_id),
                            partner: Some(partner),
                            document: Some(doc),
                            ..base
                        },
                        format!("Shipped SKU-{product:05} {serial} from {bin_code}"),
                    )
                }
            };
            let next = match *step {
                1 => Some(rng.range(HOUR_MS as u64, 48 * HOUR_MS as u64) as i64),
                2 => Some(rng.range(DAY_MS as u64, 60 * DAY_MS as u64) as i64),
                3 if *ships => Some(rng.range(DAY_MS as u64, 120 * DAY_MS as u64) as i64),
                _ => None,
            };
            (m, serial, message, next)
        }
        Entity::Batch {
            product,
            lot,
            per_ship,
            ships_left,
            leftover,
            bin,
            step,
            move_at,
            ship_gap_ms,
            recall,
        } => {
            let pid = cat.products[*product as usize];
            let code = lot_code(*product, *lot, *recall);
            let gtin = &cat.gtins[*product as usize];
            let raw = match &code {
                Some(c) => format!("01{gtin}10{c}"),
                None => gtin.clone(),
            };
            let (bin_id, bin_code) = &cat.bins[*bin as usize];
            let on_hand = *per_ship * *ships_left + *leftover;
            let base = NewMovement {
                kind: MovementKind::Receive,
                product: pid,
                lot: code.clone().map(|code| LotSpec { code, expiry: None }),
                serial: None,
                qty: on_hand,
                from: None,
                to: None,
                partner: None,
                document: None,
                reverses: None,
            };
            let (m, message) = if *step == 0 {
                let (doc, partner) = *rng.pick(&cat.purchase);
                *step = 1;
                let expiry = (at + Duration::days(rng.range(180, 900) as i64)).date_naive();
                (
                    NewMovement {
                        lot: code.clone().map(|code| LotSpec {
                            code,
                            expiry: Some(expiry),
                        }),
                        to: Some(cat.dock),
                        partner: Some(partner),
                        document: Some(doc),
                        ..base
                    },
                    format!("Received {on_hand} × SKU-{product:05} into DOCK"),
                )
            } else if *step == 1 {
                *step = 2;
                (
                    NewMovement {
                        kind: MovementKind::Transfer,
                        from: Some(cat.dock),
                        to: Some(*bin_id),
                        ..base
                    },
                    format!("Moved {on_hand} × SKU-{product:05} DOCK → {bin_code}"),
                )
            } else if *move_at == Some(*ships_left) {
                *move_at = None;
                let new_bin = (*bin + 1 + rng.range(0, bins - 2) as u32) % bins as u32;
                let (to_id, to_code) = &cat.bins[new_bin as usize];
                *bin = new_bin;
                (
                    NewMovement {
                        kind: MovementKind::Transfer,
                        from: Some(*bin_id),
                        to: Some(*to_id),
                        ..base
                    },
                    format!("Moved {on_hand} × SKU-{product:05} {bin_code} → {to_code}"),
                )
            } else {
                let (doc, partner) = if *recall {
                    cat.recall_sales[(RECALL_ORDERS - *ships_left) as usize]
                } else {
                    *rng.pick(&cat.sales)
                };
                *ships_left -= 1;
                (
                    NewMovement {
                        kind: MovementKind::Ship,
                        qty: *per_ship,
                        from: Some(*bin_id),
                        partner: Some(partner),
                        document: Some(doc),
                        ..base
                    },
                    format!("Shipped {per_ship} × SKU-{product:05} from {bin_code}"),
                )
            };
            let next = if *step == 2 && *ships_left == 0 {
                None
            } else if m.kind == MovementKind::Receive {
                Some(rng.range(HOUR_MS as u64, 24 * HOUR_MS as u64) as i64)
            } else {
                let gap = *ship_gap_ms as u64;
                Some(rng.range(gap / 2, gap + gap / 2).max(1) as i64)
            };
            (m, raw, message, next)
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.db.exists() {
        bail!(
            "{} exists already; remove it (and its -wal, -shm and .json) or name another file",
            args.db.display()
        );
    }
    let started = Instant::now();
    let config = DatabaseConfig {
        path: None,
        synchronous: if args.durable {
            Synchronous::Full
        } else {
            Synchronous::Off
        },
        busy_timeout_ms: 5000,
    };
    let mut store = Store::open(&args.db, &config)?;
    let mut rng = Rng(args.seed);
    let cat = load_catalog(&mut store, &mut rng)?;
    eprintln!(
        "catalog: {PRODUCTS} products, {} locations, {} orders ({:.1} s)",
        cat.bins.len() + 2 + ZONES as usize,
        PURCHASE_ORDERS + SALES_ORDERS + RECALL_ORDERS,
        started.elapsed().as_secs_f64()
    );

    let mut entities = plan(args.movements, args.serials, &mut rng)?;
    let lots = entities
        .iter()
        .filter(|e| {
            matches!(
                e,
                Entity::Batch { lot: Some(_), .. } | Entity::Batch { recall: true, .. }
            )
        })
        .count() as u64;
    // Lives start over the first 75% of two years; the rest of their steps follow in time.
    let span_ms = 730 * DAY_MS * 3 / 4;
    let mut due: BinaryHeap<Reverse<(i64, u32)>> = entities
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let start = match e {
                Entity::Batch { recall: true, .. } => 300 * DAY_MS,
                _ => rng.range(0, span_ms as u64) as i64,
            };
            Reverse((start, i as u32))
        })
        .collect();
    eprintln!(
        "planned {} lives ({} serials, {lots} lots) for {} movements",
        entities.len(),
        args.serials,
        args.movements
    );

    let epoch = Utc
        .from_utc_datetime(
            &NaiveDate::from_ymd_opt(2024, 1, 1)
                .and_then(|d| d.and_hms_opt(6, 0, 0))
                .context("the generator's epoch is not a date")?,
        )
        .timestamp_millis();
    let history_started = Instant::now();
    let mut written = 0u64;
    let mut batch = Vec::with_capacity(args.batch);
    let mut last_report = Instant::now();
    while let Some(Reverse((t, i))) = due.pop() {
        let at = DateTime::<Utc>::from_timestamp_millis(epoch + t)
            .context("a generated time is out of range")?;
        let entity = &mut entities[i as usize];
        let (movement, raw, message, next) = next_movement(entity, &cat, &mut rng, at);
        if let Some(gap) = next {
            due.push(Reverse((t + gap, i)));
        }
        let ms = (epoch + t) as u64;
        let ts = uuid::Timestamp::from_unix(
            uuid::NoContext,
            ms / 1000,
            ((ms % 1000) * 1_000_000) as u32,
        );
        batch.push(Group {
            id: uuid::Uuid::new_v7(ts),
            at,
            station: rng.pick(&STATIONS).to_string(),
            operator: Some(rng.pick(&OPERATORS).to_string()),
            scan: ScanRecord {
                raw,
                device: Some("scanner-0".to_owned()),
                outcome: Outcome::Ok,
                message,
            },
            movements: vec![movement],
            close_document: None,
            count: None,
        });
        if batch.len() == args.batch {
            store.commit_batch(&batch)?;
            written += batch.len() as u64;
            batch.clear();
            if last_report.elapsed().as_secs() >= 10 {
                last_report = Instant::now();
                let secs = history_started.elapsed().as_secs_f64();
                eprintln!(
                    "{written} movements in {secs:.0} s ({:.0}/s)",
                    written as f64 / secs
                );
            }
        }
    }
    store.commit_batch(&batch)?;
    written += batch.len() as u64;
    drop(store);
    let secs = started.elapsed().as_secs_f64();

    let size = |suffix: &str| {
        let mut p = args.db.clone().into_os_string();
        p.push(suffix);
        std::fs::metadata(PathBuf::from(p))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    eprintln!(
        "done: {written} movements, {} serials, {lots} lots in {secs:.1} s; {} is {:.2} GiB \
         (wal {} bytes)",
        args.serials,
        args.db.display(),
        size("") as f64 / (1u64 << 30) as f64,
        size("-wal"),
    );
    let manifest = Manifest {
        movements: written,
        serials: args.serials,
        serial_format: "SN-{i:08}",
        products: PRODUCTS,
        sku_format: "SKU-{i:05}",
        serial_products: SERIAL_PRODUCTS,
        lot_products: LOT_PRODUCTS,
        untracked_products: UNTRACKED_PRODUCTS,
        recall_sku: RECALL_SKU,
        recall_lot: RECALL_LOT,
        recall_orders: RECALL_ORDERS,
        lots,
        build_seconds: secs,
    };
    let mut json_path = args.db.clone().into_os_string();
    json_path.push(".json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&manifest)?)
        .with_context(|| format!("cannot write {}", PathBuf::from(&json_path).display()))?;
    Ok(())
}
