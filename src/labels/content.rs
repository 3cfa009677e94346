//! What a label says: the data of its symbol, the symbology, and the lines of text under it
//! (SPEC §8). Pure: the facts come in (a product's GTIN and name, a serial, a lot and its
//! expiry, a location code, a command), the label comes out; nothing is drawn here.
//!
//! A product's serial or lot with a GTIN is a GS1 message: `(01)` GTIN, `(17)` expiry when the
//! lot has one, `(10)` lot, `(21)` serial, in that order (fixed lengths first, so one FNC1 at
//! most is needed). It goes in a GS1 DataMatrix by default, a GS1-128 or a QR code of its
//! GS1 Digital Link URI on request. Everything else (locations, commands, products and
//! serials without a GTIN) is Code 128 of the text a scanner must send.

use super::LabelError;
use crate::barcode::classify::Command;
use crate::barcode::gs1::{Element, GS, Gs1Message, dictionary, digital_link};

/// The kind of symbol printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbology {
    /// Code 128 of plain text; a scanner reports `]C0`.
    Code128,
    /// GS1-128: Code 128 with FNC1 first; `]C1`.
    Gs1_128,
    /// GS1 DataMatrix: ECC 200 with FNC1 first; `]d2`.
    Gs1DataMatrix,
    /// QR code of a GS1 Digital Link URI; `]Q1` (the URI itself says GS1).
    QrCode,
}

impl Symbology {
    /// The AIM symbology identifier a scanner puts in front of this symbol's data.
    pub fn identifier(self) -> &'static str {
        match self {
            Symbology::Code128 => "]C0",
            Symbology::Gs1_128 => "]C1",
            Symbology::Gs1DataMatrix => "]d2",
            Symbology::QrCode => "]Q1",
        }
    }

    /// The name used in docs and messages.
    pub fn name(self) -> &'static str {
        match self {
            Symbology::Code128 => "Code 128",
            Symbology::Gs1_128 => "GS1-128",
            Symbology::Gs1DataMatrix => "GS1 DataMatrix",
            Symbology::QrCode => "QR code",
        }
    }
}

/// How a GS1 message is printed (`--symbology`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Gs1Choice {
    #[default]
    DataMatrix,
    Gs1_128,
    /// A QR code of the GS1 Digital Link URI under this base (`https://id.example.com`).
    DigitalLink(String),
}

/// One label's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelContent {
    pub symbology: Symbology,
    /// The symbol's data as a scanner sends it after the symbology identifier: a GS1
    /// element string with GS between fields (no leading FNC1), a URI, or plain text.
    pub data: String,
    /// The lines under the symbol: the bracketed GS1 form or the text, then the product's
    /// name or the caption.
    pub lines: Vec<String>,
}

impl LabelContent {
    /// What a scanner set up to send symbology identifiers types for this label.
    pub fn scan(&self) -> String {
        format!("{}{}", self.symbology.identifier(), self.data)
    }
}

/// The product as a label needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFacts {
    pub sku: String,
    pub name: String,
    /// Its GTIN-14 for one unit, if it has one.
    pub gtin: Option<String>,
    /// Another barcode text of its (an alias), printed as Code 128 when it has no GTIN.
    pub alias: Option<String>,
}

/// A lot's code and expiry date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotFacts {
    pub code: String,
    pub expiry: Option<String>,
}

fn element(ai: &str, value: &str) -> Result<Element, LabelError> {
    let spec = dictionary::lookup(ai).ok_or_else(|| LabelError::Gs1(format!("no AI ({ai})")))?;
    Element::new(spec, value).map_err(|e| LabelError::Gs1(format!("({ai}) {value}: {e}")))
}

/// `YYYY-MM-DD` as the GS1 date `YYMMDD`.
fn gs1_date(date: &str) -> Result<String, LabelError> {
    let b = date.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        Ok(format!("{}{}{}", &date[2..4], &date[5..7], &date[8..10]))
    } else {
        Err(LabelError::Gs1(format!(
            "the expiry {date} is not a date YYYY-MM-DD"
        )))
    }
}

fn gs1_label(
    elements: Vec<Element>,
    choice: &Gs1Choice,
    name: &str,
) -> Result<LabelContent, LabelError> {
    let message =
        Gs1Message::from_elements(elements).map_err(|e| LabelError::Gs1(e.to_string()))?;
    let hri = message.hri();
    let (symbology, data) = match choice {
        Gs1Choice::DataMatrix => (Symbology::Gs1DataMatrix, message.element_string()),
        Gs1Choice::Gs1_128 => (Symbology::Gs1_128, message.element_string()),
        Gs1Choice::DigitalLink(base) => (
            Symbology::QrCode,
            digital_link::to_digital_link(&message, base.trim_end_matches('/'))
                .map_err(|e| LabelError::Gs1(e.to_string()))?,
        ),
    };
    Ok(LabelContent {
        symbology,
        data,
        lines: vec![hri, name.to_owned()],
    })
}

fn code128(text: &str, caption: &str) -> Result<LabelContent, LabelError> {
    if text.is_empty() || !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Err(LabelError::NotPrintable(text.to_owned()));
    }
    Ok(LabelContent {
        symbology: Symbology::Code128,
        data: text.to_owned(),
        lines: vec![text.to_owned(), caption.to_owned()],
    })
}

/// A serial label: GS1 with the product's GTIN (and the serial's lot, when it has one), else
/// Code 128 of the serial itself, which the kiosk reads as a known serial.
pub fn serial(
    product: &ProductFacts,
    serial: &str,
    lot: Option<&LotFacts>,
    choice: &Gs1Choice,
) -> Result<LabelContent, LabelError> {
    let Some(gtin) = &product.gtin else {
        return code128(serial, &product.name);
    };
    let mut elements = vec![element("01", gtin)?];
    if let Some(lot) = lot {
        if let Some(expiry) = &lot.expiry {
            elements.push(element("17", &gs1_date(expiry)?)?);
        }
        elements.push(element("10", &lot.code)?);
    }
    elements.push(element("21", serial)?);
    gs1_label(elements, choice, &product.name)
}

/// A lot label: GS1 with the GTIN and the expiry, else Code 128 of the lot code.
pub fn lot(
    product: &ProductFacts,
    lot: &LotFacts,
    choice: &Gs1Choice,
) -> Result<LabelContent, LabelError> {
    let Some(gtin) = &product.gtin else {
        return code128(&lot.code, &product.name);
    };
    let mut elements = vec![element("01", gtin)?];
    if let Some(expiry) = &lot.expiry {
        elements.push(element("17", &gs1_date(expiry)?)?);
    }
    elements.push(element("10", &lot.code)?);
    gs1_label(elements, choice, &product.name)
}

/// A product label: its GTIN as GS1, else its alias barcode as Code 128.
pub fn product(product: &ProductFacts, choice: &Gs1Choice) -> Result<LabelContent, LabelError> {
    match (&product.gtin, &product.alias) {
        (Some(gtin), _) => gs1_label(vec![element("01", gtin)?], choice, &product.name),
        (None, Some(alias)) => code128(alias, &product.name),
        (None, None) => Err(LabelError::NoBarcode(product.sku.clone())),
    }
}

/// A location label: the location prefix and code (`LOC-A-01-3`), with its name.
pub fn location(prefix: &str, code: &str, name: &str) -> Result<LabelContent, LabelError> {
    code128(&format!("{prefix}{code}"), name)
}

/// One command of the command sheet, with its caption.
pub fn command(prefix: &str, command: Command) -> Result<LabelContent, LabelError> {
    code128(&format!("{prefix}{}", command.word()), &command.caption())
}

/// The whole command sheet of SPEC §3: every command of the command table, then
/// `CMD-QTY-1` to `CMD-QTY-10`.
pub fn command_sheet(prefix: &str) -> Result<Vec<LabelContent>, LabelError> {
    Command::sheet().map(|c| command(prefix, c)).collect()
}

/// The text given to rxing's Code 128 writer: `ñ` (FNC1) first for GS1-128 and for every
/// GS between fields.
pub fn code128_input(content: &LabelContent) -> String {
    match content.symbology {
        Symbology::Gs1_128 => {
            let mut s = String::with_capacity(content.data.len() + 2);
            s.push('ñ');
            s.extend(content.data.chars().map(|c| if c == GS { 'ñ' } else { c }));
            s
        }
        _ => content.data.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widget(gtin: bool) -> ProductFacts {
        ProductFacts {
            sku: "W-1".into(),
            name: "Widget".into(),
            gtin: gtin.then(|| "09506000134352".to_owned()),
            alias: Some("WIDGET-ALIAS".into()),
        }
    }

    #[test]
    fn serial_with_lot_and_expiry_puts_fixed_lengths_first() {
        let lot = LotFacts {
            code: "BATCHNO".into(),
            expiry: Some("2027-03-31".into()),
        };
        let label = serial(
            &widget(true),
            "SERIALNO",
            Some(&lot),
            &Gs1Choice::DataMatrix,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            label.data,
            "01095060001343521727033110BATCHNO\u{1d}21SERIALNO"
        );
        assert_eq!(
            label.lines[0],
            "(01)09506000134352(17)270331(10)BATCHNO(21)SERIALNO"
        );
        assert_eq!(label.scan().get(..3), Some("]d2"));
        assert_eq!(
            code128_input(&LabelContent {
                symbology: Symbology::Gs1_128,
                ..label
            }),
            "ñ01095060001343521727033110BATCHNOñ21SERIALNO"
        );
    }

    #[test]
    fn without_gtin_the_text_itself_in_code_128() {
        let label = serial(&widget(false), "SN-9", None, &Gs1Choice::DataMatrix)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (label.symbology, label.data.as_str()),
            (Symbology::Code128, "SN-9")
        );
        let p = product(&widget(false), &Gs1Choice::DataMatrix).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.data, "WIDGET-ALIAS");
    }

    #[test]
    fn bad_gs1_values_are_refused() {
        // A serial longer than AI 21's 20 characters, and one outside its character set.
        for bad in ["ABCDEFGHIJKLMNOPQRSTU", "SN#1"] {
            assert!(matches!(
                serial(&widget(true), bad, None, &Gs1Choice::DataMatrix),
                Err(LabelError::Gs1(_))
            ));
        }
    }

    #[test]
    fn digital_link_uri() {
        let label = serial(
            &widget(true),
            "SN1",
            None,
            &Gs1Choice::DigitalLink("https://id.example.com/".into()),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            label.data,
            "https://id.example.com/01/09506000134352/21/SN1"
        );
    }
}
