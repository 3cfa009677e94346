//! Golden replays: the scan files in `tests/replay/` run through `scantrail replay` (the real
//! binary) on the demo warehouse, their readable output compared with the `.out` file beside
//! each. The files pin the clock with `@` lines, so the output is the same every day.
//! To accept a deliberate change of wording: `UPDATE_GOLDEN=1 cargo test --test replay`,
//! then read the diff before committing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::TimeZone;
use scantrail::config::Config;
use scantrail::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;

fn demo_db(dir: &Path) -> PathBuf {
    let path = dir.join("golden.db");
    let config = Config::default();
    let mut store = Store::open(&path, &config.database).unwrap();
    let loaded_at = chrono::Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", loaded_at).unwrap();
    path
}

fn replay(db: &Path, file: &Path, json: bool) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_scantrail"));
    cmd.arg("--config")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
        .arg("--db")
        .arg(db)
        .args(["replay", "--station", "DOCK-1"])
        .arg(file);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn golden(name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay");
    let actual = replay(&db, &base.join(format!("{name}.scan")), false);
    let expected_path = base.join(format!("{name}.out"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&expected_path, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
    assert_eq!(
        actual, expected,
        "replay of {name}.scan differs from {name}.out"
    );
    let verify = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--db")
        .arg(&db)
        .args(["db", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}

#[test]
fn receiving_dock() {
    golden("receiving_dock");
}

#[test]
fn packing_station() {
    golden("packing_station");
}

#[test]
fn json_lines_have_the_spec_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replay/receiving_dock.scan");
    let out = replay(&db, &file, true);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 12);
    for line in &lines {
        let mut keys: Vec<&str> = line
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(keys, ["line", "message", "movements", "outcome", "scan"]);
    }
    // Line 9 of the file: the first serial, one receive movement into A-01-3.
    let first_serial = lines.iter().find(|l| l["line"] == 9).unwrap();
    assert_eq!(first_serial["outcome"], "ok");
    assert_eq!(
        first_serial["movements"],
        serde_json::json!([{"kind": "receive", "sku": "LAP-X1", "lot": null, "serial": "SN-4471-0094",
                            "qty": 1, "from": null, "to": "A-01-3", "document": "PO-1042"}])
    );
    let refused = lines.iter().find(|l| l["line"] == 12).unwrap();
    assert_eq!(refused["outcome"], "error");
    assert_eq!(refused["movements"], serde_json::json!([]));
}

/// README's first command replays `demo/day.scan` on a fresh demo database: it must keep
/// running every station's scans with the outcomes the file's comments promise.
#[test]
fn the_demo_day_of_the_readme() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let init = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--db")
        .arg(&db)
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let day = Path::new(env!("CARGO_MANIFEST_DIR")).join("demo/day.scan");
    let out = replay(&db, &day, false);
    assert!(
        out.ends_with("40 scan(s): 32 ok, 2 warn, 1 error, 5 info\n"),
        "{out}"
    );
    // The one error is the laptop already on the shelf; the warnings are the over-receipt
    // and the FEFO hint.
    let errors: Vec<&str> = out.lines().filter(|l| l.contains("✘ ERROR")).collect();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].contains("SN-4471-0091 is already in stock at A-01-3"));
}

/// A line that is not UTF-8 is an unreadable scan, as from a scanner: one error outcome in
/// the output and in the scan log, and the replay goes on with the lines after it.
#[test]
fn a_line_that_is_not_utf8_is_one_unreadable_scan_and_the_replay_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.scan");
    std::fs::write(
        &file,
        b"@ 2026-11-24T08:00:00Z\nCMD-LOOKUP\nLOC-\xff\xfeB-02\nCMD-ACK\nLOC-B-02\n",
    )
    .unwrap();

    let text_db = demo_db(dir.path());
    let text = replay(&text_db, &file, false);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows.len(), 5, "{text}");
    assert!(rows[1].starts_with("    3  ✘ ERROR  LOC-"), "{text}");
    assert!(rows[1].contains("not UTF-8"), "{text}");
    assert!(rows[3].starts_with("    5  "), "{text}");
    assert!(
        rows[4].contains("4 scan(s):") && rows[4].contains(" 1 error"),
        "{text}"
    );

    let scans = |db: &Path| -> Vec<(String, String)> {
        let raw = rusqlite::Connection::open(db).unwrap();
        let mut st = raw
            .prepare("SELECT raw, outcome FROM scans WHERE device = 'replay' ORDER BY seq")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let log = scans(&text_db);
    assert_eq!(log.len(), 4, "{log:?}");
    assert_eq!(log[1].1, "error", "{log:?}");
    assert!(log[1].0.starts_with("LOC-"), "{log:?}");
    assert_eq!(log[3].0, "LOC-B-02", "{log:?}");
    assert_ne!(log[3].1, "error", "{log:?}");

    let json_dir = dir.path().join("json");
    std::fs::create_dir(&json_dir).unwrap();
    let json_db = demo_db(&json_dir);
    let json = replay(&json_db, &file, true);
    let lines: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcomes: Vec<(u64, &str)> = lines
        .iter()
        .map(|l| (l["line"].as_u64().unwrap(), l["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(outcomes.len(), 4, "{json}");
    assert_eq!(outcomes[1], (3, "error"), "{json}");
    assert_eq!(outcomes[3].0, 5, "{json}");
    assert_eq!(lines[1]["movements"], serde_json::json!([]));
    assert_eq!(scans(&json_db).len(), 4);
}
