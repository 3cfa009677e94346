//! `export epcis` and `trace lot --format epcis` (SPEC §9): the golden document of the demo
//! warehouse, validity against GS1's EPCIS 2.0 JSON schema and eventIDs as GS1's reference
//! event hash generator computes them (through `tests/epcis/check.py`), a recall package
//! that holds its lot's events and no other's, and the command line's rules.
//!
//! The Python tools are optional on a developer's machine (the check says it skipped);
//! `.ci/run` installs them and sets `SCANTRAIL_EPCIS_TOOLS=required`, which turns a missing
//! tool into a failure. `SCANTRAIL_EPCIS_PYTHON` names the interpreter (else `python3`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, TimeZone, Utc};
use common::{fast_db_config, location, product};
use scantrail::config::{Config, EpcisConfig, LocationGln};
use scantrail::domain::{LotSpec, LotStatus, MovementKind, Outcome};
use scantrail::store::{Committed, EpcisFilter, Group, NewMovement, ScanRecord, Store};
use std::path::{Path, PathBuf};
use std::process::Command;

fn time(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .single()
        .expect("date")
}

fn one(at: DateTime<Utc>, raw: &str, m: NewMovement) -> Group {
    Group {
        id: uuid::Uuid::now_v7(),
        at,
        station: "DOCK-1".into(),
        operator: Some("maria".into()),
        scan: ScanRecord {
            raw: raw.into(),
            device: None,
            outcome: Outcome::Ok,
            message: format!("ok {raw}"),
        },
        movements: vec![m],
        close_document: None,
        count: None,
    }
}

fn commit(store: &mut Store, group: &Group) -> uuid::Uuid {
    match store.commit(group).expect("commit") {
        Committed::Recorded { movements } => movements[0],
        Committed::Refused(r) => panic!("refused: {r}"),
    }
}

/// The demo warehouse (its history ends on 20 November), then a return, a count that found
/// cables and one that missed aspirin, a transfer undone, and a lot quarantined and
/// released: every kind of movement and status change.
fn warehouse(dir: &Path) -> (PathBuf, Store) {
    let path = dir.join("demo.db");
    let mut store = Store::open(&path, &fast_db_config()).expect("open");
    scantrail::demo::load(&mut store, &Config::default(), "DOCK-1", time(21, 9, 0)).expect("demo");
    let laptop = product(&store, "LAP-X1");
    let cable = product(&store, "USB-C1M");
    let aspirin = product(&store, "ASP-500");
    let returns = location(&store, "RETURNS");
    let b02 = location(&store, "B-02");
    let a013 = location(&store, "A-01-3");
    let rma = store
        .document_by_ref("RMA-301")
        .expect("lookup")
        .expect("demo RMA");
    let base = NewMovement {
        kind: MovementKind::Adjust,
        product: cable,
        lot: None,
        serial: None,
        qty: 5,
        from: None,
        to: Some(b02),
        partner: None,
        document: None,
        reverses: None,
    };
    commit(
        &mut store,
        &one(
            time(21, 10, 0),
            "SN-4471-0093",
            NewMovement {
                kind: MovementKind::Return,
                product: laptop,
                serial: Some("SN-4471-0093".into()),
                qty: 1,
                to: Some(returns),
                partner: Some(rma.partner),
                document: Some(rma.id),
                ..base.clone()
            },
        ),
    );
    commit(
        &mut store,
        &one(time(21, 11, 0), "count B-02", base.clone()),
    );
    commit(
        &mut store,
        &one(
            time(21, 11, 5),
            "count B-02",
            NewMovement {
                product: aspirin,
                lot: Some(LotSpec {
                    code: "L2026-131".into(),
                    expiry: None,
                }),
                qty: 2,
                from: Some(b02),
                to: None,
                ..base.clone()
            },
        ),
    );
    let moved = NewMovement {
        kind: MovementKind::Transfer,
        qty: 3,
        from: Some(b02),
        to: Some(a013),
        ..base.clone()
    };
    let id = commit(
        &mut store,
        &one(time(21, 12, 0), "LOC-A-01-3", moved.clone()),
    );
    commit(
        &mut store,
        &one(
            time(21, 12, 1),
            "CMD-UNDO",
            NewMovement {
                kind: MovementKind::Reversal,
                from: moved.to,
                to: moved.from,
                reverses: Some(id),
                ..moved
            },
        ),
    );
    for (at, status, reason) in [
        (
            time(22, 8, 0),
            LotStatus::Quarantined,
            "supplier recall 2026-17",
        ),
        (
            time(23, 8, 0),
            LotStatus::Active,
            "supplier cleared the lot",
        ),
    ] {
        store
            .set_lot_status(aspirin, "L2026-118", status, reason, "DOCK-1", at)
            .expect("lot status");
    }
    (path, store)
}

fn fixed_offset() -> EpcisConfig {
    EpcisConfig {
        time_zone_offset: "+01:00".into(),
        ..EpcisConfig::default()
    }
}

fn document(store: &Store, config: &EpcisConfig, filter: &EpcisFilter) -> String {
    let mut out = Vec::new();
    scantrail::epcis::export(store, config, filter, time(24, 9, 0), &mut out).expect("export");
    String::from_utf8(out).expect("UTF-8")
}

fn events(text: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(text).expect("JSON");
    v["epcisBody"]["eventList"]
        .as_array()
        .expect("eventList")
        .clone()
}

#[test]
fn the_demo_warehouse_as_epcis() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = warehouse(dir.path());
    // As written: one event a line, in the order of the fields GS1's examples use.
    let text = document(&store, &fixed_offset(), &EpcisFilter::default());
    insta::assert_snapshot!("demo_warehouse", text);
}

/// Runs `tests/epcis/check.py` on the documents; a missing tool skips unless CI requires it.
fn check_with_gs1_tools(documents: &[(&str, String)]) {
    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = documents
        .iter()
        .map(|(name, text)| {
            let path = dir.path().join(format!("{name}.jsonld"));
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    let python = std::env::var("SCANTRAIL_EPCIS_PYTHON").unwrap_or_else(|_| "python3".into());
    let required = std::env::var("SCANTRAIL_EPCIS_TOOLS").is_ok_and(|v| v == "required");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/epcis/check.py");
    let output = Command::new(&python).arg(&script).args(&paths).output();
    let output = match output {
        Ok(output) => output,
        Err(e) if !required => {
            eprintln!("skipped the GS1 checks: cannot run {python}: {e}");
            return;
        }
        Err(e) => panic!("SCANTRAIL_EPCIS_TOOLS=required, but {python} cannot run: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    match output.status.code() {
        Some(0) => print!("{}", String::from_utf8_lossy(&output.stdout)),
        Some(3) if !required => eprintln!("skipped the GS1 checks: {stderr}"),
        code => panic!(
            "the GS1 checks failed (exit {code:?}):\n{}{stderr}",
            String::from_utf8_lossy(&output.stdout)
        ),
    }
}

#[test]
fn documents_are_valid_epcis_with_gs1_event_hash_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = warehouse(dir.path());
    // A bin named by the site's GLN and its extension (AI 254), in every form.
    let mut links = fixed_offset();
    links.locations.insert(
        "A-01-3".into(),
        LocationGln::Extended {
            gln: "0614141000005".into(),
            extension: "A-01-3".into(),
        },
    );
    let mut prefixed = links.clone();
    prefixed.company_prefixes.insert("0614141".into(), 7);
    let mut urns = prefixed.clone();
    urns.namespace = "https://epcis.example.com/id/".into();
    urns.locations.insert("DOCK".into(), "0614141000005".into());
    urns.partners
        .insert("Northwind Clinic".into(), "0614141000012".into());
    let recall = EpcisFilter {
        sku: Some("ASP-500".into()),
        lot: Some("L2026-118".into()),
        ..EpcisFilter::default()
    };
    let digital_links = document(&store, &links, &EpcisFilter::default());
    let sgtins = document(&store, &prefixed, &EpcisFilter::default());
    let epc_urns = document(&store, &urns, &EpcisFilter::default());
    // The same events in either form of the GS1 keys: the event hash reads them as Digital
    // Links.
    let ids = |text: &str| -> Vec<serde_json::Value> {
        events(text).iter().map(|e| e["eventID"].clone()).collect()
    };
    assert_ne!(digital_links, sgtins);
    assert_eq!(ids(&digital_links), ids(&sgtins));
    assert!(epc_urns.contains("urn:epc:id:sgtin:0614141.000002.SN-4471-0093"));
    assert!(epc_urns.contains("urn:epc:class:lgtin:0614141.000001.L2026-118"));
    assert!(epc_urns.contains("urn:epc:idpat:sgtin:0614141.000003.*"));
    assert!(epc_urns.contains("urn:epc:id:sgln:0614141.00000.0"));
    assert!(epc_urns.contains("urn:epc:id:sgln:0614141.00000.A-01-3"));
    assert!(digital_links.contains("https://id.gs1.org/414/0614141000005/254/A-01-3"));
    assert!(epc_urns.contains("urn:epc:id:pgln:0614141.00001"));
    check_with_gs1_tools(&[
        ("digital_links", digital_links),
        ("epc_urns", epc_urns),
        ("recall", document(&store, &fixed_offset(), &recall)),
    ]);
}

#[test]
fn a_recall_package_holds_its_lots_events_and_no_other_lots() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = warehouse(dir.path());
    let lot = "https://id.gs1.org/01/00614141000012/10/L2026-118";
    let filter = EpcisFilter {
        sku: Some("ASP-500".into()),
        lot: Some("L2026-118".into()),
        ..EpcisFilter::default()
    };
    let recall = events(&document(&store, &fixed_offset(), &filter));
    let everything = events(&document(&store, &fixed_offset(), &EpcisFilter::default()));
    let of_lot = |e: &serde_json::Value| {
        e["quantityList"]
            .as_array()
            .is_some_and(|q| q.iter().all(|c| c["epcClass"] == lot))
            && e.get("epcList").is_none()
    };
    assert!(recall.iter().all(of_lot), "{recall:#?}");
    let expected: Vec<_> = everything.iter().filter(|e| of_lot(e)).cloned().collect();
    assert_eq!(recall, expected);
    // Received, put away; quarantined and released.
    let steps: Vec<_> = recall.iter().map(|e| e["bizStep"].as_str()).collect();
    assert_eq!(
        steps,
        [
            Some("receiving"),
            Some("storing"),
            Some("holding"),
            Some("inspecting")
        ]
    );
    // The other lot of the same product is in the whole journal, not in the package.
    assert!(
        everything
            .iter()
            .any(|e| e.to_string().contains("L2026-131"))
    );
}

#[test]
fn filters_by_serial_and_by_time() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = warehouse(dir.path());
    let serial = events(&document(
        &store,
        &fixed_offset(),
        &EpcisFilter {
            serial: Some("SN-4471-0093".into()),
            ..EpcisFilter::default()
        },
    ));
    let steps: Vec<_> = serial.iter().map(|e| e["bizStep"].as_str()).collect();
    assert_eq!(
        steps,
        [
            Some("receiving"),
            Some("storing"),
            Some("shipping"),
            Some("receiving")
        ]
    );
    assert_eq!(serial[3]["disposition"], "returned");
    let since = events(&document(
        &store,
        &fixed_offset(),
        &EpcisFilter {
            since: Some(time(21, 11, 0)),
            ..EpcisFilter::default()
        },
    ));
    // Two counts, the transfer and its error declaration, two status changes.
    assert_eq!(since.len(), 6, "{since:#?}");
    assert_eq!(since[0]["action"], "ADD");
    assert_eq!(since[1]["action"], "DELETE");
    assert_eq!(since[2]["eventID"], since[3]["eventID"]);
    assert_eq!(
        since[3]["errorDeclaration"]["declarationTime"],
        "2026-11-21T12:01:00.000Z"
    );
}

fn cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SCANTRAIL_CONFIG")
        .current_dir(db.parent().unwrap())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn the_command_line_writes_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    let (path, store) = warehouse(dir.path());
    std::fs::write(
        dir.path().join("config.toml"),
        "[epcis]\ntime_zone_offset = \"+01:00\"\n",
    )
    .unwrap();
    let library = events(&document(
        &store,
        &fixed_offset(),
        &EpcisFilter {
            sku: Some("ASP-500".into()),
            lot: Some("L2026-118".into()),
            ..EpcisFilter::default()
        },
    ));
    let (code, out, err) = cli(
        &path,
        &[
            "trace",
            "lot",
            "L2026-118",
            "--product",
            "ASP-500",
            "--format",
            "epcis",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(events(&out), library);
    let (code, out, _) = cli(
        &path,
        &[
            "export",
            "epcis",
            "--lot",
            "L2026-118",
            "--product",
            "ASP-500",
        ],
    );
    assert_eq!(code, 0);
    assert_eq!(events(&out), library);
    let (code, out, _) = cli(&path, &["export", "epcis", "--since", "2026-11-22"]);
    assert_eq!(code, 0);
    assert_eq!(events(&out).len(), 2);
    let (code, _, err) = cli(
        &path,
        &["export", "epcis", "--lot", "L-NONE", "--product", "ASP-500"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("SKU 'ASP-500' has no lot 'L-NONE'"), "{err}");
    let (code, _, err) = cli(&path, &["export", "epcis", "--serial", "SN-NONE"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no serial 'SN-NONE' has ever been scanned"),
        "{err}"
    );
    // Usage errors: a lot without its product, a filter on another export, a bad time.
    for args in [
        &["export", "epcis", "--lot", "L2026-118"][..],
        &[
            "export",
            "movements",
            "--lot",
            "L2026-118",
            "--product",
            "ASP-500",
        ],
        &["export", "epcis", "--since", "yesterday"],
        &[
            "export",
            "epcis",
            "--lot",
            "L",
            "--product",
            "P",
            "--serial",
            "S",
        ],
    ] {
        let (code, _, err) = cli(&path, args);
        assert_eq!(code, 2, "{args:?}: {err}");
    }
}

#[test]
fn epcis_config_mistakes_name_their_line() {
    for (text, wanted) in [
        (
            "[epcis]\ntime_zone_offset = \"CET\"\n",
            ":2: epcis.time_zone_offset",
        ),
        (
            "[epcis]\nnamespace = \"scantrail\"\n",
            ":2: epcis.namespace",
        ),
        (
            "[epcis.company_prefixes]\n\"0614141\" = 5\n",
            ":2: epcis.company_prefixes",
        ),
        (
            "[epcis.locations]\n\"DOCK\" = \"0614141000006\"\n",
            ":2: epcis.locations",
        ),
        (
            "[epcis.locations]\n\"A-01\" = { gln = \"0614141000005\", extension = \"A 01\" }\n",
            ":2: epcis.locations",
        ),
        (
            "[epcis.locations]\n\"A-01\" = { gln = \"0614141000006\", extension = \"A-01\" }\n",
            ":2: epcis.locations",
        ),
    ] {
        let e = Config::parse(text, Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains(wanted), "{text}: {e}");
    }
}
