//! Random scan sequences through the core and the store, on the demo warehouse (cycle counts
//! among them, booked, cancelled and undone): whatever is
//! scanned, in whatever order, the session never panics, every scan gets exactly one outcome
//! and one scan-log row, stock never goes negative, no serial is in two places, and the
//! store's projections always equal their rebuild from the journal.
//!
//! This runs against the real store rather than an in-memory world on purpose: the rebuild
//! check is of the store's projections, and an in-memory world would be a second copy of the
//! trigger logic to keep in step.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::store::Store;

/// Scans a station might see: commands, places, documents, products, lots, serials, GS1,
/// and junk.
const SCANS: &[&str] = &[
    "CMD-RECEIVE",
    "CMD-TRANSFER",
    "CMD-PICK",
    "CMD-RETURN",
    "CMD-LOOKUP",
    "CMD-COUNT",
    "CMD-COUNT",
    "CMD-DONE",
    "CMD-DONE",
    "CMD-CANCEL",
    "CMD-UNDO",
    "CMD-UNDO",
    "CMD-QTY-2",
    "CMD-QTY-5",
    "CMD-ACK",
    "CMD-LOGOUT",
    "CMD-QTY-0",
    "CMD-NOPE",
    "OP-maria",
    "LOC-DOCK",
    "LOC-A-01-3",
    "LOC-B-02",
    "LOC-B-01",
    "LOC-PACK",
    "LOC-RETURNS",
    "LOC-NOPE",
    "PO-1042",
    "PO-1043",
    "SO-7781",
    "SO-7782",
    "RMA-301",
    "PO-9999",
    "0614141000029",
    "0614141000012",
    "10614141000019",
    "CABLE-1M",
    "0614141000043",
    "0614141000050",
    "4006381333931",
    "L2026-118",
    "L2026-131",
    "L-NEW-1",
    "L-NEW-2",
    "SN-4471-0091",
    "SN-4471-0092",
    "SN-4471-0093",
    "SN-4471-0096",
    "SN-4471-0097",
    "HS-1",
    "]d2010061414100001210L2026-118\u{1d}17270131",
    "]d20100614141000029\u{1d}21SN-4471-0098",
    "]C1010061414100001230",
    "]C10100614141000013",
    "https://id.example.com/01/00614141000012/10/L-NEW-1",
    "",
    "\u{1b}[2J",
    "(01)00614141000029(21)SN-4471-0099",
];

fn scan() -> impl Strategy<Value = (usize, u8)> {
    (0..SCANS.len(), 0..100u8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn any_scan_sequence_keeps_the_books_true(
        scans in proptest::collection::vec(scan(), 20..120),
        ack in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.db");
        let mut config = Config { database: common::fast_db_config(), ..Config::default() };
        config.feedback.error_requires_ack = ack;
        let mut store = Store::open(&path, &config.database).unwrap();
        let mut now = Utc.with_ymd_and_hms(2026, 11, 24, 7, 0, 0).single().unwrap();
        scantrail::demo::load(&mut store, &config, "P", now).unwrap();
        let mut core = Core::new(store, &config, "P".into());
        let logged_before = common::count(&path, "scans");
        for (n, (index, pause)) in scans.into_iter().enumerate() {
            // Mostly quick scans; now and then a pause long enough for a timeout.
            now += if pause > 95 { Duration::seconds(200) } else { Duration::seconds(1) };
            let report = core.scan(now, SCANS[index], Some("prop"));
            prop_assert!(!report.feedback.message.is_empty());
            prop_assert!(!report.feedback.message.contains('\u{1b}'), "a raw escape reached a message");
            prop_assert_eq!(common::count(&path, "scans"), logged_before + n as i64 + 1);
        }
        let differences = core.store().verify().unwrap();
        prop_assert!(differences.is_empty(), "{:?}", differences);
        let raw = rusqlite::Connection::open(&path).unwrap();
        let negative: i64 = raw.query_row("SELECT count(*) FROM stock WHERE qty < 0", [], |r| r.get(0)).unwrap();
        prop_assert_eq!(negative, 0);
        let twice: i64 = raw
            .query_row("SELECT count(*) FROM (SELECT product_id, serial FROM serials GROUP BY 1, 2 HAVING count(*) > 1)", [], |r| r.get(0))
            .unwrap();
        prop_assert_eq!(twice, 0);
    }
}
