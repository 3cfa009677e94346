//! What the session hands the caller and gets back: the [`Feedback`] of a scan, the
//! [`Proposal`] of what to record, the database's [`Settlement`] of it — and, inside the
//! session, the [`Reject`] that ends the decision of a scan the station does not take.

use crate::barcode::classify::LookupError;
use crate::domain::{LotSpec, MovementKind, Outcome};
use uuid::Uuid;

/// The one outcome of a scan, for the person at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub outcome: Outcome,
    /// A word or two, shown large: "RECEIVED", "SCAN LOT", "ERROR".
    pub headline: String,
    /// One line that says what happened and, for an error, what to do.
    pub message: String,
}

impl Feedback {
    pub(super) fn ok(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Ok,
            headline: headline.into(),
            message: message.into(),
        }
    }

    pub(super) fn info(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Info,
            headline: headline.into(),
            message: message.into(),
        }
    }

    pub(super) fn error(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Error,
            headline: headline.into(),
            message: message.into(),
        }
    }

    /// Adds warnings in front: an ok becomes a warning, an error stays an error.
    pub fn with_warnings(mut self, warnings: &[String]) -> Feedback {
        if warnings.is_empty() {
            return self;
        }
        if self.outcome == Outcome::Ok {
            self.outcome = Outcome::Warn;
            if !self.headline.ends_with(", BUT") {
                self.headline.push_str(", BUT");
            }
        }
        self.message = format!("{}. {}", warnings.join(". "), self.message);
        self
    }
}

/// A scan the station does not take: the error the person sees. Nothing changes but the
/// error lock; the person scans again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Reject(pub Feedback);

impl Reject {
    pub(super) fn new(headline: impl Into<String>, message: impl Into<String>) -> Reject {
        Reject(Feedback::error(headline, message))
    }
}

impl From<LookupError> for Reject {
    /// The books could not be read, so nothing could be decided.
    fn from(e: LookupError) -> Reject {
        Reject::new(
            "ERROR",
            format!("{e}. Nothing was recorded; scan again, and call a supervisor if it goes on"),
        )
    }
}

/// One step of deciding a scan: the feedback of a scan taken, or why it is not.
pub(super) type Step = Result<Feedback, Reject>;

/// A movement the session wants recorded, in natural keys; the core resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementDraft {
    pub kind: MovementKind,
    pub sku: String,
    pub lot: Option<LotSpec>,
    pub serial: Option<String>,
    pub qty: u32,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The supplier or customer on the outside side.
    pub partner: Option<String>,
    pub document: Option<String>,
    pub reverses: Option<Uuid>,
}

/// What a lookup scan asks to see; the core answers it from the store's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupRequest {
    Serial { sku: String, serial: String },
    Lot { sku: String, lot: String },
    Location { code: String },
    Product { sku: String },
    Document { reference: String },
}

/// What one scan asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub feedback: Feedback,
    pub movements: Vec<MovementDraft>,
    pub close_document: Option<String>,
    pub lookup: Option<LookupRequest>,
    /// What the session warned about (a pairing it dropped), already in `feedback`; the
    /// answer to a lookup, which takes the place of its message, must tell them again.
    pub warnings: Vec<String>,
    /// The count this scan books: its movements are that count's document.
    pub count: Option<CountBooking>,
    /// The label this scan asks to be printed.
    pub print: Option<PrintRequest>,
}

/// A label to print (`CMD-PRINT`): the unit, lot or product of the line just received. The
/// session only asks; the core renders it and sends it to the `[labels]` printer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintRequest {
    pub sku: String,
    pub serial: Option<String>,
    pub lot: Option<LotSpec>,
}

/// A booked count, the document of its movements: a reference such as
/// `COUNT-A-01-3-2026-12-01` and the location counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountBooking {
    pub reference: String,
    pub location: String,
}

/// What the database said about a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Written and durable: the ids of the movements, in order.
    Recorded { movement_ids: Vec<Uuid> },
    /// The database refused the movements (its rules); only the scan-log row was written.
    Refused { reason: String },
    /// Nothing could be written (disk full, database busy or broken).
    Failed { reason: String },
}
