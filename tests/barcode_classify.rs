//! Table tests for classification in SPEC §3's order, against an in-memory store.

use scantrail::barcode::classify::{
    Classified, Classifier, Command, CommandError, KnownDocument, KnownLocation, KnownSerial,
    LookupError, NoStore, ProductMatch, ScanLookup, expand_typed_separators,
};
use scantrail::config::{BarcodeConfig, Gs1WithoutPrefix};
use scantrail::domain::{DocumentKind, DocumentStatus, SerialStatus, Tracking};
use std::collections::HashMap;

/// A store that knows a few things, kept in maps.
#[derive(Default)]
struct FakeStore {
    products: HashMap<String, ProductMatch>,
    serials: HashMap<String, Vec<KnownSerial>>,
    locations: HashMap<String, KnownLocation>,
    documents: HashMap<String, KnownDocument>,
}

impl ScanLookup for FakeStore {
    fn product_by_barcode(&self, barcode: &str) -> Result<Option<ProductMatch>, LookupError> {
        Ok(self.products.get(barcode).cloned())
    }
    fn serials(&self, serial: &str) -> Result<Vec<KnownSerial>, LookupError> {
        Ok(self.serials.get(serial).cloned().unwrap_or_default())
    }
    fn location(&self, code: &str) -> Result<Option<KnownLocation>, LookupError> {
        Ok(self.locations.get(code).cloned())
    }
    fn known_document(&self, reference: &str) -> Result<Option<KnownDocument>, LookupError> {
        Ok(self.documents.get(reference).cloned())
    }
}

/// A store whose database cannot be read.
struct BrokenStore;

impl ScanLookup for BrokenStore {
    fn product_by_barcode(&self, _: &str) -> Result<Option<ProductMatch>, LookupError> {
        Err(LookupError("disk I/O error".into()))
    }
    fn serials(&self, _: &str) -> Result<Vec<KnownSerial>, LookupError> {
        Err(LookupError("disk I/O error".into()))
    }
    fn location(&self, _: &str) -> Result<Option<KnownLocation>, LookupError> {
        Err(LookupError("disk I/O error".into()))
    }
    fn known_document(&self, _: &str) -> Result<Option<KnownDocument>, LookupError> {
        Err(LookupError("disk I/O error".into()))
    }
}

fn widget() -> ProductMatch {
    ProductMatch {
        sku: "W-1".into(),
        name: "Widget".into(),
        tracking: Tracking::Lot,
        units: 1,
    }
}

fn case_of_widgets() -> ProductMatch {
    ProductMatch {
        units: 12,
        ..widget()
    }
}

fn store() -> FakeStore {
    let mut s = FakeStore::default();
    s.products.insert("04006381333931".into(), widget());
    s.products
        .insert("14006381333938".into(), case_of_widgets());
    s.products.insert("00042100005264".into(), widget());
    s.products.insert("ALIAS-7".into(), widget());
    // 01000252 is both a valid GTIN-8 and a valid UPC-E (of UPC-A 010002000052).
    s.products
        .insert("00010002000052".into(), case_of_widgets());
    s.products.insert("09506000134352".into(), widget());
    s.serials.insert(
        "SN123".into(),
        vec![KnownSerial {
            sku: "W-1".into(),
            status: SerialStatus::InStock,
            location: Some("A-01-3".into()),
        }],
    );
    s.locations.insert(
        "A-01-3".into(),
        KnownLocation {
            code: "A-01-3".into(),
            name: "Aisle A, bay 1, shelf 3".into(),
        },
    );
    s.documents.insert(
        "PO-1001".into(),
        KnownDocument {
            reference: "PO-1001".into(),
            kind: DocumentKind::Purchase,
            status: DocumentStatus::Open,
        },
    );
    s
}

/// A compact account of a classification, so one table covers every case.
fn account(c: &Classified) -> String {
    match c {
        Classified::Command(cmd) => format!("command {}", cmd.word()),
        Classified::BadCommand { text, error } => format!("bad command {text}: {error}"),
        Classified::Gs1 { message, product } => format!(
            "gs1 {}{}",
            message.hri(),
            product
                .as_ref()
                .map(|p| format!(" = {}", p.sku))
                .unwrap_or_default()
        ),
        Classified::PartialGs1 { message } => {
            format!(
                "partial gs1 {}, needs {}",
                message.hri(),
                message.needs().join(" ")
            )
        }
        Classified::InvalidGs1 { error } => format!("invalid gs1: {error}"),
        Classified::Location { code, known } => {
            format!(
                "location {code}{}",
                if known.is_some() { " (known)" } else { "" }
            )
        }
        Classified::Document {
            reference,
            kind,
            known,
        } => format!(
            "document {reference} {kind}{}",
            known
                .as_ref()
                .map(|d| format!(" ({})", d.status))
                .unwrap_or_default()
        ),
        Classified::Operator { code } => format!("operator {code}"),
        Classified::Product {
            barcode, product, ..
        } => format!("product {barcode} = {} x{}", product.sku, product.units),
        Classified::Serial { serial, units } => format!("serial {serial} x{}", units.len()),
        Classified::Gtin { gtin, .. } => format!("gtin {gtin}"),
        Classified::Text { text, gs1_error } => match gs1_error {
            Some(e) => format!("text {text} (not gs1: {e})"),
            None => format!("text {text}"),
        },
    }
}

fn classify_with(config: &BarcodeConfig, lookup: &dyn ScanLookup, scan: &str) -> String {
    match Classifier::new(config).classify(&expand_typed_separators(scan), lookup) {
        Ok(c) => account(&c),
        Err(e) => format!("lookup failed: {e}"),
    }
}

#[test]
fn every_input_form_with_a_store() {
    let config = BarcodeConfig::default();
    let store = store();
    let cases = [
        // 1. Commands, with and without an AIM identifier in front.
        ("CMD-DONE", "command DONE"),
        ("]C0CMD-RECEIVE", "command RECEIVE"),
        ("CMD-QTY-12", "command QTY-12"),
        ("CMD-QTY-99999", "command QTY-99999"),
        (
            "CMD-QTY-0",
            "bad command CMD-QTY-0: a quantity command needs a whole number from 1 to 99999",
        ),
        (
            "CMD-QTY-100000",
            "bad command CMD-QTY-100000: a quantity command needs a whole number from 1 to 99999",
        ),
        (
            "CMD-QTY-+5",
            "bad command CMD-QTY-+5: a quantity command needs a whole number from 1 to 99999",
        ),
        ("CMD-JUMP", "bad command CMD-JUMP: unknown command"),
        // 2. GS1 by each GS1 symbology identifier.
        (
            "]C1010950600013435210L1",
            "gs1 (01)09506000134352(10)L1 = W-1",
        ),
        ("]e00109506000134352", "gs1 (01)09506000134352 = W-1"),
        (
            "]d2010950600013435217261200<GS>10L1<GS>21S1",
            "gs1 (01)09506000134352(17)261200(10)L1(21)S1 = W-1",
        ),
        ("]Q30109506000134352\\x1d", "gs1 (01)09506000134352 = W-1"),
        ("]J10100614141000418", "gs1 (01)00614141000418"),
        (
            "]d20109506000134353",
            "invalid gs1: AI (01): check digit should be 2, not 3",
        ),
        // A GS1 identifier makes even command-looking data GS1.
        (
            "]C1CMD-DONE",
            "invalid gs1: 'CMD-…' does not start with a known GS1 AI",
        ),
        // Digital Link, bracketed form, unprefixed element strings.
        (
            "https://id.gs1.org/01/09506000134352/10/L1",
            "gs1 (01)09506000134352(10)L1 = W-1",
        ),
        (
            "]Q1https://id.gs1.org/01/09506000134352",
            "gs1 (01)09506000134352 = W-1",
        ),
        (
            "https://id.gs1.org/01/09506000134353",
            "invalid gs1: AI (01): check digit should be 2, not 3",
        ),
        (
            "https://example.com/about",
            "text https://example.com/about",
        ),
        (
            "(01)09506000134352(10)L1",
            "gs1 (01)09506000134352(10)L1 = W-1",
        ),
        // Valid element strings without their partner AIs: a partial message.
        ("(21)S1", "partial gs1 (21)S1, needs 01"),
        (
            "010950600013435210L1<GS>21S1",
            "gs1 (01)09506000134352(10)L1(21)S1 = W-1",
        ),
        (
            "010950600013435217261331",
            "text 010950600013435217261331 (not gs1: AI (17): month 13 does not exist)",
        ),
        // 3.–5. Location, documents, operator.
        ("LOC-A-01-3", "location A-01-3 (known)"),
        ("]C0LOC-B-9", "location B-9"),
        ("PO-1001", "document PO-1001 purchase (open)"),
        ("SO-77", "document SO-77 sale"),
        ("RMA-5", "document RMA-5 return"),
        ("OP-ANNA", "operator ANNA"),
        // 6. Products: EAN-13, its GTIN-14 form, UPC-A, case GTIN-14, UPC-E, alias.
        ("4006381333931", "product 04006381333931 = W-1 x1"),
        ("04006381333931", "product 04006381333931 = W-1 x1"),
        ("]E04006381333931", "product 04006381333931 = W-1 x1"),
        ("14006381333938", "product 14006381333938 = W-1 x12"),
        ("]E004252614", "product 00042100005264 = W-1 x1"),
        ("04252614", "product 00042100005264 = W-1 x1"),
        ("ALIAS-7", "product ALIAS-7 = W-1 x1"),
        // Eight digits that read both ways: the UPC-E reading is tried when the GTIN-8
        // reading is no known product, and first behind ]E0.
        ("01000252", "product 00010002000052 = W-1 x12"),
        ("]E001000252", "product 00010002000052 = W-1 x12"),
        // 7. Known serial; 8. GTIN not in the store; text.
        ("SN123", "serial SN123 x1"),
        ("96385074", "gtin 00000096385074"),
        ("4006381333932", "text 4006381333932"),
        ("LOT-2026-11", "text LOT-2026-11"),
        ("", "text "),
    ];
    for (scan, expected) in cases {
        assert_eq!(classify_with(&config, &store, scan), expected, "{scan:?}");
    }
}

#[test]
fn without_a_store_nothing_is_known() {
    let config = BarcodeConfig::default();
    assert_eq!(
        classify_with(&config, &NoStore, "4006381333931"),
        "gtin 04006381333931"
    );
    assert_eq!(classify_with(&config, &NoStore, "SN123"), "text SN123");
    assert_eq!(
        classify_with(&config, &NoStore, "01000252"),
        "gtin 00000001000252"
    );
    assert_eq!(
        classify_with(&config, &NoStore, "]E001000252"),
        "gtin 00010002000052"
    );
    assert_eq!(
        classify_with(&config, &NoStore, "LOC-A-01-3"),
        "location A-01-3"
    );
    assert_eq!(
        classify_with(&config, &NoStore, "]d20109506000134352"),
        "gs1 (01)09506000134352"
    );
}

#[test]
fn config_changes_prefixes_separators_and_auto_mode() {
    let config = BarcodeConfig {
        command_prefix: "#".into(),
        location_prefix: "L:".into(),
        operator_prefix: "U:".into(),
        gs1_without_prefix: Gs1WithoutPrefix::Off,
        extra_separators: vec!["~".into(), "|".into()],
        ..BarcodeConfig::default()
    };
    let store = store();
    assert_eq!(classify_with(&config, &store, "#DONE"), "command DONE");
    assert_eq!(classify_with(&config, &store, "CMD-DONE"), "text CMD-DONE");
    assert_eq!(
        classify_with(&config, &store, "L:A-01-3"),
        "location A-01-3 (known)"
    );
    assert_eq!(classify_with(&config, &store, "U:7"), "operator 7");
    // With auto mode off, unprefixed element strings are text...
    assert_eq!(
        classify_with(&config, &store, "010950600013435210L1"),
        "text 010950600013435210L1"
    );
    // ...but a GS1 identifier still makes them GS1, and the extra separators work.
    assert_eq!(
        classify_with(&config, &store, "]d2010950600013435210L1~21S1|"),
        "gs1 (01)09506000134352(10)L1(21)S1 = W-1"
    );
    assert_eq!(
        classify_with(&config, &store, "]d2010950600013435210L1|21S1"),
        "gs1 (01)09506000134352(10)L1(21)S1 = W-1"
    );
}

#[test]
fn a_lot_or_serial_in_a_gs1_symbol_of_its_own_is_a_partial_message() {
    let config = BarcodeConfig::default();
    let cases = [
        ("]C110L2026-556", "partial gs1 (10)L2026-556, needs 01"),
        (
            "]d221SN-4471-0099",
            "partial gs1 (21)SN-4471-0099, needs 01",
        ),
        (
            "]C117270430<GS>10L1",
            "partial gs1 (17)270430(10)L1, needs 01",
        ),
        ("(10)L1(17)270430", "partial gs1 (10)L1(17)270430, needs 01"),
        // (37) needs the SSCC (00) and a content GTIN (02): more than a product can give.
        ("]C13712", "partial gs1 (37)12, needs 00 02"),
        // Broken element strings stay invalid, and the pairing rules that exclude stay.
        (
            "]C110L1<GS>17271331",
            "invalid gs1: AI (17): month 13 does not exist",
        ),
        (
            "]C121S1<GS>235X",
            "invalid gs1: AI (21) and AI (235) cannot be in the same scan",
        ),
    ];
    for (scan, expected) in cases {
        assert_eq!(classify_with(&config, &NoStore, scan), expected, "{scan:?}");
    }
    // A complete message is still one, with its product.
    assert_eq!(
        classify_with(&config, &store(), "]C1010950600013435210L1"),
        "gs1 (01)09506000134352(10)L1 = W-1"
    );
}

#[test]
fn a_leading_gs_is_the_fnc1_of_a_scanner_without_aim_identifiers() {
    let scan = "<GS>01940190976854571033650100138<GS>310200200415131018";
    let gs1 = "gs1 (01)94019097685457(10)33650100138(3102)002004(15)131018";
    assert_eq!(
        classify_with(&BarcodeConfig::default(), &NoStore, scan),
        gs1
    );
    // The GS says GS1 even where unprefixed element strings are not guessed at.
    let off = BarcodeConfig {
        gs1_without_prefix: Gs1WithoutPrefix::Off,
        ..BarcodeConfig::default()
    };
    assert_eq!(classify_with(&off, &NoStore, scan), gs1);
    assert_eq!(
        classify_with(&off, &NoStore, "<GS>10L2026-556"),
        "partial gs1 (10)L2026-556, needs 01"
    );
    // What does not parse completely after the GS is text, with the reason.
    assert_eq!(
        classify_with(&off, &NoStore, "<GS>LOT 7"),
        "text \u{1d}LOT 7 (not gs1: 'LOT …' does not start with a known GS1 AI)"
    );
}

#[test]
fn an_unreadable_store_is_an_error_not_a_guess() {
    let config = BarcodeConfig::default();
    assert_eq!(
        classify_with(&config, &BrokenStore, "4006381333931"),
        "lookup failed: the journal could not be read: disk I/O error"
    );
    // Scans that need no store still classify.
    assert_eq!(
        classify_with(&config, &BrokenStore, "CMD-UNDO"),
        "command UNDO"
    );
    assert_eq!(classify_with(&config, &BrokenStore, "OP-1"), "operator 1");
}

#[test]
fn commands_read_back_from_their_words() {
    for cmd in [
        Command::Receive,
        Command::Transfer,
        Command::Pick,
        Command::Return,
        Command::Lookup,
        Command::Done,
        Command::Cancel,
        Command::Undo,
        Command::Quantity(1),
        Command::Quantity(99_999),
        Command::Ack,
        Command::Logout,
    ] {
        assert_eq!(Command::parse(&cmd.word()), Ok(cmd));
    }
    assert_eq!(Command::parse("done"), Err(CommandError::Unknown));
}

#[test]
fn typed_separators() {
    assert_eq!(
        expand_typed_separators("a<GS>b\\x1dc\\x1Dd"),
        "a\x1db\x1dc\x1dd"
    );
    assert_eq!(expand_typed_separators("plain"), "plain");
}
