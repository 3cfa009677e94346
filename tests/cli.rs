//! The command-line contract of SPEC §6, run through the real binary: JSON shapes, exit codes
//! (0 ok, 1 the request failed, 2 usage), and imports that write all or nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// The shipped config, so no file of the machine running the tests is picked up.
const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");

/// The aspirin lot of the demo, as `trace lot` asks for it in JSON.
const TRACE_ASPIRIN_LOT: &[&str] = &[
    "trace",
    "lot",
    "L2026-118",
    "--product",
    "ASP-500",
    "--json",
];

fn scantrail(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--db")
        .arg(db)
        .arg("--config")
        .arg(CONFIG)
        .args(args)
        .output()
        .expect("run scantrail")
}

/// A command with no database: `config`, `decode` and the like.
fn scantrail_without_db(config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .expect("run scantrail")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// The JSON a command prints, which must succeed.
fn json(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(&scantrail(db, args))).unwrap()
}

/// The standard error of a command that must fail with exit code 1.
fn failed(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `kind` of each line `decode --json` prints.
fn decoded_kinds(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn demo_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("demo.db");
    ok(&scantrail(&db, &["init", "--demo"]));
    db
}

fn empty_db(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("empty.db");
    ok(&scantrail(&db, &["init"]));
    db
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn trace_serial_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let v = json(&db, &["trace", "serial", "SN-4471-0093", "--json"]);
    assert_eq!(
        keys(&v),
        ["history", "location", "lot", "product", "serial", "status"]
    );
    assert_eq!(keys(&v["product"]), ["name", "sku"]);
    assert_eq!(v["product"]["sku"], "LAP-X1");
    assert_eq!(v["status"], "shipped");
    assert_eq!(v["location"], Value::Null);
    let history = v["history"].as_array().unwrap();
    assert_eq!(history.len(), 3);
    for event in history {
        assert_eq!(
            keys(event),
            [
                "at", "document", "from", "kind", "operator", "partner", "station", "to"
            ]
        );
    }
    let kinds: Vec<&str> = history
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["receive", "transfer", "ship"]);
    assert_eq!(history[0]["from"], "Acme Supplies");
    assert_eq!(history[0]["document"], "PO-1042");
    assert_eq!(history[2]["to"], "Northwind Clinic");
    assert_eq!(history[2]["document"], "SO-7781");
}

#[test]
fn trace_lot_json_shape() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let v = json(&db, TRACE_ASPIRIN_LOT);
    assert_eq!(
        keys(&v),
        [
            "counted", "expiry", "lot", "on_hand", "product", "received", "returned", "shipped",
            "status"
        ]
    );
    assert_eq!(v["expiry"], "2027-01-31");
    assert_eq!(v["status"], "active");
    assert_eq!(v["received"], 12);
    assert_eq!(
        v["on_hand"],
        serde_json::json!([{"location": "B-02", "qty": 12}])
    );
    assert_eq!(v["shipped"], serde_json::json!([]));
}

#[test]
fn stock_json_shape_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let v = json(&db, &["stock", "--json"]);
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 4);
    for row in rows {
        assert_eq!(keys(row), ["location", "lot", "qty", "sku"]);
    }
    // A location includes what is below it: A holds A-01-3.
    let v = json(&db, &["stock", "--location", "A", "--json"]);
    assert_eq!(
        v,
        serde_json::json!([{"sku": "LAP-X1", "lot": null, "location": "A-01-3", "qty": 2}])
    );
    let v = json(
        &db,
        &[
            "stock",
            "--product",
            "ASP-500",
            "--lot",
            "L2026-131",
            "--json",
        ],
    );
    assert_eq!(
        v,
        serde_json::json!([{"sku": "ASP-500", "lot": "L2026-131", "location": "B-02", "qty": 12}])
    );
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let unknown = failed(&scantrail(&db, &["trace", "serial", "NO-SUCH"]));
    assert!(unknown.contains("no serial 'NO-SUCH' has ever been scanned"));
    assert_eq!(scantrail(&db, &["stock", "--bogus"]).status.code(), Some(2));
    let missing = failed(&scantrail(&dir.path().join("none.db"), &["stock"]));
    assert!(missing.contains("scantrail init"));
    assert!(!dir.path().join("none.db").exists());
    ok(&scantrail(&db, &["db", "verify"]));
}

/// Writes `csv` to `file` and runs `import WHAT file` on it.
fn import(db: &Path, what: &str, file: &Path, csv: &str) -> Output {
    std::fs::write(file, csv).unwrap();
    scantrail(db, &["import", what, file.to_str().unwrap()])
}

fn count(db: &Path, table: &str) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn broken_csv_imports_nothing_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_db(dir.path());
    let csv = dir.path().join("products.csv");

    // A syntax error on line 3: line 2 must not be imported either.
    let err = failed(&import(
        &db,
        "products",
        &csv,
        "sku,name,tracking,barcodes\nGOOD-1,Good,none,ALIAS-1\nBAD-1,Bad,batch,ALIAS-2\n",
    ));
    assert!(
        err.contains("products.csv line 3: tracking: 'batch' is not a tracking mode"),
        "{err}"
    );

    // A conflict only the database sees (a barcode given twice), on line 3.
    let err = failed(&import(
        &db,
        "products",
        &csv,
        "sku,name,tracking,barcodes\nGOOD-1,Good,none,ALIAS-1\nGOOD-2,Good too,none,ALIAS-1\n",
    ));
    assert!(
        err.contains("line 3: barcode 'ALIAS-1' is already given to SKU 'GOOD-1' on line 2"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(count(&db, "products"), 0);

    // Orders naming an unknown SKU on line 3 import nothing.
    let good = "sku,name,tracking,barcodes\nGOOD-1,Good,none,ALIAS-1\n";
    ok(&import(&db, "products", &csv, good));
    let err = failed(&import(
        &db,
        "orders",
        &dir.path().join("orders.csv"),
        "ref,kind,partner,sku,qty\nPO-1,purchase,Acme,GOOD-1,3\nPO-2,purchase,Acme,NOPE,1\n",
    ));
    assert!(
        err.contains("line 3: SKU 'NOPE' is not in the catalog"),
        "{err}"
    );
    assert_eq!(count(&db, "documents"), 0);
}

#[test]
fn locations_with_forward_parents_and_loops() {
    let dir = tempfile::tempdir().unwrap();
    let db = empty_db(dir.path());
    let csv = dir.path().join("locations.csv");
    ok(&import(
        &db,
        "locations",
        &csv,
        "code,name,parent\nA-01,Rack,A\nA,Aisle,\n",
    ));
    let err = failed(&import(
        &db,
        "locations",
        &csv,
        "code,name,parent\nX,X,Y\nY,Y,X\n",
    ));
    assert!(
        err.contains("line 2: location 'X' is its own ancestor"),
        "{err}"
    );
}

#[test]
fn quarantine_is_shown_in_the_recall_view_and_needs_a_reason() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let lot = |verb: &str, code: &str, reason: &str| {
        scantrail(
            &db,
            &[
                "lot",
                verb,
                code,
                "--product",
                "ASP-500",
                "--reason",
                reason,
            ],
        )
    };
    ok(&lot("quarantine", "L2026-118", "supplier recall"));
    assert_eq!(json(&db, TRACE_ASPIRIN_LOT)["status"], "quarantined");
    ok(&lot("release", "L2026-118", "cleared by QA"));
    assert_eq!(json(&db, TRACE_ASPIRIN_LOT)["status"], "active");
    let err = failed(&lot("quarantine", "L9", "x"));
    assert!(err.contains("SKU 'ASP-500' has no lot 'L9'"), "{err}");
}

#[test]
fn exports_and_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let csv = ok(&scantrail(&db, &["export", "movements"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,group,at,station,operator,kind,document,sku,lot,serial,qty,from,to,partner,reverses"
        )
    );
    assert_eq!(lines.count(), 13);
    let movements = json(&db, &["export", "movements", "--format", "json"]);
    assert_eq!(movements.as_array().map(Vec::len), Some(13));
    let stock = json(&db, &["export", "stock", "--format", "json"]);
    assert_eq!(stock.as_array().map(Vec::len), Some(4));
    let copy = dir.path().join("copy.db");
    ok(&scantrail(&db, &["db", "backup", copy.to_str().unwrap()]));
    ok(&scantrail(&copy, &["db", "verify"]));
    assert_eq!(
        ok(&scantrail(&copy, &["stock", "--json"])),
        ok(&scantrail(&db, &["stock", "--json"]))
    );
}

#[test]
fn config_errors_name_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.toml");
    std::fs::write(
        &cfg,
        "[station]\nname = \"DOCK-1\"\n\n[pick]\nfefo = \"sometimes\"\n",
    )
    .unwrap();
    let err = failed(&scantrail_without_db(&cfg, &["config", "check"]));
    assert!(
        err.contains("bad.toml:5: pick.fefo: unknown variant 'sometimes'"),
        "{err}"
    );
}

#[test]
fn decode_with_a_database_resolves_products_and_serials() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    let out = ok(&scantrail(
        &db,
        &[
            "decode",
            "--json",
            "0614141000029",
            "SN-4471-0091",
            "LOC-B-02",
            "NOT-KNOWN",
        ],
    ));
    assert_eq!(
        decoded_kinds(out.as_bytes()),
        ["product", "serial", "location", "text"]
    );
    // Without a database nothing is known: the GTIN is only a GTIN, the serial only text.
    let out = scantrail_without_db(
        Path::new(CONFIG),
        &["decode", "--json", "0614141000029", "SN-4471-0091"],
    );
    assert_eq!(decoded_kinds(&out.stdout), ["gtin", "text"]);
}

#[test]
fn a_closed_stdout_is_a_normal_end_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_db(dir.path());
    for args in [
        &["export", "movements"][..],
        &["trace", "lot", "L2026-118", "--product", "ASP-500"][..],
        &["stock"][..],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scantrail"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before the command writes: its first write meets EPIPE.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn a_config_file_that_cannot_be_read_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexist.toml");
    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"[station]\nname = \"K\xfcche\"\n").unwrap();
    for (file, why) in [
        (&missing, "No such file"),
        (&latin1, "is not UTF-8 text (line 2)"),
    ] {
        let err = failed(&scantrail_without_db(file, &["config", "check"]));
        assert!(err.contains(file.to_str().unwrap()), "{err}");
        assert_eq!(err.matches(why).count(), 1, "{err}");
    }
    // The same for the database: a folder that cannot be made is said once.
    let db = latin1.join("sub").join("x.db");
    let err = failed(&scantrail(&db, &["init"]));
    assert!(err.contains("cannot create the folder"), "{err}");
    assert_eq!(err.matches("os error").count(), 1, "{err}");
}
