//! Table tests for GS1 element strings: every written form (raw with GS, raw with extra
//! separators, bracketed, Digital Link) and every kind of error, with the exact words the
//! kiosk shows.

use chrono::NaiveDate;
use scantrail::barcode::gs1::{Decimal, Gs1Message, digital_link};

const GS: &str = "\x1d";

fn raw(text: &str) -> Result<String, String> {
    Gs1Message::parse_element_string(text, &[])
        .map(|m| m.hri())
        .map_err(|e| e.to_string())
}

fn bracketed(text: &str) -> Result<String, String> {
    Gs1Message::parse_bracketed(text)
        .map(|m| m.hri())
        .map_err(|e| e.to_string())
}

fn link(text: &str) -> Result<String, String> {
    digital_link::parse(text)
        .map(|m| m.hri())
        .map_err(|e| e.to_string())
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn every_written_form_reads_to_the_same_message() {
    let hri = "(01)09506000134352(17)261200(10)ABC123(21)SN-7";
    assert_eq!(
        raw(&format!("010950600013435217261200{GS}10ABC123{GS}21SN-7")),
        Ok(hri.into())
    );
    // Leading FNC1, separators after predefined lengths, and a trailing one are tolerated.
    assert_eq!(
        raw(&format!(
            "{GS}0109506000134352{GS}17261200{GS}10ABC123{GS}21SN-7{GS}"
        )),
        Ok(hri.into())
    );
    assert_eq!(
        Gs1Message::parse_element_string("010950600013435217261200~10ABC123~21SN-7", &['~'])
            .map(|m| m.hri())
            .map_err(|e| e.to_string()),
        Ok(hri.into())
    );
    assert_eq!(bracketed(hri), Ok(hri.into()));
    assert_eq!(
        link("https://id.gs1.org/01/09506000134352/10/ABC123/21/SN-7?17=261200"),
        Ok("(01)09506000134352(10)ABC123(21)SN-7(17)261200".into())
    );
}

#[test]
fn digital_link_forms() {
    let cases = [
        // Any host and stem; the scheme in lower or in upper case.
        (
            "https://brand.example/products/widget/01/09506000134352",
            Ok("(01)09506000134352"),
        ),
        ("HTTPS://X.Y/01/00614141000418", Ok("(01)00614141000418")),
        ("http://x.y/01/00000096385074", Ok("(01)00000096385074")),
        // Qualifier 22 before 10 before 21; 235 as the other sequence.
        (
            "https://x.y/01/09506000134352/22/V1/10/L1/21/S1",
            Ok("(01)09506000134352(22)V1(10)L1(21)S1"),
        ),
        (
            "https://x.y/01/09506000134352/235/TPX1",
            Ok("(01)09506000134352(235)TPX1"),
        ),
        // Percent-encoding, other parameters, singletons, empty pieces and fragments.
        (
            "https://x.y/01/09506000134352/10/A%2FB%25?linkType=all&&flag&3103=000500#x",
            Ok("(01)09506000134352(10)A/B%(3103)000500"),
        ),
        (
            "https://x.y/00/106141412345678908?02=09506000134352&37=12",
            Ok("(00)106141412345678908(02)09506000134352(37)12"),
        ),
        (
            "https://x.y/01/09506000134352/10/L1/22/V1",
            Err(
                "not a GS1 Digital Link: after AI (01) the path may hold (22), (10), (21) in this order, or (235)",
            ),
        ),
        (
            "https://x.y/01/09506000134352?21=7",
            Err("AI (21) cannot be given as a Digital Link query (?21=…)"),
        ),
        (
            "https://x.y/01/09506000134352?9999=7",
            Err("'9999' does not start with a known GS1 AI"),
        ),
        (
            "https://x.y/01/09506000134352/10/A%2",
            Err("not a GS1 Digital Link: a '%' is not followed by two hexadecimal digits"),
        ),
        (
            "https://x.y/01/09506000134352?17=261331",
            Err("AI (17): month 13 does not exist"),
        ),
        (
            "mailto:someone@example.com",
            Err("not a GS1 Digital Link: it does not start with http:// or https://"),
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(
            link(input),
            expected.map(str::to_owned).map_err(str::to_owned),
            "{input}"
        );
    }
}

/// The examples of the GS1 Digital Link Standard: URI Syntax (1.2 and later), as GS1's own
/// reference parser reads them.
#[test]
fn digital_link_examples_of_the_standard() {
    let cases = [
        ("https://id.gs1.org/01/09520123456788", "(01)09520123456788"),
        (
            "https://brand.example.com/some-extra/pathinfo/01/09520123456788",
            "(01)09520123456788",
        ),
        (
            "https://id.gs1.org/01/09520123456788/22/2A",
            "(01)09520123456788(22)2A",
        ),
        (
            "https://id.gs1.org/01/09520123456788/10/ABC123",
            "(01)09520123456788(10)ABC123",
        ),
        (
            "https://id.gs1.org/01/09520123456788/21/12345",
            "(01)09520123456788(21)12345",
        ),
        (
            "https://id.gs1.org/01/09520123456788/10/ABC1/21/12345?17=180426",
            "(01)09520123456788(10)ABC1(21)12345(17)180426",
        ),
        (
            "https://id.gs1.org/01/09520123456788?3103=000195",
            "(01)09520123456788(3103)000195",
        ),
        (
            "https://example.com/01/09520123456788?3103=000195&3922=0299&17=201225",
            "(01)09520123456788(3103)000195(3922)0299(17)201225",
        ),
        (
            "https://id.gs1.org/00/952012345678912345",
            "(00)952012345678912345",
        ),
        (
            "https://id.gs1.org/00/952012345678912345?02=09520123456788&37=25&10=ABC123",
            "(00)952012345678912345(02)09520123456788(37)25(10)ABC123",
        ),
        ("https://id.gs1.org/414/9520123456788", "(414)9520123456788"),
        (
            "https://id.gs1.org/414/9520123456788/254/32a%2Fb",
            "(414)9520123456788(254)32a/b",
        ),
        // A GTIN as a data attribute of another key, written with 13 digits in the
        // standard's example: held as a GTIN-14.
        (
            "https://example.com/8004/9520614141234567?01=9520123456788",
            "(8004)9520614141234567(01)09520123456788",
        ),
        // (10) may be an attribute when the path took the other qualifier, (235).
        (
            "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC123",
            "(01)09520123456788(235)XYZ(10)ABC123",
        ),
    ];
    for (input, hri) in cases {
        assert_eq!(link(input), Ok(hri.to_owned()), "{input}");
    }
}

/// What the standard refuses and the reader once let through.
#[test]
fn digital_link_refuses_what_the_standard_refuses() {
    let cases = [
        (
            "HtTpS://id.gs1.org/01/09520123456788",
            "not a GS1 Digital Link: the scheme is written http:// or https:// in lower or in upper case, not mixed",
        ),
        (
            "https://id.gs1.org/01/09520123456788/",
            "not a GS1 Digital Link: the path ends in '/' after its last value",
        ),
        (
            "https://brand.example.com/01/9520123456788",
            "not a GS1 Digital Link: a GTIN in the path is written with 14 digits: /01/09520123456788",
        ),
        (
            "https://id.gs1.org/01/09520123456788?10=ABC123",
            "AI (10) belongs in the Digital Link path (/10/…), not in its query",
        ),
        (
            "https://id.gs1.org/01/09520123456788/21/12345?10=ABC123",
            "AI (10) belongs in the Digital Link path (/10/…), not in its query",
        ),
        (
            "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&10=ABC123",
            "AI (10) appears twice in the Digital Link",
        ),
        (
            "https://id.gs1.org/01/09520123456788/10/ABC123?99=XYZ789&01=09520123456788",
            "AI (01) appears twice in the Digital Link",
        ),
        (
            "https://id.gs1.org/01/09520123456788?99=XYZ789&99=XYZ789",
            "AI (99) appears twice in the Digital Link",
        ),
        (
            "https://id.gs1.org/01/09520123456788?99=",
            "AI (99) has no value",
        ),
        (
            "https://id.gs1.org/01/09520123456788/22/ABC?98=XYZ+987",
            "AI (98): ' ' is not allowed here (letters, digits and the GS1 punctuation (CSET 82))",
        ),
    ];
    for (input, error) in cases {
        assert_eq!(link(input), Err(error.to_owned()), "{input}");
    }
    // A '+' in the path is a plus.
    assert_eq!(
        link("https://id.gs1.org/01/09520123456788/22/ABC+123"),
        Ok("(01)09520123456788(22)ABC+123".to_owned())
    );
}

#[test]
fn every_error_kind_in_the_kiosk_words() {
    let long_lot = "L".repeat(21);
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "the scan holds no GS1 data"),
        (GS.into(), "the scan holds no GS1 data"),
        (
            "2345678".into(),
            "'2345…' does not start with a known GS1 AI",
        ),
        (
            format!("0109506000134352{GS}10{GS}21X"),
            "AI (10) has no value",
        ),
        (
            "010950600013435".into(),
            "AI (01): needs 14 characters, only 13 were scanned",
        ),
        (
            format!("01095060001343{GS}10A"),
            "AI (01): needs 14 characters, only 12 were scanned",
        ),
        (
            format!("0109506000134352{GS}10{long_lot}"),
            "AI (10): at most 20 characters, but 21 were scanned (is a separator missing?)",
        ),
        (
            "010950600013435210AB C".into(),
            "AI (10): ' ' is not allowed here (letters, digits and the GS1 punctuation (CSET 82))",
        ),
        (
            "010950600013435210LOTÄ".into(),
            "AI (10): 'Ä' is not allowed here (letters, digits and the GS1 punctuation (CSET 82))",
        ),
        (
            "01095060001343A2".into(),
            "AI (01): 'A' is not allowed here (digits only)",
        ),
        (
            "0109506000134353".into(),
            "AI (01): check digit should be 2, not 3",
        ),
        (
            "010950600013435217261331".into(),
            "AI (17): month 13 does not exist",
        ),
        (
            "010950600013435217260230".into(),
            "AI (17): day 30 does not exist in month 2",
        ),
        (
            "01095060001343527007260100".into(),
            "AI (7007): day 0 does not exist in month 1",
        ),
        (
            format!("0109506000134352{GS}4220001"),
            "AI (422): at most 3 characters, but 4 were scanned (is a separator missing?)",
        ),
        (
            "0109506000134352422000".into(),
            "AI (422): '000' is not an ISO 3166 country code",
        ),
        (
            "3911001100".into(),
            "AI (3911): '001' is not an ISO 4217 currency code",
        ),
        (
            format!("01095060001343521012{GS}1034"),
            "AI (10) appears twice with different values",
        ),
        (
            "21SERIAL".into(),
            "AI (21) needs AI (01), AI (03) or AI (8006) in the same scan",
        ),
        (
            format!("0109506000134352{GS}250X"),
            "AI (250) needs AI (21) in the same scan",
        ),
        (
            "01095060001343520209506000134352".into(),
            "AI (02) and AI (01) cannot be in the same scan",
        ),
        (
            "01095060001343523103001000".to_owned() + "3102000100",
            "AI (3103) and AI (3102) cannot be in the same scan",
        ),
        ("800310950600013435".into(), "AI (8003): '1' should be 0"),
    ];
    for (input, expected) in &cases {
        assert_eq!(raw(input), Err((*expected).to_owned()), "{input:?}");
    }
}

#[test]
fn bracketed_form_errors_and_escapes() {
    assert_eq!(
        bracketed("01)09506000134352"),
        Err("the bracketed form needs '(AI)' before every value, not '01)09506…'".into())
    );
    assert_eq!(
        bracketed("(01"),
        Err("the bracketed form needs '(AI)' before every value, not '(01'".into())
    );
    assert_eq!(
        bracketed("(23)X"),
        Err("'23' does not start with a known GS1 AI".into())
    );
    assert_eq!(
        bracketed("(01)09506000134352(10)A\\(B)"),
        Ok("(01)09506000134352(10)A\\(B)".into())
    );
    let m = Gs1Message::parse_bracketed("(01)09506000134352(10)A\\(B)");
    assert_eq!(m.as_ref().ok().and_then(|m| m.lot()), Some("A(B)"));
    assert_eq!(
        bracketed("(01)09506000134352(17)261200(10)L1"),
        bracketed("(01)09506000134352(17)261200(10)L1(10)L1"),
        "an AI repeated with the same value is kept once"
    );
}

#[test]
fn what_a_message_says() {
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let m = Gs1Message::parse_element_string(
        &format!("010950600013435217270200{GS}10LOT-9{GS}21SN1{GS}3103001250{GS}3922995"),
        &[],
    );
    assert_eq!(
        m.as_ref().map(|m| m.gtin().map(|g| g.as_gtin14())),
        Ok(Some("09506000134352".into()))
    );
    assert_eq!(m.as_ref().map(|m| m.lot()), Ok(Some("LOT-9")));
    assert_eq!(m.as_ref().map(|m| m.serial()), Ok(Some("SN1")));
    assert_eq!(m.as_ref().map(|m| m.expiry(today)), Ok(day(2027, 2, 28)));
    assert_eq!(
        m.as_ref().map(|m| m
            .measures()
            .map(|x| (x.ai, x.title, x.amount))
            .collect::<Vec<_>>()),
        Ok(vec![(
            "3103",
            "NET WEIGHT (kg)",
            Decimal {
                units: 1250,
                scale: 3
            }
        )])
    );
    assert_eq!(m.as_ref().map(|m| m.count()), Ok(None));
    let pallet = Gs1Message::parse_element_string(
        &format!("00106141412345678908020950600013435237{}", "48"),
        &[],
    );
    assert_eq!(
        pallet.as_ref().map(|m| m.sscc()),
        Ok(Some("106141412345678908"))
    );
    assert_eq!(pallet.as_ref().map(|m| m.count()), Ok(Some(48)));
    assert_eq!(pallet.as_ref().map(|m| m.gtin()), Ok(None));
    let variable = Gs1Message::parse_element_string("01095060001343523012", &[]);
    assert_eq!(variable.map(|m| m.count()), Ok(Some(12)));
}

#[test]
fn element_string_puts_separators_only_where_needed() {
    let m = Gs1Message::parse_bracketed("(10)L1(01)09506000134352(21)S1(17)261231");
    assert_eq!(
        m.map(|m| m.element_string()),
        Ok(format!("10L1{GS}010950600013435221S1{GS}17261231"))
    );
}
