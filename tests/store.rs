//! The store's promises, tested against a real SQLite file: the journal cannot be changed,
//! the database itself refuses a duplicate serial even from two connections at once, the
//! projections always equal their rebuild from the journal (other stations' pulled facts
//! included), and a backup taken while scans are written is complete and consistent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use proptest::prelude::*;
use scantrail::config::DatabaseConfig;
use scantrail::domain::{LotSpec, MovementKind};
use scantrail::store::{Committed, NewMovement, Refusal, Store};
use std::sync::{Arc, Barrier};

/// Ids are 16-byte BLOBs in the UUID's own byte order, as every journal so far has them:
/// rusqlite's `uuid` feature writes and reads that format, and nothing else.
#[test]
fn ids_are_stored_as_their_sixteen_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut store) = catalog_store(dir.path(), &fast_db_config());
    let cable = product(&store, "USB-C1M");
    let dock = location(&store, "DOCK");
    let scan = group("CABLE-1M", vec![receipt(cable, None, 5, dock)]);
    store.commit(&scan).unwrap();
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let (kind, hex): (String, String) = raw
        .query_row("SELECT typeof(id), hex(id) FROM scans", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(kind, "blob");
    assert_eq!(hex, scan.id.simple().to_string().to_uppercase());
    let group_hex: String = raw
        .query_row("SELECT hex(group_id) FROM movements", [], |r| r.get(0))
        .unwrap();
    assert_eq!(group_hex, hex);
}

#[test]
fn journal_and_scan_log_refuse_update_and_delete() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut store) = catalog_store(dir.path(), &fast_db_config());
    let cable = product(&store, "USB-C1M");
    let dock = location(&store, "DOCK");
    let done = store
        .commit(&group("CABLE-1M", vec![receipt(cable, None, 5, dock)]))
        .unwrap();
    assert!(matches!(done, Committed::Recorded { .. }));
    drop(store);

    let raw = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE movements SET qty = 50",
        "DELETE FROM movements",
        "UPDATE scans SET outcome = 'error'",
        "DELETE FROM scans",
    ] {
        let err = raw.execute(sql, []).expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(count(&path, "movements"), 1);
    assert_eq!(count(&path, "scans"), 1);
}

#[test]
fn duplicate_serial_is_refused_by_the_database_across_two_connections() {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseConfig::default();
    let (path, store) = catalog_store(dir.path(), &db);
    let laptop = product(&store, "LAP-X1");
    let dock = location(&store, "DOCK");
    drop(store);

    for round in 0..5 {
        let serial = format!("SN-9000-{round:04}");
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let (path, db, serial, barrier) =
                    (path.clone(), db.clone(), serial.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let mut store = Store::open_existing(&path, &db).unwrap();
                    barrier.wait();
                    store
                        .commit(&group(
                            &serial,
                            vec![receipt(laptop, Some(&serial), 1, dock)],
                        ))
                        .unwrap()
                })
            })
            .collect();
        let results: Vec<Committed> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let recorded = results
            .iter()
            .filter(|r| matches!(r, Committed::Recorded { .. }))
            .count();
        let refused = results
            .iter()
            .filter(|r| **r == Committed::Refused(Refusal::SerialExists))
            .count();
        assert_eq!((recorded, refused), (1, 1), "round {round}: {results:?}");
    }
    // Both scans are logged; only one movement per serial was written.
    assert_eq!(count(&path, "movements"), 5);
    assert_eq!(count(&path, "scans"), 10);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let errors: i64 = raw
        .query_row(
            "SELECT count(*) FROM scans WHERE outcome = 'error' AND message LIKE '%already known%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(errors, 5);
}

#[test]
fn stock_cannot_go_negative_and_a_refusal_writes_only_the_log_row() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut store) = catalog_store(dir.path(), &fast_db_config());
    let cable = product(&store, "USB-C1M");
    let (dock, bin) = (location(&store, "DOCK"), location(&store, "B-02"));
    store
        .commit(&group("in", vec![receipt(cable, None, 3, dock)]))
        .unwrap();
    // A two-movement group whose second movement takes more than is there: all or nothing.
    let take = |qty| NewMovement {
        kind: MovementKind::Transfer,
        from: Some(dock),
        to: Some(bin),
        ..receipt(cable, None, qty, dock)
    };
    let result = store
        .commit(&group("tote", vec![take(2), take(2)]))
        .unwrap();
    assert_eq!(result, Committed::Refused(Refusal::InsufficientStock));
    assert_eq!(count(&path, "movements"), 1);
    assert_eq!(count(&path, "scans"), 2);
    let stock = store.stock(&Default::default()).unwrap();
    assert_eq!(stock.len(), 1);
    assert_eq!((stock[0].location.as_str(), stock[0].qty), ("DOCK", 3));
}

#[test]
fn a_movement_is_reversed_at_most_once() {
    let dir = tempfile::tempdir().unwrap();
    let (_path, mut store) = catalog_store(dir.path(), &fast_db_config());
    let cable = product(&store, "USB-C1M");
    let dock = location(&store, "DOCK");
    let Committed::Recorded { movements } = store
        .commit(&group("in", vec![receipt(cable, None, 5, dock)]))
        .unwrap()
    else {
        panic!("receipt refused")
    };
    let undo = NewMovement {
        kind: MovementKind::Reversal,
        from: Some(dock),
        to: None,
        reverses: Some(movements[0]),
        ..receipt(cable, None, 5, dock)
    };
    store
        .commit(&group("CMD-UNDO", vec![undo.clone()]))
        .unwrap();
    store
        .commit(&group("in again", vec![receipt(cable, None, 5, dock)]))
        .unwrap();
    assert_eq!(
        store.commit(&group("CMD-UNDO", vec![undo])).unwrap(),
        Committed::Refused(Refusal::AlreadyReversed)
    );
    assert!(store.verify().unwrap().is_empty());
}

/// One random warehouse action.
#[derive(Debug, Clone)]
enum Action {
    Receive {
        product: usize,
        lot: usize,
        serial: usize,
        qty: u32,
        to: usize,
    },
    Transfer {
        product: usize,
        lot: usize,
        serial: usize,
        qty: u32,
        from: usize,
        to: usize,
    },
    Ship {
        product: usize,
        lot: usize,
        serial: usize,
        qty: u32,
        from: usize,
    },
    Return {
        product: usize,
        lot: usize,
        serial: usize,
        qty: u32,
        to: usize,
    },
    /// A count's adjustment at `at`: a gain (from the inventory-adjustment side) or a loss
    /// (to it); a serial lost becomes missing, a serial gained must be missing.
    Adjust {
        product: usize,
        lot: usize,
        serial: usize,
        qty: u32,
        at: usize,
        gain: bool,
    },
    Undo {
        back: usize,
    },
}

fn action() -> impl Strategy<Value = Action> {
    let p = 0..3usize;
    let lot = 0..3usize;
    let serial = 0..6usize;
    let qty = 1..6u32;
    let loc = 0..4usize;
    prop_oneof![
        3 => (p.clone(), lot.clone(), serial.clone(), qty.clone(), loc.clone())
            .prop_map(|(product, lot, serial, qty, to)| Action::Receive { product, lot, serial, qty, to }),
        3 => (p.clone(), lot.clone(), serial.clone(), qty.clone(), loc.clone(), loc.clone())
            .prop_map(|(product, lot, serial, qty, from, to)| Action::Transfer { product, lot, serial, qty, from, to }),
        2 => (p.clone(), lot.clone(), serial.clone(), qty.clone(), loc.clone())
            .prop_map(|(product, lot, serial, qty, from)| Action::Ship { product, lot, serial, qty, from }),
        1 => (p.clone(), lot.clone(), serial.clone(), qty.clone(), loc.clone())
            .prop_map(|(product, lot, serial, qty, to)| Action::Return { product, lot, serial, qty, to }),
        2 => (p, lot, serial, qty, loc, any::<bool>())
            .prop_map(|(product, lot, serial, qty, at, gain)| Action::Adjust { product, lot, serial, qty, at, gain }),
        1 => (0..20usize).prop_map(|back| Action::Undo { back }),
    ]
}

/// Plays the actions, each as the station's own scan or, where `pulled` says so, as another
/// station's fact pulled from the centre, and checks the projections against their rebuild.
/// Own scans alone also keep stock from going negative and every in-stock serial counted
/// once at its place; pulled facts may break both (that is what the centre's conflicts are
/// for), never the rebuild.
fn play(actions: &[Action], pulled: &[bool]) -> Result<(), TestCaseError> {
    use scantrail::sync::wire::{Feed, FeedItem, PushedGroup, WireMovement};
    let dir = tempfile::tempdir().unwrap();
    let (path, mut store) = catalog_store(dir.path(), &fast_db_config());
    // An untracked, a lot-tracked and a serial-tracked product.
    let skus = ["USB-C1M", "ASP-500", "LAP-X1"];
    let codes = ["DOCK", "A-01-3", "B-02", "PACK"];
    let products = skus.map(|s| product(&store, s));
    let locations = codes.map(|c| location(&store, c));
    let code_of = |id| {
        codes
            .iter()
            .zip(locations)
            .find(|(_, l)| *l == id)
            .map(|(c, _)| c.to_string())
    };
    let customer = store.document_by_ref("SO-7781").unwrap().unwrap();
    let mut recorded: Vec<NewMovement> = Vec::new();
    let mut recorded_ids = Vec::new();
    let mut reversed = std::collections::HashSet::new();
    let mut gseq = 0;
    let mut any_pulled = false;
    let movement = |kind, p: usize, lot: usize, serial: usize, qty: u32, from, to| NewMovement {
        kind,
        product: products[p],
        lot: (p == 1).then(|| LotSpec {
            code: format!("L{lot}"),
            expiry: None,
        }),
        serial: (p == 2).then(|| format!("SN-{serial}")),
        qty: if p == 2 { 1 } else { qty },
        from,
        to,
        partner: None,
        document: None,
        reverses: None,
    };
    for (a, &as_pulled) in actions
        .iter()
        .zip(pulled.iter().chain(std::iter::repeat(&false)))
    {
        let m = match *a {
            Action::Receive {
                product,
                lot,
                serial,
                qty,
                to,
            } => movement(
                MovementKind::Receive,
                product,
                lot,
                serial,
                qty,
                None,
                Some(locations[to]),
            ),
            Action::Transfer {
                product,
                lot,
                serial,
                qty,
                from,
                to,
            } => {
                if from == to {
                    continue;
                }
                movement(
                    MovementKind::Transfer,
                    product,
                    lot,
                    serial,
                    qty,
                    Some(locations[from]),
                    Some(locations[to]),
                )
            }
            Action::Ship {
                product,
                lot,
                serial,
                qty,
                from,
            } => NewMovement {
                partner: Some(customer.partner),
                document: Some(customer.id),
                ..movement(
                    MovementKind::Ship,
                    product,
                    lot,
                    serial,
                    qty,
                    Some(locations[from]),
                    None,
                )
            },
            Action::Return {
                product,
                lot,
                serial,
                qty,
                to,
            } => NewMovement {
                partner: Some(customer.partner),
                ..movement(
                    MovementKind::Return,
                    product,
                    lot,
                    serial,
                    qty,
                    None,
                    Some(locations[to]),
                )
            },
            Action::Adjust {
                product,
                lot,
                serial,
                qty,
                at,
                gain,
            } => {
                let (from, to) = if gain {
                    (None, Some(locations[at]))
                } else {
                    (Some(locations[at]), None)
                };
                movement(MovementKind::Adjust, product, lot, serial, qty, from, to)
            }
            Action::Undo { back } => {
                if recorded.is_empty() {
                    continue;
                }
                let i = recorded.len() - 1 - back % recorded.len();
                // Only the station that made a movement undoes it, once: the centre never
                // hands out a second undo of one movement.
                if as_pulled && reversed.contains(&recorded_ids[i]) {
                    continue;
                }
                let original = recorded[i].clone();
                NewMovement {
                    kind: MovementKind::Reversal,
                    from: original.to,
                    to: original.from,
                    reverses: Some(recorded_ids[i]),
                    ..original
                }
            }
        };
        let before = count(&path, "movements");
        if as_pulled {
            let p = products.iter().position(|p| *p == m.product).unwrap();
            let id = uuid::Uuid::now_v7();
            gseq += 1;
            let g = group("x", vec![]);
            let item = FeedItem {
                gseq,
                item: Feed::Group(PushedGroup {
                    seq: gseq,
                    id: g.id,
                    at: g.at,
                    station: "DOCK-9".into(),
                    operator: None,
                    device: None,
                    raw: "x".into(),
                    outcome: scantrail::domain::Outcome::Ok,
                    message: "ok".into(),
                    movements: vec![WireMovement {
                        id,
                        kind: m.kind,
                        sku: skus[p].into(),
                        lot: m.lot.as_ref().map(|l| l.code.clone()),
                        expiry: None,
                        serial: m.serial.clone(),
                        qty: m.qty,
                        from: m.from.and_then(code_of),
                        to: m.to.and_then(code_of),
                        partner: m.partner.map(|_| customer.partner_name.clone()),
                        document: m.document.map(|_| customer.reference.clone()),
                        reverses: m.reverses,
                    }],
                    close_document: None,
                    count: None,
                }),
            };
            // A fact is never refused.
            let applied = store.apply_feed(&[item]).unwrap();
            prop_assert_eq!(applied.groups, 1);
            prop_assert_eq!(count(&path, "movements"), before + 1);
            any_pulled = true;
            reversed.extend(m.reverses);
            recorded.push(m);
            recorded_ids.push(id);
            continue;
        }
        match store.commit(&group("x", vec![m.clone()])).unwrap() {
            Committed::Recorded { movements } => {
                reversed.extend(m.reverses);
                recorded.push(m);
                recorded_ids.push(movements[0]);
            }
            Committed::Refused(_) => prop_assert_eq!(count(&path, "movements"), before),
        }
    }
    let differences = store.verify().unwrap();
    prop_assert!(differences.is_empty(), "{:?}", differences);
    prop_assert!(!recorded.is_empty());
    if any_pulled {
        return Ok(());
    }
    let raw = rusqlite::Connection::open(&path).unwrap();
    let negative: i64 = raw
        .query_row("SELECT count(*) FROM stock WHERE qty < 0", [], |r| r.get(0))
        .unwrap();
    prop_assert_eq!(negative, 0);
    // Every in-stock serial is counted exactly once in stock at its location.
    let mismatched: i64 = raw.query_row(
        "SELECT count(*) FROM (SELECT location_id, product_id, ifnull(lot_id, 0) AS lot, count(*) AS n
           FROM serials WHERE status = 'in_stock' GROUP BY 1, 2, 3) s
         LEFT JOIN stock t ON t.location_id = s.location_id AND t.product_id = s.product_id AND t.lot_id = s.lot
         WHERE t.qty IS NOT s.n", [], |r| r.get(0)).unwrap();
    prop_assert_eq!(mismatched, 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever happens, refused or not, the projections equal their rebuild from the
    /// journal, stock is never negative and no serial is in two places.
    #[test]
    fn projections_always_equal_their_rebuild(actions in proptest::collection::vec(action(), 150..250)) {
        play(&actions, &[])?;
    }

    /// Own scans mixed with other stations' movements pulled as facts (which this station's
    /// checks would often refuse): every fact is applied and the projections still equal
    /// their rebuild.
    #[test]
    fn projections_equal_their_rebuild_with_pulled_facts(
        actions in proptest::collection::vec((action(), proptest::bool::weighted(0.3)), 150..250),
    ) {
        let (actions, pulled): (Vec<Action>, Vec<bool>) = actions.into_iter().unzip();
        play(&actions, &pulled)?;
    }
}

#[test]
fn verify_finds_a_tampered_projection() {
    let dir = tempfile::tempdir().unwrap();
    let (path, mut store) = catalog_store(dir.path(), &fast_db_config());
    let cable = product(&store, "USB-C1M");
    let laptop = product(&store, "LAP-X1");
    let dock = location(&store, "DOCK");
    store
        .commit(&group(
            "in",
            vec![
                receipt(cable, None, 5, dock),
                receipt(laptop, Some("SN-1"), 1, dock),
            ],
        ))
        .unwrap();
    assert!(store.verify().unwrap().is_empty());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.execute("UPDATE stock SET qty = 4 WHERE product_id = ?1", [cable.0])
        .unwrap();
    raw.execute("DELETE FROM serials", []).unwrap();
    let differences = store.verify().unwrap();
    let text: Vec<String> = differences
        .iter()
        .map(|d| format!("{}: {} / {}", d.what, d.projection, d.journal))
        .collect();
    assert_eq!(
        text,
        vec![
            "stock USB-C1M at DOCK: 4 / 5".to_owned(),
            "serial LAP-X1 SN-1: not in the books / in_stock at DOCK".to_owned(),
        ]
    );
}

#[test]
fn backup_under_concurrent_writes_opens_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let db = DatabaseConfig {
        synchronous: scantrail::config::Synchronous::Normal,
        ..DatabaseConfig::default()
    };
    let (path, store) = catalog_store(dir.path(), &db);
    let laptop = product(&store, "LAP-X1");
    let cable = product(&store, "USB-C1M");
    let dock = location(&store, "DOCK");
    drop(store);
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (path, db, stop) = (path.clone(), db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut store = Store::open_existing(&path, &db).unwrap();
            let mut n = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) || n < 50 {
                let serial = format!("SN-{n:06}");
                let g = group(
                    &serial,
                    vec![
                        receipt(laptop, Some(&serial), 1, dock),
                        receipt(cable, None, 2, dock),
                    ],
                );
                assert!(matches!(
                    store.commit(&g).unwrap(),
                    Committed::Recorded { .. }
                ));
                n += 1;
            }
            n
        })
    };
    let reader = Store::open_existing(&path, &db).unwrap();
    let mut backups = Vec::new();
    for i in 0..5 {
        std::thread::sleep(std::time::Duration::from_millis(20));
        let dest = dir.path().join(format!("backup-{i}.db"));
        reader.backup_to(&dest).unwrap();
        backups.push(dest);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written >= 50);
    for dest in &backups {
        let copy = Store::open_existing(dest, &db).unwrap();
        assert!(copy.verify().unwrap().is_empty(), "{}", dest.display());
        // Each group is whole in the copy: two movements per scan.
        assert_eq!(count(dest, "movements"), 2 * count(dest, "scans"));
    }
    assert!(count(backups.last().unwrap(), "scans") > 0);
}
