//! Shared helpers for the integration tests: a fresh store with the demo catalog, and small
//! builders for groups, so each test says only what it is about.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, TimeZone, Utc};
use scantrail::config::{Config, DatabaseConfig, Synchronous};
use scantrail::domain::{LocationId, MovementKind, Outcome, ProductId};
use scantrail::store::{Group, NewMovement, ScanRecord, Store};
use std::path::{Path, PathBuf};

pub fn fast_db_config() -> DatabaseConfig {
    DatabaseConfig {
        synchronous: Synchronous::Off,
        ..DatabaseConfig::default()
    }
}

/// A new database in a temporary folder with the demo catalog (no history).
pub fn catalog_store(dir: &Path, db: &DatabaseConfig) -> (PathBuf, Store) {
    let path = dir.join("test.db");
    let mut store = Store::open(&path, db).expect("open");
    let config = Config::default();
    let products = scantrail::import::read_products("p", scantrail::demo::PRODUCTS_CSV.as_bytes())
        .expect("products");
    let locations =
        scantrail::import::read_locations("l", scantrail::demo::LOCATIONS_CSV.as_bytes())
            .expect("locations");
    let orders = scantrail::import::read_orders(
        "o",
        scantrail::demo::ORDERS_CSV.as_bytes(),
        &config.barcodes,
    )
    .expect("orders");
    store
        .import_products(&products, &mut |_| {})
        .expect("import products");
    store
        .import_locations(&locations, &mut |_| {})
        .expect("import locations");
    store
        .import_orders(&orders, &mut |_| {})
        .expect("import orders");
    (path, store)
}

pub fn product(store: &Store, sku: &str) -> ProductId {
    store
        .product_by_sku(sku)
        .expect("lookup")
        .expect("demo product")
        .id
}

pub fn location(store: &Store, code: &str) -> LocationId {
    store
        .location_by_code(code)
        .expect("lookup")
        .expect("demo location")
        .id
}

pub fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 8, 0, 0)
        .single()
        .expect("date")
        + chrono::Duration::minutes(minute)
}

/// A one-scan group with the given movements.
pub fn group(raw: &str, movements: Vec<NewMovement>) -> Group {
    Group {
        id: uuid::Uuid::now_v7(),
        at: at(0),
        station: "TEST-1".into(),
        operator: Some("tester".into()),
        scan: ScanRecord {
            raw: raw.into(),
            device: None,
            outcome: Outcome::Ok,
            message: format!("ok {raw}"),
        },
        movements,
        close_document: None,
        count: None,
    }
}

/// A receipt from outside into `to`.
pub fn receipt(product: ProductId, serial: Option<&str>, qty: u32, to: LocationId) -> NewMovement {
    NewMovement {
        kind: MovementKind::Receive,
        product,
        lot: None,
        serial: serial.map(str::to_owned),
        qty,
        from: None,
        to: Some(to),
        partner: None,
        document: None,
        reverses: None,
    }
}

/// Row count of a table, read through a plain connection.
pub fn count(path: &Path, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).expect("open raw");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}
