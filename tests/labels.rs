//! `scantrail labels` (SPEC §8): every symbol it prints must scan back to exactly its data,
//! with the symbology identifier a scanner would send (`]d2`, `]C1`, `]C0`, `]Q1`). Read back
//! by rxing (`decode --image`'s reader) and by decoders scantrail does not use: zxing-cpp
//! (which reports the identifier), dmtxread (Data Matrix), zbarimg (linear and QR), from PNG,
//! from PDF pages rasterised by pdftoppm, from SVG drawn by librsvg's rsvg-convert, and from
//! ZPL rendered offline by zplkit. The ZPL
//! itself is kept as golden files; `--print` is checked against a loopback TCP listener and a
//! file; the command sheet against the classifier.
//!
//! The outside tools are optional on a developer's machine (each check says what it skipped
//! and why); `.ci/run` installs them and sets `SCANTRAIL_REQUIRE_DECODERS=1`, which turns a
//! missing tool into a failure. `SCANTRAIL_LABELS_PYTHON` names the Python that has
//! zxing-cpp and zplkit (else `python3`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use scantrail::barcode::classify::{Classified, Classifier, Command, NoStore};
use scantrail::config::BarcodeConfig;
use scantrail::labels::content::{self, Gs1Choice, LabelContent, LotFacts, ProductFacts};
use scantrail::labels::layout::LabelGeometry;
use scantrail::labels::{Format, Label, render};
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command as Process, Output};

const A4: (f64, f64) = (210.0, 297.0);

/// The default 50 × 25 mm label.
fn geometry(dpi: u32) -> LabelGeometry {
    LabelGeometry {
        width_mm: 50.0,
        height_mm: 25.0,
        dpi,
    }
}

/// A label wide enough for a GS1-128 of GTIN, expiry, lot and serial (at 203 dpi, one dot a
/// module, that is 49 mm of bars and quiet zones).
fn wide(dpi: u32) -> LabelGeometry {
    LabelGeometry {
        width_mm: 80.0,
        height_mm: 30.0,
        dpi,
    }
}

fn required() -> bool {
    std::env::var("SCANTRAIL_REQUIRE_DECODERS").is_ok_and(|v| v == "1")
}

/// Says a check is skipped, or fails when CI requires the tool.
fn skip(what: &str) {
    assert!(!required(), "SCANTRAIL_REQUIRE_DECODERS=1, but {what}");
    eprintln!("skipped: {what}");
}

fn widget() -> ProductFacts {
    ProductFacts {
        sku: "W-1".into(),
        name: "Widget Größe M".into(),
        gtin: Some("09506000134352".into()),
        alias: None,
    }
}

fn batch() -> LotFacts {
    LotFacts {
        code: "BATCHNO".into(),
        expiry: Some("2027-03-31".into()),
    }
}

/// One label of every kind and symbology: the serial with a lot is the input that makes
/// rxing 0.9.3's own Data Matrix writer panic (a GS inside a C40 run).
fn every_kind() -> Vec<LabelContent> {
    let p = widget();
    let lot = batch();
    let no_gtin = ProductFacts {
        sku: "C-1".into(),
        name: "Cable 1 m".into(),
        gtin: None,
        alias: Some("CABLE-1M".into()),
    };
    let ok = |c: Result<LabelContent, _>| c.expect("label");
    vec![
        ok(content::serial(
            &p,
            "SERIALNO",
            Some(&lot),
            &Gs1Choice::DataMatrix,
        )),
        // GS1-128 with an FNC1 between the lot and the serial.
        ok(content::serial(
            &p,
            "SN1",
            Some(&LotFacts {
                code: "B7".into(),
                expiry: None,
            }),
            &Gs1Choice::Gs1_128,
        )),
        ok(content::serial(
            &p,
            "SN/7&A",
            Some(&lot),
            &Gs1Choice::DigitalLink("https://id.example.com".into()),
        )),
        ok(content::lot(&p, &lot, &Gs1Choice::DataMatrix)),
        ok(content::product(&p, &Gs1Choice::DataMatrix)),
        ok(content::product(&no_gtin, &Gs1Choice::DataMatrix)),
        ok(content::serial(
            &no_gtin,
            "SN-0042",
            None,
            &Gs1Choice::DataMatrix,
        )),
        ok(content::location("LOC-", "A-01-3", "Bin A-01-3")),
        ok(content::command("CMD-", Command::Quantity(10))),
    ]
}

fn labels(contents: &[LabelContent]) -> Vec<Label> {
    contents
        .iter()
        .cloned()
        .map(|c| Label::new(c).expect("encode"))
        .collect()
}

/// What rxing reads in a PNG or JPEG: the scans, identifier first.
fn rxing_scans(png: &[u8]) -> Vec<String> {
    scantrail::barcode::image::find_symbols(png)
        .expect("rxing reads the picture")
        .into_iter()
        .map(|s| s.scan)
        .collect()
}

fn python() -> String {
    std::env::var("SCANTRAIL_LABELS_PYTHON").unwrap_or_else(|_| "python3".into())
}

fn decode_py() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/labels/decode.py")
}

/// What zxing-cpp (through `decode.py`) reads: `(label, identifier + data)`; `None` when the
/// tool is missing (and may be).
fn zxing(args: &[&str]) -> Option<Vec<(usize, String)>> {
    let out = match Process::new(python()).arg(decode_py()).args(args).output() {
        Ok(out) => out,
        Err(e) => {
            skip(&format!("cannot run {}: {e}", python()));
            return None;
        }
    };
    if out.status.code() == Some(3) {
        skip(String::from_utf8_lossy(&out.stderr).trim());
        return None;
    }
    assert!(
        out.status.success(),
        "decode.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut found = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let hex = v["data"].as_str().expect("data");
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
            .collect();
        found.push((
            v["label"].as_u64().expect("label") as usize,
            format!(
                "{}{}",
                v["symbology"].as_str().expect("symbology"),
                String::from_utf8(bytes).expect("utf-8")
            ),
        ));
    }
    Some(found)
}

/// zxing-cpp on a PNG: the picture is handed over as raw grey pixels.
fn zxing_png(png: &[u8], dir: &Path) -> Option<Vec<String>> {
    let grey = image::load_from_memory(png).expect("png").to_luma8();
    let raw = dir.join("picture.gray");
    std::fs::write(&raw, grey.as_raw()).expect("write");
    let (w, h) = (grey.width().to_string(), grey.height().to_string());
    zxing(&["gray", raw.to_str().expect("path"), &w, &h])
        .map(|found| found.into_iter().map(|(_, s)| s).collect())
}

/// An outside tool's output, or `None` (skipped) when it is not installed.
fn tool(program: &str, args: &[&str]) -> Option<Output> {
    match Process::new(program).args(args).output() {
        Ok(out) => Some(out),
        Err(e) => {
            skip(&format!("{program} is not installed ({e})"));
            None
        }
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn every_label_in_png_scans_back_exactly_with_every_decoder() {
    let dir = tempfile::tempdir().expect("tempdir");
    for content in every_kind() {
        let expected = content.scan();
        let png = render(
            &labels(std::slice::from_ref(&content)),
            Format::Png,
            &wide(300),
            A4,
        )
        .expect("render");
        assert_eq!(
            rxing_scans(&png),
            vec![expected.clone()],
            "rxing, {expected:?}"
        );
        if let Some(found) = zxing_png(&png, dir.path()) {
            assert_eq!(found, vec![expected.clone()], "zxing-cpp, {expected:?}");
        }
        let file = dir.path().join("label.png");
        std::fs::write(&file, &png).expect("write");
        let data = &expected[3..];
        if expected.starts_with("]d2") {
            // dmtxread -G 29 reports the leading FNC1 (and every later one) as GS.
            if let Some(out) = tool("dmtxread", &["-G", "29", file.to_str().expect("path")]) {
                assert!(
                    out.status.success(),
                    "dmtxread read nothing in {expected:?}"
                );
                assert_eq!(
                    String::from_utf8_lossy(&out.stdout),
                    format!("\u{1d}{data}")
                );
            }
        } else if let Some(out) = tool("zbarimg", &["--raw", "-q", file.to_str().expect("path")]) {
            assert!(out.status.success(), "zbarimg read nothing in {expected:?}");
            // zbar leaves out the FNC1 that opens a GS1-128 symbol.
            assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{data}\n"));
        }
    }
}

#[test]
fn a_png_of_several_labels_is_one_sheet_that_holds_them_all() {
    let contents = every_kind();
    let expected = sorted(contents.iter().map(LabelContent::scan).collect());
    let png = render(&labels(&contents), Format::Png, &wide(300), A4).expect("render");
    assert_eq!(sorted(rxing_scans(&png)), expected);
    let dir = tempfile::tempdir().expect("tempdir");
    if let Some(found) = zxing_png(&png, dir.path()) {
        assert_eq!(sorted(found), expected);
    }
}

#[test]
fn pdf_pages_rasterised_by_pdftoppm_scan_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Enough labels for two A4 pages (2 across, 8 down on a page).
    let mut contents = every_kind();
    for n in 0..23 {
        contents.push(content::location("LOC-", &format!("B-{n:02}"), "Bin").expect("label"));
    }
    let pdf = render(&labels(&contents), Format::Pdf, &wide(203), A4).expect("render");
    assert!(pdf.starts_with(b"%PDF-"));
    // Vector: rectangles and text, no image in the file.
    assert!(!pdf.windows(6).any(|w| w == b"/Image"));
    let file = dir.path().join("labels.pdf");
    std::fs::write(&file, &pdf).expect("write");
    let prefix = dir.path().join("page");
    let Some(out) = tool(
        "pdftoppm",
        &[
            "-r",
            "300",
            "-gray",
            "-png",
            file.to_str().expect("path"),
            prefix.to_str().expect("path"),
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    assert_eq!(pages.len(), 2, "32 labels of 80 × 30 mm make two A4 pages");
    let mut read = Vec::new();
    let mut read_zxing = Vec::new();
    let mut zxing_ran = true;
    for page in &pages {
        let png = std::fs::read(page).expect("page");
        read.extend(rxing_scans(&png));
        match zxing_png(&png, dir.path()) {
            Some(found) => read_zxing.extend(found),
            None => zxing_ran = false,
        }
    }
    let expected = sorted(contents.iter().map(LabelContent::scan).collect());
    assert_eq!(sorted(read), expected, "rxing");
    if zxing_ran {
        assert_eq!(sorted(read_zxing), expected, "zxing-cpp");
    }
}

#[test]
fn svg_rendered_by_librsvg_scans_back() {
    // The SVG is drawn by a renderer scantrail does not use (librsvg's rsvg-convert, as a
    // browser or a label program would draw it), then read by rxing and zxing-cpp.
    let dir = tempfile::tempdir().expect("tempdir");
    let contents = every_kind();
    let svg = render(&labels(&contents), Format::Svg, &wide(300), A4).expect("render");
    assert!(svg.starts_with(b"<?xml") || svg.starts_with(b"<svg"));
    // Vector: bars are shapes, no embedded picture.
    assert!(!svg.windows(6).any(|w| w == b"<image"));
    let file = dir.path().join("labels.svg");
    std::fs::write(&file, &svg).expect("write");
    let png_file = dir.path().join("labels.png");
    let Some(out) = tool(
        "rsvg-convert",
        &[
            "--dpi-x",
            "300",
            "--dpi-y",
            "300",
            "--zoom",
            "3",
            "--background-color",
            "white",
            "-o",
            png_file.to_str().expect("path"),
            file.to_str().expect("path"),
        ],
    ) else {
        return;
    };
    assert!(
        out.status.success(),
        "rsvg-convert: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = std::fs::read(&png_file).expect("png");
    let expected = sorted(contents.iter().map(LabelContent::scan).collect());
    assert_eq!(sorted(rxing_scans(&png)), expected, "rxing");
    if let Some(found) = zxing_png(&png, dir.path()) {
        assert_eq!(sorted(found), expected, "zxing-cpp");
    }
}

#[test]
fn zpl_is_the_golden_file_and_renders_to_symbols_that_scan_back() {
    let contents = every_kind();
    for dpi in [203, 300] {
        let zpl = render(&labels(&contents), Format::Zpl, &wide(dpi), A4).expect("render");
        // The labels made for ZPL alone (symbols sized, not encoded) write the same bytes.
        let for_zpl: Vec<Label> = contents
            .iter()
            .cloned()
            .map(|c| Label::for_zpl(c).expect("size"))
            .collect();
        let sized = render(&for_zpl, Format::Zpl, &wide(dpi), A4).expect("render");
        assert_eq!(
            String::from_utf8_lossy(&sized),
            String::from_utf8_lossy(&zpl)
        );
        let text = String::from_utf8(zpl).expect("utf-8");
        assert_eq!(text.matches("^XA").count(), contents.len());
        insta::assert_snapshot!(format!("labels_zpl_{dpi}dpi"), text);
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("labels.zpl");
        std::fs::write(&file, &text).expect("write");
        let Some(found) = zxing(&["zpl", file.to_str().expect("path"), &dpi.to_string()]) else {
            return;
        };
        for (i, content) in contents.iter().enumerate() {
            let on_label: Vec<&String> = found
                .iter()
                .filter(|(l, _)| *l == i)
                .map(|(_, s)| s)
                .collect();
            assert_eq!(on_label, vec![&content.scan()], "label {i} at {dpi} dpi");
        }
    }
}

#[test]
fn the_command_sheet_has_every_command_and_each_scans_as_its_caption_says() {
    let sheet = content::command_sheet("CMD-").expect("sheet");
    let words: Vec<&str> = sheet.iter().map(|c| c.data.as_str()).collect();
    for word in [
        "CMD-RECEIVE",
        "CMD-TRANSFER",
        "CMD-PICK",
        "CMD-RETURN",
        "CMD-COUNT",
        "CMD-LOOKUP",
        "CMD-DONE",
        "CMD-CANCEL",
        "CMD-UNDO",
        "CMD-ACK",
        "CMD-LOGOUT",
        "CMD-PRINT",
        "CMD-QTY-1",
        "CMD-QTY-10",
    ] {
        assert!(words.contains(&word), "{word} is missing from the sheet");
    }
    assert_eq!(
        words.iter().filter(|w| w.starts_with("CMD-QTY-")).count(),
        10
    );
    let classifier = Classifier::new(&BarcodeConfig::default());
    for label in &sheet {
        // Each label alone through rxing: on the whole sheet its multi-symbol reader misses
        // one code in twenty (CMD-PICK), which zbar reads there.
        let png = render(
            &labels(std::slice::from_ref(label)),
            Format::Png,
            &geometry(203),
            A4,
        )
        .expect("render");
        assert_eq!(rxing_scans(&png), vec![label.scan()], "{}", label.data);
        let Classified::Command(command) = classifier
            .classify(&label.scan(), &NoStore)
            .expect("classify")
        else {
            panic!("{} is not read as a command", label.data);
        };
        assert_eq!(label.lines, vec![label.data.clone(), command.caption()]);
    }
    // The sheet as printed, through zbar: every command on it, once.
    let png = render(&labels(&sheet), Format::Png, &geometry(203), A4).expect("render");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("sheet.png");
    std::fs::write(&file, &png).expect("write");
    if let Some(out) = tool("zbarimg", &["--raw", "-q", file.to_str().expect("path")]) {
        let read: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_owned)
            .collect();
        assert_eq!(
            sorted(read),
            sorted(sheet.iter().map(|l| l.data.clone()).collect())
        );
    }
}

// ---- the command line ----

struct Station {
    _dir: tempfile::TempDir,
    config: PathBuf,
    db: PathBuf,
}

impl Station {
    /// The demo warehouse, with `[labels]` as given.
    fn demo(labels: &str) -> Station {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("config.toml");
        std::fs::write(&config, format!("[labels]\n{labels}\n")).expect("config");
        let db = dir.path().join("journal.db");
        let station = Station {
            config,
            db,
            _dir: dir,
        };
        let out = station.run(&["init", "--demo"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        station
    }

    fn run(&self, args: &[&str]) -> Output {
        Process::new(env!("CARGO_BIN_EXE_scantrail"))
            .arg("--config")
            .arg(&self.config)
            .arg("--db")
            .arg(&self.db)
            .args(args)
            .output()
            .expect("run scantrail")
    }

    fn ok(&self, args: &[&str]) -> Vec<u8> {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }
}

#[test]
fn batch_forms_take_their_labels_from_the_books() {
    let station = Station::demo("");
    // Every serial received on the demo's PO-1042.
    let png = station.ok(&[
        "labels",
        "serial",
        "--document",
        "PO-1042",
        "--format",
        "png",
    ]);
    assert_eq!(
        sorted(rxing_scans(&png)),
        ["0091", "0092", "0093"]
            .iter()
            .map(|n| format!("]d2010061414100002921SN-4471-{n}"))
            .collect::<Vec<_>>()
    );
    // A lot with an expiry: (17) before (10); GS1-128 on request, too long for 50 mm.
    let lot = [
        "labels",
        "lot",
        "L2026-118",
        "--product",
        "ASP-500",
        "--symbology",
        "gs1-128",
        "-o",
        "-",
        "--format",
        "png",
    ];
    let out = station.run(&lot);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("does not fit on a 50 × 25 mm label"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = Station::demo("size = \"4x6in\"").ok(&lot);
    assert_eq!(
        rxing_scans(&png),
        vec!["]C101006141410000121727013110L2026-118"]
    );
    // Every location under A, and all of them.
    let zpl = String::from_utf8(
        station.ok(&["labels", "location", "--under", "A-01", "--format", "zpl"]),
    )
    .expect("utf-8");
    assert_eq!(zpl.matches("^XA").count(), 4, "A-01 and its three bins");
    assert!(zpl.contains("^FD>:LOC-A-01-3^FS"));
    let all = String::from_utf8(station.ok(&["labels", "location", "--all", "--format", "zpl"]))
        .expect("utf-8");
    assert_eq!(all.matches("^XA").count(), 12);
    // A product with a GTIN: (01) alone, in a GS1 DataMatrix.
    let png = station.ok(&["labels", "product", "USB-C1M", "--format", "png"]);
    assert_eq!(rxing_scans(&png), vec!["]d20100614141000036"]);
    let svg =
        String::from_utf8(station.ok(&["labels", "commands", "--format", "svg"])).expect("utf-8");
    assert_eq!(svg.matches("<g ").count(), 22);
    assert!(svg.contains(">Quantity 10 for the next line</text>"));
}

#[test]
fn what_is_not_in_the_books_is_a_clear_error() {
    let station = Station::demo("");
    for (args, says) in [
        (
            vec!["labels", "product", "NOPE"],
            "there is no product with SKU 'NOPE'",
        ),
        (
            vec!["labels", "serial", "SN-UNKNOWN"],
            "serial 'SN-UNKNOWN' is not in the books",
        ),
        (
            vec!["labels", "serial", "--document", "PO-9999"],
            "there is no document 'PO-9999'",
        ),
        (
            vec!["labels", "serial", "--document", "SO-7781"],
            "is not a purchase order",
        ),
        (
            vec!["labels", "location", "NOWHERE"],
            "there is no location 'NOWHERE'",
        ),
        (
            vec!["labels", "lot", "L1", "--product", "LAP-X1"],
            "is not tracked by lot",
        ),
        (
            vec!["labels", "serial", "SN#1", "--product", "LAP-X1"],
            "not valid GS1 data",
        ),
    ] {
        let out = station.run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
}

#[test]
fn print_sends_the_zpl_to_a_network_printer_and_to_a_device_file() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let received = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().expect("accept");
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).expect("read");
        bytes
    });
    let station = Station::demo(&format!("printer = \"{address}\""));
    let zpl = station.ok(&["labels", "location", "A-01", "B-02", "--format", "zpl"]);
    let out = station.run(&["labels", "location", "A-01", "B-02", "--print"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains(&format!("sent 2 label(s) to the printer {address}"))
    );
    assert_eq!(received.join().expect("listener"), zpl);

    // A device file (what /dev/usb/lp0 is) must exist: the printer is there or it is not.
    let dir = tempfile::tempdir().expect("tempdir");
    let device = dir.path().join("lp0");
    std::fs::write(&device, b"").expect("device");
    let station = Station::demo(&format!("printer = \"{}\"", device.display()));
    station.ok(&["labels", "commands", "--print"]);
    let printed = std::fs::read(&device).expect("read");
    assert_eq!(
        printed,
        station.ok(&["labels", "commands", "--format", "zpl"])
    );

    let gone = dir.path().join("lp9");
    let station = Station::demo(&format!("printer = \"{}\"", gone.display()));
    let out = station.run(&["labels", "commands", "--print"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "the label printer {} is not there",
            gone.display()
        )),
        "{stderr}"
    );
    assert!(!gone.exists(), "a missing device is not created");

    let station = Station::demo("");
    let out = station.run(&["labels", "commands", "--print"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no label printer is set"));
}

#[test]
fn label_sizes_and_resolutions_from_the_config() {
    for (labels, width, height) in [
        ("size = \"4x6in\"\ndpi = 203", 812, 1218),
        ("size = \"2x1in\"\ndpi = 300", 600, 300),
        (
            "size = \"custom\"\nwidth_mm = 70\nheight_mm = 30\ndpi = 600",
            1654,
            709,
        ),
    ] {
        let station = Station::demo(labels);
        let zpl = String::from_utf8(station.ok(&["labels", "location", "A", "--format", "zpl"]))
            .expect("utf-8");
        assert!(
            zpl.contains(&format!("^PW{width}\n^LL{height}\n")),
            "{labels}: {zpl}"
        );
        let png = station.ok(&["labels", "location", "A", "--format", "png"]);
        let picture = image::load_from_memory(&png).expect("png");
        assert_eq!((picture.width(), picture.height()), (width, height));
        assert_eq!(rxing_scans(&png), vec!["]C0LOC-A".to_owned()]);
    }
    let station = Station::demo("");
    std::fs::write(&station.config, "[labels]\ndpi = 250\n").expect("config");
    let out = station.run(&["labels", "commands"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use 203, 300 or 600"));
}
