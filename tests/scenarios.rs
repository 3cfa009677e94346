//! A scenario for every rule of SPEC §4–§5: a small scan script run through the very core
//! the kiosk and `replay` use, on a fresh demo warehouse, with the expected outcomes.
//!
//! The demo warehouse (see demo/README.md), as loaded here on 2026-11-24: laptops
//! SN-4471-0091 and -0092 in A-01-3, -0093 shipped on SO-7781; Aspirin lots L2026-118
//! (expires 2027-01-31) and L2026-131 (2027-06-30), 12 each in B-02; 20 USB-C cables in B-02.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use scantrail::config::{Config, FefoRule, RejectOrWarn};
use scantrail::core::Core;
use scantrail::domain::Outcome::{self, Error, Info, Ok, Warn};
use scantrail::store::{StockFilter, Store};

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

fn station_with(edit: impl FnOnce(&mut Config)) -> Station {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("station.db");
    let mut config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    edit(&mut config);
    let mut store = Store::open(&path, &config.database).unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", demo_time()).unwrap();
    Station {
        core: Core::new(store, &config, "DOCK-1".into()),
        clock: demo_time() + Duration::hours(1),
        path,
        _dir: dir,
    }
}

fn station() -> Station {
    station_with(|_| {})
}

impl Station {
    /// Runs the scans of a script (one per line; blank lines skipped) and returns their
    /// outcomes and messages.
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

    /// Runs a script whose every scan must be ok; returns nothing.
    fn ok(&mut self, script: &str) {
        for (i, (outcome, message)) in self.run(script).into_iter().enumerate() {
            assert!(
                matches!(outcome, Ok | Info),
                "scan {} of the setup: {outcome:?} {message}",
                i + 1
            );
        }
    }

    /// The outcome and message of one scan.
    fn one(&mut self, scan: &str) -> (Outcome, String) {
        self.run(scan).pop().unwrap()
    }

    fn stock(&self, sku: &str, location: &str) -> i64 {
        self.core
            .store()
            .stock(&StockFilter {
                sku: Some(sku.into()),
                location: Some(location.into()),
                lot: None,
            })
            .unwrap()
            .iter()
            .map(|r| r.qty)
            .sum()
    }

    fn movements(&self) -> i64 {
        common::count(&self.path, "movements")
    }

    fn verify(&self) {
        assert!(self.core.store().verify().unwrap().is_empty());
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
fn serial_receipt_counts_a_sticky_run() {
    let mut s = station();
    let r = s.run(&format!(
        "PO-1042\nLOC-A-01-3\n{LAPTOP}\n{LAPTOP}\nSN-4471-0094\nSN-4471-0095\nCMD-DONE"
    ));
    expect(&r[2], Ok, "Scan the serials of Laptop X1 Carbon (0/1)");
    expect(&r[3], Ok, "0/2");
    expect(&r[4], Ok, "serial 1 of 2");
    expect(&r[5], Ok, "serial 2 of 2 — into A-01-3");
    // PO-1042 still lacks cables: left open.
    expect(&r[6], Warn, "1 line(s) short");
    assert_eq!(s.stock("LAP-X1", "A-01-3"), 4);
    s.verify();
}

#[test]
fn a_serial_run_ended_early_warns() {
    let mut s = station();
    let r = s.run(&format!("CMD-QTY-3\n{LAPTOP}\nSN-4471-0094\nLOC-A-01-3"));
    expect(&r[1], Ok, "(0/3)");
    expect(
        &r[3],
        Warn,
        "Serial run of Laptop X1 Carbon ended at 1 of 3",
    );
}

#[test]
fn duplicate_serial_is_refused_and_names_where_it_is() {
    let mut s = station();
    let before = s.movements();
    let r = s.run(&format!("{LAPTOP}\nSN-4471-0091"));
    expect(
        &r[1],
        Error,
        "Serial SN-4471-0091 is already in stock at A-01-3",
    );
    assert_eq!(s.movements(), before);
}

#[test]
fn shipped_serial_received_again_says_use_return() {
    let mut s = station();
    let r = s.run(&format!("{LAPTOP}\nSN-4471-0093"));
    expect(
        &r[1],
        Error,
        "was shipped on 2026-11-20 with SO-7781; use return",
    );
}

#[test]
fn serial_pattern_is_checked_at_receipt() {
    let mut s = station();
    let r = s.run(&format!("{LAPTOP}\nLAPTOP-42"));
    expect(
        &r[1],
        Error,
        "does not look like a serial of Laptop X1 Carbon (expected SN-####-####)",
    );
}

#[test]
fn over_receipt_warns_or_is_refused_as_configured() {
    let mut s = station();
    // PO-1042 orders 50 cables, 20 are received.
    let r = s.run(&format!("PO-1042\nCMD-QTY-31\n{CABLE}"));
    expect(&r[2], Warn, "Over-receipt: 51 of 50 ordered on PO-1042");
    let mut s = station_with(|c| c.receive.over_receipt = RejectOrWarn::Reject);
    let before = s.movements();
    let r = s.run(&format!("PO-1042\nCMD-QTY-31\n{CABLE}"));
    expect(
        &r[2],
        Error,
        "PO-1042 orders 50 × USB-C cable 1 m, 20 received already",
    );
    assert_eq!(s.movements(), before);
}

#[test]
fn off_order_products_are_refused_or_warned_as_configured() {
    let mut s = station();
    let r = s.run("PO-1043\n0614141000036");
    expect(&r[1], Error, "USB-C cable 1 m is not on PO-1043");
    let mut s = station_with(|c| c.receive.off_order = RejectOrWarn::Warn);
    let r = s.run("PO-1043\n0614141000036");
    expect(&r[1], Warn, "USB-C cable 1 m is not on PO-1043");
}

#[test]
fn a_pending_lot_is_dropped_by_a_non_text_scan_with_a_warning_that_names_it() {
    let mut s = station();
    let r = s.run(&format!("{ASPIRIN}\nLOC-B-01\nL2026-150"));
    expect(&r[0], Ok, "Scan the lot of Aspirin 500 mg ×12");
    expect(
        &r[1],
        Warn,
        "No lot was scanned for Aspirin 500 mg ×12: dropped it. Receiving into B-01",
    );
    // The lot is now plain text with nothing waiting for it.
    expect(&r[2], Error, "L2026-150 is no product");
}

#[test]
fn gs1_with_gtin_lot_and_expiry_completes_a_line_in_one_scan() {
    let mut s = station();
    let r = s.one("]d2010061414100001210L2026-150\u{1d}17270430");
    expect(&r, Ok, "1 × Aspirin 500 mg ×12, lot L2026-150 — into DOCK");
    let lot = s.core.store().trace_lot("L2026-150", "ASP-500").unwrap();
    assert_eq!(lot.expiry.as_deref(), Some("2027-04-30"));
    // GTIN + serial in one scan, written out as <GS> the way a replay file does.
    let r = s.one("]d20100614141000029<GS>21SN-4471-0099");
    expect(&r, Ok, "Laptop X1 Carbon SN-4471-0099 — into DOCK");
    // A GS1 scan without the lot opens the pairing like a product scan.
    let r = s.run("]C101006141410000123030\u{1d}\nL2026-151");
    expect(&r[0], Ok, "Scan the lot of Aspirin 500 mg ×12 (30)");
    expect(&r[1], Ok, "30 × Aspirin 500 mg ×12, lot L2026-151");
}

#[test]
fn a_lot_in_a_gs1_barcode_of_its_own_is_the_lot_of_the_pending_product() {
    let mut s = station();
    // Cartons and pharma packs carry the GTIN and the lot in two symbols.
    let r = s.run(&format!("{ASPIRIN}\n]C110L2026-556"));
    expect(&r[0], Ok, "Scan the lot of Aspirin 500 mg ×12");
    expect(
        &r[1],
        Ok,
        "1 × Aspirin 500 mg ×12, lot L2026-556 — into DOCK",
    );
    assert_eq!(s.stock("ASP-500", "DOCK"), 1);
    // With its expiry date in the same symbol, the lot gets it.
    let r = s.run(&format!("CMD-QTY-3\n{ASPIRIN}\n]d21727043010L2026-557"));
    expect(
        &r[2],
        Ok,
        "3 × Aspirin 500 mg ×12, lot L2026-557 — into DOCK",
    );
    let lot = s.core.store().trace_lot("L2026-557", "ASP-500").unwrap();
    assert_eq!(lot.expiry.as_deref(), Some("2027-04-30"));
    // In lookup, it names the lot to look up.
    let r = s.run(&format!("CMD-LOOKUP\n{ASPIRIN}\n]C110L2026-118"));
    assert_eq!(r[2].0, Info, "{}", r[2].1);
    s.verify();
}

#[test]
fn a_serial_in_a_gs1_barcode_of_its_own_joins_the_serial_run() {
    let mut s = station();
    let r = s.run(&format!(
        "CMD-QTY-2\n{LAPTOP}\n]C121SN-4471-0099\n]d221SN-4471-0100\nCMD-DONE"
    ));
    expect(&r[1], Ok, "Scan the serials of Laptop X1 Carbon (0/2)");
    expect(
        &r[2],
        Ok,
        "Laptop X1 Carbon SN-4471-0099 — serial 1 of 2 — into DOCK",
    );
    expect(
        &r[3],
        Ok,
        "Laptop X1 Carbon SN-4471-0100 — serial 2 of 2 — into DOCK",
    );
    assert!(!r[4].1.contains("ended at"), "{}", r[4].1);
    assert_eq!(s.stock("LAP-X1", "DOCK"), 2);
}

#[test]
fn a_partial_gs1_barcode_that_nothing_completes_says_what_it_lacks() {
    let mut s = station_with(|c| c.feedback.error_requires_ack = false);
    let r = s.run("]C110L2026-556");
    expect(
        &r[0],
        Error,
        "This GS1 barcode has (10) but no product (01): scan the product first",
    );
    // A pending lot does not take a serial, a pending serial run no lot.
    let r = s.run(&format!("{ASPIRIN}\n]C121SN-1"));
    expect(
        &r[1],
        Error,
        "This GS1 barcode has (21) but no product (01), and Aspirin 500 mg ×12 waits for its lot (10)",
    );
    // The pending lot survives the refused scan.
    let r = s.run("L2026-558");
    expect(&r[0], Ok, "lot L2026-558");
    let r = s.run(&format!("{LAPTOP}\n]C110L7"));
    expect(&r[1], Error, "Laptop X1 Carbon waits for its serial (21)");
    // A message that lacks more than a product can give stays an error.
    let r = s.run(&format!("CMD-CANCEL\n{ASPIRIN}\n]C13712"));
    expect(
        &r[2],
        Error,
        "This GS1 barcode has (37) but not (00) and (02): it cannot be used on its own",
    );
    assert_eq!(s.stock("ASP-500", "DOCK"), 1);
}

#[test]
fn a_leading_gs_from_a_scanner_without_aim_identifiers_is_gs1() {
    let mut s = station();
    let r = s.one("<GS>010061414100001210L2026-160<GS>17270430");
    expect(&r, Ok, "1 × Aspirin 500 mg ×12, lot L2026-160 — into DOCK");
}

#[test]
fn case_barcodes_and_armed_quantities() {
    let mut s = station();
    let r = s.run(
        "10614141000019\nL2026-160\nCMD-QTY-7\nCMD-CANCEL\nCABLE-1M\nCMD-QTY-3\nCABLE-1M\nCABLE-1M",
    );
    expect(&r[1], Ok, "10 × Aspirin 500 mg ×12, lot L2026-160");
    expect(&r[3], Ok, "Cancelled quantity 7");
    expect(&r[4], Ok, "1 × USB-C cable 1 m");
    expect(&r[6], Ok, "3 × USB-C cable 1 m");
    // The armed quantity is used once.
    expect(&r[7], Ok, "1 × USB-C cable 1 m");
}

#[test]
fn closing_a_complete_purchase_order() {
    let mut s = station();
    s.ok(&format!(
        "PO-1043\n{}\nCMD-QTY-20\n0614141000043\nG-01\n0614141000050\n0614141000050\nHS-1\nHS-2",
        "LOC-B-01"
    ));
    let r = s.one("CMD-DONE");
    expect(&r, Ok, "PO-1043 is complete and closed");
    let r = s.one("PO-1043");
    expect(&r, Error, "PO-1043 is closed");
}

#[test]
fn require_document_refuses_blind_receipts() {
    let mut s = station_with(|c| c.receive.require_document = true);
    let r = s.one(CABLE);
    expect(&r, Error, "Receipts need a purchase order here");
}

#[test]
fn operator_badge_required_when_configured_and_recorded_on_movements() {
    let mut s = station_with(|c| c.station.require_operator = true);
    let r = s.run(&format!("{CABLE}\nCMD-ACK\nOP-maria\n{CABLE}"));
    expect(&r[0], Error, "Scan your operator badge");
    expect(&r[3], Ok, "USB-C cable 1 m");
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let op: String = raw
        .query_row(
            "SELECT operator FROM movements ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(op, "maria");
    let r = s.run(&format!("CMD-LOGOUT\n{CABLE}\nCMD-ACK"));
    expect(&r[0], Ok, "Operator maria logged out");
    expect(&r[1], Error, "Scan your operator badge");
}

#[test]
fn error_lock_needs_an_acknowledgement() {
    let mut s = station();
    let r = s.run(&format!("LOC-NOWHERE\n{CABLE}\nCMD-ACK\n{CABLE}"));
    expect(&r[0], Error, "Location NOWHERE is not in the catalog");
    expect(&r[1], Error, "scan CMD-ACK");
    expect(&r[2], Info, "Error acknowledged");
    expect(&r[3], Ok, "USB-C cable 1 m");
    // CMD-CANCEL clears the lock too; without error_requires_ack there is no lock.
    let r = s.run("NOT-A-BARCODE\nCMD-CANCEL\nCMD-QTY-2");
    expect(&r[1], Ok, "Cancelled");
    expect(&r[2], Ok, "The next line counts 2");
    let mut s = station_with(|c| c.feedback.error_requires_ack = false);
    let r = s.run(&format!("NOT-A-BARCODE\n{CABLE}"));
    expect(&r[1], Ok, "USB-C cable 1 m");
}

#[test]
fn unknown_command_and_unknown_barcode_say_what_to_do() {
    let mut s = station_with(|c| c.feedback.error_requires_ack = false);
    let r = s.run("CMD-DANCE\nHELLO\n4006381333931");
    expect(&r[0], Error, "CMD-DANCE is no command (unknown command)");
    expect(
        &r[1],
        Error,
        "HELLO is no product, location, document or command",
    );
    expect(&r[2], Error, "GTIN 4006381333931 is not in the catalog");
}

#[test]
fn pending_pairing_times_out() {
    let mut s = station();
    s.ok(ASPIRIN);
    assert_eq!(
        s.core.next_deadline(),
        Some(s.clock + Duration::seconds(120))
    );
    // Activity within the timeout, then silence past it.
    let notices = s.core.tick(s.clock + Duration::seconds(119));
    assert!(notices.is_empty());
    let notices = s.core.tick(s.clock + Duration::seconds(121));
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].outcome, Warn);
    assert!(
        notices[0]
            .message
            .contains("Aspirin 500 mg ×12 no longer waits for its lot")
    );
    assert_eq!(s.core.next_deadline(), None);
}

#[test]
fn the_deadline_of_an_old_pairing_leaves_a_newer_one_open() {
    let mut s = station();
    let opened = s.clock + Duration::seconds(2);
    s.ok(ASPIRIN);
    // The first pairing ends early (a lot); a second opens 60 s later.
    s.clock += Duration::seconds(30);
    s.ok("L2026-170");
    s.clock += Duration::seconds(28);
    s.ok(ASPIRIN);
    // The first pairing's deadline passes while the second is open: nothing is dropped.
    assert!(s.core.tick(opened + Duration::seconds(121)).is_empty());
    s.clock = opened + Duration::seconds(122);
    expect(
        &s.one("L2026-171"),
        Ok,
        "1 × Aspirin 500 mg ×12, lot L2026-171",
    );
    // A serial run's deadline moves with every serial.
    let r = s.run(&format!("{LAPTOP}\n{LAPTOP}\nSN-4471-0201"));
    expect(&r[2], Ok, "serial 1 of 2");
    let last = s.clock;
    assert!(s.core.tick(last + Duration::seconds(119)).is_empty());
    let notices = s.core.tick(last + Duration::seconds(120));
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0]
            .message
            .contains("Laptop X1 Carbon no longer waits for more serials")
    );
}

#[test]
fn transfer_tote_moves_at_the_destination() {
    let mut s = station();
    let r = s.run(&format!(
        "CMD-TRANSFER\nLOC-B-02\nCMD-QTY-5\n{CABLE}\n{ASPIRIN}\nL2026-118\nSN-4471-0091\nLOC-B-02\nCMD-DONE\nLOC-B-01"
    ));
    expect(&r[3], Ok, "5 × USB-C cable 1 m from B-02; tote: 5");
    expect(&r[5], Ok, "lot L2026-118 from B-02; tote: 6");
    // SN-4471-0091 is in A-01-3, not B-02.
    expect(
        &r[6],
        Error,
        "Serial SN-4471-0091 is at A-01-3, not at B-02",
    );
    assert_eq!(r[7].0, Error); // locked
    let r = s.run("CMD-ACK\nLOC-B-02\nCMD-DONE\nCMD-PICK\nLOC-B-01");
    expect(&r[1], Error, "B-02 is the source: scan the destination");
    let r = s.run("CMD-ACK\nCMD-DONE");
    expect(
        &r[1],
        Error,
        "The tote holds 6 item(s): scan the destination location",
    );
    let r = s.run("CMD-ACK\nCMD-PICK");
    expect(&r[1], Error, "The tote holds 6 item(s)");
    let before = s.movements();
    let r = s.run("CMD-ACK\nLOC-B-01");
    expect(&r[1], Ok, "Moved 6 item(s) B-02 → B-01");
    assert_eq!(s.movements(), before + 2);
    assert_eq!(s.stock("USB-C1M", "B-01"), 5);
    assert_eq!(s.stock("USB-C1M", "B-02"), 15);
    s.verify();
}

#[test]
fn transfer_checks_stock_including_the_tote_and_a_serial_alone_sets_the_source() {
    let mut s = station();
    let r = s.run(&format!(
        "CMD-TRANSFER\nLOC-B-02\nCMD-QTY-15\n{CABLE}\nCMD-QTY-6\n{CABLE}"
    ));
    expect(
        &r[5],
        Error,
        "Only 5 × USB-C cable 1 m at B-02 besides the 15 in the tote",
    );
    let mut s = station();
    let r = s.run("CMD-TRANSFER\nSN-4471-0092\nLOC-A-01-1");
    expect(&r[1], Ok, "Laptop X1 Carbon SN-4471-0092 from A-01-3");
    expect(&r[2], Ok, "Moved 1 item(s) A-01-3 → A-01-1");
    let t = s.core.store().trace_serial("SN-4471-0092", None).unwrap();
    assert_eq!(t.location.as_deref(), Some("A-01-1"));
}

#[test]
fn transfer_tote_is_all_or_nothing_when_stock_changes_underneath() {
    let mut s = station();
    s.ok(&format!(
        "CMD-TRANSFER\nLOC-B-02\nCMD-QTY-5\n{CABLE}\nCMD-QTY-12\n{ASPIRIN}\nL2026-131"
    ));
    // Another station takes the aspirin lot away before the destination is scanned.
    let config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    let other = Store::open_existing(&s.path, &config.database).unwrap();
    let mut other = Core::new(other, &config, "PACK-2".into());
    let r = other.scan(s.clock, "CMD-TRANSFER", None);
    assert_eq!(r.feedback.outcome, Ok);
    for scan in ["LOC-B-02", "CMD-QTY-12", ASPIRIN, "L2026-131", "LOC-B-01"] {
        let r = other.scan(s.clock, scan, None);
        assert!(matches!(r.feedback.outcome, Ok), "{}", r.feedback.message);
    }
    let before = s.movements();
    let r = s.one("LOC-A-01-1");
    expect(
        &r,
        Error,
        "Not enough stock at the source location. Nothing was recorded",
    );
    assert_eq!(s.movements(), before);
    assert_eq!(s.stock("USB-C1M", "B-02"), 20);
    // The refused scan is in the scan log as an error.
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let (outcome, raw_scan): (String, String) = raw
        .query_row(
            "SELECT outcome, raw FROM scans ORDER BY seq DESC LIMIT 1",
            [],
            |r| std::result::Result::Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (outcome.as_str(), raw_scan.as_str()),
        ("error", "LOC-A-01-1")
    );
    s.verify();
}

#[test]
fn pick_checks_order_stock_and_fefo() {
    let mut s = station();
    let r = s.run(&format!("CMD-PICK\n{CABLE}"));
    expect(&r[1], Error, "Scan the sales order");
    let r = s.run("CMD-ACK\nSO-7781\nLOC-B-02\n0614141000043");
    expect(&r[1], Ok, "SO-7781 Northwind Clinic");
    expect(&r[3], Error, "Nitrile gloves M ×100 is not on SO-7781");
    let r = s.run(&format!("CMD-ACK\nCMD-QTY-3\n{ASPIRIN}\nL2026-131"));
    expect(
        &r[3],
        Warn,
        "Lot L2026-118 expires sooner (2027-01-31) and is here in B-02",
    );
    expect(
        &r[3],
        Warn,
        "3 × Aspirin 500 mg ×12, lot L2026-131 from B-02 for SO-7781 (3/6)",
    );
    let r = s.run(&format!("CMD-QTY-4\n{ASPIRIN}\nL2026-118"));
    expect(
        &r[2],
        Error,
        "Only 3 × Aspirin 500 mg ×12 left to pick on SO-7781",
    );
    let r = s.run(&format!(
        "CMD-ACK\nCMD-QTY-3\n{ASPIRIN}\nL2026-118\n{CABLE}\n{CABLE}\n{LAPTOP}"
    ));
    expect(&r[3], Ok, "(6/6)");
    expect(&r[5], Ok, "(2/2)");
    // The laptop line of SO-7781 is shipped already.
    expect(
        &r[6],
        Error,
        "All 1 × Laptop X1 Carbon on SO-7781 are picked already",
    );
    let r = s.run("CMD-ACK\nCMD-DONE");
    expect(&r[1], Ok, "SO-7781 is complete and closed");
    // Nothing more can be picked on it, but goods can come back against it.
    let r = s.run("SO-7781\nCMD-ACK\nCMD-RETURN\nSO-7781\nCABLE-1M");
    expect(&r[0], Error, "SO-7781 is closed");
    expect(&r[3], Ok, "SO-7781 Northwind Clinic");
    expect(&r[4], Ok, "1 × USB-C cable 1 m back into RETURNS");
    s.verify();
}

#[test]
fn fefo_can_refuse() {
    let mut s = station_with(|c| c.pick.fefo = FefoRule::Reject);
    let r = s.run(&format!(
        "CMD-PICK\nSO-7781\nLOC-B-02\n{ASPIRIN}\nL2026-131"
    ));
    expect(
        &r[4],
        Error,
        "Lot L2026-118 expires sooner (2027-01-31) and is here in B-02: pick that one first",
    );
}

#[test]
fn quarantined_and_expired_lots_are_refused_at_pick() {
    let mut s = station();
    let product = s.core.store().product_by_sku("ASP-500").unwrap().unwrap();
    let path = s.path.clone();
    let mut admin = Store::open_existing(&path, &common::fast_db_config()).unwrap();
    admin
        .set_lot_status(
            product.id,
            "L2026-131",
            scantrail::domain::LotStatus::Quarantined,
            "recall",
            "ADMIN",
            s.clock,
        )
        .unwrap();
    let r = s.run(&format!(
        "CMD-PICK\nSO-7781\nLOC-B-02\n{ASPIRIN}\nL2026-131"
    ));
    expect(&r[4], Error, "Lot L2026-131 is quarantined: do not pick it");
    // Quarantined lots cannot be transferred either.
    let r = s.run(&format!(
        "CMD-ACK\nCMD-CANCEL\nCMD-TRANSFER\nLOC-B-02\n{ASPIRIN}\nL2026-131"
    ));
    expect(
        &r[5],
        Error,
        "Lot L2026-131 is quarantined: it cannot be moved",
    );
    // After its expiry, L2026-118 cannot be picked.
    let mut s = station();
    s.clock = Utc.with_ymd_and_hms(2027, 2, 15, 9, 0, 0).single().unwrap();
    let r = s.run(&format!(
        "CMD-PICK\nSO-7781\nLOC-B-02\n{ASPIRIN}\nL2026-118"
    ));
    expect(
        &r[4],
        Error,
        "Lot L2026-118 expired on 2027-01-31: do not pick it",
    );
    // And an expired lot does not count as "expires sooner" for FEFO.
    let r = s.run(&format!("CMD-ACK\n{ASPIRIN}\nL2026-131"));
    expect(&r[2], Ok, "lot L2026-131 from B-02");
}

#[test]
fn pick_serial_must_be_at_the_pick_location() {
    let mut s = station();
    let r = s.run(&format!(
        "CMD-PICK\nSO-7782\nLOC-B-02\n{LAPTOP}\nSN-4471-0091"
    ));
    expect(
        &r[4],
        Error,
        "Serial SN-4471-0091 is at A-01-3, not at B-02",
    );
    let r = s.run("CMD-ACK\nLOC-A-01-3\nSN-4471-0091");
    // A known serial alone picks its product.
    expect(
        &r[2],
        Ok,
        "Laptop X1 Carbon SN-4471-0091 from A-01-3 for SO-7782 (1/1)",
    );
    let t = s.core.store().trace_serial("SN-4471-0091", None).unwrap();
    assert_eq!(t.status, Some(scantrail::domain::SerialStatus::Shipped));
}

#[test]
fn returns_bring_shipped_serials_back_and_limit_lots_to_what_was_shipped() {
    let mut s = station();
    let r = s.run("CMD-RETURN\nSN-4471-0092");
    expect(
        &r[1],
        Error,
        "Serial SN-4471-0092 is in stock at A-01-3: it was never shipped",
    );
    let r = s.run("CMD-ACK\nRMA-301\nSN-4471-0093\nCMD-DONE");
    expect(&r[2], Ok, "Laptop X1 Carbon SN-4471-0093 back into RETURNS");
    expect(&r[3], Ok, "RMA-301 is complete and closed");
    let t = s.core.store().trace_serial("SN-4471-0093", None).unwrap();
    assert_eq!(t.location.as_deref(), Some("RETURNS"));
    // Lots against a sales order: no more than it shipped.
    s.ok(&format!(
        "CMD-PICK\nSO-7781\nLOC-B-02\nCMD-QTY-4\n{ASPIRIN}\nL2026-118"
    ));
    let r = s.run(&format!(
        "CMD-RETURN\nSO-7781\nCMD-QTY-5\n{ASPIRIN}\nL2026-118"
    ));
    expect(
        &r[4],
        Error,
        "SO-7781 shipped 4 × Aspirin 500 mg ×12, lot L2026-118 that can still come back, not 5",
    );
    let r = s.run(&format!(
        "CMD-ACK\nCMD-QTY-4\n{ASPIRIN}\nL2026-118\nCMD-QTY-1\n{ASPIRIN}\nL2026-118"
    ));
    expect(
        &r[3],
        Ok,
        "4 × Aspirin 500 mg ×12, lot L2026-118 back into RETURNS",
    );
    expect(&r[6], Error, "shipped 0 ×");
    s.verify();
}

#[test]
fn undo_reverses_the_last_group_and_walks_back() {
    let mut s = station();
    let before = s.stock("USB-C1M", "DOCK");
    let r = s.run(&format!(
        "{CABLE}\nCMD-QTY-2\n{CABLE}\nCMD-UNDO\nCMD-UNDO\nCMD-UNDO"
    ));
    expect(&r[3], Ok, "Undone: 2 × USB-C cable 1 m — into DOCK");
    expect(&r[4], Ok, "Undone: 1 × USB-C cable 1 m — into DOCK");
    expect(
        &r[5],
        Error,
        "Nothing recorded at this station in this session is left to undo",
    );
    assert_eq!(s.stock("USB-C1M", "DOCK"), before);
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let reversals: i64 = raw
        .query_row(
            "SELECT count(*) FROM movements WHERE kind = 'reversal'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(reversals, 2);
    s.verify();
}

#[test]
fn undo_is_refused_when_the_serial_has_moved_on() {
    let mut s = station();
    s.ok(&format!(
        "{LAPTOP}\nSN-4471-0200\nCMD-TRANSFER\nSN-4471-0200\nLOC-A-01-1\nCMD-RECEIVE"
    ));
    // The transfer's undo is fine; then the receipt's undo finds the serial back at DOCK.
    let r = s.run("CMD-UNDO\nCMD-UNDO");
    expect(&r[0], Ok, "Undone: Moved 1 item(s) DOCK → A-01-1");
    expect(&r[1], Ok, "Undone: Laptop X1 Carbon SN-4471-0200");
    let mut s = station();
    // Received here, then moved on by another station: this station's undo is refused.
    s.ok(&format!("{LAPTOP}\nSN-4471-0201"));
    let config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    let mut other = Core::new(
        Store::open_existing(&s.path, &config.database).unwrap(),
        &config,
        "MOVER".into(),
    );
    for scan in ["CMD-TRANSFER", "SN-4471-0201", "LOC-B-01"] {
        assert!(matches!(
            other.scan(s.clock, scan, None).feedback.outcome,
            Ok
        ));
    }
    let r = s.one("CMD-UNDO");
    expect(
        &r,
        Error,
        "Cannot undo: serial SN-4471-0201 has moved on since (it is at B-01 now)",
    );
    s.verify();
}

#[test]
fn lookup_writes_nothing() {
    let mut s = station();
    let before = s.movements();
    let r = s.run(&format!(
        "CMD-LOOKUP\nSN-4471-0093\n{ASPIRIN}\nL2026-118\nLOC-B-02\nPO-1042\n{LAPTOP}\nSN-4471-0091"
    ));
    expect(
        &r[1],
        Info,
        "Laptop X1 Carbon SN-4471-0093: shipped to Northwind Clinic on 2026-11-20 with SO-7781",
    );
    expect(
        &r[2],
        Info,
        "Aspirin 500 mg ×12: 24 on hand at 1 location(s)",
    );
    expect(
        &r[3],
        Info,
        "lot L2026-118 (exp 2027-01-31): received 12, on hand 12",
    );
    expect(&r[4], Info, "B-02: 44 unit(s) in 3 line(s)");
    expect(
        &r[5],
        Info,
        "PO-1042 Acme Supplies (open): 1 of 3 line(s) complete",
    );
    expect(&r[7], Info, "SN-4471-0091: in stock at A-01-3");
    assert_eq!(s.movements(), before);
}

#[test]
fn a_locked_database_gives_a_clear_error_and_changes_nothing() {
    let mut s = station_with(|c| c.database.busy_timeout_ms = 50);
    s.ok("CMD-QTY-3");
    // Another program holds the write lock (a long report, a stuck tool).
    let holder = rusqlite::Connection::open(&s.path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let before = s.movements();
    let r = s.one(CABLE);
    expect(&r, Error, "the database is busy");
    holder.execute_batch("ROLLBACK").unwrap();
    assert_eq!(s.movements(), before);
    // Nothing changed: the armed quantity still waits, and the same scan now goes through.
    let r = s.run(&format!("CMD-ACK\n{CABLE}"));
    expect(&r[1], Ok, "3 × USB-C cable 1 m — into DOCK");
    s.verify();
}

#[test]
fn an_unreadable_scan_is_logged_as_an_error_and_changes_nothing() {
    let mut s = station();
    s.ok("CMD-QTY-4");
    let before = s.movements();
    let r = s.core.unreadable_scan(
        s.clock,
        "SN-44",
        Some("scanner-1"),
        "Keys were lost while reading this scan",
    );
    assert_eq!(r.feedback.outcome, Error);
    assert!(
        r.feedback
            .message
            .contains("Keys were lost while reading this scan. Nothing was recorded")
    );
    assert_eq!(s.movements(), before);
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let (outcome, device): (String, String) = raw
        .query_row(
            "SELECT outcome, device FROM scans ORDER BY seq DESC LIMIT 1",
            [],
            |r| std::result::Result::Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((outcome.as_str(), device.as_str()), ("error", "scanner-1"));
    // It locks the station like any error; acknowledged, the armed quantity still waits.
    let r = s.run(&format!("{CABLE}\nCMD-ACK\n{CABLE}"));
    expect(&r[0], Error, "An error is waiting");
    expect(&r[2], Ok, "4 × USB-C cable 1 m");
}

#[test]
fn a_serial_run_grows_with_more_serials_than_announced() {
    let mut s = station();
    let r = s.run(&format!("{LAPTOP}\nSN-4471-0300\nSN-4471-0301\nLOC-A-01-1"));
    expect(&r[1], Ok, "serial 1 of 1");
    expect(&r[2], Ok, "serial 2 of 2");
    // Ended with every serial it was told of: no warning.
    expect(&r[3], Ok, "Receiving into A-01-1");
}

#[test]
fn a_known_serial_after_a_lot_product_in_lookup_is_a_serial_and_drops_the_lot() {
    let mut s = station();
    let r = s.run(&format!("CMD-LOOKUP\n{ASPIRIN}\nSN-4471-0093"));
    expect(&r[1], Info, "Aspirin 500 mg ×12: 24 on hand");
    // Not "SKU 'ASP-500' has no lot 'SN-4471-0093'": the serial's history, and the lot the
    // aspirin waited for is dropped with a warning that names it.
    expect(
        &r[2],
        Warn,
        "No lot was scanned for Aspirin 500 mg ×12: dropped it. Laptop X1 Carbon SN-4471-0093: shipped to Northwind Clinic",
    );
    // Nothing waits any more: a lot now is unknown text.
    expect(&s.one("L2026-118"), Error, "L2026-118 is no product");
}

#[test]
fn a_known_serial_after_a_lot_product_in_transfer_goes_into_the_tote() {
    let mut s = station();
    let r = s.run(&format!(
        "CMD-TRANSFER\nLOC-A-01-3\n{ASPIRIN}\nSN-4471-0091"
    ));
    expect(
        &r[3],
        Warn,
        "No lot was scanned for Aspirin 500 mg ×12: dropped it. Laptop X1 Carbon SN-4471-0091 from A-01-3; tote: 1",
    );
}

/// A station whose `[labels] printer` is a device file in a fresh folder (created when
/// `present`), as `/dev/usb/lp0` is while the printer is plugged in.
fn station_with_printer(present: bool) -> (Station, std::path::PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    if present {
        std::fs::write(&device, b"").unwrap();
    }
    let printer = device.display().to_string();
    let s = station_with(|c| c.labels.printer = Some(printer));
    (s, device, dir)
}

#[test]
fn cmd_print_prints_the_label_of_the_line_just_received() {
    let (mut s, device, _dir) = station_with_printer(true);
    let r = s.run(&format!(
        "PO-1042\nLOC-A-01-3\n{LAPTOP}\nSN-4471-0094\nCMD-PRINT"
    ));
    expect(
        &r[4],
        Ok,
        &format!(
            "Label of serial SN-4471-0094 of LAP-X1 sent to the printer {}",
            device.display()
        ),
    );
    let zpl = String::from_utf8(std::fs::read(&device).unwrap()).unwrap();
    assert_eq!(zpl.matches("^XA").count(), 1, "{zpl}");
    // The GS1 DataMatrix of the unit just received, FNC1 first.
    assert!(
        zpl.contains("^FD_1010061414100002921SN-4471-0094^FS"),
        "{zpl}"
    );
    assert!(zpl.contains("^FDLaptop X1 Carbon^FS"), "{zpl}");
    // A lot receipt: the lot's expiry from the books goes on its label.
    std::fs::write(&device, b"").unwrap();
    let r = s.run(&format!("CMD-QTY-2\n{ASPIRIN}\nL2026-118\nCMD-PRINT"));
    expect(
        &r[3],
        Ok,
        "Label of lot L2026-118 of ASP-500 sent to the printer",
    );
    let zpl = String::from_utf8(std::fs::read(&device).unwrap()).unwrap();
    assert!(
        zpl.contains("^FD_101006141410000121727013110L2026-118^FS"),
        "{zpl}"
    );
    s.verify();
}

#[test]
fn cmd_print_needs_receive_mode_and_a_line_just_received() {
    let (mut s, device, _dir) = station_with_printer(true);
    expect(
        &s.one("CMD-PRINT"),
        Error,
        "Nothing was received just before",
    );
    let r = s.run(&format!(
        "CMD-ACK\n{LAPTOP}\nSN-4471-0094\nCMD-TRANSFER\nCMD-PRINT"
    ));
    expect(&r[4], Error, "scan it in receive mode");
    assert_eq!(std::fs::read(&device).unwrap(), b"", "nothing was printed");
}

#[test]
fn a_printer_that_is_not_there_is_a_warning_that_names_it_and_no_scan_is_lost() {
    let (mut s, device, _dir) = station_with_printer(false);
    let scans = common::count(&s.path, "scans");
    let r = s.run(&format!(
        "PO-1042\nLOC-A-01-3\n{LAPTOP}\nSN-4471-0094\nCMD-PRINT\n{LAPTOP}\nSN-4471-0095"
    ));
    expect(
        &r[4],
        Warn,
        &format!("the label printer {} is not there", device.display()),
    );
    expect(&r[6], Ok, "SN-4471-0095");
    assert_eq!(
        common::count(&s.path, "scans"),
        scans + 7,
        "every scan is in the log"
    );
    assert_eq!(s.stock("LAP-X1", "A-01-3"), 4);
    assert!(
        !device.exists(),
        "a missing printer's device is not created"
    );

    let mut s = station();
    let r = s.run(&format!("{LAPTOP}\nSN-4471-0094\nCMD-PRINT"));
    expect(&r[2], Warn, "no label printer is set");
}

#[test]
fn a_printer_that_takes_nothing_is_a_warning_after_a_wait_and_the_station_goes_on() {
    // A device that nobody reads (a named pipe: its open blocks, as a stuck USB printer's
    // write does): CMD-PRINT waits its few seconds, warns, and the next scans are recorded.
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("lp0");
    let made = std::process::Command::new("mkfifo")
        .arg(&device)
        .status()
        .unwrap();
    assert!(made.success());
    let printer = device.display().to_string();
    let mut s = station_with(|c| c.labels.printer = Some(printer));
    let r = s.run(&format!(
        "PO-1042\nLOC-A-01-3\n{LAPTOP}\nSN-4471-0094\nCMD-PRINT\n{LAPTOP}\nSN-4471-0095"
    ));
    expect(
        &r[4],
        Warn,
        &format!(
            "the label printer {} did not take the label within 5 s",
            device.display()
        ),
    );
    expect(&r[6], Ok, "SN-4471-0095");
    assert_eq!(s.stock("LAP-X1", "A-01-3"), 4);
    s.verify();
}
