//! Keyboard-wedge mode through the real binary: scans typed (here: piped) into the terminal
//! are cut by the same rules as scanner keys — Enter ends a scan, GS arrives as the raw
//! control character, an over-long scan is one error and the next scan is read.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn watch_terminal(config: &str, typed: &str, count: usize) -> (Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(&path)
        .args(["devices", "--watch", "--terminal", "--json", "--count"])
        .arg(count.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(typed.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let events = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (events, String::from_utf8(out.stderr).unwrap())
}

#[test]
fn typed_scans_are_cut_at_enter_with_gs_kept() {
    let (events, _) = watch_terminal(
        "",
        "0100614141000043\x1d10LOT-1\r\nSN-4471-0091\n\nLOC-A-01-3\n",
        3,
    );
    let texts: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e["device"].as_str().unwrap(), e["text"].as_str().unwrap()))
        .collect();
    assert_eq!(
        texts,
        [
            ("terminal", "0100614141000043\u{1d}10LOT-1"),
            ("terminal", "SN-4471-0091"),
            ("terminal", "LOC-A-01-3"),
        ]
    );
}

#[test]
fn an_over_long_typed_scan_is_refused_whole() {
    let (events, _) = watch_terminal("[input]\nmax_scan_len = 8\n", "123456789ABC\nPO-1042\n", 1);
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0]["event"], "error");
    assert!(
        events[0]["message"]
            .as_str()
            .unwrap()
            .contains("longer than 8 characters"),
        "{events:?}"
    );
    assert_eq!(events[1]["text"], "PO-1042");
}

#[test]
fn tab_ends_a_scan_only_when_configured() {
    let (events, _) = watch_terminal("[input]\nterminator = \"tab\"\n", "A\tB\n", 2);
    let texts: Vec<&str> = events.iter().map(|e| e["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["A", "B"]);
    let (events, _) = watch_terminal("", "A\tB\n", 1);
    assert_eq!(events[0]["text"], "A\tB");
}
