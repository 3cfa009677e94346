//! Faults of the machine, through the real binary and the real core: a full disk, a database
//! another process holds locked, a read-only database or folder, a database file that is
//! truncated, empty or no SQLite at all, and config files that are missing, empty, binary or
//! cut short. Each gives a clear message, acknowledges nothing it did not record, overwrites
//! nothing, and the work goes on once the fault is gone (docs/reliability.md).
//!
//! The disk and read-only cases mount a small tmpfs (root ignores file modes, so a mount is
//! the honest way to make a folder full or read-only). Where `mount` is not permitted they
//! say so and skip, unless `SCANTRAIL_REQUIRE_MOUNTS=1` (set by `.ci/run`, which runs as
//! root) makes that a failure. The locked case needs a second process holding the lock:
//! Python's sqlite3 module; it skips likewise without python3 unless
//! `SCANTRAIL_REQUIRE_PYTHON=1`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::domain::Outcome;
use scantrail::store::Store;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
const CABLE: &str = "CABLE-1M";

fn scantrail(config: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(config)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run scantrail")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn assert_clean(config: &Path, db: &Path) {
    let out = scantrail(config, db, &["db", "verify"]);
    assert!(out.status.success(), "db verify: {}", text(&out));
}

/// A tmpfs mounted on a fresh folder, unmounted when dropped.
struct Mount {
    dir: tempfile::TempDir,
}

impl Mount {
    /// A tmpfs of `size` (`mount -o size=`), or `None` with a message when mounting is not
    /// permitted here.
    fn tmpfs(size: &str) -> Option<Mount> {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0755"),
                "tmpfs",
            ])
            .arg(dir.path())
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Mount { dir }),
            other => {
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_owned(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    std::env::var_os("SCANTRAIL_REQUIRE_MOUNTS").is_none(),
                    "SCANTRAIL_REQUIRE_MOUNTS is set but tmpfs cannot be mounted: {why}"
                );
                eprintln!("skipped: this test mounts a tmpfs and cannot here ({why})");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Remounts read-only (`ro`) or read-write.
    fn remount(&self, options: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(self.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "remount {options}: {}", text(&out));
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes until the file system says it is full; gives the file, to be removed.
fn fill(dir: &Path) -> PathBuf {
    let filler = dir.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0xa5u8; 16 * 1024];
    loop {
        match f.write(&block) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e.raw_os_error(), Some(28), "expected ENOSPC, got {e}");
                break;
            }
        }
    }
    // The last partial block as well, byte by byte at most a page.
    while let Ok(1) = f.write(&block[..1]) {}
    filler
}

fn demo_station(path: &Path, config: &Config) -> Core {
    let mut store = Store::open(path, &config.database).unwrap();
    let at = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, config, "DOCK-1", at).unwrap();
    Core::new(store, config, "DOCK-1".into())
}

#[test]
fn a_full_disk_is_a_clear_error_acknowledges_nothing_and_work_goes_on() {
    let Some(mount) = Mount::tmpfs("4m") else {
        return;
    };
    let path = mount.path().join("station.db");
    let config = Config::default(); // synchronous = "full", as shipped
    let mut core = demo_station(&path, &config);
    let mut now = Utc
        .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
        .single()
        .unwrap();
    let mut scan = |core: &mut Core, raw: &str| {
        now += Duration::seconds(2);
        core.scan(now, raw, Some("test"))
    };
    assert_eq!(scan(&mut core, "CMD-QTY-3").feedback.outcome, Outcome::Ok);
    let movements = common::count(&path, "movements");
    let scans = common::count(&path, "scans");

    let filler = fill(mount.path());
    // The WAL may still have room for a frame or two: scan until the disk says no.
    let mut full = None;
    for _ in 0..50 {
        let r = scan(&mut core, CABLE);
        if r.feedback.outcome == Outcome::Error {
            full = Some(r);
            break;
        }
        assert_eq!(r.feedback.outcome, Outcome::Ok, "{}", r.feedback.message);
    }
    let full = full.expect("a full disk never refused a scan");
    assert!(
        full.feedback.message.contains("the disk is full"),
        "{}",
        full.feedback.message
    );
    assert!(
        full.movements.is_empty(),
        "a refused scan reported movements"
    );
    let recorded = common::count(&path, "movements");
    // Only the scans that were answered ok left movements: one receipt each.
    assert_eq!(
        recorded - movements,
        common::count(&path, "scans") - scans,
        "a scan was recorded that was not acknowledged, or the other way round"
    );
    // The armed quantity of 3 was used by the first cable, so a refused scan left the
    // session where it was: still receiving cables one by one, behind the error lock.
    std::fs::remove_file(&filler).unwrap();
    let ack = scan(&mut core, "CMD-ACK");
    assert_ne!(
        ack.feedback.outcome,
        Outcome::Error,
        "{}",
        ack.feedback.message
    );
    let again = scan(&mut core, CABLE);
    assert_eq!(
        again.feedback.outcome,
        Outcome::Ok,
        "{}",
        again.feedback.message
    );
    assert_eq!(common::count(&path, "movements"), recorded + 1);
    assert!(core.store().verify().unwrap().is_empty());
    drop(core);

    // The same through `replay`, the text a person reads: a line per scan, the disk-full
    // error on it, and the scans after the space came back recorded.
    let filler = fill(mount.path());
    let file = std::env::temp_dir().join(format!("faults-{}.scan", std::process::id()));
    std::fs::write(&file, format!("{CABLE}\n").repeat(30)).unwrap();
    let out = scantrail(
        Path::new(CONFIG),
        &path,
        &["replay", file.to_str().unwrap()],
    );
    // Opening needs room too (the WAL index): a full disk may already stop it there.
    let all = text(&out);
    assert!(
        all.contains("the disk is full: nothing was written")
            || all.contains("nothing was written. Check that the disk is not full"),
        "{all}"
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    std::fs::remove_file(&filler).unwrap();
    let out = scantrail(
        Path::new(CONFIG),
        &path,
        &["replay", file.to_str().unwrap()],
    );
    std::fs::remove_file(&file).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("30 scan(s): 30 ok"),
        "{}",
        text(&out)
    );
    assert_clean(Path::new(CONFIG), &path);
}

#[test]
fn a_read_only_folder_is_a_clear_error_and_changes_nothing() {
    let Some(mount) = Mount::tmpfs("16m") else {
        return;
    };
    let db = mount.path().join("station.db");
    let config = Path::new(CONFIG);
    let out = scantrail(config, &db, &["init", "--demo"]);
    assert!(out.status.success(), "{}", text(&out));
    let before = std::fs::read(&db).unwrap();
    mount.remount("ro");
    // The scans and the catalog file are readable elsewhere: only the database's folder is
    // read-only, so that is what each command must stop at and say.
    let scans = std::env::temp_dir().join(format!("ro-{}.scan", std::process::id()));
    std::fs::write(&scans, format!("CMD-QTY-2\n{CABLE}\n")).unwrap();
    let products = std::env::temp_dir().join(format!("ro-{}-products.csv", std::process::id()));
    std::fs::write(&products, "sku,name\nRO-1,Read-only widget\n").unwrap();
    for args in [
        &["replay", scans.to_str().unwrap()][..],
        &["import", "products", products.to_str().unwrap()][..],
        &["init"][..],
    ] {
        let out = scantrail(config, &db, args);
        let err = String::from_utf8_lossy(&out.stderr);
        let all = text(&out);
        assert!(!err.contains("panicked"), "{args:?}: {all}");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {all}");
        assert!(
            err.contains(&format!(
                "cannot write the database {}: the file is on a read-only file system; nothing was written",
                db.display()
            )),
            "{args:?}: no clear word: {all}"
        );
    }
    std::fs::remove_file(&products).unwrap();
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
    mount.remount("rw");
    let out = scantrail(config, &db, &["replay", scans.to_str().unwrap()]);
    std::fs::remove_file(&scans).unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 scan(s): 2 ok"));
    assert_clean(config, &db);
}

#[test]
fn a_read_only_database_file_is_a_clear_error_and_changes_nothing() {
    let Some(mount) = Mount::tmpfs("16m") else {
        return;
    };
    let db = mount.path().join("station.db");
    let config = Path::new(CONFIG);
    let out = scantrail(config, &db, &["init", "--demo"]);
    assert!(out.status.success(), "{}", text(&out));
    let before = std::fs::read(&db).unwrap();
    // The file alone read-only, its folder writable: a read-only bind mount of the file.
    let bind = |args: &[&str]| {
        let out = Command::new("mount").args(args).output().unwrap();
        assert!(out.status.success(), "mount {args:?}: {}", text(&out));
    };
    let file = db.to_str().unwrap();
    bind(&["--bind", file, file]);
    bind(&["-o", "remount,bind,ro", file]);
    let scans = mount.path().join("day.scan");
    std::fs::write(&scans, format!("CMD-QTY-2\n{CABLE}\n")).unwrap();
    let out = scantrail(config, &db, &["replay", scans.to_str().unwrap()]);
    let all = text(&out);
    assert!(!all.contains("panicked"), "{all}");
    assert!(
        all.contains(
            "the database cannot be written: its file, or the file system it is on, is read-only"
        ),
        "no clear word: {all}"
    );
    assert!(!all.contains("2 ok"), "scans were acknowledged: {all}");
    let _ = Command::new("umount").arg(file).status();
    assert_eq!(std::fs::read(&db).unwrap(), before, "the database changed");
    let out = scantrail(config, &db, &["replay", scans.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert_clean(config, &db);
}

#[test]
fn a_database_locked_by_another_process_waits_busy_timeout_then_says_so() {
    let python = Command::new("python3")
        .args(["-c", "import sqlite3"])
        .status();
    if !python.is_ok_and(|s| s.success()) {
        assert!(
            std::env::var_os("SCANTRAIL_REQUIRE_PYTHON").is_none(),
            "SCANTRAIL_REQUIRE_PYTHON is set but python3 with sqlite3 is missing"
        );
        eprintln!("skipped: no python3 with sqlite3 to hold the lock from another process");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("station.db");
    let config = dir.path().join("config.toml");
    let shipped = std::fs::read_to_string(CONFIG).unwrap();
    std::fs::write(
        &config,
        shipped.replace("busy_timeout_ms = 5000", "busy_timeout_ms = 400"),
    )
    .unwrap();
    let out = scantrail(&config, &db, &["init", "--demo"]);
    assert!(out.status.success(), "{}", text(&out));
    let scans = dir.path().join("day.scan");
    std::fs::write(&scans, format!("{CABLE}\n")).unwrap();

    // Another program takes the write lock and holds it until its standard input closes.
    let mut holder = Command::new("python3")
        .args([
            "-c",
            "import sqlite3, sys\n\
             c = sqlite3.connect(sys.argv[1], isolation_level=None)\n\
             c.execute('BEGIN IMMEDIATE')\n\
             print('locked', flush=True)\n\
             sys.stdin.read()\n",
        ])
        .arg(&db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "locked");
    let movements = common::count(&db, "movements");
    let started = std::time::Instant::now();
    let out = scantrail(&config, &db, &["replay", scans.to_str().unwrap()]);
    let waited = started.elapsed();
    let all = text(&out);
    assert!(!all.contains("panicked"), "{all}");
    assert!(
        all.contains("the database is busy: another program holds it longer than busy_timeout_ms"),
        "{all}"
    );
    assert!(
        waited >= std::time::Duration::from_millis(400),
        "gave up after {waited:?}"
    );
    assert_eq!(common::count(&db, "movements"), movements);
    drop(holder.stdin.take());
    holder.wait().unwrap();
    let out = scantrail(&config, &db, &["replay", scans.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 scan(s): 1 ok"));
    assert_eq!(common::count(&db, "movements"), movements + 1);
    assert_clean(&config, &db);
}

#[test]
fn a_damaged_empty_or_foreign_database_is_named_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let config = Path::new(CONFIG);
    let good = dir.path().join("good.db");
    let out = scantrail(config, &good, &["init", "--demo"]);
    assert!(out.status.success(), "{}", text(&out));
    let bytes = std::fs::read(&good).unwrap();
    let cases: [(&str, Vec<u8>, &str); 4] = [
        (
            "truncated",
            bytes[..bytes.len() / 8].to_vec(),
            "is damaged or is not a scantrail database",
        ),
        (
            "text",
            b"sku,name\nA,B\n".to_vec(),
            "is damaged or is not a scantrail database",
        ),
        ("empty", Vec::new(), "is an empty file (0 bytes)"),
        (
            "header-only",
            bytes[..100].to_vec(),
            "is damaged or is not a scantrail database",
        ),
    ];
    let scans = dir.path().join("day.scan");
    std::fs::write(&scans, format!("{CABLE}\n")).unwrap();
    for (name, content, says) in cases {
        let db = dir.path().join(format!("{name}.db"));
        std::fs::write(&db, &content).unwrap();
        let backup = dir.path().join(format!("{name}-copy.db"));
        for args in [
            &["db", "verify"][..],
            &["db", "backup", backup.to_str().unwrap()][..],
            &["stock"][..],
            &["replay", scans.to_str().unwrap()][..],
            &["trace", "serial", "SN-4471-0091"][..],
            &["export", "movements"][..],
        ] {
            let out = scantrail(config, &db, args);
            let all = text(&out);
            assert_eq!(out.status.code(), Some(1), "{name} {args:?}: {all}");
            assert!(all.contains(says), "{name} {args:?}: {all}");
            assert!(
                all.contains("nothing was changed"),
                "{name} {args:?}: {all}"
            );
            assert!(!all.contains("panicked"), "{name} {args:?}: {all}");
            assert_eq!(
                std::fs::read(&db).unwrap(),
                content,
                "{name} {args:?} changed the file"
            );
            assert!(
                !backup.exists(),
                "{name}: a backup of a damaged file was made"
            );
        }
    }
}

#[test]
fn config_files_missing_empty_binary_or_cut_short() {
    let dir = tempfile::tempdir().unwrap();
    let check = |file: &Path| {
        Command::new(env!("CARGO_BIN_EXE_scantrail"))
            .arg("--config")
            .arg(file)
            .args(["config", "check"])
            .output()
            .unwrap()
    };
    // Empty: every default, as documented.
    let empty = dir.path().join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    let out = check(&empty);
    assert!(out.status.success(), "{}", text(&out));
    // A folder where the file should be.
    let out = check(dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("cannot read the config file"));
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "binary.toml",
            b"\x7fELF\x02\x01\x01\x00\x00\x00",
            "binary.toml:1:",
        ),
        (
            "random.toml",
            b"\xde\xad\xbe\xef\x00\x01",
            "is not UTF-8 text (line 1)",
        ),
        (
            "escapes.toml",
            b"[station]\nname = \"\x1b[2J\x1b]0;owned\x07\" oops\n",
            "escapes.toml:2: station",
        ),
        (
            "cut.toml",
            b"[station]\nname = \"DOCK",
            "cut.toml:2: station.name",
        ),
        ("table.toml", b"[station\n", "table.toml:1:"),
    ];
    for (name, content, says) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, content).unwrap();
        let out = check(&file);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", text(&out));
        assert!(err.contains(says), "{name}: {err}");
        assert!(
            !err.bytes().any(|b| b < 0x20 && b != b'\n'),
            "{name}: a raw control byte in {err:?}"
        );
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
}
