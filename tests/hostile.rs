//! The catalogue of hostile input (docs/reliability.md, "Hostile input"): nasty scans and
//! nasty CSV files, each with the one outcome it must get, driven through the real binary
//! (`replay`, `decode`, `import`) on the demo warehouse, and through the kiosk's pure draw
//! functions. For every case: nothing panics, the outcome is the one in the table, no raw
//! ESC, C0 or C1 control character reaches the text a terminal shows, and `db verify`
//! stays clean afterwards.
//!
//! To add a case: one line in `SCANS` or `CSVS`, with the outcome and a piece of the
//! message it must show.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scantrail::config::{Config, Key};
use scantrail::core::Core;
use scantrail::store::Store;
use scantrail::ui::draw::{Glyphs, Screen, draw};
use scantrail::ui::keys::KeyTable;
use scantrail::ui::view::View;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
const DL: &str = "https://id.example.com/01/00614141000012/10/";

/// A scan: its name, its bytes (as a replay file line holds them), the outcome it gets on
/// its own (after `CMD-CANCEL`, `CMD-ACK`), and a piece of its message.
type ScanCase = (&'static str, Vec<u8>, &'static str, &'static str);

fn scans() -> Vec<ScanCase> {
    let b = |s: &str| s.as_bytes().to_vec();
    let gs = |n: usize| "\x1d".repeat(n);
    vec![
        // Terminal escapes: shown escaped, never sent.
        (
            "CSI",
            b("\x1b[2J\x1b[31mRED"),
            "error",
            "\\u{1b}[2J\\u{1b}[31mRED is no product",
        ),
        (
            "OSC title",
            b("\x1b]0;owned\x07"),
            "error",
            "\\u{1b}]0;owned\\u{7} is no product",
        ),
        (
            "OSC 52 clipboard",
            b("\x1b]52;c;aGk=\x1b\\"),
            "error",
            "\\u{1b}]52;c;aGk=",
        ),
        ("DCS", b("\x1bP1$qm\x1b\\"), "error", "\\u{1b}P1$qm"),
        ("C1 CSI", b("\u{9b}2J"), "error", "\\u{9b}2J is no product"),
        (
            "escape in a location",
            b("LOC-\x1b[2J"),
            "error",
            "Location \\u{1b}[2J is not in the catalog",
        ),
        // Other control characters.
        ("NUL", b("A\x00B"), "error", "A\\u{0}B is no product"),
        (
            "BEL and BS before a serial",
            b("\x07\x08\x08SN-4471-0091"),
            "error",
            "\\u{7}\\u{8}\\u{8}SN-4471-0091",
        ),
        (
            "DEL after a location",
            b("LOC-B-02\x7f"),
            "error",
            "Location B-02\\u{7f} is not in the catalog",
        ),
        (
            "CR inside a location",
            b("LOC-B\r-02"),
            "error",
            "Location B\\r-02 is not in the catalog",
        ),
        ("TAB inside", b("LOC-B-02\tX"), "error", "Location B-02\\tX"),
        // Sizes.
        (
            "100 kB",
            vec![b'X'; 100_000],
            "error",
            "This scan has 100000 characters, more than the 4096 allowed",
        ),
        (
            "4096 characters",
            vec![b'Y'; 4096],
            "error",
            "is no product",
        ),
        // Not UTF-8 in the replay file.
        (
            "invalid UTF-8",
            b"\xff\xfeLOC-B-02".to_vec(),
            "error",
            "is not UTF-8 text (byte 1 of the line)",
        ),
        (
            "overlong UTF-8",
            b"\xc0\xafLOC".to_vec(),
            "error",
            "is not UTF-8 text (byte 1 of the line)",
        ),
        (
            "cut UTF-8",
            b"LOC-B-0\xe2\x82".to_vec(),
            "error",
            "is not UTF-8 text (byte 8 of the line)",
        ),
        // Invisible format characters: shown, so that two scans that look alike are told apart.
        (
            "bidi override",
            b("\u{202e}LOC-B-02"),
            "error",
            "\\u{202e}LOC-B-02 is no product",
        ),
        (
            "bidi isolate",
            b("LOC-B-02\u{2066}"),
            "error",
            "Location B-02\\u{2066} is not in the catalog",
        ),
        (
            "zero-width space in a serial",
            b("SN-4471-0091\u{200b}"),
            "error",
            "SN-4471-0091\\u{200b} is no product",
        ),
        (
            "zero-width joiner",
            b("CABLE\u{200d}-1M"),
            "error",
            "CABLE\\u{200d}-1M is no product",
        ),
        (
            "byte-order mark",
            b("\u{feff}CABLE-1M"),
            "error",
            "\\u{feff}CABLE-1M is no product",
        ),
        // SQL-looking text is text.
        (
            "SQL",
            b("'; DROP TABLE movements; --"),
            "error",
            "'; DROP TABLE movements; -- is no product",
        ),
        (
            "SQL in a location",
            b("LOC-B-02' OR '1'='1"),
            "error",
            "Location B-02' OR '1'='1 is not in the catalog",
        ),
        (
            "SQL in a document",
            b("PO-1042\"; DELETE FROM scans; --"),
            "error",
            "is not in the system",
        ),
        // Quantities.
        (
            "CMD-QTY- huge",
            b("CMD-QTY-99999999999999999999"),
            "error",
            "a quantity command needs a whole number from 1 to 99999",
        ),
        (
            "CMD-QTY- largest",
            b("CMD-QTY-99999"),
            "ok",
            "The next line counts 99999",
        ),
        (
            "CMD-QTY- one over",
            b("CMD-QTY-100000"),
            "error",
            "from 1 to 99999",
        ),
        ("CMD-QTY- zero", b("CMD-QTY-0"), "error", "from 1 to 99999"),
        (
            "CMD-QTY- negative",
            b("CMD-QTY--5"),
            "error",
            "from 1 to 99999",
        ),
        (
            "CMD-QTY- plus sign",
            b("CMD-QTY-+5"),
            "error",
            "from 1 to 99999",
        ),
        ("CMD-QTY- empty", b("CMD-QTY-"), "error", "from 1 to 99999"),
        (
            "CMD-QTY- space",
            b("CMD-QTY- 5"),
            "error",
            "from 1 to 99999",
        ),
        (
            "CMD-QTY- Arabic digit",
            b("CMD-QTY-\u{665}"),
            "error",
            "from 1 to 99999",
        ),
        // Prefixes with nothing after them.
        ("empty LOC-", b("LOC-"), "error", "is not in the catalog"),
        ("empty PO-", b("PO-"), "error", "PO- is not in the system"),
        ("empty SO-", b("SO-"), "error", "SO- is not in the system"),
        (
            "empty RMA-",
            b("RMA-"),
            "error",
            "RMA- is not in the system",
        ),
        ("empty OP-", b("OP-"), "error", "OP- holds no operator code"),
        ("blank OP-", b("OP-   "), "error", "holds no operator code"),
        (
            "escape in OP-",
            b("OP-\x1b]0;x\x07"),
            "ok",
            "Operator \\u{1b}]0;x\\u{7} logged in",
        ),
        (
            "empty CMD-",
            b("CMD-"),
            "error",
            "CMD- is no command (unknown command)",
        ),
        // Digital Link with bad percent-escapes.
        (
            "DL %zz",
            b(&format!("{DL}%zz")),
            "error",
            "a '%' is not followed by two hexadecimal digits",
        ),
        (
            "DL cut escape",
            b(&format!("{DL}AB%4")),
            "error",
            "a '%' is not followed by two hexadecimal digits",
        ),
        (
            "DL escape not UTF-8",
            b(&format!("{DL}%C3%28")),
            "error",
            "do not decode to UTF-8 text",
        ),
        (
            "DL %00",
            b(&format!("{DL}A%00B")),
            "error",
            "a value holds the character %00",
        ),
        (
            "DL escaped ESC",
            b(&format!("{DL}%1B%5B2J")),
            "error",
            "AI (10): '\\u{1b}' is not allowed here",
        ),
        // GS1 with hundreds of separators.
        (
            "300 GS before the GTIN",
            b(&format!("]d2{}0100614141000012", gs(300))),
            "ok",
            "Scan the lot of Aspirin",
        ),
        (
            "500 GS between elements",
            b(&format!("]d2010061414100001210L1{}17270131", gs(500))),
            "ok",
            "Aspirin 500 mg ×12, lot L1",
        ),
        ("400 GS alone", b(&gs(400)), "error", "<GS><GS><GS>"),
        (
            "GS1 bracketed with ESC",
            b("(01)00614141000012(10)\x1b[2J"),
            "error",
            "AI (10): '\\u{1b}' is not allowed here",
        ),
        (
            "AIM identifier alone",
            b("]d2"),
            "error",
            "the scan holds no GS1 data",
        ),
    ]
}

fn scantrail(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(CONFIG)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run scantrail")
}

fn demo_db(dir: &Path) -> PathBuf {
    let db = dir.join("hostile.db");
    let out = scantrail(&db, &["init", "--demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// Raw terminal controls in text meant for a terminal: ESC and the other C0 characters but
/// line feed, DEL, and the C1 range (as UTF-8 characters or as lone bytes).
fn raw_controls(bytes: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = bytes
        .iter()
        .filter(|b| (**b < 0x20 && **b != b'\n') || **b == 0x7f)
        .map(|b| format!("{b:#04x}"))
        .collect();
    let text = String::from_utf8_lossy(bytes);
    found.extend(
        text.chars()
            .filter(|c| ('\u{80}'..='\u{9f}').contains(c))
            .map(|c| format!("U+{:04X}", u32::from(c))),
    );
    found
}

fn assert_no_raw_controls(what: &str, bytes: &[u8]) {
    let found = raw_controls(bytes);
    if let Some(at) = bytes
        .iter()
        .position(|b| (*b < 0x20 && *b != b'\n') || *b == 0x7f || *b == 0xc2)
        .filter(|_| !found.is_empty())
    {
        let from = at.saturating_sub(80);
        let to = (at + 80).min(bytes.len());
        panic!(
            "{what}: raw controls {found:?}, the first near {:?}",
            String::from_utf8_lossy(&bytes[from..to])
        );
    }
    assert!(found.is_empty(), "{what}: raw controls {found:?}");
}

fn assert_no_panic(what: &str, out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{what}: {err}");
}

fn assert_verified(db: &Path) {
    let out = scantrail(db, &["db", "verify"]);
    assert!(
        out.status.success(),
        "db verify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The replay file: each case after `CMD-CANCEL` and `CMD-ACK`, so it meets a station with
/// nothing pending, no error lock and no armed quantity.
fn replay_file(dir: &Path, cases: &[ScanCase]) -> PathBuf {
    let mut file = Vec::new();
    for (_, bytes, _, _) in cases {
        file.extend_from_slice(b"CMD-CANCEL\nCMD-ACK\n");
        file.extend_from_slice(bytes);
        file.push(b'\n');
    }
    let path = dir.join("hostile.scan");
    std::fs::write(&path, file).unwrap();
    path
}

#[test]
fn every_hostile_scan_gets_its_one_outcome_through_replay() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let cases = scans();
    let file = replay_file(dir.path(), &cases);
    let out = scantrail(
        &db,
        &[
            "replay",
            "--station",
            "DOCK-1",
            "--json",
            file.to_str().unwrap(),
        ],
    );
    assert_no_panic("replay --json", &out);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3 * cases.len(), "one JSON line per scan");
    let mut wrong = Vec::new();
    for (i, (name, _, outcome, says)) in cases.iter().enumerate() {
        let line = &lines[3 * i + 2];
        assert_eq!(line["line"], 3 * i + 3, "{name}");
        let message = line["message"].as_str().unwrap();
        if line["outcome"] != *outcome || !message.contains(says) {
            wrong.push(format!(
                "{name}: expected {outcome} with {says:?}, got {} {message:?}",
                line["outcome"]
            ));
        }
        assert_no_raw_controls(name, message.as_bytes());
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_verified(&db);

    // The text output a person reads on a terminal: every line escaped.
    let text = scantrail(
        &db,
        &["replay", "--station", "DOCK-1", file.to_str().unwrap()],
    );
    assert_no_panic("replay", &text);
    assert!(text.status.success());
    assert_no_raw_controls("replay's text output", &text.stdout);
    assert_no_raw_controls("replay's standard error", &text.stderr);
    assert_verified(&db);
}

#[test]
fn decode_prints_every_hostile_scan_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    // decode takes its scans from standard input one a line; not UTF-8 cannot be an argument.
    let mut texts: Vec<Vec<u8>> = scans()
        .into_iter()
        .map(|(_, bytes, _, _)| bytes)
        .filter(|b| std::str::from_utf8(b).is_ok() && !b.contains(&b'\r'))
        .collect();
    texts.push(b"(10)\x1b[2J".to_vec());
    texts.push(b"\x1d10\x1b[31m\x1d".to_vec());
    for json in [false, true] {
        let mut args = vec!["decode"];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_scantrail"))
            .arg("--config")
            .arg(CONFIG)
            .arg("--db")
            .arg(&db)
            .args(&args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let input = texts.join(&b'\n');
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            use std::io::Write as _;
            stdin.write_all(&input).unwrap();
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        assert_no_panic("decode", &out);
        // Not every scan is valid: exit 1 says so, and each still gets its description.
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_raw_controls("decode's output", &out.stdout);
        assert_no_raw_controls("decode's standard error", &out.stderr);
        let printed = String::from_utf8_lossy(&out.stdout);
        if json {
            assert_eq!(printed.lines().count(), texts.len());
        } else {
            assert_eq!(printed.matches("scan:      ").count(), texts.len());
            assert!(
                printed.contains("scan:      \\u{1b}[2J\\u{1b}[31mRED"),
                "{printed}"
            );
            assert!(
                printed.contains("'\\u{1b}' is not allowed here"),
                "{printed}"
            );
        }
    }
}

#[test]
fn the_kiosk_draws_every_hostile_scan_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    let mut store = Store::open(&dir.path().join("k.db"), &config.database).unwrap();
    let loaded = Utc
        .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
        .single()
        .unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", loaded).unwrap();
    let mut core = Core::new(store, &config, "DOCK-1".into());
    let mut view = View::new("DOCK-1");
    let mut clock = loaded + Duration::hours(1);
    let screen = Screen {
        glyphs: Glyphs::for_term("xterm-256color"),
        help: KeyTable::new(None, Key::ENTER).help(),
        ack_key: "Enter".into(),
    };
    for (name, bytes, _, _) in scans() {
        let Ok(scan) = String::from_utf8(bytes) else {
            continue;
        };
        for raw in ["CMD-CANCEL", "CMD-ACK", scan.as_str()] {
            clock += Duration::seconds(2);
            let report = core.scan(clock, raw, Some("test"));
            view.record(&report, "09:00:00");
            view.refresh(&core, clock.date_naive());
        }
        // What the person was typing when it came: the same text, from the terminal.
        view.typing = scan.chars().take(200).collect();
        for (w, h) in [(80, 24), (120, 40)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal.draw(|frame| draw(frame, &view, &screen)).unwrap();
            let buffer = terminal.backend().buffer();
            let drawn: String = buffer.content().iter().map(|c| c.symbol()).collect();
            assert_no_raw_controls(&format!("{name} at {w}x{h}"), drawn.as_bytes());
        }
    }
    assert!(core.store().verify().unwrap().is_empty());
}

/// A CSV file for `import`: its name, the kind, its bytes, and the outcome: `Ok(n)` rows
/// added, or `Err(piece of the message)` with nothing imported.
type CsvCase = (
    &'static str,
    &'static str,
    Vec<u8>,
    Result<usize, &'static str>,
);

fn csvs() -> Vec<CsvCase> {
    let header = "sku,name,tracking,barcodes\n";
    let many_columns: String = (0..5000).map(|i| format!("c{i},")).collect();
    vec![
        ("BOM and CRLF", "products", b"\xef\xbb\xbfsku,name,tracking,barcodes\r\nBOM-1,Alpha,none,BOM-A\r\nBOM-2,Beta,lot,BOM-B\r\n".to_vec(), Ok(2)),
        ("quoted comma", "products", format!("{header}Q-1,\"Cable, 2 m\",none,Q-A\n").into_bytes(), Ok(1)),
        ("quoted newline in a name", "products", format!("{header}N-1,\"Two\nlines\",none,N-A\n").into_bytes(), Err("line 2: name: the value contains the control character \\n")),
        ("no header", "products", b"A-2,Alpha,none,ALPHA2\n".to_vec(), Err("line 1: unknown column 'a-2'")),
        ("a header twice in it", "products", b"sku,name,sku,tracking,barcodes\nD-1,x,D-1,none,\n".to_vec(), Err("line 1: the column 'sku' is in the header row twice")),
        ("duplicate SKU in one file", "products", format!("{header}D-1,One,none,D1\nD-1,Two,none,D2\n").into_bytes(), Err("line 3: SKU 'D-1' is already on line 2 of this file")),
        ("duplicate location in one file", "locations", b"code,name\nX-1,One\nX-1,Two\n".to_vec(), Err("X-1")),
        ("duplicate order line", "orders", b"ref,kind,partner,sku,qty\nPO-77,purchase,Acme,ASP-500,1\nPO-77,sale,Acme,ASP-500,1\n".to_vec(), Err("PO-77")),
        ("escape in a name", "products", format!("{header}E-1,\x1b[2J\x1b]0;x\x07Evil,none,E1\n").into_bytes(), Err("line 2: name: the value contains the control character \\u{1b}")),
        ("escape in a SKU", "products", format!("{header}\x1b[2J,Name,none,E2\n").into_bytes(), Err("line 2: sku: the value contains the control character \\u{1b}")),
        ("escape in a tracking mode", "products", format!("{header}E-3,Name,\x1b[31mlot,E3\n").into_bytes(), Err("line 2: tracking: the value contains the control character \\u{1b}")),
        ("escape in a header", "products", b"sku,name,tracking,barcodes,\x1b[2J\n".to_vec(), Err("line 1: unknown column '\\u{1b}[2j'")),
        ("escape in a partner", "orders", b"ref,kind,partner,sku,qty\nPO-78,purchase,\x1b]0;x\x07,ASP-500,1\n".to_vec(), Err("line 2: partner: the value contains the control character \\u{1b}")),
        ("NUL in a location", "locations", b"code,name\nL-1,Rack\x00\n".to_vec(), Err("line 2: name: the value contains the control character \\u{0}")),
        ("invalid UTF-8", "products", format!("{header}F-1,").into_bytes().into_iter().chain(b"\xff\xfeBad,none,F1\n".iter().copied()).collect(), Err("line 2: this row is not UTF-8 text; save the file as CSV UTF-8")),
        ("invalid UTF-8 header", "locations", b"co\xffde,name\n".to_vec(), Err("line 1: cannot read the header row")),
        ("5000 columns", "products", format!("{many_columns}\n").into_bytes(), Err("line 1: unknown column 'c0'")),
        ("5000 fields in a row", "products", format!("{header}W-1,Wide,none,W1{}\n", ",x".repeat(5000)).into_bytes(), Err("line 2: this row has 5004 fields but the header has 4")),
        ("2 MB field", "products", format!("{header}BIG-1,{},none,BIG\n", "n".repeat(2 << 20)).into_bytes(), Err("line 2: name: the value has 2097152 characters, more than the 4096 a field may hold")),
        ("2 MB quoted field", "locations", format!("code,name\nBIG-L,\"{}\"\n", "a,\"\"".repeat(1 << 19)).into_bytes(), Err("line 2: name: the value has 1572864 characters")),
        ("empty file", "products", Vec::new(), Err("line 1: the header row has no 'sku' column")),
        ("only a BOM", "locations", b"\xef\xbb\xbf".to_vec(), Err("line 1: the header row has no 'code' column")),
        ("blank lines only after the header", "locations", b"code,name\n\n\n".to_vec(), Ok(0)),
        ("a lone quote", "locations", b"code,name\n\"L-2,Rack\n".to_vec(), Err("line 2")),
        ("negative qty", "orders", b"ref,kind,partner,sku,qty\nPO-79,purchase,Acme,ASP-500,-3\n".to_vec(), Err("line 2: qty '-3' is not a whole number of 1 or more")),
        ("huge qty", "orders", b"ref,kind,partner,sku,qty\nPO-79,purchase,Acme,ASP-500,99999999999999\n".to_vec(), Err("line 2: qty '99999999999999' is not a whole number of 1 or more")),
        ("SQL in a name", "products", format!("{header}S-1,\"Robert'); DROP TABLE products;--\",none,S1\n").into_bytes(), Ok(1)),
    ]
}

#[test]
fn every_hostile_csv_file_gets_its_one_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let mut wrong = Vec::new();
    for (name, kind, bytes, expected) in csvs() {
        let file = dir.path().join(format!("{kind}.csv"));
        std::fs::write(&file, &bytes).unwrap();
        let before = (
            common::count(&db, "products"),
            common::count(&db, "locations"),
            common::count(&db, "documents"),
        );
        let out = scantrail(&db, &["import", kind, file.to_str().unwrap()]);
        assert_no_panic(name, &out);
        assert_no_raw_controls(name, &out.stdout);
        assert_no_raw_controls(name, &out.stderr);
        let after = (
            common::count(&db, "products"),
            common::count(&db, "locations"),
            common::count(&db, "documents"),
        );
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        match expected {
            Ok(n) => {
                let added = (after.0 - before.0) + (after.1 - before.1) + (after.2 - before.2);
                if !out.status.success() || added != n as i64 {
                    wrong.push(format!(
                        "{name}: expected {n} added, got {added}: {stdout}{stderr}"
                    ));
                }
            }
            Err(says) => {
                if out.status.code() != Some(1) || !stderr.contains(says) || after != before {
                    wrong.push(format!(
                        "{name}: expected nothing imported and {says:?}, got exit {:?}: {stdout}{}",
                        out.status.code(),
                        stderr.chars().take(400).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_verified(&db);
}
