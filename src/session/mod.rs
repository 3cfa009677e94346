//! The scan-state machine of SPEC §4–§5, sans-IO.
//!
//! [`Session::handle`] takes the time, one classified scan and a read-only [`World`], and
//! answers with a [`Proposal`]: the scan's feedback, the movements to record, a document to
//! close, a lookup to answer, a timer to set. It performs no I/O and reads no clock. The
//! caller writes the proposal (the scan-log row and the movements, in one transaction) and
//! then calls [`Session::settle`] with what the database said; only then does the session
//! take on its new state, so a refused or failed write changes nothing but the error lock.
//! Errors never change the state: the person scans again. Timers come back as
//! [`Session::timeout`]; a stale timer id is ignored.

mod lines;
mod partial;
pub mod world;

pub use world::World;

use crate::barcode::classify::{Classified, Command, KnownSerial, LookupError, ProductMatch};
use crate::config::Config;
use crate::domain::{DocumentKind, DocumentStatus, MovementKind, Outcome, SerialStatus, Tracking};
use chrono::{DateTime, NaiveDate, Utc};
use std::time::Duration;
use uuid::Uuid;

/// What the station is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Receive,
    Transfer,
    Pick,
    Return,
    Lookup,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Receive => "RECEIVE",
            Mode::Transfer => "TRANSFER",
            Mode::Pick => "PICK",
            Mode::Return => "RETURN",
            Mode::Lookup => "LOOKUP",
        }
    }
}

/// One scan as the session sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// The scan as typed (GS as `\x1d`).
    pub raw: String,
    /// The scanner it came from, if any.
    pub device: Option<String>,
    pub meaning: Classified,
}

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
    fn ok(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Ok,
            headline: headline.into(),
            message: message.into(),
        }
    }

    fn info(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Info,
            headline: headline.into(),
            message: message.into(),
        }
    }

    fn error(headline: impl Into<String>, message: impl Into<String>) -> Feedback {
        Feedback {
            outcome: Outcome::Error,
            headline: headline.into(),
            message: message.into(),
        }
    }

    /// Adds warnings in front: an ok becomes a warning, an error stays an error.
    fn with_warnings(mut self, warnings: &[String]) -> Feedback {
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

/// A lot named in a movement, with the expiry its label carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotDraft {
    pub code: String,
    pub expiry: Option<NaiveDate>,
}

/// A movement the session wants recorded, in natural keys; the core resolves them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MovementDraft {
    pub kind: MovementKind,
    pub sku: String,
    pub lot: Option<LotDraft>,
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

/// A timer's id; a timeout with an id the session no longer waits for is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u64);

/// A timer to set: call [`Session::timeout`] with `id` after `after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timer {
    pub id: TimerId,
    pub after: Duration,
}

/// What one scan asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub feedback: Feedback,
    pub movements: Vec<MovementDraft>,
    pub close_document: Option<String>,
    pub lookup: Option<LookupRequest>,
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

/// The result of settling a proposal: the final feedback and a timer to set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub feedback: Feedback,
    pub timer: Option<Timer>,
}

/// A document the station works against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub partner: String,
}

/// A product waiting for its lot or its serials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pending {
    None,
    /// The next text is the lot of `product`; the line counts `qty`.
    Lot {
        product: ProductMatch,
        qty: u32,
        timer: Option<TimerId>,
    },
    /// Every text is a serial of `product` until something else ends the run.
    Serials {
        product: ProductMatch,
        expected: u32,
        done: u32,
        timer: Option<TimerId>,
    },
}

/// One line of the transfer tote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToteLine {
    pub product: ProductMatch,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub qty: u32,
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

/// How many recorded groups `CMD-UNDO` can walk back through in one session.
pub const UNDO_DEPTH: usize = 200;

/// A group this session recorded, for `CMD-UNDO`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DoneGroup {
    summary: String,
    movements: Vec<(Uuid, MovementDraft)>,
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
    /// The error waiting for `CMD-ACK`.
    pub lock: Option<String>,
}

/// The rules from `config.toml` that the session applies.
#[derive(Debug, Clone)]
pub struct Rules {
    pub config: Config,
    pub pending_timeout: Duration,
}

impl Rules {
    pub fn new(config: &Config) -> Rules {
        Rules {
            config: config.clone(),
            pending_timeout: Duration::from_secs(u64::from(config.session.pending_timeout_s)),
        }
    }

    fn default_location(&self, mode: Mode) -> Option<String> {
        match mode {
            Mode::Receive => self.config.receive.location.clone(),
            Mode::Pick => self.config.pick.location.clone(),
            Mode::Return => self.config.returns.location.clone(),
            Mode::Transfer | Mode::Lookup => None,
        }
    }
}

/// What a proposal will do to the state if it is recorded.
#[derive(Debug, Clone)]
struct InFlight {
    next: State,
    feedback: Feedback,
    movements: Vec<MovementDraft>,
    /// Whether a recorded proposal joins the undo history (an undo itself does not).
    undoable: bool,
    timer: Option<Timer>,
}

/// Working space while one scan is decided.
#[derive(Debug, Default)]
struct Out {
    movements: Vec<MovementDraft>,
    close_document: Option<String>,
    lookup: Option<LookupRequest>,
    timer: Option<Timer>,
    is_undo: bool,
    warnings: Vec<String>,
}

type Step = Result<Feedback, Feedback>;

/// The scan-state machine of one station.
#[derive(Debug)]
pub struct Session {
    rules: Rules,
    state: State,
    /// Groups recorded in this session, newest last, for `CMD-UNDO`; kept out of [`State`]
    /// so that deciding a scan never copies it.
    undo: std::collections::VecDeque<DoneGroup>,
    in_flight: Option<InFlight>,
    next_timer: u64,
    /// The day of the scan being decided (for expiry checks).
    today: Option<NaiveDate>,
}

impl Session {
    /// A station in `mode`, at that mode's default location.
    pub fn new(rules: Rules, mode: Mode) -> Session {
        let location = rules.default_location(mode);
        Session {
            rules,
            state: State {
                mode,
                document: None,
                location,
                operator: None,
                armed_qty: None,
                pending: Pending::None,
                tote: Tote::default(),
                lock: None,
            },
            undo: std::collections::VecDeque::new(),
            in_flight: None,
            next_timer: 0,
            today: None,
        }
    }

    /// The state as it stands (after the last settled scan).
    pub fn state(&self) -> &State {
        &self.state
    }

    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// Decides what one scan means here and now. The state changes only when the caller
    /// settles the proposal.
    pub fn handle(&mut self, now: DateTime<Utc>, scan: &Scan, world: &dyn World) -> Proposal {
        let mut next = self.state.clone();
        let mut out = Out::default();
        let today = now.date_naive();
        self.today = Some(today);
        let step = match self.decide(&mut next, today, scan, world, &mut out) {
            Ok(step) => step,
            Err(e) => Err(Feedback::error(
                "ERROR",
                format!(
                    "{e}. Nothing was recorded; scan again, and call a supervisor if it goes on"
                ),
            )),
        };
        let (feedback, next, out) = match step {
            Ok(feedback) => (feedback.with_warnings(&out.warnings), next, out),
            Err(feedback) => {
                // An error changes nothing but the lock.
                let mut unchanged = self.state.clone();
                if self.rules.config.feedback.error_requires_ack && unchanged.lock.is_none() {
                    unchanged.lock = Some(feedback.message.clone());
                }
                (feedback, unchanged, Out::default())
            }
        };
        self.in_flight = Some(InFlight {
            next,
            feedback: feedback.clone(),
            movements: out.movements.clone(),
            undoable: !out.is_undo,
            timer: out.timer,
        });
        Proposal {
            feedback,
            movements: out.movements,
            close_document: out.close_document,
            lookup: out.lookup,
        }
    }

    /// Takes what the database said about the last proposal, and moves to the new state if
    /// it was recorded.
    pub fn settle(&mut self, settlement: Settlement) -> Settled {
        let Some(flight) = self.in_flight.take() else {
            return Settled {
                feedback: Feedback::error("ERROR", "Nothing was waiting to be recorded"),
                timer: None,
            };
        };
        match settlement {
            Settlement::Recorded { movement_ids } => {
                if !flight.undoable {
                    self.undo.pop_back();
                } else if !flight.movements.is_empty() {
                    if self.undo.len() == UNDO_DEPTH {
                        self.undo.pop_front();
                    }
                    self.undo.push_back(DoneGroup {
                        summary: flight.feedback.message.clone(),
                        movements: movement_ids.into_iter().zip(flight.movements).collect(),
                    });
                }
                self.state = flight.next;
                Settled {
                    feedback: flight.feedback,
                    timer: flight.timer,
                }
            }
            Settlement::Refused { reason } | Settlement::Failed { reason } => {
                let feedback =
                    Feedback::error("NOT RECORDED", format!("{reason}. Nothing was recorded"));
                if self.rules.config.feedback.error_requires_ack && self.state.lock.is_none() {
                    self.state.lock = Some(feedback.message.clone());
                }
                Settled {
                    feedback,
                    timer: None,
                }
            }
        }
    }

    /// An error that never reached the session (a scan cut short by lost keys, or too long,
    /// or an unreadable database) locks the station like any other error, where
    /// `feedback.error_requires_ack` says so.
    pub fn lock_on_error(&mut self, message: &str) {
        if self.rules.config.feedback.error_requires_ack && self.state.lock.is_none() {
            self.state.lock = Some(message.to_owned());
        }
    }

    /// A timer has run out: a pairing that still waits on it is dropped with a warning.
    pub fn timeout(&mut self, id: TimerId) -> Option<Feedback> {
        let (product, what) = match &self.state.pending {
            Pending::Lot {
                product,
                timer: Some(t),
                ..
            } if *t == id => (product.name.clone(), "its lot"),
            Pending::Serials {
                product,
                timer: Some(t),
                ..
            } if *t == id => (product.name.clone(), "more serials"),
            _ => return None,
        };
        self.state.pending = Pending::None;
        let secs = self.rules.pending_timeout.as_secs();
        Some(Feedback {
            outcome: Outcome::Warn,
            headline: "DROPPED".into(),
            message: format!("No scan for {secs} s: {product} no longer waits for {what}"),
        })
    }

    fn new_timer(&mut self, out: &mut Out) -> TimerId {
        self.next_timer += 1;
        let id = TimerId(self.next_timer);
        out.timer = Some(Timer {
            id,
            after: self.rules.pending_timeout,
        });
        id
    }

    fn decide(
        &mut self,
        next: &mut State,
        today: NaiveDate,
        scan: &Scan,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        if next.lock.is_some() {
            return Ok(match &scan.meaning {
                Classified::Command(Command::Ack) => {
                    next.lock = None;
                    Ok(Feedback::info(
                        "GO ON",
                        "Error acknowledged: go on scanning",
                    ))
                }
                Classified::Command(Command::Cancel) => {
                    next.lock = None;
                    Ok(self.cancel(next))
                }
                _ => Err(Feedback::error(
                    "ACKNOWLEDGE",
                    "An error is waiting: scan CMD-ACK (or press Enter) first, then scan this again",
                )),
            });
        }
        match &scan.meaning {
            Classified::Command(command) => return self.command(next, *command, world, out),
            Classified::BadCommand { text, error } => {
                return Ok(Err(Feedback::error(
                    "UNKNOWN COMMAND",
                    format!(
                        "{} is no command ({error}): use the command sheet",
                        shown(text)
                    ),
                )));
            }
            Classified::Operator { code } => {
                next.operator = Some(code.clone());
                return Ok(Ok(Feedback::ok(
                    "HELLO",
                    format!("Operator {code} logged in"),
                )));
            }
            Classified::InvalidGs1 { error } => {
                return Ok(Err(Feedback::error(
                    "BAD BARCODE",
                    format!(
                        "This GS1 barcode cannot be read: {error}. Scan it again or type its text"
                    ),
                )));
            }
            _ => {}
        }
        if self.rules.config.station.require_operator && next.operator.is_none() {
            return Ok(Err(Feedback::error(
                "WHO ARE YOU?",
                "Scan your operator badge (OP-…) first",
            )));
        }
        match &scan.meaning {
            Classified::Location { code, known } => {
                if known.is_none() {
                    return Ok(Err(Feedback::error(
                        "UNKNOWN LOCATION",
                        format!(
                            "Location {} is not in the catalog: check the label",
                            shown(code)
                        ),
                    )));
                }
                self.end_pending(next, out, None);
                self.location(next, code, world, out)
            }
            Classified::Document {
                reference,
                kind,
                known,
            } => {
                match known {
                    None => {
                        return Ok(Err(Feedback::error(
                            "UNKNOWN DOCUMENT",
                            format!(
                                "{} is not in the system: import it or check the label",
                                shown(reference)
                            ),
                        )));
                    }
                    // Goods come back from orders that were shipped in full: at the returns
                    // desk a closed sales order is still a good reference.
                    Some(doc)
                        if doc.status == DocumentStatus::Closed
                            && next.mode != Mode::Lookup
                            && !(next.mode == Mode::Return && doc.kind == DocumentKind::Sale) =>
                    {
                        return Ok(Err(Feedback::error(
                            "CLOSED",
                            format!(
                                "{reference} is closed: nothing more can be scanned against it"
                            ),
                        )));
                    }
                    Some(_) => {}
                }
                self.end_pending(next, out, None);
                self.document(next, reference, *kind, world, out)
            }
            Classified::Product { product, .. } => self.product(next, product, world, out),
            Classified::Gs1 { message, product } => {
                let Some(product) = product else {
                    let why = match (message.gtin(), message.sscc()) {
                        (Some(gtin), _) => format!("GTIN {gtin} is not in the catalog"),
                        (None, Some(sscc)) => {
                            format!("SSCC {sscc} is a pallet label: scan the products on it")
                        }
                        (None, None) => "This GS1 barcode names no product (AI 01)".to_owned(),
                    };
                    return Ok(Err(Feedback::error("UNKNOWN PRODUCT", why)));
                };
                let line = lines::Line {
                    product: product.clone(),
                    lot: message.lot().map(str::to_owned),
                    expiry: message.expiry(today),
                    serial: message.serial().map(str::to_owned),
                    qty: message.count().or(next.armed_qty).unwrap_or(product.units),
                };
                self.gs1(next, today, line, world, out)
            }
            Classified::PartialGs1 { message } => {
                self.partial_gs1(next, today, message, world, out)
            }
            Classified::Serial { serial, units } => {
                self.text(next, today, serial, Some(units), world, out)
            }
            Classified::Text { text, gs1_error } => {
                let step = self.text(next, today, text, None, world, out)?;
                Ok(step.map_err(|mut e| {
                    if let Some(g) = gs1_error {
                        e.message.push_str(&format!(" (read as GS1: {g})"));
                    }
                    e
                }))
            }
            Classified::Gtin { gtin, text } => {
                if matches!(next.pending, Pending::None) {
                    return Ok(Err(Feedback::error(
                        "UNKNOWN PRODUCT",
                        format!(
                            "GTIN {} is not in the catalog: import the product first",
                            gtin.short_form()
                        ),
                    )));
                }
                self.text(next, today, text, None, world, out)
            }
            Classified::Command(_)
            | Classified::BadCommand { .. }
            | Classified::Operator { .. }
            | Classified::InvalidGs1 { .. } => Ok(Err(Feedback::error(
                "ERROR",
                "This scan was already handled",
            ))),
        }
    }

    /// Ends a pending pairing because another kind of scan came; says so as a warning,
    /// unless `keep_for` is the product the scan is about.
    fn end_pending(&mut self, next: &mut State, out: &mut Out, keep_for: Option<&str>) {
        let soft = next.mode == Mode::Lookup;
        match std::mem::replace(&mut next.pending, Pending::None) {
            Pending::None => {}
            Pending::Lot { product, .. } => {
                if !soft && keep_for != Some(product.sku.as_str()) {
                    out.warnings.push(format!(
                        "No lot was scanned for {}: dropped it",
                        product.name
                    ));
                }
            }
            Pending::Serials {
                product,
                expected,
                done,
                ..
            } => {
                if !soft && done < expected {
                    out.warnings.push(format!(
                        "Serial run of {} ended at {done} of {expected}",
                        product.name
                    ));
                }
            }
        }
    }

    fn command(
        &mut self,
        next: &mut State,
        command: Command,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let mode = match command {
            Command::Receive => Some(Mode::Receive),
            Command::Transfer => Some(Mode::Transfer),
            Command::Pick => Some(Mode::Pick),
            Command::Return => Some(Mode::Return),
            Command::Lookup => Some(Mode::Lookup),
            _ => None,
        };
        if let Some(mode) = mode {
            if !next.tote.lines.is_empty() {
                return Ok(Err(Feedback::error(
                    "TOTE NOT EMPTY",
                    format!(
                        "The tote holds {} item(s): scan the destination location, or CMD-CANCEL to empty it",
                        next.tote.units()
                    ),
                )));
            }
            self.end_pending(next, out, None);
            next.mode = mode;
            next.document = None;
            next.location = self.rules.default_location(mode);
            next.armed_qty = None;
            next.tote = Tote::default();
            let hint = match mode {
                Mode::Receive => "scan a purchase order, a location or products",
                Mode::Transfer => "scan the source location, then items, then the destination",
                Mode::Pick => "scan the sales order",
                Mode::Return => {
                    "scan the returned items (a sales order or RMA first if you have one)"
                }
                Mode::Lookup => "scan anything to see what the books say",
            };
            return Ok(Ok(Feedback::ok(
                mode.as_str(),
                format!("{} mode: {hint}", title_case(mode.as_str())),
            )));
        }
        Ok(match command {
            Command::Quantity(n) => {
                next.armed_qty = Some(n);
                Ok(Feedback::ok(
                    format!("QTY {n}"),
                    format!("The next line counts {n}"),
                ))
            }
            Command::Cancel => Ok(self.cancel(next)),
            Command::Ack => Ok(Feedback::info("OK", "Nothing to acknowledge")),
            Command::Logout => match next.operator.take() {
                Some(op) => Ok(Feedback::ok("BYE", format!("Operator {op} logged out"))),
                None => Ok(Feedback::info("BYE", "Nobody was logged in")),
            },
            Command::Done => self.done(next, world, out)?,
            Command::Undo => self.undo(world, out)?,
            Command::Receive
            | Command::Transfer
            | Command::Pick
            | Command::Return
            | Command::Lookup => Err(Feedback::error("ERROR", "mode commands are handled above")),
        })
    }

    fn cancel(&self, next: &mut State) -> Feedback {
        let mut what = Vec::new();
        match std::mem::replace(&mut next.pending, Pending::None) {
            Pending::Lot { product, .. } => {
                what.push(format!("the wait for a lot of {}", product.name))
            }
            Pending::Serials { product, .. } => {
                what.push(format!("the serial run of {}", product.name))
            }
            Pending::None => {}
        }
        if let Some(q) = next.armed_qty.take() {
            what.push(format!("quantity {q}"));
        }
        if !next.tote.lines.is_empty() {
            what.push(format!("the tote of {} item(s)", next.tote.units()));
        }
        next.tote = Tote::default();
        if what.is_empty() {
            Feedback::ok("CANCELLED", "Cancelled: nothing was pending")
        } else {
            Feedback::ok("CANCELLED", format!("Cancelled {}", what.join(", ")))
        }
    }

    fn done(
        &mut self,
        next: &mut State,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        self.end_pending(next, out, None);
        if next.mode == Mode::Transfer {
            if !next.tote.lines.is_empty() {
                return Ok(Err(Feedback::error(
                    "SCAN DESTINATION",
                    format!(
                        "The tote holds {} item(s): scan the destination location",
                        next.tote.units()
                    ),
                )));
            }
            next.tote = Tote::default();
            return Ok(Ok(Feedback::ok(
                "DONE",
                "Transfer finished: scan the next source location",
            )));
        }
        let Some(doc) = next.document.clone() else {
            return Ok(Ok(Feedback::info("DONE", "No document is open")));
        };
        let Some(facts) = world.document(&doc.reference)? else {
            return Ok(Err(Feedback::error(
                "UNKNOWN DOCUMENT",
                format!("{} is gone from the system", doc.reference),
            )));
        };
        // A sales order named at the returns desk is only a reference: there is nothing to close.
        if next.mode == Mode::Return && doc.kind == DocumentKind::Sale {
            next.document = None;
            return Ok(Ok(Feedback::ok(
                "DONE",
                format!("Finished returns against {}", doc.reference),
            )));
        }
        let short = facts.short_lines();
        next.document = None;
        if short == 0 {
            out.close_document = Some(doc.reference.clone());
            Ok(Ok(Feedback::ok(
                "CLOSED",
                format!("{} is complete and closed", doc.reference),
            )))
        } else {
            let word = match doc.kind {
                DocumentKind::Sale => "short-shipped",
                _ => "short",
            };
            Ok(Ok(Feedback {
                outcome: Outcome::Warn,
                headline: "LEFT OPEN".into(),
                message: format!("{}: {short} line(s) {word}; it stays open", doc.reference),
            }))
        }
    }

    fn undo(&mut self, world: &dyn World, out: &mut Out) -> Result<Step, LookupError> {
        let Some(group) = self.undo.back().cloned() else {
            return Ok(Err(Feedback::error(
                "NOTHING TO UNDO",
                "Nothing recorded at this station in this session is left to undo",
            )));
        };
        // What each movement put somewhere must still be there.
        let mut needed: Vec<(String, String, Option<String>, i64)> = Vec::new();
        for (_, m) in &group.movements {
            if let Some(serial) = &m.serial {
                // The serial must still be where this movement left it.
                let facts = world.serial(&m.sku, serial)?;
                let still_there = match (&facts, &m.to) {
                    (Some(f), Some(to)) => {
                        f.status == SerialStatus::InStock && f.location.as_ref() == Some(to)
                    }
                    (Some(f), None) => f.status == SerialStatus::Shipped,
                    (None, _) => false,
                };
                if !still_there {
                    let now = match facts {
                        Some(f) => match f.location {
                            Some(loc) => format!("it is at {loc} now"),
                            None => "it has been shipped since".to_owned(),
                        },
                        None => "it is no longer in the books".to_owned(),
                    };
                    return Ok(Err(Feedback::error(
                        "CANNOT UNDO",
                        format!("Cannot undo: serial {serial} has moved on since ({now})"),
                    )));
                }
            } else if let Some(to) = &m.to {
                let lot = m.lot.as_ref().map(|l| l.code.clone());
                match needed
                    .iter_mut()
                    .find(|(s, l, lt, _)| *s == m.sku && l == to && *lt == lot)
                {
                    Some(entry) => entry.3 += i64::from(m.qty),
                    None => needed.push((m.sku.clone(), to.clone(), lot, i64::from(m.qty))),
                }
            }
        }
        for (sku, location, lot, qty) in &needed {
            let have = world.stock(sku, location, lot.as_deref())?;
            if have < *qty {
                return Ok(Err(Feedback::error(
                    "CANNOT UNDO",
                    format!(
                        "Cannot undo: only {have} of {qty} × {sku} are still at {location}; the rest has moved on"
                    ),
                )));
            }
        }
        out.is_undo = true;
        out.movements = group
            .movements
            .iter()
            .rev()
            .map(|(id, m)| MovementDraft {
                kind: MovementKind::Reversal,
                from: m.to.clone(),
                to: m.from.clone(),
                reverses: Some(*id),
                ..m.clone()
            })
            .collect();
        Ok(Ok(Feedback::ok(
            "UNDONE",
            format!("Undone: {}", group.summary),
        )))
    }

    fn product(
        &mut self,
        next: &mut State,
        product: &ProductMatch,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        // The same serial product again: one more serial expected.
        if let Pending::Serials {
            product: p,
            expected,
            done,
            ..
        } = &mut next.pending
            && p.sku == product.sku
            && next.mode != Mode::Lookup
        {
            *expected += next.armed_qty.take().unwrap_or(product.units);
            let (expected, done) = (*expected, *done);
            let timer = self.new_timer(out);
            if let Pending::Serials { timer: t, .. } = &mut next.pending {
                *t = Some(timer);
            }
            return Ok(Ok(Feedback::ok(
                "SCAN SERIALS",
                format!("{}: {done}/{expected} — scan the next serial", product.name),
            )));
        }
        self.end_pending(next, out, None);
        if next.mode == Mode::Lookup {
            self.open_pairing(next, product, false, out);
            out.lookup = Some(LookupRequest::Product {
                sku: product.sku.clone(),
            });
            return Ok(Ok(Feedback::info("LOOKUP", product.name.clone())));
        }
        if let Some(refusal) = self.refuse_product(next, product, world)? {
            return Ok(Err(refusal));
        }
        match product.tracking {
            Tracking::None => {
                let qty = next.armed_qty.unwrap_or(product.units);
                let line = lines::Line {
                    product: product.clone(),
                    lot: None,
                    expiry: None,
                    serial: None,
                    qty,
                };
                self.line(next, line, world, out)
            }
            Tracking::Lot | Tracking::Serial => {
                self.open_pairing(next, product, true, out);
                Ok(Ok(match &next.pending {
                    Pending::Lot { qty, .. } => Feedback::ok(
                        "SCAN LOT",
                        format!("Scan the lot of {} ({qty})", product.name),
                    ),
                    Pending::Serials { expected, .. } => Feedback::ok(
                        "SCAN SERIALS",
                        format!("Scan the serials of {} (0/{expected})", product.name),
                    ),
                    Pending::None => Feedback::ok("OK", product.name.clone()),
                }))
            }
        }
    }

    fn open_pairing(
        &mut self,
        next: &mut State,
        product: &ProductMatch,
        timed: bool,
        out: &mut Out,
    ) {
        let timer = timed.then(|| self.new_timer(out));
        let qty = next.armed_qty.take().unwrap_or(product.units);
        next.pending = match product.tracking {
            Tracking::Lot => Pending::Lot {
                product: product.clone(),
                qty,
                timer,
            },
            Tracking::Serial => Pending::Serials {
                product: product.clone(),
                expected: qty,
                done: 0,
                timer,
            },
            Tracking::None => Pending::None,
        };
    }

    fn gs1(
        &mut self,
        next: &mut State,
        today: NaiveDate,
        line: lines::Line,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let product = line.product.clone();
        if next.mode == Mode::Lookup {
            self.end_pending(next, out, None);
            out.lookup = Some(match (&line.serial, &line.lot) {
                (Some(serial), _) => LookupRequest::Serial {
                    sku: product.sku.clone(),
                    serial: serial.clone(),
                },
                (None, Some(lot)) => LookupRequest::Lot {
                    sku: product.sku.clone(),
                    lot: lot.clone(),
                },
                (None, None) => LookupRequest::Product {
                    sku: product.sku.clone(),
                },
            });
            return Ok(Ok(Feedback::info("LOOKUP", product.name)));
        }
        let complete = match product.tracking {
            Tracking::None => true,
            Tracking::Lot => line.lot.is_some(),
            Tracking::Serial => line.serial.is_some(),
        };
        if !complete {
            // Opens the pairing like a product scan, with the count the GS1 scan carried.
            next.armed_qty = Some(line.qty);
            return self.product(next, &product, world, out);
        }
        // A pending wait for this very product is fulfilled by the scan, not dropped.
        let mut line = line;
        match &next.pending {
            Pending::Lot {
                product: p, qty, ..
            } if p.sku == product.sku => {
                line.qty = *qty;
                next.pending = Pending::None;
            }
            Pending::Serials { product: p, .. } if p.sku == product.sku => {}
            _ => self.end_pending(next, out, None),
        }
        if let Some(refusal) = self.refuse_product(next, &product, world)? {
            return Ok(Err(refusal));
        }
        if product.tracking == Tracking::Serial {
            line.qty = 1;
        }
        let _ = today;
        let step = self.line(next, line, world, out)?;
        if step.is_ok()
            && let Pending::Serials {
                product: p,
                done,
                timer,
                ..
            } = &mut next.pending
            && p.sku == product.sku
        {
            *done += 1;
            self.next_timer += 1;
            *timer = Some(TimerId(self.next_timer));
            out.timer = Some(Timer {
                id: TimerId(self.next_timer),
                after: self.rules.pending_timeout,
            });
        }
        Ok(step)
    }

    fn text(
        &mut self,
        next: &mut State,
        _today: NaiveDate,
        text: &str,
        known: Option<&Vec<KnownSerial>>,
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        match next.pending.clone() {
            Pending::Lot { product, qty, .. } => {
                next.pending = Pending::None;
                if next.mode == Mode::Lookup {
                    out.lookup = Some(LookupRequest::Lot {
                        sku: product.sku.clone(),
                        lot: text.to_owned(),
                    });
                    return Ok(Ok(Feedback::info(
                        "LOOKUP",
                        format!("{} lot {}", product.name, shown(text)),
                    )));
                }
                let line = lines::Line {
                    product,
                    lot: Some(text.to_owned()),
                    expiry: None,
                    serial: None,
                    qty,
                };
                self.line(next, line, world, out)
            }
            Pending::Serials { product, .. } => {
                if next.mode == Mode::Lookup {
                    next.pending = Pending::None;
                    out.lookup = Some(LookupRequest::Serial {
                        sku: product.sku.clone(),
                        serial: text.to_owned(),
                    });
                    return Ok(Ok(Feedback::info(
                        "LOOKUP",
                        format!("{} serial {}", product.name, shown(text)),
                    )));
                }
                let line = lines::Line {
                    product: product.clone(),
                    lot: None,
                    expiry: None,
                    serial: Some(text.to_owned()),
                    qty: 1,
                };
                let step = self.line(next, line, world, out)?;
                if step.is_ok() {
                    let timer = self.new_timer(out);
                    if let Pending::Serials {
                        done,
                        expected,
                        timer: t,
                        ..
                    } = &mut next.pending
                    {
                        *done += 1;
                        // More serials than announced: the run grows with them.
                        *expected = (*expected).max(*done);
                        *t = Some(timer);
                    }
                }
                Ok(step)
            }
            Pending::None => match known {
                Some(units) => self.serial_alone(next, text, units, world, out),
                None => Ok(Err(Feedback::error(
                    "UNKNOWN BARCODE",
                    format!(
                        "{} is no product, location, document or command: scan the product first, then its lot or serial",
                        shown(text)
                    ),
                ))),
            },
        }
    }

    fn serial_alone(
        &mut self,
        next: &mut State,
        serial: &str,
        units: &[KnownSerial],
        world: &dyn World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let [unit] = units else {
            let skus: Vec<&str> = units.iter().map(|u| u.sku.as_str()).collect();
            return Ok(Err(Feedback::error(
                "WHICH PRODUCT?",
                format!(
                    "Serial {} exists for {}: scan the product first, then the serial",
                    shown(serial),
                    skus.join(" and ")
                ),
            )));
        };
        let Some(facts) = world.product(&unit.sku)? else {
            return Ok(Err(Feedback::error(
                "UNKNOWN PRODUCT",
                format!("SKU {} is gone from the catalog", unit.sku),
            )));
        };
        if next.mode == Mode::Lookup {
            out.lookup = Some(LookupRequest::Serial {
                sku: unit.sku.clone(),
                serial: serial.to_owned(),
            });
            return Ok(Ok(Feedback::info(
                "LOOKUP",
                format!("{} serial {serial}", facts.name),
            )));
        }
        let product = ProductMatch {
            sku: facts.sku,
            name: facts.name,
            tracking: facts.tracking,
            units: 1,
        };
        if let Some(refusal) = self.refuse_product(next, &product, world)? {
            return Ok(Err(refusal));
        }
        let line = lines::Line {
            product,
            lot: None,
            expiry: None,
            serial: Some(serial.to_owned()),
            qty: 1,
        };
        self.line(next, line, world, out)
    }
}

/// Control characters and escapes in a scan are shown escaped, never sent raw to a screen.
pub fn shown(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\x1d' => "<GS>".to_owned(),
            c if c.is_control() => c.escape_default().to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn title_case(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
