//! Stored texts in the text output of the command line: a serial, a lot or an operator code
//! holds whatever a scanner sent, escape sequences included. The text output shows them
//! escaped, so none can drive the terminal; `--json` gives them exactly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::store::Store;
use std::path::Path;
use std::process::Command;

/// A serial and a lot that clear the screen and set the window title on a raw terminal.
const SERIAL: &str = "HS\u{1b}[2J\u{1b}]0;pwned\u{7}-1";
const LOT: &str = "L\u{1b}[31m-9";
const OPERATOR: &str = "OP-\u{1b}[5mmaria";

/// A demo database where the scans above were received at the dock.
fn database(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("demo.db");
    let config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    let mut store = Store::open(&path, &config.database).unwrap();
    let loaded = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", loaded).unwrap();
    let mut core = Core::new(store, &config, "DOCK-1".into());
    let mut clock = loaded + Duration::hours(1);
    for scan in [
        OPERATOR,
        "0614141000050",
        SERIAL,
        "CMD-DONE",
        "0614141000012",
        LOT,
    ] {
        clock += Duration::seconds(2);
        let report = core.scan(clock, scan, Some("test"));
        assert_ne!(
            report.feedback.outcome,
            scantrail::domain::Outcome::Error,
            "{scan:?}: {}",
            report.feedback.message
        );
    }
    path
}

fn scantrail(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--db")
        .arg(db)
        .arg("--config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_escaped(text: &str) {
    assert!(
        !text.contains('\u{1b}'),
        "a raw ESC reached the terminal: {text:?}"
    );
    assert!(
        !text.contains('\u{7}'),
        "a raw BEL reached the terminal: {text:?}"
    );
}

#[test]
fn trace_serial_text_escapes_the_serial_and_the_operator() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let text = scantrail(&db, &["trace", "serial", SERIAL]);
    assert_escaped(&text);
    assert!(
        text.contains("HS\\u{1b}[2J\\u{1b}]0;pwned\\u{7}-1"),
        "{text}"
    );
    assert!(text.contains("DOCK-1 \\u{1b}[5mmaria"), "{text}");
}

#[test]
fn trace_serial_json_keeps_the_serial_exact() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&scantrail(&db, &["trace", "serial", SERIAL, "--json"])).unwrap();
    assert_eq!(json["serial"], SERIAL);
    assert_eq!(json["history"][0]["operator"], "\u{1b}[5mmaria");
}

#[test]
fn trace_lot_and_stock_text_escape_the_lot() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    for args in [
        &["trace", "lot", LOT, "--product", "ASP-500"][..],
        &["stock", "--product", "ASP-500"][..],
    ] {
        let text = scantrail(&db, args);
        assert_escaped(&text);
        assert!(text.contains("L\\u{1b}[31m-9"), "{args:?}: {text}");
    }
}
