//! End-to-end: the real `scantrail decode` binary, its JSON lines, its text, its exit codes.

use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn scantrail(args: &[&str], stdin: Option<&str>) -> Output {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
    let mut child = match Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(config)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(child) => child,
        Err(e) => panic!("cannot start scantrail: {e}"),
    };
    if let (Some(mut pipe), Some(text)) = (child.stdin.take(), stdin) {
        let written = pipe.write_all(text.as_bytes());
        assert!(written.is_ok(), "{written:?}");
    }
    match child.wait_with_output() {
        Ok(out) => out,
        Err(e) => panic!("scantrail did not finish: {e}"),
    }
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

#[test]
fn json_shape_of_spec_section_6() {
    let out = scantrail(
        &[
            "decode",
            "--json",
            "]d2010950600013435217261200<GS>10ABC",
            "LOC-A-01",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_lines(&out),
        vec![
            json!({
                "input": "]d2010950600013435217261200\u{1d}10ABC",
                "kind": "gs1",
                "symbology": "]d2",
                "gtin": "09506000134352",
                "gs1": {
                    "hri": "(01)09506000134352(17)261200(10)ABC",
                    "elements": [
                        {"ai": "01", "value": "09506000134352", "title": "GTIN"},
                        {"ai": "17", "value": "261200", "title": "USE BY or EXPIRY"},
                        {"ai": "10", "value": "ABC", "title": "BATCH/LOT"},
                    ]
                },
                "error": null
            }),
            json!({
                "input": "LOC-A-01", "kind": "location", "symbology": null, "gtin": null,
                "gs1": null, "error": null
            }),
        ]
    );
}

#[test]
fn an_invalid_scan_fails_the_run() {
    let out = scantrail(
        &[
            "decode",
            "--json",
            "4006381333931",
            "]C1010950600013435317261231",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["kind"], "gtin");
    assert_eq!(lines[0]["gtin"], "04006381333931");
    assert_eq!(lines[1]["kind"], "gs1");
    assert_eq!(lines[1]["gs1"], Value::Null);
    assert_eq!(lines[1]["error"], "AI (01): check digit should be 2, not 3");
}

#[test]
fn reads_scans_from_stdin_one_per_line() {
    let out = scantrail(
        &["decode", "--json"],
        Some("CMD-DONE\r\n\nOP-7\n0109506000134352\\x1d\nCMD-NOPE\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let kinds: Vec<Value> = json_lines(&out).iter().map(|v| v["kind"].clone()).collect();
    assert_eq!(kinds, vec!["command", "operator", "gs1", "command"]);
    assert_eq!(json_lines(&out)[3]["error"], "CMD-NOPE: unknown command");
}

#[test]
fn text_output_explains_the_scan() {
    let out = scantrail(
        &[
            "decode",
            "https://id.gs1.org/01/09506000134352/10/L1?3103=001250",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("kind:      gs1"), "{text}");
    assert!(
        text.contains("hri:       (01)09506000134352(10)L1(3103)001250"),
        "{text}"
    );
    assert!(text.contains("NET WEIGHT (kg): 1.250"), "{text}");
}

#[test]
fn a_partial_gs1_message_is_valid_but_names_what_it_needs() {
    let out = scantrail(&["decode", "--json", "]C110L2026-556", "]C13712"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        json_lines(&out),
        vec![
            json!({
                "input": "]C110L2026-556", "kind": "gs1", "symbology": "]C1", "gtin": null,
                "gs1": {
                    "hri": "(10)L2026-556",
                    "elements": [{"ai": "10", "value": "L2026-556", "title": "BATCH/LOT"}]
                },
                "error": null,
                "needs": ["01"]
            }),
            json!({
                "input": "]C13712", "kind": "gs1", "symbology": "]C1", "gtin": null,
                "gs1": {
                    "hri": "(37)12",
                    "elements": [{"ai": "37", "value": "12", "title": "COUNT"}]
                },
                "error": null,
                "needs": ["00", "02"]
            }),
        ]
    );
    let out = scantrail(&["decode", "]C11727043010L2026-557"], None);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "kind:      gs1, valid, but needs (01) from another scan (the product scanned before it)"
        ),
        "{text}"
    );
    assert!(
        text.contains("hri:       (17)270430(10)L2026-557"),
        "{text}"
    );
    assert!(text.contains("= 2027-04-30"), "{text}");
}

#[test]
fn a_leading_gs_is_read_as_gs1() {
    let out = scantrail(
        &[
            "decode",
            "--json",
            "<GS>01940190976854571033650100138<GS>310200200415131018",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&out);
    assert_eq!(lines[0]["kind"], "gs1");
    assert_eq!(lines[0]["symbology"], Value::Null);
    assert_eq!(lines[0]["gtin"], "94019097685457");
    assert_eq!(
        lines[0]["gs1"]["hri"],
        "(01)94019097685457(10)33650100138(3102)002004(15)131018"
    );
}
