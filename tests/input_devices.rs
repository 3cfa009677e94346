//! `scantrail devices` through the real binary, on whatever machine runs the tests (CI has
//! no input devices; a developer's laptop has a few): the JSON shape, a friendly closing
//! line, and config mistakes about scanners reported with their line. Reading real devices
//! is tested in a QEMU guest: tests/vm/run.sh.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn devices(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(config)
        .arg("devices")
        .args(args)
        .output()
        .expect("run scantrail")
}

fn shipped_config() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml"))
}

#[test]
fn json_list_has_the_installers_columns() {
    let out = devices(shipped_config(), &["--all", "--json"]);
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().expect("an array");
    for d in list {
        for key in [
            "path", "name", "usb", "by_id", "readable", "scanner", "can_type",
        ] {
            assert!(d.get(key).is_some(), "{key} missing in {d}");
        }
        assert!(d["path"].as_str().unwrap().starts_with("/dev/input/event"));
    }
    // Without --all only devices that can type are listed.
    let typing: Value =
        serde_json::from_slice(&devices(shipped_config(), &["--json"]).stdout).unwrap();
    let n = typing.as_array().unwrap().len();
    let can_type = list.iter().filter(|d| d["can_type"] == true).count();
    assert_eq!(n, can_type);
}

#[test]
fn the_text_list_ends_with_what_to_do_next() {
    let out = devices(shipped_config(), &[]);
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("No scanner found.") || text.contains("selected. Check one with"),
        "{text}"
    );
}

#[test]
fn a_scanner_entry_without_criteria_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[input]\nlayout = \"de\"\n\n[[input.scanners]]\nlabel = \"dock-1\"\n",
    )
    .unwrap();
    let out = devices(&config, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("config.toml:5:"), "{err}");
    assert!(err.contains("needs path, name or usb"), "{err}");

    std::fs::write(&config, "[[input.scanners]]\nusb = \"Honeywell\"\n").unwrap();
    let err = String::from_utf8(devices(&config, &[]).stderr).unwrap();
    assert!(err.contains("config.toml:2:"), "{err}");
    assert!(err.contains("not a USB id"), "{err}");
}

#[test]
fn watch_options_need_watch() {
    let out = devices(shipped_config(), &["--count", "3"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
