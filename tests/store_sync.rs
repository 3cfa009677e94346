//! The station's side of a sync round (SPEC §7), against real SQLite files: the outbox is
//! the station's own journal in natural keys, a pull applies other stations' scans as facts
//! (even those this station's checks would have refused) and catalog changes, the same pull
//! twice changes nothing, and a station database with history is migrated to version 4
//! without losing a row.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::*;
use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::domain::{
    DocumentKind, DocumentStatus, LotSpec, LotStatus, MovementKind, Outcome, Tracking,
};
use scantrail::store::{Committed, NewMovement, Refusal, StockFilter, Store};
use scantrail::sync::wire::{
    ConflictKind, ConflictStatus, Feed, FeedItem, PushedGroup, WireBarcode, WireConflict,
    WireDocument, WireDocumentLine, WireLocation, WireLot, WireProduct,
};
use std::path::{Path, PathBuf};

const LAPTOP: &str = "0614141000029";
const CABLE: &str = "CABLE-1M";

/// A station on the demo catalog (no history), scanning through the very core the kiosk uses.
struct Station {
    core: Core,
    clock: DateTime<Utc>,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Station {
    fn new(name: &str) -> Station {
        let dir = tempfile::tempdir().unwrap();
        let (path, store) = catalog_store(dir.path(), &fast_db_config());
        let config = Config {
            database: fast_db_config(),
            ..Config::default()
        };
        Station {
            core: Core::new(store, &config, name.into()),
            clock: Utc
                .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
                .single()
                .unwrap(),
            path,
            _dir: dir,
        }
    }

    fn run(&mut self, script: &str) -> Vec<(Outcome, String)> {
        script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|scan| {
                self.clock += Duration::seconds(2);
                let r = self.core.scan(self.clock, scan, Some("test"));
                (r.feedback.outcome, r.feedback.message)
            })
            .collect()
    }

    fn ok(&mut self, script: &str) {
        for (i, (outcome, message)) in self.run(script).into_iter().enumerate() {
            assert!(
                matches!(outcome, Outcome::Ok | Outcome::Info),
                "scan {} of the script: {outcome:?} {message}",
                i + 1
            );
        }
    }

    /// A second connection, as the sync round has.
    fn sync(&self) -> Store {
        Store::open_existing(&self.path, &fast_db_config()).unwrap()
    }

    fn store(&self) -> &Store {
        self.core.store()
    }
}

/// The groups of an outbox as the centre hands them out, numbered from `first`.
fn feed(groups: Vec<PushedGroup>, first: i64) -> Vec<FeedItem> {
    groups
        .into_iter()
        .zip(first..)
        .map(|(g, gseq)| FeedItem {
            gseq,
            item: Feed::Group(g),
        })
        .collect()
}

/// Everything in a station's outbox that the centre has not acknowledged, acknowledged now
/// (as a good push does), as feed items numbered from `first`.
fn push(station: &Station, first: i64) -> Vec<FeedItem> {
    let mut sync = station.sync();
    let outbox = sync.outbox(10_000).unwrap();
    if let Some(last) = outbox.groups.last() {
        sync.acknowledge(last.seq).unwrap();
    }
    feed(outbox.groups, first)
}

/// Both projections in natural keys, read through a plain connection: stock lines that are
/// not zero (negative ones too), and every serial's state.
fn projections(path: &Path) -> (Vec<String>, Vec<String>) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let rows = |sql: &str| -> Vec<String> {
        let mut st = conn.prepare(sql).unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    (
        rows(
            "SELECT p.sku || ' ' || ifnull(lt.code, '-') || ' ' || l.code || ' ' || s.qty
             FROM stock s JOIN products p ON p.id = s.product_id
             JOIN locations l ON l.id = s.location_id LEFT JOIN lots lt ON lt.id = s.lot_id
             WHERE s.qty <> 0 ORDER BY 1",
        ),
        rows(
            "SELECT p.sku || ' ' || s.serial || ' ' || s.status || ' ' || ifnull(l.code, '-')
                    || ' ' || ifnull(lt.code, '-')
             FROM serials s JOIN products p ON p.id = s.product_id
             LEFT JOIN locations l ON l.id = s.location_id LEFT JOIN lots lt ON lt.id = s.lot_id
             ORDER BY 1",
        ),
    )
}

fn assert_clean(store: &Store) {
    let differences = store.verify().unwrap();
    assert!(differences.is_empty(), "{differences:?}");
}

/// A's morning: laptops and aspirin received, a laptop moved, cables received and shipped.
fn morning_at_a(a: &mut Station) {
    a.ok(&format!(
        "PO-1042\nLOC-A-01-3\n{LAPTOP}\n{LAPTOP}\nSN-4471-0094\nSN-4471-0095\n\
         ]d2010061414100001210L2026-200\u{1d}17270331\n{CABLE}\nCMD-QTY-5\n{CABLE}"
    ));
    a.ok("CMD-CANCEL");
    a.ok(&format!(
        "CMD-TRANSFER\nLOC-A-01-3\n{LAPTOP}\nSN-4471-0095\nLOC-B-02"
    ));
}

#[test]
fn the_outbox_holds_own_scans_in_order_with_movements_in_natural_keys_and_nothing_pulled() {
    let mut a = Station::new("DOCK-1");
    morning_at_a(&mut a);
    let outbox = a.sync().outbox(1000).unwrap();
    assert_eq!(outbox.prev_seq, 0);
    // Every scan is in it, whatever its outcome, in the scan log's order.
    assert_eq!(outbox.groups.len() as i64, count(&a.path, "scans"));
    assert!(outbox.groups.windows(2).all(|w| w[0].seq < w[1].seq));
    assert!(outbox.groups.iter().all(|g| g.station == "DOCK-1"));
    let moved: usize = outbox.groups.iter().map(|g| g.movements.len()).sum();
    assert_eq!(moved as i64, count(&a.path, "movements"));

    let serial = outbox
        .groups
        .iter()
        .find(|g| g.raw == "SN-4471-0094")
        .unwrap();
    let m = &serial.movements[0];
    assert_eq!(m.kind, MovementKind::Receive);
    assert_eq!(
        (m.sku.as_str(), m.serial.as_deref(), m.to.as_deref()),
        ("LAP-X1", Some("SN-4471-0094"), Some("A-01-3"))
    );
    assert_eq!(
        (
            m.document.as_deref(),
            m.partner.as_deref(),
            m.from.as_deref()
        ),
        (Some("PO-1042"), Some("Acme Supplies"), None)
    );
    let lot = outbox
        .groups
        .iter()
        .flat_map(|g| &g.movements)
        .find(|m| m.lot.is_some())
        .unwrap();
    assert_eq!(
        (
            lot.sku.as_str(),
            lot.lot.as_deref(),
            lot.expiry.map(|d| d.to_string())
        ),
        ("ASP-500", Some("L2026-200"), Some("2027-03-31".to_owned()))
    );
    let transfer = outbox.groups.last().unwrap();
    assert_eq!(
        (
            transfer.movements[0].from.as_deref(),
            transfer.movements[0].to.as_deref()
        ),
        (Some("A-01-3"), Some("B-02"))
    );

    // Another station's scan pulled here is not pushed back.
    let mut b = Station::new("PACK-3");
    b.ok(&format!("CMD-RECEIVE\nLOC-DOCK\n{CABLE}"));
    let pulled = push(&b, 1);
    a.sync().apply_feed(&pulled).unwrap();
    let again = a.sync().outbox(1000).unwrap();
    assert_eq!(again.groups, outbox.groups);
}

#[test]
fn a_closed_document_travels_with_the_scan_that_closed_it() {
    let mut a = Station::new("DOCK-1");
    a.ok(&format!("CMD-RECEIVE\nLOC-A-01-3\n{LAPTOP}\nSN-4471-0201"));
    let mut sync = a.sync();
    let doc = sync.document_by_ref("SO-7782").unwrap().unwrap();
    let closing = scantrail::store::Group {
        close_document: Some(doc.id),
        count: None,
        ..group("CMD-DONE", vec![])
    };
    sync.commit(&closing).unwrap();
    let outbox = sync.outbox(1000).unwrap();
    let last = outbox.groups.last().unwrap();
    assert_eq!(last.raw, "CMD-DONE");
    assert_eq!(last.close_document.as_deref(), Some("SO-7782"));
    assert!(
        outbox.groups[..outbox.groups.len() - 1]
            .iter()
            .all(|g| g.close_document.is_none())
    );

    // At another station the pulled scan closes the document too.
    let b = Station::new("PACK-3");
    b.sync().apply_feed(&feed(outbox.groups, 1)).unwrap();
    let there = b.store().document_by_ref("SO-7782").unwrap().unwrap();
    assert_eq!(there.status, DocumentStatus::Closed);
}

#[test]
fn acknowledge_moves_the_outbox_on() {
    let mut a = Station::new("DOCK-1");
    morning_at_a(&mut a);
    let mut sync = a.sync();
    let all = sync.outbox(1000).unwrap().groups;
    assert!(all.len() > 4);
    assert_eq!(sync.sync_status().unwrap().pending, all.len() as u64);

    let first = sync.outbox(3).unwrap();
    assert_eq!(first.groups, all[..3]);
    sync.acknowledge(first.groups[2].seq).unwrap();
    let next = sync.outbox(1000).unwrap();
    assert_eq!(next.prev_seq, all[2].seq);
    assert_eq!(next.groups, all[3..]);
    assert_eq!(sync.sync_status().unwrap().pending, (all.len() - 3) as u64);
    // An older mark does not move it back.
    sync.acknowledge(all[0].seq).unwrap();
    assert_eq!(sync.outbox(1000).unwrap().groups, all[3..]);

    sync.acknowledge(all.last().unwrap().seq).unwrap();
    assert!(sync.outbox(1000).unwrap().groups.is_empty());
    assert_eq!(sync.sync_status().unwrap().pending, 0);
    // New scans after the mark are the next batch, with their movements.
    a.ok(&format!("CMD-RECEIVE\nLOC-DOCK\n{CABLE}"));
    let later = a.sync().outbox(1000).unwrap();
    assert_eq!(later.prev_seq, all.last().unwrap().seq);
    assert_eq!(later.groups.last().unwrap().movements.len(), 1);
}

#[test]
fn another_stations_scans_pulled_make_the_same_books_and_its_serials_are_known() {
    let mut a = Station::new("DOCK-1");
    morning_at_a(&mut a);
    // An undo too: a reversal names the movement it reverses.
    a.ok(&format!("CMD-RECEIVE\nLOC-DOCK\n{CABLE}\nCMD-UNDO"));
    let mut b = Station::new("PACK-3");
    let applied = b.sync().apply_feed(&push(&a, 1)).unwrap();
    assert_eq!(applied.skipped, 0);
    assert!(applied.groups > 5);

    assert_eq!(projections(&b.path), projections(&a.path));
    assert_eq!(
        b.store().stock(&StockFilter::default()).unwrap(),
        a.store().stock(&StockFilter::default()).unwrap()
    );
    for serial in ["SN-4471-0094", "SN-4471-0095"] {
        let (at_a, at_b) = (
            a.store().trace_serial(serial, None).unwrap(),
            b.store().trace_serial(serial, None).unwrap(),
        );
        assert_eq!(at_b.whereabouts(), at_a.whereabouts());
        assert_eq!(at_b.history, at_a.history);
    }
    assert_clean(b.store());

    // B's own checks now see A's receipts.
    let before = count(&b.path, "movements");
    let r = b.run(&format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-4471-0094"));
    assert_eq!(r[3].0, Outcome::Error, "{}", r[3].1);
    assert!(
        r[3].1
            .contains("Serial SN-4471-0094 is already in stock at A-01-3"),
        "{}",
        r[3].1
    );
    assert_eq!(count(&b.path, "movements"), before);
    b.ok("CMD-CANCEL");
    b.ok(&format!(
        "CMD-PICK\nSO-7781\nLOC-B-02\n{LAPTOP}\nSN-4471-0095"
    ));
    let shipped = b.store().trace_serial("SN-4471-0095", None).unwrap();
    assert!(
        shipped
            .whereabouts()
            .starts_with("shipped to Northwind Clinic"),
        "{}",
        shipped.whereabouts()
    );
    assert_clean(b.store());
    // And B's own scans are its outbox, not A's.
    let outbox = b.sync().outbox(1000).unwrap();
    assert!(outbox.groups.iter().all(|g| g.station == "PACK-3"));
}

#[test]
fn pulled_facts_that_this_stations_checks_would_refuse_are_applied() {
    let mut a = Station::new("DOCK-1");
    a.ok(&format!(
        "CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-4471-0301\nCMD-QTY-3\n{CABLE}"
    ));
    let mut b = Station::new("PACK-3");
    b.sync().apply_feed(&push(&a, 1)).unwrap();
    assert_eq!(projections(&b.path), projections(&a.path));

    // Apart: B moves the laptop and ships the cables; A ships both from the dock.
    b.ok(&format!(
        "CMD-CANCEL\nCMD-TRANSFER\nLOC-DOCK\n{LAPTOP}\nSN-4471-0301\nLOC-B-02"
    ));
    b.ok(&format!(
        "CMD-CANCEL\nCMD-PICK\nSO-7781\nLOC-DOCK\nCMD-QTY-2\n{CABLE}"
    ));
    let b_cables = |b: &Station| {
        b.store()
            .stock(&StockFilter {
                sku: Some("USB-C1M".into()),
                location: Some("DOCK".into()),
                lot: None,
            })
            .unwrap()
    };
    assert_eq!(b_cables(&b)[0].qty, 1);
    a.ok(&format!(
        "CMD-CANCEL\nCMD-PICK\nSO-7781\nLOC-DOCK\n{LAPTOP}\nSN-4471-0301\nCMD-QTY-2\n{CABLE}"
    ));
    let from_a = push(&a, 10);
    assert!(!from_a.is_empty());
    let applied = b.sync().apply_feed(&from_a).unwrap();
    assert_eq!(applied.groups, from_a.len());

    // Shipped at A from where A had it: shipped here, wherever B thought it was.
    let laptop = b.store().trace_serial("SN-4471-0301", None).unwrap();
    assert_eq!(
        laptop.status,
        Some(scantrail::domain::SerialStatus::Shipped)
    );
    assert_eq!(laptop.location, None);
    // 3 in, 2 out here, 2 out there: one short at the dock, and the report says so.
    assert_eq!(b_cables(&b)[0].qty, -1);
    assert_clean(b.store());
    // B's own scans are still held to what it knows: nothing more leaves the dock.
    let before = count(&b.path, "movements");
    let r = b.run(&format!(
        "CMD-CANCEL\nCMD-TRANSFER\nLOC-DOCK\n{CABLE}\nLOC-B-02"
    ));
    assert!(r.iter().any(|(o, _)| *o == Outcome::Error), "{r:?}");
    assert_eq!(count(&b.path, "movements"), before);
    assert_eq!(
        b.sync()
            .commit(&group(
                "x",
                vec![NewMovement {
                    kind: MovementKind::Transfer,
                    from: Some(location(b.store(), "DOCK")),
                    to: Some(location(b.store(), "B-02")),
                    ..receipt(
                        product(b.store(), "USB-C1M"),
                        None,
                        1,
                        location(b.store(), "DOCK")
                    )
                }]
            ))
            .unwrap(),
        Committed::Refused(Refusal::InsufficientStock)
    );
    assert_clean(b.store());
}

#[test]
fn a_serial_received_at_two_stations_apart_is_one_serial_where_the_last_fact_put_it() {
    let mut a = Station::new("DOCK-1");
    let mut b = Station::new("PACK-3");
    a.ok(&format!("CMD-RECEIVE\nLOC-DOCK\n{LAPTOP}\nSN-4471-0401"));
    b.ok(&format!("CMD-RECEIVE\nLOC-B-02\n{LAPTOP}\nSN-4471-0401"));
    b.sync().apply_feed(&push(&a, 1)).unwrap();
    let laptop = b.store().trace_serial("SN-4471-0401", None).unwrap();
    assert_eq!(laptop.location.as_deref(), Some("DOCK"));
    assert_eq!(laptop.history.len(), 2);
    assert_clean(b.store());
}

#[test]
fn the_same_items_applied_twice_change_nothing() {
    let mut a = Station::new("DOCK-1");
    morning_at_a(&mut a);
    let items = push(&a, 1);
    let b = Station::new("PACK-3");
    let first = b.sync().apply_feed(&items).unwrap();
    assert_eq!(first.gseq, items.len() as i64);
    let books = projections(&b.path);
    let rows = (count(&b.path, "scans"), count(&b.path, "movements"));
    let again = b.sync().apply_feed(&items).unwrap();
    assert_eq!((again.groups, again.skipped), (0, items.len()));
    assert_eq!(again.gseq, first.gseq);
    assert_eq!(projections(&b.path), books);
    assert_eq!((count(&b.path, "scans"), count(&b.path, "movements")), rows);

    // The same groups under the centre's later numbers (a station's own groups come back
    // in its pull like this): passed over as well.
    let renumbered: Vec<FeedItem> = items
        .iter()
        .map(|i| FeedItem {
            gseq: i.gseq + 100,
            item: i.item.clone(),
        })
        .collect();
    let back = a.sync().apply_feed(&renumbered).unwrap();
    assert_eq!((back.groups, back.skipped), (0, items.len()));
    assert_eq!(a.sync().pull_cursor().unwrap(), 100 + items.len() as i64);
    assert!(a.sync().outbox(1000).unwrap().groups.is_empty());
    assert_clean(a.store());
}

#[test]
fn a_pull_is_applied_whole_or_not_at_all() {
    let mut a = Station::new("DOCK-1");
    a.ok(&format!("CMD-RECEIVE\nLOC-DOCK\n{CABLE}"));
    let mut items = push(&a, 1);
    let Feed::Group(g) = &items[items.len() - 1].item else {
        panic!("a group")
    };
    let mut stranger = g.clone();
    stranger.id = uuid::Uuid::now_v7();
    stranger.movements[0].id = uuid::Uuid::now_v7();
    stranger.movements[0].sku = "NO-SUCH-SKU".into();
    items.push(FeedItem {
        gseq: 99,
        item: Feed::Group(stranger),
    });
    let b = Station::new("PACK-3");
    let err = b.sync().apply_feed(&items).unwrap_err().to_string();
    assert!(err.contains("NO-SUCH-SKU"), "{err}");
    assert_eq!(b.sync().pull_cursor().unwrap(), 0);
    assert_eq!(count(&b.path, "movements"), 0);

    // An undo of a movement this station never received says so, rather than "scan again".
    let mut undo = items
        .iter()
        .find_map(|i| match &i.item {
            Feed::Group(g) if !g.movements.is_empty() => Some(g.clone()),
            _ => None,
        })
        .unwrap();
    undo.id = uuid::Uuid::now_v7();
    undo.movements[0].id = uuid::Uuid::now_v7();
    undo.movements[0].kind = MovementKind::Reversal;
    undo.movements[0].reverses = Some(uuid::Uuid::now_v7());
    (undo.movements[0].from, undo.movements[0].to) = (undo.movements[0].to.clone(), None);
    let err = b
        .sync()
        .apply_feed(&[FeedItem {
            gseq: 1,
            item: Feed::Group(undo),
        }])
        .unwrap_err()
        .to_string();
    assert!(err.contains("names the undo of movement"), "{err}");
    assert_eq!(count(&b.path, "scans"), 0);
}

#[test]
fn catalog_items_create_and_update_products_locations_documents_lots() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("new.db"), &fast_db_config()).unwrap();
    let product = |name: &str, codes: &[&str]| WireProduct {
        sku: "TAPE-50".into(),
        name: name.into(),
        tracking: Tracking::Lot,
        serial_pattern: None,
        barcodes: codes
            .iter()
            .map(|c| WireBarcode {
                code: (*c).into(),
                units: 1,
            })
            .collect(),
    };
    let document = |status, qty| WireDocument {
        reference: "PO-77".into(),
        kind: DocumentKind::Purchase,
        partner: "Tesa".into(),
        status,
        closed_at: None,
        lines: vec![WireDocumentLine {
            line_no: 1,
            sku: "TAPE-50".into(),
            qty,
        }],
    };
    let lot = |status, reason: Option<&str>| WireLot {
        sku: "TAPE-50".into(),
        code: "T-1".into(),
        expiry: chrono::NaiveDate::from_ymd_opt(2028, 1, 31),
        status,
        reason: reason.map(str::to_owned),
    };
    let items = [
        Feed::Product(product("Tape 50 mm", &["TAPE-OLD", "04012345678901"])),
        // A child before its parent: the parent is there by code until its own item comes.
        Feed::Location(WireLocation {
            code: "C-01".into(),
            name: "Rack C-01".into(),
            parent: Some("C".into()),
        }),
        Feed::Location(WireLocation {
            code: "C".into(),
            name: "Aisle C".into(),
            parent: None,
        }),
        Feed::Document(document(DocumentStatus::Open, 10)),
        Feed::Lot(lot(LotStatus::Quarantined, Some("recall 12"))),
    ];
    let numbered: Vec<FeedItem> = items
        .into_iter()
        .zip(1..)
        .map(|(item, gseq)| FeedItem { gseq, item })
        .collect();
    let applied = store.apply_feed(&numbered).unwrap();
    assert_eq!((applied.catalog, applied.gseq), (5, 5));

    let tape = store.product_by_sku("TAPE-50").unwrap().unwrap();
    assert_eq!(
        (tape.name.as_str(), tape.tracking),
        ("Tape 50 mm", Tracking::Lot)
    );
    assert_eq!(
        store.product_by_barcode("TAPE-OLD").unwrap().unwrap().0.id,
        tape.id
    );
    let aisle = store.location_by_code("C").unwrap().unwrap();
    assert_eq!(aisle.name, "Aisle C");
    assert_eq!(
        store.location_by_code("C-01").unwrap().unwrap().parent,
        Some(aisle.id)
    );
    let po = store.document_by_ref("PO-77").unwrap().unwrap();
    assert_eq!(
        (po.kind, po.status, po.partner_name.as_str()),
        (DocumentKind::Purchase, DocumentStatus::Open, "Tesa")
    );
    assert_eq!(store.document_lines(po.id).unwrap()[0].qty, 10);
    let t1 = store.lot(tape.id, "T-1").unwrap().unwrap();
    assert_eq!(
        (t1.status, t1.reason.as_deref(), t1.expiry.as_deref()),
        (
            LotStatus::Quarantined,
            Some("recall 12"),
            Some("2028-01-31")
        )
    );

    // Later items replace what they name.
    let later = [
        Feed::Product(product("Packing tape 50 mm", &["04012345678901"])),
        Feed::Location(WireLocation {
            code: "C-01".into(),
            name: "Rack C-01 (cold)".into(),
            parent: None,
        }),
        Feed::Document(WireDocument {
            closed_at: Some(
                Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0)
                    .single()
                    .unwrap(),
            ),
            ..document(DocumentStatus::Closed, 12)
        }),
        Feed::Lot(lot(LotStatus::Active, None)),
    ];
    let numbered: Vec<FeedItem> = later
        .into_iter()
        .zip(6..)
        .map(|(item, gseq)| FeedItem { gseq, item })
        .collect();
    store.apply_feed(&numbered).unwrap();
    let tape = store.product_by_sku("TAPE-50").unwrap().unwrap();
    assert_eq!(tape.name, "Packing tape 50 mm");
    assert!(store.product_by_barcode("TAPE-OLD").unwrap().is_none());
    assert!(
        store
            .product_by_barcode("04012345678901")
            .unwrap()
            .is_some()
    );
    let rack = store.location_by_code("C-01").unwrap().unwrap();
    assert_eq!(
        (rack.name.as_str(), rack.parent),
        ("Rack C-01 (cold)", None)
    );
    let po = store.document_by_ref("PO-77").unwrap().unwrap();
    assert_eq!(po.status, DocumentStatus::Closed);
    let lines = store.document_lines(po.id).unwrap();
    assert_eq!((lines.len(), lines[0].qty), (1, 12));
    let t1 = store.lot(tape.id, "T-1").unwrap().unwrap();
    assert_eq!((t1.status, t1.reason), (LotStatus::Active, None));
    assert_eq!(store.pull_cursor().unwrap(), 9);
}

#[test]
fn conflicts_are_kept_as_the_centre_sent_them_and_counted_while_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("c.db"), &fast_db_config()).unwrap();
    let conflict = |status, resolution: Option<&str>| WireConflict {
        id: 41,
        kind: ConflictKind::SerialDuplicate,
        product: "LAP-X1".into(),
        lot: None,
        serial: Some("SN-4471-0401".into()),
        location: Some("DOCK".into()),
        stations: vec!["DOCK-1".into(), "PACK-3".into()],
        detected_at: Utc
            .with_ymd_and_hms(2026, 11, 24, 9, 30, 0)
            .single()
            .unwrap(),
        status,
        resolution: resolution.map(str::to_owned),
    };
    store
        .apply_feed(&[FeedItem {
            gseq: 1,
            item: Feed::Conflict(conflict(ConflictStatus::Open, None)),
        }])
        .unwrap();
    assert_eq!(
        store.conflicts().unwrap(),
        vec![conflict(ConflictStatus::Open, None)]
    );
    assert_eq!(store.sync_status().unwrap().open_conflicts, 1);
    let resolved = conflict(ConflictStatus::Resolved, Some("maria: counted, one unit"));
    store
        .apply_feed(&[FeedItem {
            gseq: 2,
            item: Feed::Conflict(resolved.clone()),
        }])
        .unwrap();
    assert_eq!(store.conflicts().unwrap(), vec![resolved]);
    assert_eq!(store.sync_status().unwrap().open_conflicts, 0);
}

#[test]
fn a_rounds_outcome_is_kept_and_every_database_has_its_own_instance_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut one = Store::open(&dir.path().join("1.db"), &fast_db_config()).unwrap();
    let two = Store::open(&dir.path().join("2.db"), &fast_db_config()).unwrap();
    let id = one.instance_id().unwrap();
    assert_eq!(id.get_version_num(), 4);
    assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
    assert_ne!(id, two.instance_id().unwrap());
    drop(one);
    one = Store::open(&dir.path().join("1.db"), &fast_db_config()).unwrap();
    assert_eq!(one.instance_id().unwrap(), id);

    let status = one.sync_status().unwrap();
    assert_eq!(
        (status.last_sync, status.last_error, status.pending),
        (None, None, 0)
    );
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .single()
        .unwrap();
    one.record_sync_ok(at).unwrap();
    one.record_sync_error("cannot reach the centre at db.example: connection refused")
        .unwrap();
    let status = one.sync_status().unwrap();
    assert_eq!(status.last_sync, Some(at));
    assert!(status.last_error.unwrap().contains("connection refused"));
    one.record_sync_ok(at + Duration::minutes(1)).unwrap();
    let status = one.sync_status().unwrap();
    assert_eq!(
        (status.last_sync, status.last_error),
        (Some(at + Duration::minutes(1)), None)
    );
}

/// The schema as released up to version 3.
const MIGRATIONS_1_TO_3: [&str; 3] = [
    include_str!("../src/store/migrations/001_initial.sql"),
    include_str!("../src/store/migrations/002_drop_unused_indexes.sql"),
    include_str!("../src/store/migrations/003_serials_found_through_the_journal.sql"),
];

#[test]
fn a_version_3_database_with_history_keeps_every_row_and_projection_at_version_4() {
    // The demo's history written by today's store, copied row by row into a database made
    // by the migrations up to version 3 (whose triggers build its projections again).
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("today.db");
    let config = Config::default();
    let mut store = Store::open(&source, &fast_db_config()).unwrap();
    let demo_time = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", demo_time).unwrap();
    drop(store);
    let old = dir.path().join("v3.db");
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        for sql in MIGRATIONS_1_TO_3 {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute("ATTACH ?1 AS today", [source.to_str().unwrap()])
            .unwrap();
        conn.execute_batch(
            "INSERT INTO products SELECT * FROM today.products;
             INSERT INTO product_barcodes SELECT * FROM today.product_barcodes;
             INSERT INTO locations SELECT * FROM today.locations;
             INSERT INTO partners SELECT * FROM today.partners;
             INSERT INTO documents SELECT * FROM today.documents;
             INSERT INTO document_lines SELECT * FROM today.document_lines;
             INSERT INTO lots SELECT * FROM today.lots;
             INSERT INTO lot_status_log SELECT * FROM today.lot_status_log;
             INSERT INTO scans (seq, id, at, station, operator, device, raw, outcome, message)
                 SELECT seq, id, at, station, operator, device, raw, outcome, message
                 FROM today.scans ORDER BY seq;
             INSERT INTO movements (seq, id, group_id, at, station, operator, kind, document_id,
                     product_id, lot_id, serial, qty, from_location_id, to_location_id,
                     partner_id, reverses)
                 SELECT seq, id, group_id, at, station, operator, kind, document_id, product_id,
                     lot_id, serial, qty, from_location_id, to_location_id, partner_id, reverses
                 FROM today.movements ORDER BY seq;
             DETACH today;
             INSERT INTO scans (id, at, station, raw, outcome, message)
                 VALUES (randomblob(16), '2026-11-24T06:59:00.000Z', 'DOCK-1', 'CMD-DONE', 'ok',
                         'PO-1043 closed');
             UPDATE documents SET status = 'closed', closed_at = '2026-11-24T06:59:00.000Z'
                 WHERE ref = 'PO-1043';",
        )
        .unwrap();
    }
    let tables = [
        "products",
        "product_barcodes",
        "locations",
        "partners",
        "documents",
        "document_lines",
        "lots",
        "lot_status_log",
        "scans",
        "movements",
        "stock",
        "serials",
    ];
    let rows_before: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
    let books_before = projections(&old);
    assert!(!books_before.1.is_empty());

    let store = Store::open(&old, &fast_db_config()).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        scantrail::store::SCHEMA_VERSION
    );
    let rows_after: Vec<i64> = tables.iter().map(|t| count(&old, t)).collect();
    assert_eq!(rows_after, rows_before);
    assert_eq!(projections(&old), books_before);
    assert_eq!(projections(&old), projections(&source));
    assert_clean(&store);
    // All of its history is waiting for the first push, the closing scan with its document.
    let outbox = store.outbox(10_000).unwrap();
    assert_eq!(outbox.groups.len() as i64, count(&old, "scans"));
    let closing = outbox.groups.iter().find(|g| g.raw == "CMD-DONE").unwrap();
    assert_eq!(closing.close_document.as_deref(), Some("PO-1043"));
    assert_eq!(
        store.sync_status().unwrap().pending,
        outbox.groups.len() as u64
    );
    // The triggers of version 4 hold for its own scans as before.
    drop(store);
    let mut store = Store::open_existing(&old, &fast_db_config()).unwrap();
    let laptop = product(&store, "LAP-X1");
    let bin = location(&store, "A-01-3");
    assert_eq!(
        store
            .commit(&group(
                "SN-4471-0091",
                vec![receipt(laptop, Some("SN-4471-0091"), 1, bin)]
            ))
            .unwrap(),
        Committed::Refused(Refusal::SerialExists)
    );
    let aspirin = product(&store, "ASP-500");
    let take = NewMovement {
        kind: MovementKind::Transfer,
        lot: Some(LotSpec {
            code: "L2026-118".into(),
            expiry: None,
        }),
        from: Some(location(&store, "B-02")),
        to: Some(location(&store, "PACK")),
        ..receipt(aspirin, None, 13, bin)
    };
    assert_eq!(
        store.commit(&group("too many", vec![take])).unwrap(),
        Committed::Refused(Refusal::InsufficientStock)
    );
}

/// Pages in a WAL file: a 32-byte header, then frames of a 24-byte header and a 4 KiB page.
fn wal_frames(db: &Path) -> u64 {
    let wal = db.with_extension("db-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len().saturating_sub(32) / (24 + 4096))
}

/// WAL pages appended by `n` scans of each kind (a serial receipt, an untracked receipt, a
/// serial transfer), written through a plain connection so that both schemas get exactly the
/// same statements.
fn pages_per_kind(path: &Path, n: u32) -> [u64; 3] {
    let conn = rusqlite::Connection::open(path).unwrap();
    let _mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON; PRAGMA wal_autocheckpoint = 0; PRAGMA synchronous = OFF;",
    )
    .unwrap();
    let id = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let (laptop, cable) = (
        id("SELECT id FROM products WHERE sku = 'LAP-X1'"),
        id("SELECT id FROM products WHERE sku = 'USB-C1M'"),
    );
    let (dock, bin) = (
        id("SELECT id FROM locations WHERE code = 'DOCK'"),
        id("SELECT id FROM locations WHERE code = 'B-02'"),
    );
    let scan = |product: i64, serial: Option<String>, from: Option<i64>, to: i64| {
        let group = uuid::Uuid::now_v7();
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        conn.execute(
            "INSERT INTO scans (id, at, station, raw, outcome, message)
             VALUES (?1, '2026-11-24T08:00:00.000Z', 'DOCK-1', 'x', 'ok', 'ok')",
            [group],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO movements (id, group_id, at, station, kind, product_id, serial, qty,
                 from_location_id, to_location_id)
             VALUES (?1, ?2, '2026-11-24T08:00:00.000Z', 'DOCK-1', ?3, ?4, ?5, 1, ?6, ?7)",
            rusqlite::params![
                uuid::Uuid::now_v7(),
                group,
                if from.is_some() {
                    "transfer"
                } else {
                    "receive"
                },
                product,
                serial,
                from,
                to
            ],
        )
        .unwrap();
        conn.execute_batch("COMMIT").unwrap();
    };
    let mut pages = [0; 3];
    // Settle the first pages of each table and index before counting.
    scan(cable, None, None, dock);
    let before = wal_frames(path);
    for i in 0..n {
        scan(laptop, Some(format!("SN-{i:06}")), None, dock);
    }
    pages[0] = wal_frames(path) - before;
    let before = wal_frames(path);
    for _ in 0..n {
        scan(cable, None, None, dock);
    }
    pages[1] = wal_frames(path) - before;
    let before = wal_frames(path);
    for i in 0..n {
        scan(laptop, Some(format!("SN-{i:06}")), Some(dock), bin);
    }
    pages[2] = wal_frames(path) - before;
    pages
}

#[test]
fn an_own_scan_writes_as_many_pages_at_version_4_as_at_version_3() {
    let dir = tempfile::tempdir().unwrap();
    let (now, store) = catalog_store(dir.path(), &fast_db_config());
    drop(store);
    let old = dir.path().join("v3.db");
    {
        let conn = rusqlite::Connection::open(&old).unwrap();
        for sql in MIGRATIONS_1_TO_3 {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute("ATTACH ?1 AS today", [now.to_str().unwrap()])
            .unwrap();
        conn.execute_batch(
            "INSERT INTO products SELECT * FROM today.products;
             INSERT INTO product_barcodes SELECT * FROM today.product_barcodes;
             INSERT INTO locations SELECT * FROM today.locations;
             DETACH today;",
        )
        .unwrap();
    }
    let n = 200;
    let (at_3, at_4) = (pages_per_kind(&old, n), pages_per_kind(&now, n));
    assert_eq!(count(&old, "movements"), count(&now, "movements"));
    // The same within the odd page split: a row is one header byte longer (its NULL gseq).
    for (four, three) in at_4.iter().zip(at_3) {
        assert!(
            *four <= three + three / 100,
            "pages for {n} serial receipts, receipts, transfers: {at_4:?} at v4, {at_3:?} at v3"
        );
    }
}

#[test]
fn a_serial_or_lot_in_an_open_conflict_is_marked_where_the_kiosk_shows_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database: fast_db_config(),
        ..Config::default()
    };
    let mut store = Store::open(&dir.path().join("k.db"), &config.database).unwrap();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", at).unwrap();
    let conflict = |id, lot: Option<&str>, serial: Option<&str>, status| WireConflict {
        id,
        kind: ConflictKind::SerialDuplicate,
        product: if lot.is_some() { "ASP-500" } else { "LAP-X1" }.into(),
        lot: lot.map(str::to_owned),
        serial: serial.map(str::to_owned),
        location: None,
        stations: vec!["DOCK-1".into(), "DOCK-2".into()],
        detected_at: at,
        status,
        resolution: None,
    };
    store
        .apply_feed(&[
            FeedItem {
                gseq: 1,
                item: Feed::Conflict(conflict(
                    7,
                    None,
                    Some("SN-4471-0091"),
                    ConflictStatus::Open,
                )),
            },
            FeedItem {
                gseq: 2,
                item: Feed::Conflict(conflict(8, Some("L2026-118"), None, ConflictStatus::Open)),
            },
            FeedItem {
                gseq: 3,
                item: Feed::Conflict(conflict(
                    9,
                    None,
                    Some("SN-4471-0092"),
                    ConflictStatus::Resolved,
                )),
            },
        ])
        .unwrap();
    let mut core = Core::new(store, &config, "DOCK-1".into());
    let now = at + chrono::Duration::hours(1);
    core.scan(now, "CMD-LOOKUP", None);
    let disputed = core.scan(now, "SN-4471-0091", None);
    assert_eq!(disputed.feedback.outcome, Outcome::Warn, "{disputed:?}");
    assert!(
        disputed
            .feedback
            .message
            .contains("IN CONFLICT #7 serial_duplicate (DOCK-1, DOCK-2)"),
        "{}",
        disputed.feedback.message
    );
    // A resolved conflict is no longer a mark.
    let settled = core.scan(now, "SN-4471-0092", None);
    assert_eq!(settled.feedback.outcome, Outcome::Info, "{settled:?}");
    // The lot's recall view too.
    let lot = core.scan(now, "]C1010061414100001210L2026-118", None);
    assert!(
        lot.feedback.message.contains("IN CONFLICT #8"),
        "{}",
        lot.feedback.message
    );
}
