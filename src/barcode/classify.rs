//! What one scan means, in the order of SPEC §3: command, GS1, location, document, operator
//! badge, known product barcode, known serial, GTIN, and plain text.
//!
//! A [`Classifier`] is built once from `[barcodes]` in `config.toml` (prefixes, whether
//! unprefixed GS1 is recognised, extra separator characters). It strips an AIM symbology
//! identifier first: a GS1 identifier (`]C1 ]e0 ]d2 ]Q3 ]J1`) makes the rest GS1 element
//! strings, any other is dropped and the rest is classified as if scanned without it. GS1
//! also comes as a Digital Link URI, as the bracketed form `(01)…(10)…` (typed by a person),
//! as element strings after a leading GS (the FNC1 in first position of a scanner that sends
//! no identifiers) and, in `auto` mode, as unprefixed element strings starting with `01` +
//! a valid GTIN. Element strings that are valid but lack partner AIs (a lot without its
//! GTIN) are a partial GS1 message, for the session to complete from a pending product. The
//! store is only asked through the read-only [`ScanLookup`] trait, which the store
//! implements and tests fake in memory; [`NoStore`] answers "not known" to everything.
//!
//! Classification reports what the scan is and what the store knows about it; it never
//! decides whether the scan is welcome: an unknown location or a closed document is still
//! a `Location` or a `Document`, and the session turns that into the kiosk's error.

use super::aim::Symbology;
use super::gs1::{GS, Gs1Error, Gs1Message, Gs1Partial, Gs1Reading, digital_link};
use super::gtin::{Gtin, normalize_barcode};
use crate::config::{BarcodeConfig, Gs1WithoutPrefix};
use crate::domain::{DocumentKind, DocumentStatus, SerialStatus, Tracking};
use std::borrow::Cow;

/// A station command barcode (`CMD-…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Receive,
    Transfer,
    Pick,
    Return,
    Lookup,
    /// `CMD-COUNT`: cycle count mode.
    Count,
    Done,
    Cancel,
    Undo,
    /// `CMD-QTY-<n>`: the next line's quantity, 1…99999.
    Quantity(u32),
    Ack,
    Logout,
    /// `CMD-PRINT`: in receive mode, the label of the line just received.
    Print,
}

/// Every command word and what it is for, in the order of the printed command sheet
/// (`scantrail labels commands`). [`Command::parse`] and [`Command::word`] read this table,
/// so a command that scans is a command that is printed: a new one added here is on the
/// sheet, and one that is not here does not parse.
pub const COMMAND_TABLE: &[(&str, Command, &str)] = &[
    ("RECEIVE", Command::Receive, "Receive mode: goods in"),
    ("TRANSFER", Command::Transfer, "Transfer mode: move stock"),
    ("PICK", Command::Pick, "Pick mode: sales orders"),
    ("RETURN", Command::Return, "Return mode: returns desk"),
    ("COUNT", Command::Count, "Count mode: cycle count"),
    ("LOOKUP", Command::Lookup, "Lookup mode: what the books say"),
    ("DONE", Command::Done, "Done: close the document"),
    ("CANCEL", Command::Cancel, "Cancel what is pending"),
    ("UNDO", Command::Undo, "Undo the last recorded scan"),
    ("ACK", Command::Ack, "Acknowledge the error"),
    ("LOGOUT", Command::Logout, "Log the operator out"),
    (
        "PRINT",
        Command::Print,
        "Print the label of the line just received",
    ),
];

/// The quantities printed on the command sheet, `CMD-QTY-1` to `CMD-QTY-10`; any other from
/// 1 to 99999 is scanned from a label of its own.
pub const SHEET_QUANTITIES: std::ops::RangeInclusive<u32> = 1..=10;

impl Command {
    /// Reads the part after the command prefix (`RECEIVE`, `QTY-12`, …).
    pub fn parse(word: &str) -> Result<Command, CommandError> {
        if let Some((_, command, _)) = COMMAND_TABLE.iter().find(|(w, _, _)| *w == word) {
            return Ok(*command);
        }
        let Some(n) = word.strip_prefix("QTY-") else {
            return Err(CommandError::Unknown);
        };
        match n.parse::<u32>() {
            Ok(q @ 1..=99_999) if n.bytes().all(|b| b.is_ascii_digit()) => Ok(Command::Quantity(q)),
            _ => Err(CommandError::Quantity),
        }
    }

    /// The word after the prefix, as printed on the barcode.
    pub fn word(self) -> String {
        match self {
            Command::Quantity(n) => format!("QTY-{n}"),
            other => COMMAND_TABLE
                .iter()
                .find(|(_, c, _)| *c == other)
                .map(|(w, _, _)| (*w).to_owned())
                .unwrap_or_default(),
        }
    }

    /// What the command does, in a few words: the caption under its barcode.
    pub fn caption(self) -> String {
        match self {
            Command::Quantity(n) => format!("Quantity {n} for the next line"),
            other => COMMAND_TABLE
                .iter()
                .find(|(_, c, _)| *c == other)
                .map(|(_, _, caption)| (*caption).to_owned())
                .unwrap_or_default(),
        }
    }

    /// The commands of the printed sheet: the whole table, then `QTY-1` to `QTY-10`.
    pub fn sheet() -> impl Iterator<Item = Command> {
        COMMAND_TABLE
            .iter()
            .map(|(_, c, _)| *c)
            .chain(SHEET_QUANTITIES.map(Command::Quantity))
    }
}

/// Why a `CMD-…` barcode is not a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("unknown command")]
    Unknown,
    #[error("a quantity command needs a whole number from 1 to 99999")]
    Quantity,
}

/// A product that a barcode belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductMatch {
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    /// Units that one scan of this barcode stands for (a case barcode: 12); at least 1.
    pub units: u32,
}

/// One unit that carries a scanned serial (the same serial text may exist for two products).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownSerial {
    pub sku: String,
    pub status: SerialStatus,
    /// Where the unit is while in stock.
    pub location: Option<String>,
}

/// A location the store knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownLocation {
    pub code: String,
    pub name: String,
}

/// A document the store knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
}

/// The store could not answer (the database is unreadable); the scan cannot be classified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the journal could not be read: {0}")]
pub struct LookupError(pub String);

/// The read-only questions classification asks the store. Implementations never write.
pub trait ScanLookup {
    /// The product with this barcode. `barcode` is normalised with
    /// [`normalize_barcode`]: a GTIN arrives as its GTIN-14, any other text as scanned.
    fn product_by_barcode(&self, barcode: &str) -> Result<Option<ProductMatch>, LookupError>;
    /// Every unit whose serial is exactly `serial`.
    fn serials(&self, serial: &str) -> Result<Vec<KnownSerial>, LookupError>;
    /// The location with this code (the text after the location prefix).
    fn location(&self, code: &str) -> Result<Option<KnownLocation>, LookupError>;
    /// The document with this reference (the whole text, prefix included).
    fn known_document(&self, reference: &str) -> Result<Option<KnownDocument>, LookupError>;
}

/// The lookup for when there is no database: nothing is known.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoStore;

impl ScanLookup for NoStore {
    fn product_by_barcode(&self, _: &str) -> Result<Option<ProductMatch>, LookupError> {
        Ok(None)
    }
    fn serials(&self, _: &str) -> Result<Vec<KnownSerial>, LookupError> {
        Ok(Vec::new())
    }
    fn location(&self, _: &str) -> Result<Option<KnownLocation>, LookupError> {
        Ok(None)
    }
    fn known_document(&self, _: &str) -> Result<Option<KnownDocument>, LookupError> {
        Ok(None)
    }
}

/// What a scan means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Classified {
    /// A station command (`CMD-DONE`, `CMD-QTY-12`, …).
    Command(Command),
    /// Starts with the command prefix but is no command; `text` is the whole scan data.
    BadCommand { text: String, error: CommandError },
    /// Valid GS1 data (AIM GS1 identifier, Digital Link, the bracketed form `(01)…`, or
    /// unprefixed element strings in `auto` mode), with the product of its AI (01) if the store knows that GTIN.
    Gs1 {
        message: Gs1Message,
        product: Option<ProductMatch>,
    },
    /// GS1 element strings (behind a GS1 symbology identifier or a leading GS, or in the
    /// bracketed form) that are all valid but lack partner AIs that their `req` rules
    /// need, such as a lot (10) in a symbol of its own: `message.needs()` names them.
    /// Another scan supplies them (a pending product supplies (01)); on its own it is an
    /// error, but not an unreadable barcode.
    PartialGs1 { message: Gs1Partial },
    /// Data that is GS1 by its symbology identifier, is a Digital Link or is in the
    /// bracketed form, but is not valid.
    InvalidGs1 { error: Gs1Error },
    /// `LOC-…`: `code` is the text after the prefix; `known` is the store's record, if any.
    Location {
        code: String,
        known: Option<KnownLocation>,
    },
    /// `PO-…`, `SO-…` or `RMA-…`: the whole text is the reference; `kind` comes from the
    /// prefix; `known` is the store's record (with its open/closed status), if any.
    Document {
        reference: String,
        kind: DocumentKind,
        known: Option<KnownDocument>,
    },
    /// `OP-…`: `code` is the operator code after the prefix.
    Operator { code: String },
    /// A known product barcode. `barcode` is the normalised text that matched (a GTIN-14
    /// for GTINs), `gtin` set when it is a GTIN.
    Product {
        barcode: String,
        gtin: Option<Gtin>,
        product: ProductMatch,
    },
    /// A serial the store knows (one entry per product carrying it). The session uses it
    /// only where its mode allows a serial on its own; elsewhere it is text.
    Serial {
        serial: String,
        units: Vec<KnownSerial>,
    },
    /// A valid GTIN (8, 12, 13 or 14 digits, or UPC-E) that is no known product barcode.
    Gtin { gtin: Gtin, text: String },
    /// Anything else: a lot or serial when the session expects one, else "unknown barcode".
    /// `gs1_error` explains why text that began like GS1 (a leading GS, or `01` + a valid
    /// GTIN-14 in `auto` mode) was not read as GS1.
    Text {
        text: String,
        gs1_error: Option<Gs1Error>,
    },
}

impl Classified {
    /// The kind's one word, as `scantrail decode` prints it.
    pub fn kind(&self) -> &'static str {
        match self {
            Classified::Command(_) | Classified::BadCommand { .. } => "command",
            Classified::Gs1 { .. }
            | Classified::PartialGs1 { .. }
            | Classified::InvalidGs1 { .. } => "gs1",
            Classified::Location { .. } => "location",
            Classified::Document { .. } => "document",
            Classified::Operator { .. } => "operator",
            Classified::Product { .. } => "product",
            Classified::Serial { .. } => "serial",
            Classified::Gtin { .. } => "gtin",
            Classified::Text { .. } => "text",
        }
    }
}

/// Classifies scans by the rules of one `[barcodes]` config section.
#[derive(Debug, Clone)]
pub struct Classifier {
    config: BarcodeConfig,
    separators: Vec<char>,
}

impl Classifier {
    pub fn new(config: &BarcodeConfig) -> Classifier {
        Classifier {
            config: config.clone(),
            separators: config
                .extra_separators
                .iter()
                .filter_map(|s| s.chars().next())
                .collect(),
        }
    }

    /// What `scan` means; `scan` is the text between two terminators, with GS as `\x1d`.
    pub fn classify(&self, scan: &str, store: &dyn ScanLookup) -> Result<Classified, LookupError> {
        let (symbology, data) = Symbology::split(scan);
        if symbology.is_some_and(Symbology::is_gs1) {
            return match Gs1Reading::element_string(data, &self.separators) {
                Ok(reading) => self.reading(reading, store),
                Err(error) => Ok(Classified::InvalidGs1 { error }),
            };
        }
        let c = &self.config;
        if let Some(word) = data.strip_prefix(c.command_prefix.as_str()) {
            return Ok(match Command::parse(word) {
                Ok(command) => Classified::Command(command),
                Err(error) => Classified::BadCommand {
                    text: data.to_owned(),
                    error,
                },
            });
        }
        if digital_link::is_digital_link(data) {
            return match digital_link::parse(data) {
                Ok(message) => self.gs1(message, store),
                Err(error) => Ok(Classified::InvalidGs1 { error }),
            };
        }
        if starts_with_bracketed_ai(data) {
            return match Gs1Reading::bracketed(data) {
                Ok(reading) => self.reading(reading, store),
                Err(error) => Ok(Classified::InvalidGs1 { error }),
            };
        }
        // Unprefixed element strings: after an FNC1 in first position sent as GS (a scanner
        // with AIM identifiers off), or, in `auto` mode, starting with `01` + a GTIN-14.
        let mut gs1_error = None;
        if data.starts_with(GS)
            || c.gs1_without_prefix == Gs1WithoutPrefix::Auto && starts_with_gtin_ai(data)
        {
            match Gs1Reading::element_string(data, &self.separators) {
                Ok(reading) => return self.reading(reading, store),
                Err(error) => gs1_error = Some(error),
            }
        }
        if let Some(code) = data.strip_prefix(c.location_prefix.as_str()) {
            return Ok(Classified::Location {
                code: code.to_owned(),
                known: store.location(code)?,
            });
        }
        let document_kind = [
            (&c.purchase_prefix, DocumentKind::Purchase),
            (&c.sale_prefix, DocumentKind::Sale),
            (&c.return_prefix, DocumentKind::Return),
        ]
        .into_iter()
        .find(|(prefix, _)| data.starts_with(prefix.as_str()))
        .map(|(_, kind)| kind);
        if let Some(kind) = document_kind {
            return Ok(Classified::Document {
                reference: data.to_owned(),
                kind,
                known: store.known_document(data)?,
            });
        }
        if let Some(code) = data.strip_prefix(c.operator_prefix.as_str()) {
            return Ok(Classified::Operator {
                code: code.to_owned(),
            });
        }
        let (gtin, other_reading) = gtin_readings(data, symbology);
        let barcode = match gtin {
            Some(g) => g.as_gtin14(),
            None => normalize_barcode(data),
        };
        if let Some(product) = store.product_by_barcode(&barcode)? {
            return Ok(Classified::Product {
                barcode,
                gtin,
                product,
            });
        }
        if let Some(other) = other_reading {
            let barcode = other.as_gtin14();
            if let Some(product) = store.product_by_barcode(&barcode)? {
                return Ok(Classified::Product {
                    barcode,
                    gtin: Some(other),
                    product,
                });
            }
        }
        let units = store.serials(data)?;
        if !units.is_empty() {
            return Ok(Classified::Serial {
                serial: data.to_owned(),
                units,
            });
        }
        Ok(match gtin {
            Some(gtin) => Classified::Gtin {
                gtin,
                text: data.to_owned(),
            },
            None => Classified::Text {
                text: data.to_owned(),
                gs1_error,
            },
        })
    }

    fn reading(
        &self,
        reading: Gs1Reading,
        store: &dyn ScanLookup,
    ) -> Result<Classified, LookupError> {
        match reading {
            Gs1Reading::Complete(message) => self.gs1(message, store),
            Gs1Reading::Partial(message) => Ok(Classified::PartialGs1 { message }),
        }
    }

    fn gs1(&self, message: Gs1Message, store: &dyn ScanLookup) -> Result<Classified, LookupError> {
        let product = match message.gtin() {
            Some(gtin) => store.product_by_barcode(&gtin.as_gtin14())?,
            None => None,
        };
        Ok(Classified::Gs1 { message, product })
    }
}

/// `(` two to four digits `)`: the bracketed human-readable form someone typed.
fn starts_with_bracketed_ai(data: &str) -> bool {
    data.strip_prefix('(')
        .and_then(|rest| rest.split_once(')'))
        .is_some_and(|(ai, _)| {
            (2..=4).contains(&ai.len()) && ai.bytes().all(|b| b.is_ascii_digit())
        })
}

/// `01` followed by a GTIN-14 with a valid check digit: the start that makes unprefixed
/// text a GS1 candidate in `auto` mode.
fn starts_with_gtin_ai(data: &str) -> bool {
    data.strip_prefix("01")
        .and_then(|rest| rest.get(..14))
        .is_some_and(|g| Gtin::parse(g).is_ok())
}

/// The GTIN an all-digit scan stands for, and for 8 digits the other possible reading.
/// GTIN-8/12/13/14 go by their check digit; 8 digits may also be a UPC-E code, which is
/// the first reading behind `]E0` and otherwise the second (or the only one when the check
/// digit does not fit a GTIN-8).
fn gtin_readings(data: &str, symbology: Option<Symbology>) -> (Option<Gtin>, Option<Gtin>) {
    let as_gtin = Gtin::parse(data).ok();
    if data.len() != 8 {
        return (as_gtin, None);
    }
    let as_upc_e = Gtin::from_upc_e(data).ok();
    let (first, second) = if symbology.is_some_and(Symbology::is_e0) {
        (as_upc_e, as_gtin)
    } else {
        (as_gtin, as_upc_e)
    };
    match (first, second) {
        (None, second) => (second, None),
        (first, second) => (first, second.filter(|s| Some(*s) != first)),
    }
}

/// Turns the ways a person types the GS separator into the character itself: `<GS>` and
/// the four characters `\x1d` (as in replay files and `scantrail decode` arguments).
pub fn expand_typed_separators(text: &str) -> Cow<'_, str> {
    if text.contains("<GS>") || text.contains("\\x1d") || text.contains("\\x1D") {
        Cow::Owned(
            text.replace("<GS>", "\x1d")
                .replace("\\x1d", "\x1d")
                .replace("\\x1D", "\x1d"),
        )
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of each command. The match below is exhaustive: a new variant does not compile
    /// until it is added here, and the test then fails until it is in [`COMMAND_TABLE`].
    const EVERY_COMMAND: [Command; 13] = [
        Command::Receive,
        Command::Transfer,
        Command::Pick,
        Command::Return,
        Command::Lookup,
        Command::Count,
        Command::Done,
        Command::Cancel,
        Command::Undo,
        Command::Quantity(7),
        Command::Ack,
        Command::Logout,
        Command::Print,
    ];

    fn listed(command: Command) -> bool {
        match command {
            Command::Receive
            | Command::Transfer
            | Command::Pick
            | Command::Return
            | Command::Lookup
            | Command::Count
            | Command::Done
            | Command::Cancel
            | Command::Undo
            | Command::Quantity(_)
            | Command::Ack
            | Command::Logout
            | Command::Print => EVERY_COMMAND
                .iter()
                .any(|c| std::mem::discriminant(c) == std::mem::discriminant(&command)),
        }
    }

    #[test]
    fn every_command_is_on_the_sheet_and_reads_back() {
        let sheet: Vec<Command> = Command::sheet().collect();
        for command in EVERY_COMMAND {
            assert!(listed(command));
            assert!(
                sheet
                    .iter()
                    .any(|c| std::mem::discriminant(c) == std::mem::discriminant(&command)),
                "{command:?} is not on the command sheet: add it to COMMAND_TABLE"
            );
        }
        for command in &sheet {
            assert_eq!(Command::parse(&command.word()), Ok(*command));
            assert!(!command.caption().is_empty());
        }
        let quantities: Vec<u32> = sheet
            .iter()
            .filter_map(|c| match c {
                Command::Quantity(n) => Some(*n),
                _ => None,
            })
            .collect();
        assert_eq!(quantities, (1..=10).collect::<Vec<_>>());
        assert_eq!(sheet.len(), COMMAND_TABLE.len() + 10);
    }
}
