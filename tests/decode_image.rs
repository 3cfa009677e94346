//! End-to-end: `scantrail decode --image` on pictures drawn here with rxing's own writers (a
//! generator scantrail did not write), then made worse the way a photo is — noise, blur,
//! rotation, JPEG — with the `image` crate. Each barcode must come back with the symbology
//! identifier SPEC §3 expects and be classified as the typed scan would be.

use image::{GrayImage, ImageFormat, Luma};
use rxing::{BarcodeFormat, EncodeHints, MultiFormatWriter, Writer};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const GTIN: &str = "09506000134352";

fn scantrail(args: &[&str]) -> Output {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config.toml");
    match Command::new(env!("CARGO_BIN_EXE_scantrail"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("cannot run scantrail: {e}"),
    }
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
        .collect()
}

/// One symbol drawn by rxing: black modules on white, `size` pixels wide and high.
fn symbol(contents: &str, format: BarcodeFormat, width: i32, height: i32) -> GrayImage {
    let hints = EncodeHints {
        Gs1Format: Some(matches!(format, BarcodeFormat::DATA_MATRIX)),
        DataMatrixCompact: Some(true),
        Margin: Some("0".to_owned()),
        ..EncodeHints::default()
    };
    let matrix = match MultiFormatWriter.encode_with_hints(contents, &format, width, height, &hints)
    {
        Ok(m) => m,
        Err(e) => panic!("rxing cannot draw {contents:?}: {e}"),
    };
    GrayImage::from_fn(matrix.getWidth(), matrix.getHeight(), |x, y| {
        Luma([if matrix.get(x, y) { 0 } else { 255 }])
    })
}

/// What is on the sheet: the text given to the writer, and what `decode --json` must say.
struct Expected {
    input: &'static str,
    kind: &'static str,
    symbology: &'static str,
}

/// The five symbols of issue 11 on one white sheet, with room around each.
fn sheet() -> (GrayImage, Vec<Expected>) {
    let symbols = [
        // GS1 DataMatrix: FNC1 first (]d2), GS between the lot and the serial.
        (
            symbol(
                "010950600013435210ABC123\u{1d}21SN1",
                BarcodeFormat::DATA_MATRIX,
                220,
                220,
            ),
            Expected {
                input: "]d2010950600013435210ABC123\u{1d}21SN1",
                kind: "gs1",
                symbology: "]d2",
            },
        ),
        // GS1-128: rxing writes FNC1 for ñ; none after the fixed-length GTIN.
        (
            symbol(
                "ñ010950600013435210LOT7ñ21SN42",
                BarcodeFormat::CODE_128,
                760,
                160,
            ),
            Expected {
                input: "]C1010950600013435210LOT7\u{1d}21SN42",
                kind: "gs1",
                symbology: "]C1",
            },
        ),
        // A plain Code 128 location label.
        (
            symbol("LOC-A-01", BarcodeFormat::CODE_128, 360, 120),
            Expected {
                input: "]C0LOC-A-01",
                kind: "location",
                symbology: "]C0",
            },
        ),
        // QR with a GS1 Digital Link URI: a plain QR (]Q1) whose text is GS1.
        (
            symbol(
                "https://id.gs1.org/01/09506000134352/10/ABC123",
                BarcodeFormat::QR_CODE,
                260,
                260,
            ),
            Expected {
                input: "]Q1https://id.gs1.org/01/09506000134352/10/ABC123",
                kind: "gs1",
                symbology: "]Q1",
            },
        ),
        // EAN-13 of the same GTIN.
        (
            symbol("9506000134352", BarcodeFormat::EAN_13, 340, 140),
            Expected {
                input: "]E09506000134352",
                kind: "gtin",
                symbology: "]E0",
            },
        ),
    ];
    let mut canvas = GrayImage::from_pixel(1400, 1100, Luma([255]));
    let places = [(120, 120), (520, 130), (520, 480), (120, 700), (720, 800)];
    let mut expected = Vec::new();
    for ((picture, exp), (x, y)) in symbols.into_iter().zip(places) {
        image::imageops::overlay(&mut canvas, &picture, x, y);
        expected.push(exp);
    }
    (canvas, expected)
}

/// A repeatable pseudo-random sequence (no crate for it in the tests).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
}

/// Grain of ±`amount` grey levels on every pixel.
fn noise(picture: &mut GrayImage, amount: i32, seed: u64) {
    let mut random = Lcg(seed);
    let span = u32::try_from(2 * amount + 1).unwrap_or(1);
    for p in picture.pixels_mut() {
        let delta = i32::try_from(random.next() % span).unwrap_or(0) - amount;
        p.0[0] = u8::try_from((i32::from(p.0[0]) + delta).clamp(0, 255)).unwrap_or(0);
    }
}

/// Turned by `degrees` about the centre (bilinear, white outside), as a tilted photo is.
fn rotate(picture: &GrayImage, degrees: f32) -> GrayImage {
    let (w, h) = picture.dimensions();
    let (cx, cy) = (w as f32 / 2.0, h as f32 / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    GrayImage::from_fn(w, h, |x, y| {
        let (dx, dy) = (x as f32 - cx, y as f32 - cy);
        let sx = cos * dx + sin * dy + cx;
        let sy = -sin * dx + cos * dy + cy;
        let (x0, y0) = (sx.floor(), sy.floor());
        let (fx, fy) = (sx - x0, sy - y0);
        let at = |x: f32, y: f32| -> f32 {
            if x < 0.0 || y < 0.0 || x >= w as f32 || y >= h as f32 {
                255.0
            } else {
                f32::from(picture.get_pixel(x as u32, y as u32).0[0])
            }
        };
        let top = at(x0, y0) * (1.0 - fx) + at(x0 + 1.0, y0) * fx;
        let bottom = at(x0, y0 + 1.0) * (1.0 - fx) + at(x0 + 1.0, y0 + 1.0) * fx;
        Luma([(top * (1.0 - fy) + bottom * fy).round().clamp(0.0, 255.0) as u8])
    })
}

fn save(dir: &Path, name: &str, picture: &GrayImage, format: ImageFormat) -> PathBuf {
    let path = dir.join(name);
    if let Err(e) = picture.save_with_format(&path, format) {
        panic!("cannot write {}: {e}", path.display());
    }
    path
}

fn temp() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => panic!("no temporary folder: {e}"),
    }
}

/// Every expected symbol is found once, with its identifier and kind, and with no error.
fn assert_found(out: &Output, file: &Path, expected: &[Expected]) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(out);
    assert_eq!(lines.len(), expected.len(), "found: {lines:#?}");
    for exp in expected {
        let Some(line) = lines.iter().find(|l| l["input"] == exp.input) else {
            panic!("{:?} not found in {lines:#?}", exp.input);
        };
        assert_eq!(line["kind"], exp.kind, "{line}");
        assert_eq!(line["symbology"], exp.symbology, "{line}");
        assert_eq!(line["error"], Value::Null, "{line}");
        assert_eq!(line["file"], file.display().to_string());
        assert!(line["position"]["width"].as_u64().is_some(), "{line}");
    }
    let gs1: Vec<&Value> = lines.iter().filter(|l| l["kind"] == "gs1").collect();
    assert!(gs1.iter().all(|l| l["gs1"]["elements"][0]["value"] == GTIN));
}

#[test]
fn a_clean_sheet_gives_every_barcode_with_its_identifier() {
    let dir = temp();
    let (picture, expected) = sheet();
    let file = save(dir.path(), "sheet.png", &picture, ImageFormat::Png);
    let out = scantrail(&["decode", "--json", "--image", &file.to_string_lossy()]);
    assert_found(&out, &file, &expected);
}

/// A picture of the sheet spoiled one way, as a photo is, and written as JPEG.
fn spoiled(name: &str, spoil: impl Fn(GrayImage) -> GrayImage) {
    let dir = temp();
    let (picture, expected) = sheet();
    let file = save(dir.path(), name, &spoil(picture), ImageFormat::Jpeg);
    let out = scantrail(&["decode", "--json", "--image", &file.to_string_lossy()]);
    assert_found(&out, &file, &expected);
}

#[test]
fn a_grainy_photo_reads() {
    spoiled("grainy.jpg", |mut p| {
        noise(&mut p, 40, 11);
        p
    });
}

#[test]
fn a_blurred_photo_reads() {
    spoiled("blurred.jpg", |p| image::imageops::blur(&p, 0.9));
}

#[test]
fn a_tilted_photo_reads() {
    spoiled("tilted.jpg", |p| rotate(&p, 7.0));
}

#[test]
fn a_tilted_grainy_soft_photo_reads() {
    spoiled("all.jpg", |p| {
        let mut p = image::imageops::blur(&rotate(&p, 4.0), 0.6);
        noise(&mut p, 20, 5);
        p
    });
}

#[test]
fn a_data_matrix_turned_a_third_of_the_way_round_reads() {
    let dir = temp();
    let mut picture = GrayImage::from_pixel(500, 500, Luma([255]));
    let dm = symbol(
        "010950600013435210ABC123\u{1d}21SN1",
        BarcodeFormat::DATA_MATRIX,
        200,
        200,
    );
    image::imageops::overlay(&mut picture, &dm, 150, 150);
    let mut picture = rotate(&picture, 120.0);
    picture = image::imageops::blur(&picture, 1.5);
    noise(&mut picture, 30, 7);
    let file = save(dir.path(), "turned.png", &picture, ImageFormat::Png);
    let out = scantrail(&["decode", "--image", &file.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("symbology: ]d2 (GS1 DataMatrix)"), "{text}");
    assert!(
        text.contains("hri:       (01)09506000134352(10)ABC123(21)SN1"),
        "{text}"
    );
    assert!(text.contains("file:      "), "{text}");
    assert!(text.contains("position:  x "), "{text}");
}

#[test]
fn several_files_are_reported_in_turn_and_one_without_barcodes_fails_the_run() {
    let dir = temp();
    let blank = save(
        dir.path(),
        "blank.png",
        &GrayImage::from_pixel(300, 200, Luma([255])),
        ImageFormat::Png,
    );
    let location = save(
        dir.path(),
        "location.png",
        &symbol("LOC-B-02", BarcodeFormat::CODE_128, 360, 120),
        ImageFormat::Png,
    );
    let mut framed = GrayImage::from_pixel(480, 240, Luma([255]));
    image::imageops::overlay(
        &mut framed,
        &image::open(&location)
            .map(|i| i.into_luma8())
            .unwrap_or_default(),
        60,
        60,
    );
    let framed = save(dir.path(), "framed.png", &framed, ImageFormat::Png);
    let out = scantrail(&[
        "decode",
        "--json",
        "--image",
        &blank.to_string_lossy(),
        &framed.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}: no barcode found", blank.display())),
        "{stderr}"
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["input"], "]C0LOC-B-02");
    assert_eq!(lines[0]["kind"], "location");
}

#[test]
fn a_file_that_is_not_a_picture_or_is_missing_is_a_clear_failure() {
    let dir = temp();
    let text = dir.path().join("notes.png");
    if let Err(e) = std::fs::write(&text, "LOC-A-01\n") {
        panic!("{e}");
    }
    let missing = dir.path().join("missing.jpg");
    let out = scantrail(&[
        "decode",
        "--image",
        &text.to_string_lossy(),
        &missing.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a PNG or JPEG picture"), "{stderr}");
    assert!(
        stderr.contains(&format!("{}: cannot read it", missing.display())),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn pictures_and_typed_scans_do_not_mix() {
    let out = scantrail(&["decode", "LOC-A-01", "--image", "sheet.png"]);
    assert_eq!(out.status.code(), Some(2));
}
