//! The cycle count of SPEC §4, rule by rule: scan scripts run through the very core the kiosk
//! and `replay` use, on a fresh demo warehouse (see tests/scenarios.rs for the stock it
//! holds), each ending with the projections equal to their rebuild from the journal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::domain::Outcome::{self, Error, Info, Ok, Warn};
use scantrail::domain::{MovementKind, SerialStatus};
use scantrail::store::{StockFilter, Store};
use scantrail::sync::wire::{Feed, FeedItem};

struct Station {
    core: Core,
    clock: DateTime<Utc>,
    path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn demo_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap()
}

fn station_with(name: &str, edit: impl FnOnce(&mut Config)) -> Station {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let mut config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    edit(&mut config);
    let mut store = Store::open(&path, &config.database).unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", demo_time()).unwrap();
    let mut s = Station {
        core: Core::new(store, &config, name.into()),
        clock: demo_time() + Duration::hours(1),
        path,
        _dir: dir,
    };
    s.ok("OP-ann\nCMD-COUNT");
    s
}

fn station() -> Station {
    station_with("AISLE-1", |_| {})
}

impl Station {
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
                matches!(outcome, Ok | Info),
                "scan {} of the setup: {outcome:?} {message}",
                i + 1
            );
        }
    }

    fn one(&mut self, scan: &str) -> (Outcome, String) {
        self.run(scan).pop().unwrap()
    }

    fn stock(&self, sku: &str, location: &str, lot: Option<&str>) -> i64 {
        self.core
            .store()
            .stock(&StockFilter {
                sku: Some(sku.into()),
                location: Some(location.into()),
                lot: lot.map(str::to_owned),
            })
            .unwrap()
            .iter()
            .filter(|r| r.location == location)
            .map(|r| r.qty)
            .sum()
    }

    fn movements(&self) -> i64 {
        common::count(&self.path, "movements")
    }

    fn verify(&self) {
        assert_eq!(self.core.store().verify().unwrap(), vec![]);
    }

    fn serial(&self, serial: &str) -> scantrail::store::SerialTrace {
        self.core.store().trace_serial(serial, None).unwrap()
    }

    /// B-02 counted exactly as the books have it, but for `cables`.
    fn count_b02(&mut self, cables: u32) {
        self.ok(&format!(
            "LOC-B-02\nCMD-QTY-{cables}\n{CABLE}\nCMD-QTY-12\n{ASPIRIN}\nL2026-118\nCMD-QTY-12\n{ASPIRIN}\nL2026-131"
        ));
    }
}

fn expect(result: &(Outcome, String), outcome: Outcome, text: &str) {
    assert_eq!(result.0, outcome, "{}", result.1);
    assert!(
        result.1.contains(text),
        "expected {text:?} in {:?}",
        result.1
    );
}

const LAPTOP: &str = "0614141000029";
const ASPIRIN: &str = "0614141000012";
const CABLE: &str = "CABLE-1M";

#[test]
fn the_demo_stock_is_what_these_tests_count() {
    let s = station();
    assert_eq!(s.stock("USB-C1M", "B-02", None), 20);
    assert_eq!(s.stock("ASP-500", "B-02", Some("L2026-118")), 12);
    assert_eq!(s.stock("ASP-500", "B-02", Some("L2026-131")), 12);
    assert_eq!(s.stock("LAP-X1", "A-01-3", None), 2);
    assert_eq!(
        s.core.book("B-02").unwrap().stock.len(),
        3,
        "B-02 holds the cables and two aspirin lots"
    );
}

#[test]
fn counted_short_is_adjusted_out_on_the_second_done() {
    let mut s = station();
    s.count_b02(18);
    let before = s.movements();
    expect(
        &s.one("CMD-DONE"),
        Warn,
        "Count of B-02: 1 difference(s): 1 short",
    );
    assert_eq!(s.movements(), before, "the first CMD-DONE books nothing");
    expect(
        &s.one("CMD-DONE"),
        Ok,
        "COUNT-B-02-2026-11-24 booked: 1 difference(s): 1 short at B-02",
    );
    assert_eq!(s.stock("USB-C1M", "B-02", None), 18);
    let mut adjust = Vec::new();
    s.core
        .store()
        .export_movements(&mut |m| {
            if m.kind == MovementKind::Adjust {
                adjust.push(m);
            }
            std::io::Result::Ok(())
        })
        .unwrap();
    assert_eq!(adjust.len(), 1);
    assert_eq!(adjust[0].document.as_deref(), Some("COUNT-B-02-2026-11-24"));
    assert_eq!(
        (
            adjust[0].from.as_deref(),
            adjust[0].to.as_deref(),
            adjust[0].qty
        ),
        (Some("B-02"), None, 2)
    );
    assert_eq!(adjust[0].station, "AISLE-1");
    assert_eq!(adjust[0].operator.as_deref(), Some("ann"));
    s.verify();
}

#[test]
fn counted_long_is_adjusted_in() {
    let mut s = station();
    s.count_b02(23);
    s.one("CMD-DONE");
    expect(&s.one("CMD-DONE"), Ok, "1 long");
    assert_eq!(s.stock("USB-C1M", "B-02", None), 23);
    s.verify();
}

#[test]
fn a_lot_not_counted_at_all_is_adjusted_out_whole_and_trace_lot_names_the_count() {
    let mut s = station();
    s.ok(&format!(
        "LOC-B-02\nCMD-QTY-20\n{CABLE}\nCMD-QTY-12\n{ASPIRIN}\nL2026-118"
    ));
    expect(&s.one("CMD-DONE"), Warn, "1 short");
    s.one("CMD-DONE");
    assert_eq!(s.stock("ASP-500", "B-02", Some("L2026-131")), 0);
    assert_eq!(s.stock("ASP-500", "B-02", Some("L2026-118")), 12);
    let trace = s.core.store().trace_lot("L2026-131", "ASP-500").unwrap();
    assert_eq!(trace.counted.len(), 1);
    assert_eq!(trace.counted[0].document, "COUNT-B-02-2026-11-24");
    assert_eq!(trace.counted[0].qty, -12);
    s.verify();
}

#[test]
fn a_serial_scanned_twice_counts_once_with_a_warning() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    expect(
        &s.one("SN-4471-0091"),
        Warn,
        "Serial SN-4471-0091 was counted already: it counts once",
    );
    s.ok("SN-4471-0092");
    let before = s.movements();
    expect(&s.one("CMD-DONE"), Ok, "Count of A-01-3 matches the books");
    assert_eq!(s.movements(), before);
    assert!(s.core.session().state().count.is_none());
}

#[test]
fn a_serial_not_found_becomes_missing_and_receive_refuses_it() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    expect(&s.one("CMD-DONE"), Warn, "1 serial(s) missing");
    s.one("CMD-DONE");
    let trace = s.serial("SN-4471-0092");
    assert_eq!(trace.status, Some(SerialStatus::Missing));
    assert_eq!(
        trace.whereabouts(),
        "missing since 2026-11-24 — count at A-01-3 by ann"
    );
    assert_eq!(
        trace.history.last().unwrap().document.as_deref(),
        Some("COUNT-A-01-3-2026-11-24")
    );
    // Not on hand: the stock of A-01-3 holds the one found.
    assert_eq!(s.stock("LAP-X1", "A-01-3", None), 1);
    s.verify();
    s.ok("CMD-RECEIVE\nLOC-DOCK");
    expect(
        &s.one(&format!("{LAPTOP}\nSN-4471-0092")),
        Error,
        "Serial SN-4471-0092 is missing since 2026-11-24 — count at A-01-3 by ann: count it or return it",
    );
}

#[test]
fn a_later_count_that_finds_a_missing_serial_brings_it_back() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    s.one("CMD-DONE");
    s.one("CMD-DONE");
    s.count_b02(20);
    expect(&s.one(LAPTOP), Ok, "Scan the serials");
    expect(&s.one("SN-4471-0092"), Warn, "was missing since 2026-11-24");
    expect(&s.one("CMD-DONE"), Warn, "1 missing serial(s) found");
    s.one("CMD-DONE");
    let trace = s.serial("SN-4471-0092");
    assert_eq!(trace.status, Some(SerialStatus::InStock));
    assert_eq!(trace.location.as_deref(), Some("B-02"));
    s.verify();
}

#[test]
fn a_missing_serial_comes_back_by_a_transfer_from_where_it_turned_up() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    s.one("CMD-DONE");
    s.one("CMD-DONE");
    s.ok("CMD-TRANSFER");
    expect(
        &s.one("SN-4471-0092"),
        Error,
        "scan the location where you found it first",
    );
    s.ok("CMD-ACK\nLOC-B-01\nSN-4471-0092\nLOC-PACK");
    let trace = s.serial("SN-4471-0092");
    assert_eq!(trace.status, Some(SerialStatus::InStock));
    assert_eq!(trace.location.as_deref(), Some("PACK"));
    assert_eq!(s.stock("LAP-X1", "B-01", None), 0);
    s.verify();
}

#[test]
fn a_missing_serial_can_be_returned_at_the_returns_desk() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    s.one("CMD-DONE");
    s.one("CMD-DONE");
    s.ok("CMD-RETURN");
    expect(&s.one("SN-4471-0092"), Warn, "it is back in stock");
    assert_eq!(s.serial("SN-4471-0092").status, Some(SerialStatus::InStock));
    s.verify();
}

#[test]
fn a_serial_found_here_but_booked_elsewhere_is_moved_here_with_a_warning() {
    let mut s = station();
    s.count_b02(20);
    expect(
        &s.run(&format!("{LAPTOP}\nSN-4471-0091")).pop().unwrap(),
        Warn,
        "Serial SN-4471-0091 is booked at A-01-3: booking the count moves it here",
    );
    expect(&s.one("CMD-DONE"), Warn, "1 serial(s) booked elsewhere");
    let booked = s.one("CMD-DONE");
    expect(
        &booked,
        Warn,
        "Serial SN-4471-0091 was booked at A-01-3: moved here",
    );
    let trace = s.serial("SN-4471-0091");
    assert_eq!(trace.location.as_deref(), Some("B-02"));
    assert_eq!(trace.history.last().unwrap().kind, MovementKind::Transfer);
    s.verify();
}

#[test]
fn a_serial_the_books_do_not_know_is_an_error() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}"));
    expect(
        &s.one("SN-4471-9999"),
        Error,
        "Serial SN-4471-9999 of Laptop X1 Carbon is not in the books: put it aside, receive it first",
    );
}

#[test]
fn a_shipped_serial_is_an_error_that_sends_it_to_returns() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}"));
    expect(&s.one("SN-4471-0093"), Error, "take it to the returns desk");
}

#[test]
fn a_count_that_matches_books_nothing() {
    let mut s = station();
    s.count_b02(20);
    let before = s.movements();
    expect(
        &s.one("CMD-DONE"),
        Ok,
        "Count of B-02 matches the books (44 unit(s)): nothing to book",
    );
    assert_eq!(s.movements(), before);
    assert_eq!(s.core.store().count_report(None).unwrap(), vec![]);
}

#[test]
fn cancel_throws_the_count_away() {
    let mut s = station();
    s.count_b02(3);
    let before = s.movements();
    expect(
        &s.one("CMD-CANCEL"),
        Ok,
        "Count of B-02 thrown away (27 unit(s) counted)",
    );
    assert!(s.core.session().state().count.is_none());
    expect(&s.one("CMD-DONE"), Info, "Nothing is being counted");
    assert_eq!(s.movements(), before);
}

#[test]
fn cancel_after_the_differences_were_shown_books_nothing() {
    let mut s = station();
    s.count_b02(3);
    s.one("CMD-DONE");
    let before = s.movements();
    expect(&s.one("CMD-CANCEL"), Ok, "thrown away");
    assert_eq!(s.movements(), before);
    assert_eq!(s.stock("USB-C1M", "B-02", None), 20);
}

#[test]
fn the_next_location_closes_the_count_and_shows_its_differences() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    expect(&s.one("LOC-B-02"), Warn, "Count of A-01-3: 1 difference(s)");
    expect(&s.one(CABLE), Error, "The count of A-01-3 is closed");
    s.ok("CMD-ACK");
    expect(&s.one("LOC-B-02"), Error, "The count of A-01-3 is closed");
    s.ok("CMD-ACK");
    s.one("CMD-DONE");
    // A matching count lets the next location's count start at once.
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    expect(
        &s.one("LOC-B-02"),
        Ok,
        "matches the books (1 unit(s)): nothing to book. Counting B-02",
    );
}

#[test]
fn no_mode_switch_while_a_count_is_open() {
    let mut s = station();
    s.ok("LOC-B-02");
    expect(&s.one("CMD-RECEIVE"), Error, "The count of B-02 is open");
}

#[test]
fn items_before_a_location_are_refused() {
    let mut s = station();
    expect(
        &s.one(CABLE),
        Error,
        "Scan the location to count (LOC-…) first",
    );
}

#[test]
fn undo_reverses_a_booked_count_as_a_whole() {
    let mut s = station();
    s.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    s.one("CMD-DONE");
    s.one("CMD-DONE");
    s.count_b02(15);
    s.run(&format!("{LAPTOP}\nSN-4471-0092"));
    s.one("CMD-DONE");
    expect(&s.one("CMD-DONE"), Ok, "booked");
    assert_eq!(s.stock("USB-C1M", "B-02", None), 15);
    expect(
        &s.one("CMD-UNDO"),
        Ok,
        "Undone: COUNT-B-02-2026-11-24 booked",
    );
    assert_eq!(s.stock("USB-C1M", "B-02", None), 20);
    assert_eq!(s.serial("SN-4471-0092").status, Some(SerialStatus::Missing));
    s.verify();
    expect(
        &s.one("CMD-UNDO"),
        Ok,
        "Undone: COUNT-A-01-3-2026-11-24 booked",
    );
    let trace = s.serial("SN-4471-0092");
    assert_eq!(trace.status, Some(SerialStatus::InStock));
    assert_eq!(trace.location.as_deref(), Some("A-01-3"));
    s.verify();
    let report = s.core.store().count_report(None).unwrap();
    assert_eq!(report.len(), 2);
    assert!(report.iter().all(|r| r.undone));
}

#[test]
fn a_second_count_of_the_day_gets_its_own_reference_and_the_report_lists_both() {
    let mut s = station();
    s.count_b02(19);
    s.one("CMD-DONE");
    s.one("CMD-DONE");
    s.count_b02(18);
    s.one("CMD-DONE");
    expect(&s.one("CMD-DONE"), Ok, "COUNT-B-02-2026-11-24-2 booked");
    let report = s.core.store().count_report(Some("2026-11-24")).unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!((report[0].lost, report[1].lost), (1, 1));
    assert_eq!(report[1].operator.as_deref(), Some("ann"));
    assert_eq!(
        s.core.store().count_report(Some("2026-11-25")).unwrap(),
        vec![]
    );
}

#[test]
fn differences_are_taken_again_against_the_books_when_booking() {
    let mut s = station();
    s.count_b02(20);
    s.run(&format!("{LAPTOP}\nSN-4471-0091"));
    let shown = s.one("CMD-DONE");
    expect(&shown, Warn, "1 difference(s)");
    // Meanwhile the serial moves to B-02 at this station (as a pulled movement would).
    s.ok("CMD-CANCEL");
    s.ok("CMD-TRANSFER\nSN-4471-0091\nLOC-B-02\nCMD-COUNT");
    s.count_b02(20);
    s.run(&format!("{LAPTOP}\nSN-4471-0091"));
    expect(&s.one("CMD-DONE"), Ok, "matches the books");
}

#[test]
fn a_pulled_count_makes_the_serial_missing_at_another_station_too() {
    let mut a = station();
    a.ok(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091"));
    a.one("CMD-DONE");
    a.one("CMD-DONE");
    let outbox = a.core.store().outbox(1000).unwrap();
    let group = outbox
        .groups
        .iter()
        .find(|g| g.count.is_some())
        .expect("the count's group")
        .clone();
    assert_eq!(
        group.movements[0].document.as_deref(),
        Some("COUNT-A-01-3-2026-11-24")
    );
    let mut b = station_with("DESK-2", |_| {});
    let mut store = Store::open(&b.path, &common::fast_db_config()).unwrap();
    let applied = store
        .apply_feed(&[FeedItem {
            gseq: 1,
            item: Feed::Group(group),
        }])
        .unwrap();
    assert_eq!(applied.groups, 1);
    drop(store);
    let trace = b.serial("SN-4471-0092");
    assert_eq!(trace.status, Some(SerialStatus::Missing));
    assert_eq!(
        trace.whereabouts(),
        "missing since 2026-11-24 — count at A-01-3 by ann"
    );
    assert_eq!(b.core.store().count_report(None).unwrap().len(), 1);
    b.verify();
    // The other station's own count finds it again.
    b.run(&format!("LOC-A-01-3\n{LAPTOP}\nSN-4471-0091\nSN-4471-0092"));
    expect(&b.one("CMD-DONE"), Warn, "1 missing serial(s) found");
    b.one("CMD-DONE");
    assert_eq!(b.serial("SN-4471-0092").status, Some(SerialStatus::InStock));
    b.verify();
}

#[test]
fn the_booking_scan_reports_its_movements_with_the_count_reference() {
    // What `replay --json` prints for the booking scan.
    let mut s = station();
    s.count_b02(19);
    s.one("CMD-DONE");
    s.clock += Duration::seconds(2);
    let report = s.core.scan(s.clock, "CMD-DONE", None);
    assert_eq!(report.movements.len(), 1);
    assert_eq!(
        report.movements[0].document.as_deref(),
        Some("COUNT-B-02-2026-11-24")
    );
}
