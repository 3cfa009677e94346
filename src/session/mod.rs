//! The scan-state machine of SPEC §4–§5, sans-IO.
//!
//! [`Session::handle`] takes the time, one classified scan and a read-only [`World`], and
//! answers with a [`Proposal`]: the scan's feedback, the movements to record, a document to
//! close, a lookup to answer. It performs no I/O and reads no clock. The caller writes the
//! proposal (the scan-log row and the movements, in one transaction) and then calls
//! [`Session::settle`] with what the database said; only then does the session take on its
//! new state, so a refused or failed write changes nothing but the error lock. Errors never
//! change the state: the person scans again.
//!
//! A pending pairing carries its own deadline, set from the time of the scan that opened or
//! continued it. The caller asks [`Session::deadline`] when to come back and calls
//! [`Session::on_deadline`] then (and before the next scan); a pairing that was finished or
//! replaced in between has no such deadline any more, so nothing stale can fire.
//!
//! The parts: `state` (what the station is doing), `proposal` (what goes in and out),
//! `pairing` (a product, a GS1 scan, a text or a serial alone, and the waits between them),
//! `commands` (`CMD-…`), `lines` (what a complete line does in each mode).

mod commands;
mod count;
mod lines;
// The in-memory world: the session's unit tests, and the fuzz target of the session
// (`fuzz/`, which builds scantrail with the `fuzzing` feature).
#[cfg(any(test, feature = "fuzzing"))]
pub mod memory;
mod pairing;
mod partial;
mod proposal;
mod state;
pub mod world;

pub use count::{Count, CountedQty, CountedSerial, Difference, DifferenceKind};
pub use proposal::{
    CountBooking, Feedback, LookupRequest, MovementDraft, PrintRequest, Proposal, Settlement,
};
pub use state::{Mode, OpenDocument, Pending, State, Tote, ToteLine};
pub use world::World;

use crate::barcode::classify::{Classified, Command};
use crate::config::Config;
use crate::domain::{DocumentKind, DocumentStatus, Outcome};
use chrono::{DateTime, Utc};
use proposal::{Reject, Step};
use std::collections::VecDeque;
use std::time::Duration;
use uuid::Uuid;

/// One scan as the session sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scan {
    /// The scan as typed (GS as `\x1d`).
    pub raw: String,
    /// The scanner it came from, if any.
    pub device: Option<String>,
    pub meaning: Classified,
}

/// How many recorded groups `CMD-UNDO` can walk back through in one session.
pub const UNDO_DEPTH: usize = 200;

/// A group this session recorded, for `CMD-UNDO`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DoneGroup {
    summary: String,
    movements: Vec<(Uuid, MovementDraft)>,
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
            Mode::Transfer | Mode::Count | Mode::Lookup => None,
        }
    }

    /// When a pairing opened or continued at `now` is dropped for want of a scan.
    fn pending_deadline(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        chrono::Duration::from_std(self.pending_timeout)
            .ok()
            .and_then(|after| now.checked_add_signed(after))
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
}

/// Working space while one scan is decided.
#[derive(Debug, Default)]
struct Out {
    movements: Vec<MovementDraft>,
    close_document: Option<String>,
    lookup: Option<LookupRequest>,
    is_undo: bool,
    warnings: Vec<String>,
    count: Option<CountBooking>,
    print: Option<PrintRequest>,
}

/// The scan-state machine of one station.
#[derive(Debug)]
pub struct Session {
    rules: Rules,
    state: State,
    /// Groups recorded in this session, newest last, for `CMD-UNDO`; kept out of [`State`]
    /// so that deciding a scan never copies it.
    undo: VecDeque<DoneGroup>,
    in_flight: Option<InFlight>,
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
                count: None,
                lock: None,
            },
            undo: VecDeque::new(),
            in_flight: None,
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
        let (feedback, next, out) = match self.decide(&mut next, now, scan, world, &mut out) {
            Ok(feedback) => (feedback.with_warnings(&out.warnings), next, out),
            Err(Reject(feedback)) => {
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
        });
        Proposal {
            feedback,
            movements: out.movements,
            close_document: out.close_document,
            lookup: out.lookup,
            warnings: out.warnings,
            count: out.count,
            print: out.print,
        }
    }

    /// Takes what the database said about the last proposal, moves to the new state if it
    /// was recorded, and gives the scan's final feedback.
    pub fn settle(&mut self, settlement: Settlement) -> Feedback {
        let Some(flight) = self.in_flight.take() else {
            return Feedback::error("ERROR", "Nothing was waiting to be recorded");
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
                flight.feedback
            }
            Settlement::Refused { reason } | Settlement::Failed { reason } => {
                let feedback =
                    Feedback::error("NOT RECORDED", format!("{reason}. Nothing was recorded"));
                self.lock_on_error(&feedback.message);
                feedback
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

    /// When the pending pairing is dropped if no scan continues it.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.state.pending.deadline()
    }

    /// The time is `now`: a pairing whose deadline has passed is dropped with a warning.
    pub fn on_deadline(&mut self, now: DateTime<Utc>) -> Option<Feedback> {
        if self.deadline().is_none_or(|deadline| deadline > now) {
            return None;
        }
        let (product, what) = match &self.state.pending {
            Pending::Lot { product, .. } => (product.name.clone(), "its lot"),
            Pending::Serials { product, .. } => (product.name.clone(), "more serials"),
            Pending::None => return None,
        };
        self.state.pending = Pending::None;
        let secs = self.rules.pending_timeout.as_secs();
        Some(Feedback {
            outcome: Outcome::Warn,
            headline: "DROPPED".into(),
            message: format!("No scan for {secs} s: {product} no longer waits for {what}"),
        })
    }

    fn decide(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        scan: &Scan,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        if next.lock.is_some() {
            return match &scan.meaning {
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
                _ => Err(Reject::new(
                    "ACKNOWLEDGE",
                    "An error is waiting: scan CMD-ACK (or press Enter) first, then scan this again",
                )),
            };
        }
        match &scan.meaning {
            Classified::Command(command) => {
                if let Some(step) = self.count_command(next, now, *command, world, out) {
                    return step;
                }
                return self.command(next, *command, world, out);
            }
            Classified::BadCommand { text, error } => {
                return Err(Reject::new(
                    "UNKNOWN COMMAND",
                    format!(
                        "{} is no command ({error}): use the command sheet",
                        shown(text)
                    ),
                ));
            }
            Classified::Operator { code } => {
                // A code with control characters is recorded as scanned and shown escaped,
                // like a lot or a serial; an empty one is no operator at all.
                if code.trim().is_empty() {
                    return Err(Reject::new(
                        "BAD OPERATOR",
                        format!(
                            "{} holds no operator code that can be recorded: scan your own \
                             operator badge",
                            shown(&scan.raw)
                        ),
                    ));
                }
                next.operator = Some(code.clone());
                return Ok(Feedback::ok("HELLO", format!("Operator {code} logged in")));
            }
            Classified::InvalidGs1 { error } => {
                return Err(Reject::new(
                    "BAD BARCODE",
                    format!(
                        "This GS1 barcode cannot be read: {error}. Scan it again or type its text"
                    ),
                ));
            }
            _ => {}
        }
        if self.rules.config.station.require_operator && next.operator.is_none() {
            return Err(Reject::new(
                "WHO ARE YOU?",
                "Scan your operator badge (OP-…) first",
            ));
        }
        match &scan.meaning {
            Classified::Location { code, known } => {
                if known.is_none() {
                    return Err(Reject::new(
                        "UNKNOWN LOCATION",
                        format!(
                            "Location {} is not in the catalog: check the label",
                            shown(code)
                        ),
                    ));
                }
                self.end_pending(next, out);
                self.location(next, now, code, world, out)
            }
            Classified::Document {
                reference,
                kind,
                known,
            } => {
                match known {
                    None => {
                        return Err(Reject::new(
                            "UNKNOWN DOCUMENT",
                            format!(
                                "{} is not in the system: import it or check the label",
                                shown(reference)
                            ),
                        ));
                    }
                    // Goods come back from orders that were shipped in full: at the returns
                    // desk a closed sales order is still a good reference.
                    Some(doc)
                        if doc.status == DocumentStatus::Closed
                            && next.mode != Mode::Lookup
                            && !(next.mode == Mode::Return && doc.kind == DocumentKind::Sale) =>
                    {
                        return Err(Reject::new(
                            "CLOSED",
                            format!(
                                "{reference} is closed: nothing more can be scanned against it"
                            ),
                        ));
                    }
                    Some(_) => {}
                }
                self.end_pending(next, out);
                self.document(next, reference, *kind, world, out)
            }
            Classified::Product { product, .. } => self.product(next, now, product, world, out),
            Classified::Gs1 { message, product } => {
                self.gs1(next, now, message, product.as_ref(), world, out)
            }
            Classified::PartialGs1 { message } => self.partial_gs1(next, now, message, world, out),
            Classified::Serial { serial, units } => {
                self.known_serial(next, now, serial, units, world, out)
            }
            Classified::Text { text, gs1_error } => {
                self.text(next, now, text, world, out).map_err(|mut e| {
                    if let Some(g) = gs1_error {
                        e.0.message.push_str(&format!(" (read as GS1: {g})"));
                    }
                    e
                })
            }
            Classified::Gtin { gtin, text } => {
                if matches!(next.pending, Pending::None) {
                    return Err(Reject::new(
                        "UNKNOWN PRODUCT",
                        format!(
                            "GTIN {} is not in the catalog: import the product first",
                            gtin.short_form()
                        ),
                    ));
                }
                self.text(next, now, text, world, out)
            }
            Classified::Command(_)
            | Classified::BadCommand { .. }
            | Classified::Operator { .. }
            | Classified::InvalidGs1 { .. } => {
                Err(Reject::new("ERROR", "This scan was already handled"))
            }
        }
    }
}

/// Control characters and escapes in a scan are shown escaped, never sent raw to a screen;
/// so are the invisible format characters (bidirectional overrides and isolates, zero-width
/// spaces and joiners, the byte-order mark), which would reorder the line on screen or make
/// two different scans look the same.
pub fn shown(text: &str) -> String {
    let needs_escape = |c: char| c.is_control() || is_invisible_format(c);
    // Nearly every text is plain: one copy, no work per character.
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\x1d' => out.push_str("<GS>"),
            c if needs_escape(c) => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

/// Unicode format characters that change how a line is laid out or hide in it.
pub fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

#[cfg(test)]
mod tests {
    //! Deadlines: a pending pairing is dropped when its own deadline passes, and only then.

    use super::memory::Desk;
    use super::{Outcome, Pending};
    use chrono::Duration;

    const ASPIRIN: &str = "0614141000012";
    const LAPTOP: &str = "0614141000029";

    #[test]
    fn shown_copies_plain_text_and_escapes_the_rest() {
        use super::shown;
        assert_eq!(shown("SN-0001 Läppchen 直"), "SN-0001 Läppchen 直");
        assert_eq!(shown(""), "");
        assert_eq!(shown("10ABC\u{1d}21X"), "10ABC<GS>21X");
        assert_eq!(shown("\u{1b}[2Jx"), "\\u{1b}[2Jx");
        assert_eq!(shown("a\u{202e}b\u{200b}"), "a\\u{202e}b\\u{200b}");
        assert_eq!(shown("tab\there\n"), "tab\\there\\n");
    }

    #[test]
    fn a_pairing_is_dropped_at_its_deadline_with_a_warning() {
        let mut desk = Desk::demo();
        assert_eq!(desk.session.deadline(), None);
        desk.scan(ASPIRIN);
        let deadline = desk.clock + Duration::seconds(120);
        assert_eq!(desk.session.deadline(), Some(deadline));
        assert_eq!(
            desk.session.on_deadline(deadline - Duration::seconds(1)),
            None
        );
        let dropped = desk.session.on_deadline(deadline);
        assert_eq!(dropped.as_ref().map(|f| f.outcome), Some(Outcome::Warn));
        assert_eq!(
            dropped.map(|f| f.message).unwrap_or_default(),
            "No scan for 120 s: Aspirin 500 mg ×12 no longer waits for its lot"
        );
        assert_eq!(desk.session.state().pending, Pending::None);
        assert_eq!(desk.session.deadline(), None);
    }

    #[test]
    fn an_old_deadline_passing_leaves_a_newer_pairing_open() {
        let mut desk = Desk::demo();
        desk.scan(ASPIRIN);
        let first = desk.clock + Duration::seconds(120);
        desk.clock += Duration::seconds(60);
        desk.run(&format!("L2026-150\n{LAPTOP}"));
        assert!(desk.session.on_deadline(first).is_none());
        assert!(matches!(
            desk.session.state().pending,
            Pending::Serials { .. }
        ));
        // Each serial moves the run's deadline on.
        desk.clock += Duration::seconds(100);
        desk.scan("SN-4471-0201");
        let later = desk.clock + Duration::seconds(120);
        assert_eq!(desk.session.deadline(), Some(later));
        assert!(
            desk.session
                .on_deadline(later - Duration::seconds(1))
                .is_none()
        );
        assert!(desk.session.on_deadline(later).is_some());
    }

    #[test]
    fn a_refused_scan_leaves_the_deadline_as_it_was() {
        let mut desk = Desk::demo();
        desk.scan(LAPTOP);
        let deadline = desk.session.deadline();
        // A serial that is in stock already: refused, so the run's deadline does not move.
        let p = desk.scan("SN-4471-0091");
        assert_eq!(p.feedback.outcome, Outcome::Error);
        assert_eq!(desk.session.deadline(), deadline);
    }

    #[test]
    fn a_lookup_pairing_has_no_deadline() {
        let mut desk = Desk::demo();
        desk.run(&format!("CMD-LOOKUP\n{ASPIRIN}"));
        assert!(matches!(desk.session.state().pending, Pending::Lot { .. }));
        assert_eq!(desk.session.deadline(), None);
    }
}
