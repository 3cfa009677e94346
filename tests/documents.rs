//! `scantrail document REF` (SPEC §8) through the real binary, on the demo warehouse (see
//! demo/README.md) and scans replayed through the kiosk's own session: the pick list with
//! the FEFO lot and where it is, the packing slip with the lots and serials that went, a
//! purchase order's receipt, the JSON shape, and the PDF read back with `pdftotext`
//! (poppler-utils): the reference, lots and serials on the page, and a 300-line order on
//! several pages, each with the head and its page number. Without `pdftotext` the PDF checks
//! are skipped with a message, unless SCANTRAIL_REQUIRE_PDFTOTEXT=1 (set by .ci/run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");

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

/// The day the documents are printed on, before the demo's lots expire (2027-01-31 the
/// first), whatever day the tests run.
const DAY: &str = "2026-12-02";

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

/// A fresh demo warehouse.
fn demo() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    ok(&scantrail(&db, &["init", "--demo"]));
    (dir, db)
}

/// Replays a scan script at the station; every scan must be recorded or refused as the
/// script expects, so the outcomes are returned for the caller to look at.
fn replay(dir: &Path, db: &Path, script: &str) -> String {
    let file = dir.join("scans.scan");
    std::fs::write(&file, script).unwrap();
    ok(&scantrail(db, &["replay", file.to_str().unwrap()]))
}

fn document_json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["document"];
    all.extend_from_slice(args);
    all.push("--json");
    if !args.contains(&"--date") {
        all.extend(["--date", DAY]);
    }
    serde_json::from_str(&ok(&scantrail(db, &all))).unwrap()
}

fn line<'a>(doc: &'a Value, sku: &str) -> &'a Value {
    doc["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == sku)
        .unwrap_or_else(|| panic!("no line of {sku} in {doc}"))
}

#[test]
fn the_pick_list_names_the_first_expiring_lot_and_where_it_is() {
    let (dir, db) = demo();
    // The lot that expires first (L2026-118, 2027-01-31) moves to A-01-3; the later one
    // (L2026-131, 2027-06-30) stays in B-02.
    let out = replay(
        dir.path(),
        &db,
        "CMD-TRANSFER\nLOC-B-02\nCMD-QTY-12\n0614141000012\nL2026-118\nLOC-A-01-3\n",
    );
    assert!(out.contains(" 0 error"), "{out}");
    // Nothing shipped yet on SO-7782: a pick list by default.
    let so = document_json(&db, &["SO-7782"]);
    assert_eq!(so["form"], "pick_list");
    assert_eq!(so["partner"], "Contoso Labs");
    let gloves = line(&so, "GLV-M");
    assert_eq!(
        (gloves["open"].as_i64(), gloves["short"].as_i64()),
        (Some(3), Some(3))
    );
    let laptop = line(&so, "LAP-X1");
    assert_eq!(laptop["take"][0]["location"], "A-01-3");
    assert_eq!(laptop["short"], 0);
    // SO-7781 has a laptop shipped: asked for as a pick list, what is still to pick.
    let pick = document_json(&db, &["SO-7781", "--as", "pick-list"]);
    let aspirin = line(&pick, "ASP-500");
    assert_eq!(aspirin["open"], 6);
    let take = aspirin["take"].as_array().unwrap();
    assert_eq!(take.len(), 1, "{take:?}");
    assert_eq!(take[0]["lot"], "L2026-118");
    assert_eq!(take[0]["expiry"], "2027-01-31");
    assert_eq!(take[0]["location"], "A-01-3");
    assert_eq!(take[0]["qty"], 6);
    let text = ok(&scantrail(
        &db,
        &["document", "SO-7781", "--as", "pick-list", "--date", DAY],
    ));
    assert!(
        text.starts_with("PICK LIST  SO-7781  Northwind Clinic"),
        "{text}"
    );
    assert!(
        text.contains("take 6 × lot L2026-118 (exp 2027-01-31) at A-01-3"),
        "{text}"
    );
    // The same rule as the kiosk: once the first lot is short, the next expiry fills up.
    let out = replay(
        dir.path(),
        &db,
        "CMD-TRANSFER\nLOC-A-01-3\nCMD-QTY-10\n0614141000012\nL2026-118\nLOC-B-01\n",
    );
    assert!(out.contains(" 0 error"), "{out}");
    let pick = document_json(&db, &["SO-7781", "--as", "pick-list"]);
    let take = line(&pick, "ASP-500")["take"].clone();
    let got: Vec<(String, String, i64)> = take
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["lot"].as_str().unwrap().to_owned(),
                t["location"].as_str().unwrap().to_owned(),
                t["qty"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("L2026-118".to_owned(), "A-01-3".to_owned(), 2),
            ("L2026-118".to_owned(), "B-01".to_owned(), 4)
        ]
    );
    // Printed after the first lot's expiry, the pick list skips it, as the kiosk does.
    let late = document_json(
        &db,
        &["SO-7781", "--as", "pick-list", "--date", "2027-02-01"],
    );
    let take = &line(&late, "ASP-500")["take"];
    assert_eq!(take.as_array().unwrap().len(), 1, "{take}");
    assert_eq!(
        (&take[0]["lot"], &take[0]["location"], &take[0]["qty"]),
        (
            &Value::from("L2026-131"),
            &Value::from("B-02"),
            &Value::from(6)
        )
    );
}

#[test]
fn after_the_pick_the_packing_slip_names_the_lots_and_serials_that_went() {
    let (dir, db) = demo();
    let day =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/day.scan")).unwrap();
    replay(dir.path(), &db, &day);
    let out = replay(
        dir.path(),
        &db,
        "CMD-PICK\nSO-7782\nLOC-A-01-3\nSN-4471-0091\n",
    );
    assert!(
        out.contains("SN-4471-0091 from A-01-3 for SO-7782"),
        "{out}"
    );
    let slip = document_json(&db, &["SO-7782"]);
    assert_eq!(slip["form"], "packing_slip");
    let laptop = line(&slip, "LAP-X1");
    assert_eq!(laptop["done"], 1);
    assert_eq!(laptop["items"][0]["serials"][0], "SN-4471-0091");
    // The gloves are still to follow.
    assert_eq!(line(&slip, "GLV-M")["open"], 3);
    // SO-7781, picked in the day's script: two lots of Aspirin, each with its expiry.
    let text = ok(&scantrail(&db, &["document", "SO-7781"]));
    assert!(
        text.starts_with("PACKING SLIP  SO-7781  Northwind Clinic"),
        "{text}"
    );
    assert!(
        text.contains("2 × lot L2026-131 (exp 2027-06-30)"),
        "{text}"
    );
    assert!(
        text.contains("4 × lot L2026-118 (exp 2027-01-31)"),
        "{text}"
    );
    assert!(text.contains("serial SN-4471-0093"), "{text}");
}

#[test]
fn a_purchase_orders_receipt_lists_what_came_in_against_what_was_ordered() {
    let (dir, db) = demo();
    let day =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/day.scan")).unwrap();
    replay(dir.path(), &db, &day);
    let po = document_json(&db, &["PO-1042"]);
    assert_eq!(po["form"], "receipt");
    assert_eq!(po["partner"], "Acme Supplies");
    let laptops = line(&po, "LAP-X1");
    assert_eq!(
        (laptops["ordered"].as_i64(), laptops["done"].as_i64()),
        (Some(5), Some(5))
    );
    let serials: Vec<&str> = laptops["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["serials"].as_array().unwrap())
        .map(|s| s.as_str().unwrap())
        .collect();
    assert_eq!(
        serials,
        [
            "SN-4471-0091",
            "SN-4471-0092",
            "SN-4471-0093",
            "SN-4471-0094",
            "SN-4471-0095"
        ]
    );
    let text = ok(&scantrail(&db, &["document", "PO-1042"]));
    assert!(
        text.contains("1 × lot L2026-140 (exp 2027-09-30) into A-01-3"),
        "{text}"
    );
    // The return that came back on RMA-301.
    let rma = ok(&scantrail(&db, &["document", "RMA-301"]));
    assert!(rma.contains("serial SN-4471-0093 into"), "{rma}");
}

#[test]
fn the_json_shape_is_the_documented_one() {
    let (_dir, db) = demo();
    let doc = document_json(&db, &["SO-7781"]);
    let keys = |v: &Value| -> Vec<String> {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&doc),
        [
            "date",
            "form",
            "kind",
            "lines",
            "partner",
            "reference",
            "station",
            "status"
        ]
    );
    assert_eq!(doc["kind"], "sale");
    assert_eq!(doc["status"], "open");
    let laptop = line(&doc, "LAP-X1");
    assert_eq!(
        keys(laptop),
        [
            "done", "items", "line", "name", "open", "ordered", "returned", "short", "sku", "take",
            "tracking"
        ]
    );
    assert_eq!(
        keys(&laptop["items"][0]),
        ["expiry", "location", "lot", "qty", "serials"]
    );
    assert_eq!(laptop["line"], 2);
    assert_eq!(laptop["tracking"], "serial");
}

#[test]
fn an_unknown_reference_fails_with_its_name_and_a_count_is_refused_with_a_pointer() {
    let (dir, db) = demo();
    let out = scantrail(&db, &["document", "SO-0000"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no document 'SO-0000'"), "{err}");
    assert!(out.stdout.is_empty());
    // A count of A-01-3 that finds one of its two laptops: shown, then booked.
    let out = replay(
        dir.path(),
        &db,
        "OP-ann\nCMD-COUNT\nLOC-A-01-3\nSN-4471-0091\nCMD-DONE\nCMD-DONE\n",
    );
    let report: Value =
        serde_json::from_str(&ok(&scantrail(&db, &["count", "report", "--json"]))).unwrap();
    let reference = report[0]["reference"]
        .as_str()
        .unwrap_or_else(|| panic!("no count booked: {out}"))
        .to_owned();
    let out = scantrail(&db, &["document", &reference]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is a cycle count") && err.contains("count report"),
        "{err}"
    );
    // A purchase order has no pick list.
    let out = scantrail(&db, &["document", "PO-1042", "--as", "pick-list"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("PO-1042 is a purchase document"), "{err}");
    // A PDF needs a place to go.
    let out = scantrail(&db, &["document", "PO-1042", "--format", "pdf"]);
    assert_eq!(out.status.code(), Some(1));
}

/// `pdftotext`, if it is there; else the test is skipped, unless it is required.
fn pdftotext() -> Option<&'static str> {
    let found = Command::new("pdftotext").arg("-v").output().is_ok();
    if !found {
        assert!(
            std::env::var("SCANTRAIL_REQUIRE_PDFTOTEXT").as_deref() != Ok("1"),
            "pdftotext (poppler-utils) is required (SCANTRAIL_REQUIRE_PDFTOTEXT=1) but not installed"
        );
        eprintln!("SKIPPED: pdftotext not found (apt-get install poppler-utils); PDF not checked");
        return None;
    }
    Some("pdftotext")
}

/// The text of each page of a PDF, as pdftotext reads it.
fn pdf_pages(pdf: &Path) -> Vec<String> {
    let out = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut pages: Vec<String> = text.split('\x0c').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

#[test]
fn the_pdf_holds_the_reference_the_lots_and_the_serials() {
    if pdftotext().is_none() {
        return;
    }
    let (dir, db) = demo();
    let day =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/demo/day.scan")).unwrap();
    replay(dir.path(), &db, &day);
    let file = dir.path().join("slip.pdf");
    ok(&scantrail(
        &db,
        &[
            "document",
            "SO-7781",
            "--format",
            "pdf",
            "-o",
            file.to_str().unwrap(),
            "--date",
            DAY,
        ],
    ));
    let pages = pdf_pages(&file);
    assert_eq!(pages.len(), 1);
    let page = &pages[0];
    for want in [
        "Packing slip",
        "SO-7781",
        "Northwind Clinic",
        "Aspirin 500 mg ×12",
        "lot L2026-131 (exp 2027-06-30)",
        "lot L2026-118 (exp 2027-01-31)",
        "serial SN-4471-0093",
        "Date: 2026-12-02",
        "Page 1 of 1",
    ] {
        assert!(page.contains(want), "{want} missing in:\n{page}");
    }
    // To standard output, on Letter: the same document, a Letter page.
    let out = scantrail(
        &db,
        &[
            "document", "PO-1042", "--format", "pdf", "--paper", "letter", "-o", "-",
        ],
    );
    let pdf = ok_bytes(&out);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(
        String::from_utf8_lossy(&pdf).contains("/MediaBox [0 0 612 792]"),
        "not a Letter page"
    );
    let file = dir.path().join("po.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let page = &pdf_pages(&file)[0];
    assert!(
        page.contains("Goods received") && page.contains("PO-1042"),
        "{page}"
    );
    assert!(page.contains("serial SN-4471-0095"), "{page}");
}

fn ok_bytes(out: &Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout.clone()
}

#[test]
fn a_300_line_order_paginates_with_the_head_on_every_page() {
    if pdftotext().is_none() {
        return;
    }
    let (dir, db) = demo();
    let mut products = String::from("sku,name,tracking,barcodes,serial_pattern\n");
    let mut orders = String::from("ref,kind,partner,sku,qty\n");
    for n in 1..=300 {
        products.push_str(&format!("BULK-{n:03},Bulk item {n},none,BULK-{n:03},\n"));
        orders.push_str(&format!("SO-9000,sale,Contoso Labs,BULK-{n:03},{n}\n"));
    }
    let p = dir.path().join("products.csv");
    let o = dir.path().join("orders.csv");
    std::fs::write(&p, products).unwrap();
    std::fs::write(&o, orders).unwrap();
    ok(&scantrail(
        &db,
        &["import", "products", p.to_str().unwrap()],
    ));
    ok(&scantrail(&db, &["import", "orders", o.to_str().unwrap()]));
    let file = dir.path().join("big.pdf");
    ok(&scantrail(
        &db,
        &[
            "document",
            "SO-9000",
            "--format",
            "pdf",
            "-o",
            file.to_str().unwrap(),
        ],
    ));
    let pages = pdf_pages(&file);
    assert!(pages.len() >= 3, "{} page(s)", pages.len());
    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("Pick list  SO-9000") || page.contains("Pick list SO-9000"),
            "page {}:\n{page}",
            i + 1
        );
        assert!(page.contains("Contoso Labs"), "page {}", i + 1);
        assert!(page.contains("Ordered"), "page {}: no column titles", i + 1);
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {}",
            i + 1
        );
    }
    // Every line once: the first on page 1, the last on the last page.
    assert!(pages[0].contains("BULK-001"));
    assert!(pages[n - 1].contains("BULK-300"));
    let all = pages.join("\n");
    for k in 1..=300 {
        assert_eq!(
            all.matches(&format!("BULK-{k:03} ")).count(),
            1,
            "BULK-{k:03} not exactly once"
        );
    }
}

#[test]
fn an_undone_pick_is_not_on_the_slip_and_a_return_against_the_order_is() {
    let (dir, db) = demo();
    let out = replay(
        dir.path(),
        &db,
        "CMD-PICK\nSO-7782\nLOC-A-01-3\nSN-4471-0091\nCMD-UNDO\n",
    );
    assert!(out.contains("Undone"), "{out}");
    // Nothing shipped, net: still the pick list, the same laptop to take.
    let so = document_json(&db, &["SO-7782"]);
    assert_eq!(so["form"], "pick_list");
    let laptop = line(&so, "LAP-X1");
    assert_eq!(
        (laptop["done"].as_i64(), laptop["open"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(laptop["take"][0]["serials"][0], "SN-4471-0091");
    // The laptop shipped on SO-7781 comes back scanned with the order: on its slip.
    let out = replay(
        dir.path(),
        &db,
        "CMD-RETURN\nSO-7781\nLOC-B-02\nSN-4471-0093\n",
    );
    assert!(out.contains("back into B-02"), "{out}");
    let slip = document_json(&db, &["SO-7781"]);
    let laptop = line(&slip, "LAP-X1");
    assert_eq!(laptop["done"], 1);
    assert_eq!(laptop["returned"][0]["serials"][0], "SN-4471-0093");
    assert_eq!(laptop["returned"][0]["location"], "B-02");
    let text = ok(&scantrail(&db, &["document", "SO-7781"]));
    assert!(text.contains("returned serial SN-4471-0093"), "{text}");
}
