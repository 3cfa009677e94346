//! The demo warehouse: the catalog in `demo/*.csv` and a short history of scans (a purchase
//! order received at the dock, put away, one order shipped), loaded into a new database for
//! `scantrail init --demo` and shared by the tests.
//!
//! The history goes through the same commit path as every scan (`Store::commit`), so the
//! demo database is a real journal with projections that `db verify` accepts.

use crate::config::Config;
use crate::domain::{LotSpec, MovementKind, Outcome};
use crate::import::{read_locations, read_orders, read_products};
use crate::store::{Group, NewMovement, ScanRecord, Store, StoreError};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use std::fmt;

pub const PRODUCTS_CSV: &str = include_str!("../demo/products.csv");
pub const LOCATIONS_CSV: &str = include_str!("../demo/locations.csv");
pub const ORDERS_CSV: &str = include_str!("../demo/orders.csv");

/// What went wrong loading the demo (only a broken build or a full disk can do it).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Csv(#[from] crate::import::CsvError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the demo data names {0}, which its own catalog lacks")]
    Missing(String),
}

/// What the demo loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoSummary {
    pub products: usize,
    pub locations: usize,
    pub orders: usize,
    pub scans: usize,
}

impl fmt::Display for DemoSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo warehouse: {} products, {} locations, {} orders, {} scans of history",
            self.products, self.locations, self.orders, self.scans
        )
    }
}

/// One step of the demo history: a scan and the movement it recorded.
struct Step {
    days_ago: i64,
    raw: &'static str,
    message: &'static str,
    kind: MovementKind,
    sku: &'static str,
    lot: Option<(&'static str, (i32, u32, u32))>,
    serial: Option<&'static str>,
    qty: u32,
    from: Option<&'static str>,
    to: Option<&'static str>,
    document: Option<&'static str>,
    operator: &'static str,
}

const fn receive(
    raw: &'static str,
    message: &'static str,
    sku: &'static str,
    lot: Option<(&'static str, (i32, u32, u32))>,
    serial: Option<&'static str>,
    qty: u32,
) -> Step {
    Step {
        days_ago: 21,
        raw,
        message,
        kind: MovementKind::Receive,
        sku,
        lot,
        serial,
        qty,
        from: None,
        to: Some("DOCK"),
        document: Some("PO-1042"),
        operator: "maria",
    }
}

const fn put_away(
    raw: &'static str,
    message: &'static str,
    sku: &'static str,
    lot: Option<(&'static str, (i32, u32, u32))>,
    serial: Option<&'static str>,
    qty: u32,
    to: &'static str,
) -> Step {
    Step {
        days_ago: 14,
        raw,
        message,
        kind: MovementKind::Transfer,
        sku,
        lot,
        serial,
        qty,
        from: Some("DOCK"),
        to: Some(to),
        document: None,
        operator: "jonas",
    }
}

const L118: Option<(&str, (i32, u32, u32))> = Some(("L2026-118", (2027, 1, 31)));
const L131: Option<(&str, (i32, u32, u32))> = Some(("L2026-131", (2027, 6, 30)));

const HISTORY: &[Step] = &[
    receive(
        "SN-4471-0091",
        "Received Laptop X1 Carbon SN-4471-0091 into DOCK",
        "LAP-X1",
        None,
        Some("SN-4471-0091"),
        1,
    ),
    receive(
        "SN-4471-0092",
        "Received Laptop X1 Carbon SN-4471-0092 into DOCK",
        "LAP-X1",
        None,
        Some("SN-4471-0092"),
        1,
    ),
    receive(
        "SN-4471-0093",
        "Received Laptop X1 Carbon SN-4471-0093 into DOCK",
        "LAP-X1",
        None,
        Some("SN-4471-0093"),
        1,
    ),
    receive(
        "L2026-118",
        "Received 12 × Aspirin 500 mg ×12, lot L2026-118, into DOCK",
        "ASP-500",
        L118,
        None,
        12,
    ),
    receive(
        "L2026-131",
        "Received 12 × Aspirin 500 mg ×12, lot L2026-131, into DOCK",
        "ASP-500",
        L131,
        None,
        12,
    ),
    receive(
        "0614141000036",
        "Received 20 × USB-C cable 1 m into DOCK",
        "USB-C1M",
        None,
        None,
        20,
    ),
    put_away(
        "LOC-A-01-3",
        "Moved Laptop X1 Carbon SN-4471-0091 DOCK → A-01-3",
        "LAP-X1",
        None,
        Some("SN-4471-0091"),
        1,
        "A-01-3",
    ),
    put_away(
        "LOC-A-01-3",
        "Moved Laptop X1 Carbon SN-4471-0092 DOCK → A-01-3",
        "LAP-X1",
        None,
        Some("SN-4471-0092"),
        1,
        "A-01-3",
    ),
    put_away(
        "LOC-B-02",
        "Moved Laptop X1 Carbon SN-4471-0093 DOCK → B-02",
        "LAP-X1",
        None,
        Some("SN-4471-0093"),
        1,
        "B-02",
    ),
    put_away(
        "LOC-B-02",
        "Moved 12 × Aspirin lot L2026-118 DOCK → B-02",
        "ASP-500",
        L118,
        None,
        12,
        "B-02",
    ),
    put_away(
        "LOC-B-02",
        "Moved 12 × Aspirin lot L2026-131 DOCK → B-02",
        "ASP-500",
        L131,
        None,
        12,
        "B-02",
    ),
    put_away(
        "LOC-B-02",
        "Moved 20 × USB-C cable 1 m DOCK → B-02",
        "USB-C1M",
        None,
        None,
        20,
        "B-02",
    ),
    Step {
        days_ago: 4,
        raw: "SN-4471-0093",
        message: "Shipped Laptop X1 Carbon SN-4471-0093 to Northwind Clinic on SO-7781",
        kind: MovementKind::Ship,
        sku: "LAP-X1",
        lot: None,
        serial: Some("SN-4471-0093"),
        qty: 1,
        from: Some("B-02"),
        to: None,
        document: Some("SO-7781"),
        operator: "jonas",
    },
];

/// Loads the demo catalog and history into `store` (meant to be new), dated back from `now`.
pub fn load(
    store: &mut Store,
    config: &Config,
    station: &str,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let products = read_products("demo/products.csv", PRODUCTS_CSV.as_bytes())?;
    let locations = read_locations("demo/locations.csv", LOCATIONS_CSV.as_bytes())?;
    let orders = read_orders("demo/orders.csv", ORDERS_CSV.as_bytes(), &config.barcodes)?;
    store.import_products(&products, &mut |_| {})?;
    store.import_locations(&locations, &mut |_| {})?;
    let order_summary = store.import_orders(&orders, &mut |_| {})?;
    let missing = |what: String| DemoError::Missing(what);
    for (i, step) in HISTORY.iter().enumerate() {
        let product = store
            .product_by_sku(step.sku)?
            .ok_or_else(|| missing(format!("SKU {}", step.sku)))?;
        let location = |code: Option<&str>| -> Result<_, DemoError> {
            match code {
                Some(c) => Ok(Some(
                    store
                        .location_by_code(c)?
                        .ok_or_else(|| missing(format!("location {c}")))?
                        .id,
                )),
                None => Ok(None),
            }
        };
        let from = location(step.from)?;
        let to = location(step.to)?;
        let document = match step.document {
            Some(r) => Some(
                store
                    .document_by_ref(r)?
                    .ok_or_else(|| missing(format!("document {r}")))?,
            ),
            None => None,
        };
        let at = now - Duration::days(step.days_ago) + Duration::minutes(i as i64 * 3);
        let group = Group {
            id: uuid::Uuid::now_v7(),
            at,
            station: station.to_owned(),
            operator: Some(step.operator.to_owned()),
            scan: ScanRecord {
                raw: step.raw.to_owned(),
                device: Some("demo".to_owned()),
                outcome: Outcome::Ok,
                message: step.message.to_owned(),
            },
            movements: vec![NewMovement {
                kind: step.kind,
                product: product.id,
                lot: step.lot.map(|(code, (y, m, d))| LotSpec {
                    code: code.to_owned(),
                    expiry: NaiveDate::from_ymd_opt(y, m, d),
                }),
                serial: step.serial.map(str::to_owned),
                qty: step.qty,
                from,
                to,
                partner: document.as_ref().map(|d| d.partner),
                document: document.as_ref().map(|d| d.id),
                reverses: None,
            }],
            close_document: None,
            count: None,
        };
        store.commit(&group)?;
    }
    Ok(DemoSummary {
        products: products.len(),
        locations: locations.len(),
        orders: order_summary.added,
        scans: HISTORY.len(),
    })
}
