//! What a station is doing between two scans (SPEC §4): its mode, open document,
//! location, operator, armed quantity, the one pending pairing with its deadline, the
//! transfer tote, the count being taken and the error lock. The screen shows it; only a
//! settled scan changes it.

use super::count::Count;
use crate::barcode::classify::ProductMatch;
use crate::domain::DocumentKind;
use chrono::{DateTime, Utc};

/// What the station is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Receive,
    Transfer,
    Pick,
    Return,
    Count,
    Lookup,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Receive => "RECEIVE",
            Mode::Transfer => "TRANSFER",
            Mode::Pick => "PICK",
            Mode::Return => "RETURN",
            Mode::Count => "COUNT",
            Mode::Lookup => "LOOKUP",
        }
    }

    /// Whether a known serial scanned on its own is that serial here (SPEC §3, order 7):
    /// a transfer takes it into the tote, a return takes it back, a count counts it, a
    /// lookup shows it.
    pub fn takes_serial_alone(self) -> bool {
        matches!(
            self,
            Mode::Transfer | Mode::Return | Mode::Count | Mode::Lookup
        )
    }
}

/// A document the station works against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub partner: String,
}

/// A product waiting for its lot or its serials. `deadline` is when the wait is dropped if
/// no scan continues it (`None`: it waits until another scan ends it, as in lookup).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    None,
    /// The next text is the lot of `product`; the line counts `qty`.
    Lot {
        product: ProductMatch,
        qty: u32,
        deadline: Option<DateTime<Utc>>,
    },
    /// Every text is a serial of `product` until something else ends the run.
    Serials {
        product: ProductMatch,
        expected: u32,
        done: u32,
        deadline: Option<DateTime<Utc>>,
    },
}

impl Pending {
    /// When the pairing is dropped for want of a scan.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        match self {
            Pending::None => None,
            Pending::Lot { deadline, .. } | Pending::Serials { deadline, .. } => *deadline,
        }
    }
}

/// One line of the transfer tote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToteLine {
    pub product: ProductMatch,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub qty: u32,
    /// A missing serial found at the source: the transfer books it back in there first.
    pub found: bool,
}

/// The transfer tote: a source and what has been taken from it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tote {
    pub source: Option<String>,
    pub lines: Vec<ToteLine>,
}

impl Tote {
    /// Units in the tote.
    pub fn units(&self) -> u32 {
        self.lines.iter().map(|l| l.qty).sum()
    }
}

/// The station's state: what the screen shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    pub mode: Mode,
    pub document: Option<OpenDocument>,
    /// Put-away, pick or return location (transfer keeps its source in the tote).
    pub location: Option<String>,
    pub operator: Option<String>,
    /// `CMD-QTY-n` waiting for the next line.
    pub armed_qty: Option<u32>,
    pub pending: Pending,
    pub tote: Tote,
    /// The cycle count of one location, while it is taken and reviewed.
    pub count: Option<Count>,
    /// The error waiting for `CMD-ACK`.
    pub lock: Option<String>,
}
