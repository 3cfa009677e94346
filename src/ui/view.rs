//! What the kiosk screen shows, as plain data: built in the core thread from the session's
//! state, the last scan's report and a few read-only questions the core answers (the open
//! document, where a pick line's goods are), then handed to the pure draw functions. Every
//! stored text is escaped on its way in. Nothing here draws, and nothing here writes.

use crate::core::{Core, LookupView, ScanReport};
use crate::domain::{DocumentKind, Outcome, Tracking};
use crate::session::world::LocationBook;
use crate::session::{Count, Difference, DifferenceKind, Feedback, Mode, Pending, shown};
use crate::station::{Happened, SyncNews};
use crate::store::PickStock;
use chrono::{DateTime, Local, NaiveDate, Utc};
use std::collections::VecDeque;

/// How many recent scans the screen keeps.
pub const RECENT: usize = 50;

/// One scan in the "Recent" list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentScan {
    /// Local time, `HH:MM:SS`.
    pub at: String,
    pub outcome: Outcome,
    /// The scan, escaped: never raw.
    pub scan: String,
    pub message: String,
}

/// The last outcome, shown large.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastScan {
    pub outcome: Outcome,
    pub headline: String,
    pub scan: String,
    pub message: String,
}

/// The error lock: the error that waits for `CMD-ACK`, and the last scan it turned away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockView {
    /// The scan that made the error, escaped.
    pub scan: String,
    pub message: String,
    /// The last scan not taken because the error waits.
    pub refused: Option<LastScan>,
}

/// One line of the open document, with what is done and what the station should take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLineView {
    pub name: String,
    pub tracking: Tracking,
    pub done: i64,
    pub ordered: i64,
    /// At a pick: which lot to take and where (first expiry first), or where the stock is.
    pub hint: Option<String>,
}

/// The open document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentView {
    pub reference: String,
    pub kind: DocumentKind,
    pub partner: String,
    pub lines: Vec<DocumentLineView>,
}

/// The count being taken (SPEC §4, `count`): what was counted so far, by product, lot and
/// serial — beside the book figure only when `count.blind = false` — and after the first
/// `CMD-DONE` the differences, missing and found serials named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountView {
    pub location: String,
    /// After the first `CMD-DONE`: the lines are the differences.
    pub reviewing: bool,
    pub units: u64,
    /// One line each: the text, and whether it is a difference that takes stock away (a
    /// shortage or a missing serial) — drawn as a warning.
    pub lines: Vec<(String, bool)>,
}

/// Everything on the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub station: String,
    pub mode: Mode,
    pub operator: Option<String>,
    pub document: Option<DocumentView>,
    /// Put-away, pick or return location; in transfer, the tote's source.
    pub location: Option<String>,
    /// Scanners connected of those configured; `None` when scans come only from the keyboard.
    pub scanners: Option<(usize, usize)>,
    pub last: Option<LastScan>,
    /// What the station waits for, a line each.
    pub waiting: Vec<String>,
    /// The transfer tote, a line each.
    pub tote: Vec<String>,
    /// The count being taken, in count mode.
    pub count: Option<CountView>,
    pub recent: VecDeque<RecentScan>,
    pub lookup: Option<LookupView>,
    /// The error waiting for `CMD-ACK`.
    pub lock: Option<LockView>,
    /// What the keyboard has typed of the next scan.
    pub typing: String,
    /// The demo's cheat sheet (or the help) is open.
    pub help_open: bool,
    /// Barcodes a newcomer can type, for the demo.
    pub cheat_sheet: Vec<(String, String)>,
    /// Where the station stands with the centre; `None` for a standalone station.
    pub sync: Option<SyncView>,
}

/// The header's sync corner (SPEC §7): the last good round, scans not yet at the centre,
/// open conflicts, and whether the centre answered last time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncView {
    /// The last good round, as the clock shows it; `None` before the first.
    pub last_sync: Option<String>,
    /// Scans recorded here that the centre has not acknowledged.
    pub pending: u64,
    pub conflicts: u64,
    /// Whether the last round reached the centre.
    pub online: bool,
}

impl SyncView {
    /// The station's sync state after a round.
    pub fn from_news(news: &SyncNews) -> SyncView {
        let status = news.status.as_ref();
        SyncView {
            last_sync: status.and_then(|s| s.last_sync).map(View::clock),
            pending: status.map_or(0, |s| s.pending),
            conflicts: status.map_or(0, |s| s.open_conflicts),
            online: news.round.is_ok(),
        }
    }
}

impl View {
    pub fn new(station: &str) -> View {
        View {
            station: station.to_owned(),
            mode: Mode::Receive,
            operator: None,
            document: None,
            location: None,
            scanners: None,
            last: None,
            waiting: Vec::new(),
            tote: Vec::new(),
            count: None,
            recent: VecDeque::new(),
            lookup: None,
            lock: None,
            typing: String::new(),
            help_open: false,
            cheat_sheet: Vec::new(),
            sync: None,
        }
    }

    /// The kiosk's clock for the recent list: local `HH:MM:SS`.
    pub fn clock(at: DateTime<Utc>) -> String {
        at.with_timezone(&Local).format("%H:%M:%S").to_string()
    }

    /// Takes in what the core thread did at `now`, then reads the station anew. Gives the
    /// outcome the kiosk rings its bell for, if any.
    pub fn apply(
        &mut self,
        core: &Core,
        now: DateTime<Utc>,
        happened: &Happened,
    ) -> Option<Outcome> {
        let time = View::clock(now);
        let outcome = match happened {
            Happened::Started => None,
            Happened::Scanned(report) => {
                self.record(report, &time);
                // Every scan is logged, so every scan waits for the next round.
                if let Some(sync) = &mut self.sync {
                    sync.pending += 1;
                }
                Some(report.feedback.outcome)
            }
            Happened::Synced(news) => {
                self.sync = Some(SyncView::from_news(news));
                None
            }
            Happened::Notice(feedback) => {
                self.notice(feedback, "(scanner)", &time);
                None
            }
            Happened::TimedOut(notices) => {
                for notice in notices {
                    self.notice(notice, "(timer)", &time);
                }
                Some(Outcome::Warn)
            }
        };
        self.refresh(core, now.date_naive());
        outcome
    }

    /// Takes in one scan's report; `time` is how the recent list shows when it was.
    pub fn record(&mut self, report: &ScanReport, time: &str) {
        for notice in &report.notices {
            self.push_recent(time, "(timer)", notice);
        }
        let scan = shown(&report.scan);
        self.push_recent(time, &scan, &report.feedback);
        // Under the lock every error is a scan turned away: the error before it still waits.
        if let Some(lock) = &mut self.lock
            && report.feedback.outcome == Outcome::Error
        {
            lock.refused = Some(LastScan {
                outcome: report.feedback.outcome,
                headline: report.feedback.headline.clone(),
                scan: scan.clone(),
                message: report.feedback.message.clone(),
            });
        }
        self.last = Some(LastScan {
            outcome: report.feedback.outcome,
            headline: report.feedback.headline.clone(),
            scan,
            message: report.feedback.message.clone(),
        });
        if report.view.is_some() || self.mode != Mode::Lookup {
            self.lookup = report.view.clone();
        }
    }

    /// News with no scan: a pairing's timer ran out (`source` "(timer)"), a scanner came or
    /// went ("(scanner)").
    pub fn notice(&mut self, feedback: &Feedback, source: &str, time: &str) {
        self.push_recent(time, source, feedback);
        self.last = Some(LastScan {
            outcome: feedback.outcome,
            headline: feedback.headline.clone(),
            scan: String::new(),
            message: feedback.message.clone(),
        });
    }

    fn push_recent(&mut self, time: &str, scan: &str, feedback: &Feedback) {
        if self.recent.len() == RECENT {
            self.recent.pop_back();
        }
        self.recent.push_front(RecentScan {
            at: time.to_owned(),
            outcome: feedback.outcome,
            scan: scan.to_owned(),
            message: feedback.message.clone(),
        });
    }

    /// Reads the station's state and the open document's progress anew.
    pub fn refresh(&mut self, core: &Core, today: NaiveDate) {
        let state = core.session().state();
        self.station = core.station().to_owned();
        if self.mode != state.mode {
            self.lookup = None;
        }
        self.mode = state.mode;
        // Every stored text is escaped on its way to the screen: a code may hold any
        // character a scanner sent.
        self.operator = state.operator.as_deref().map(shown);
        self.lock = match (self.lock.take(), &state.lock) {
            (_, None) => None,
            (Some(lock), Some(message)) => Some(LockView {
                message: shown(message),
                ..lock
            }),
            // Locked by the scan just recorded.
            (None, Some(message)) => Some(LockView {
                scan: self
                    .last
                    .as_ref()
                    .map(|l| l.scan.clone())
                    .unwrap_or_default(),
                message: shown(message),
                refused: None,
            }),
        };
        self.location = match state.mode {
            Mode::Transfer => state.tote.source.as_deref(),
            _ => state.location.as_deref(),
        }
        .map(shown);
        self.document = state.document.as_ref().and_then(|doc| {
            let facts = core.document(&doc.reference).ok().flatten()?;
            let lines = facts
                .lines
                .iter()
                .map(|l| DocumentLineView {
                    name: shown(&l.name),
                    tracking: l.tracking,
                    done: l.done,
                    ordered: l.ordered,
                    hint: (state.mode == Mode::Pick && l.done < l.ordered)
                        .then(|| {
                            pick_hint(core, &l.sku, l.tracking, state.location.as_deref(), today)
                        })
                        .flatten(),
                })
                .collect();
            Some(DocumentView {
                reference: shown(&facts.reference),
                kind: facts.kind,
                partner: shown(&facts.partner),
                lines,
            })
        });
        self.tote = state
            .tote
            .lines
            .iter()
            .map(|l| {
                let name = shown(&l.product.name);
                match (&l.serial, &l.lot) {
                    (Some(s), _) => format!("{name} {}", shown(s)),
                    (None, Some(lot)) => format!("{} × {name}, lot {}", l.qty, shown(lot)),
                    (None, None) => format!("{} × {name}", l.qty),
                }
            })
            .collect();
        self.count = state
            .count
            .as_ref()
            .map(|c| count_view(core, c, core.session().rules().config.count.blind));
        let mut waiting = match &state.pending {
            Pending::Lot { product, qty, .. } => vec![
                format!("the lot of {} ({qty})", shown(&product.name)),
                "scan the lot label".to_owned(),
            ],
            Pending::Serials {
                product,
                expected,
                done,
                ..
            } => vec![
                format!("serials of {}  {done}/{expected}", shown(&product.name)),
                "scan the next serial".to_owned(),
                "CMD-DONE when the run is done".to_owned(),
            ],
            Pending::None => match state.mode {
                Mode::Receive => vec![
                    "products, a purchase order".to_owned(),
                    "or the put-away location".to_owned(),
                ],
                Mode::Transfer => match state.tote.source.as_deref().map(shown) {
                    None => vec!["the source location (LOC-…)".to_owned()],
                    Some(source) if state.tote.lines.is_empty() => {
                        vec![format!("items to take from {source}")]
                    }
                    Some(source) => vec![
                        format!("more items from {source}"),
                        "or the destination location".to_owned(),
                    ],
                },
                Mode::Pick if state.document.is_none() => vec!["the sales order (SO-…)".to_owned()],
                Mode::Pick => vec![
                    "the items on the pick list".to_owned(),
                    "CMD-DONE when packed".to_owned(),
                ],
                Mode::Return => vec![
                    "the returned items".to_owned(),
                    "a sales order or RMA first, if any".to_owned(),
                ],
                Mode::Count => match &state.count {
                    None => vec!["the location to count (LOC-…)".to_owned()],
                    Some(c) if c.review.is_some() => vec![
                        "CMD-DONE to book the differences".to_owned(),
                        "CMD-CANCEL to throw it away".to_owned(),
                    ],
                    Some(c) => vec![
                        format!("everything in {}", shown(&c.location)),
                        "CMD-DONE to see the differences".to_owned(),
                    ],
                },
                Mode::Lookup => vec![
                    "anything: a serial, a product,".to_owned(),
                    "a lot, a location, a document".to_owned(),
                ],
            },
        };
        if let Some(q) = state.armed_qty {
            waiting.push(format!("quantity {q} for the next line"));
        }
        self.waiting = waiting;
    }
}

/// The count panel's lines: the differences under review, or what was counted so far (with
/// the books' figure beside it unless the count is blind).
fn count_view(core: &Core, count: &Count, blind: bool) -> CountView {
    let lines = match &count.review {
        Some(differences) => differences.iter().map(difference_line).collect(),
        None => {
            let book = if blind {
                None
            } else {
                core.book(&count.location).ok()
            };
            counted_lines(count, book.as_ref())
        }
    };
    CountView {
        location: shown(&count.location),
        reviewing: count.review.is_some(),
        units: count.units(),
        lines,
    }
}

/// "Aspirin 500 mg ×12, lot L1: 12 booked, 10 counted, −2", "Laptop SN-1: missing".
fn difference_line(d: &Difference) -> (String, bool) {
    let name = shown(&d.name);
    let lot = d
        .lot
        .as_deref()
        .map(|l| format!(", lot {}", shown(l)))
        .unwrap_or_default();
    match (&d.serial, &d.kind) {
        (Some(serial), DifferenceKind::Missing) => {
            (format!("{name} {}: missing", shown(serial)), true)
        }
        (Some(serial), DifferenceKind::Found) => (
            format!("{name} {}: found (was missing)", shown(serial)),
            false,
        ),
        (Some(serial), DifferenceKind::Elsewhere { booked_at }) => (
            format!(
                "{name} {}: here, booked at {}",
                shown(serial),
                shown(booked_at)
            ),
            false,
        ),
        _ => (
            format!(
                "{name}{lot}: {} booked, {} counted ({:+})",
                d.expected,
                d.counted,
                d.delta()
            ),
            d.delta() < 0,
        ),
    }
}

/// What was counted so far, by product and lot, then the serials.
fn counted_lines(count: &Count, book: Option<&LocationBook>) -> Vec<(String, bool)> {
    let mut lines: Vec<(String, bool)> = count
        .quantities
        .iter()
        .map(|((sku, lot), c)| {
            let of_lot = lot
                .as_deref()
                .map(|l| format!(", lot {}", shown(l)))
                .unwrap_or_default();
            let booked = book
                .map(|b| {
                    let qty: i64 = b
                        .stock
                        .iter()
                        .filter(|s| s.sku == *sku && s.lot == *lot)
                        .map(|s| s.qty)
                        .sum();
                    format!(" (books {qty})")
                })
                .unwrap_or_default();
            (
                format!("{} × {}{of_lot}{booked}", c.qty, shown(&c.name)),
                false,
            )
        })
        .collect();
    lines.extend(
        count
            .serials
            .iter()
            .map(|((_, serial), c)| (format!("{} {}", shown(&c.name), shown(serial)), false)),
    );
    if let Some(b) = book {
        let uncounted = b
            .serials
            .iter()
            .filter(|s| {
                !count
                    .serials
                    .contains_key(&(s.sku.clone(), s.serial.clone()))
            })
            .count();
        if uncounted > 0 {
            lines.push((
                format!("{uncounted} booked serial(s) not counted yet"),
                false,
            ));
        }
    }
    lines
}

/// Where the picker finds one pick line's goods: at the pick location if it has them (the
/// first expiry first), else where they are.
fn pick_hint(
    core: &Core,
    sku: &str,
    tracking: Tracking,
    location: Option<&str>,
    today: NaiveDate,
) -> Option<String> {
    let stock = core.pickable(sku, location, today).ok()?;
    Some(hint_text(&stock, tracking, location))
}

/// The words of a pick line's hint, from the stock that may be picked (the pick location's
/// first, see [`Core::pickable`]).
fn hint_text(stock: &[PickStock], tracking: Tracking, here: Option<&str>) -> String {
    let Some(first) = stock.first() else {
        return "none in stock".to_owned();
    };
    let at_here = here.is_some_and(|h| h == first.location);
    let none_here = match (at_here, here) {
        (false, Some(h)) => format!("none at {}: ", shown(h)),
        _ => String::new(),
    };
    let lot = |s: &PickStock| {
        let code = shown(s.lot.as_deref().unwrap_or("—"));
        match s.expiry {
            Some(e) => format!("lot {code} (exp {e})"),
            None => format!("lot {code}"),
        }
    };
    match tracking {
        Tracking::Lot if at_here => format!("take {} at {}", lot(first), shown(&first.location)),
        Tracking::Lot => format!("{none_here}{} at {}", lot(first), shown(&first.location)),
        Tracking::None if at_here => format!("at {}", shown(&first.location)),
        Tracking::None => format!("{none_here}{} at {}", first.qty, shown(&first.location)),
        Tracking::Serial => {
            if at_here {
                let here: Vec<String> = stock
                    .iter()
                    .filter(|s| s.location == first.location)
                    .filter_map(|s| s.serial.as_deref().map(shown))
                    .collect();
                let more = if here.len() > SERIALS_NAMED {
                    " …"
                } else {
                    ""
                };
                return format!(
                    "take a serial at {}: {}{more}",
                    shown(&first.location),
                    here[..SERIALS_NAMED.min(here.len())].join(", ")
                );
            }
            let named = SERIALS_NAMED.min(stock.len());
            let more = if stock.len() > named { " …" } else { "" };
            // Where each is: the serials of one location together.
            let mut places: Vec<(String, Vec<String>)> = Vec::new();
            for s in &stock[..named] {
                let serial = shown(s.serial.as_deref().unwrap_or("—"));
                match places.last_mut() {
                    Some((location, serials)) if *location == s.location => serials.push(serial),
                    _ => places.push((s.location.clone(), vec![serial])),
                }
            }
            let places: Vec<String> = places
                .iter()
                .map(|(location, serials)| format!("{} at {}", serials.join(", "), shown(location)))
                .collect();
            format!("{none_here}{}{more}", places.join("; "))
        }
    }
}

/// How many serials a pick line's hint names.
const SERIALS_NAMED: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;

    fn at(location: &str, lot: Option<&str>, serial: Option<&str>, qty: i64) -> PickStock {
        PickStock {
            location: location.to_owned(),
            lot: lot.map(str::to_owned),
            expiry: lot.and_then(|_| NaiveDate::from_ymd_opt(2027, 1, 31)),
            serial: serial.map(str::to_owned),
            qty,
        }
    }

    #[test]
    fn a_hint_names_the_lot_and_where_it_is() {
        let lots = [at("B-02", Some("L1"), None, 12)];
        assert_eq!(
            hint_text(&lots, Tracking::Lot, Some("B-02")),
            "take lot L1 (exp 2027-01-31) at B-02"
        );
        assert_eq!(
            hint_text(&lots, Tracking::Lot, Some("PACK")),
            "none at PACK: lot L1 (exp 2027-01-31) at B-02"
        );
        assert_eq!(hint_text(&[], Tracking::Lot, Some("PACK")), "none in stock");
        let cables = [at("B-02", None, None, 20)];
        assert_eq!(hint_text(&cables, Tracking::None, Some("B-02")), "at B-02");
        assert_eq!(
            hint_text(&cables, Tracking::None, Some("PACK")),
            "none at PACK: 20 at B-02"
        );
    }

    #[test]
    fn a_serial_hint_says_which_serials_are_where() {
        let serials = [
            at("A-01-3", None, Some("SN-1"), 1),
            at("A-01-3", None, Some("SN-2"), 1),
            at("B-02", None, Some("SN-3"), 1),
            at("B-02", None, Some("SN-4"), 1),
        ];
        assert_eq!(
            hint_text(&serials, Tracking::Serial, Some("A-01-3")),
            "take a serial at A-01-3: SN-1, SN-2"
        );
        assert_eq!(
            hint_text(&serials, Tracking::Serial, Some("PACK")),
            "none at PACK: SN-1, SN-2 at A-01-3; SN-3 at B-02 …"
        );
        assert_eq!(
            hint_text(&serials[2..], Tracking::Serial, None),
            "SN-3, SN-4 at B-02"
        );
    }
}
