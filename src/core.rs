//! The core: one scan from text to a durable record. `classify → session → store → settle`,
//! on one thread that owns the database connection. The kiosk, the headless runner and
//! `scantrail replay` all drive this same [`Core`], so every behaviour of the kiosk can be
//! tested headless.
//!
//! The core resolves the session's natural keys (SKU, location code, partner, document
//! reference) into the store's ids, writes the scan-log row and the movements in one
//! transaction, and only then settles the session: the outcome a person sees is the one
//! that is on disk. The session's deadline (a pending pairing's) is passed before the next
//! scan and by [`Core::tick`], so a replay with a simulated clock drops a pairing exactly as
//! a kiosk would.

use crate::barcode::classify::{Classifier, LookupError, expand_typed_separators};
use crate::config::Config;
use crate::domain::Outcome;
use crate::labels::printer::Printer;
use crate::labels::{Format, Label};
use crate::session::world::{DocumentFacts, LocationBook, World};
use crate::session::{
    CountBooking, Feedback, LookupRequest, Mode, MovementDraft, PrintRequest, Rules, Scan, Session,
    Settlement, shown,
};
use crate::store::{
    Committed, CountDocument, Group, LotTrace, NewMovement, PickStock, ScanRecord, SerialTrace,
    StockFilter, StockRow, Store, StoreError,
};
use crate::sync::wire::WireConflict;
use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

/// How long a `CMD-PRINT` waits for the printer to take its label before the scan goes on
/// with a warning (the scanner's keys wait in their channel meanwhile, none is lost).
const PRINT_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Scans between two WAL checkpoints (at about ten pages a scan, some 1,000 pages: SQLite's
/// own default threshold).
pub const CHECKPOINT_EVERY: u32 = 100;

/// Rows of stock a pick line's hint reads: one more than it names, so it knows there are more.
const PICK_HINT_ROWS: usize = 4;

/// What a lookup scan shows.
#[derive(Debug, Clone, PartialEq)]
pub enum LookupView {
    Serial(SerialTrace),
    Lot(LotTrace),
    /// Stock of a location (and below it) or of a product.
    Stock {
        title: String,
        rows: Vec<StockRow>,
    },
    Document(DocumentFacts),
}

/// The result of one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanReport {
    /// The scan as typed.
    pub scan: String,
    pub feedback: Feedback,
    /// The movements recorded (empty for an error, a lookup or a command).
    pub movements: Vec<MovementDraft>,
    pub view: Option<LookupView>,
    /// Pending pairings dropped by their timers before this scan.
    pub notices: Vec<Feedback>,
}

/// The core of one station.
pub struct Core {
    store: Store,
    /// Scans written since the last WAL checkpoint.
    since_checkpoint: u32,
    classifier: Classifier,
    session: Session,
    station: String,
    max_scan_len: usize,
}

impl std::fmt::Debug for Core {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Core")
            .field("station", &self.station)
            .finish()
    }
}

impl Core {
    /// A core on `store` with the rules of `config`, starting in receive mode.
    pub fn new(store: Store, config: &Config, station: String) -> Core {
        // The core checkpoints between scans (`after_scan`), not inside one; should that
        // pragma fail, SQLite simply keeps checkpointing by itself.
        let _ = store.checkpoint_on_demand();
        Core {
            store,
            since_checkpoint: 0,
            classifier: Classifier::new(&config.barcodes),
            session: Session::new(Rules::new(config), Mode::Receive),
            station,
            max_scan_len: config.input.max_scan_len as usize,
        }
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn station(&self) -> &str {
        &self.station
    }

    /// A document and its progress, for the screen.
    /// The book stock of one location, for the count screen when counts are not blind.
    pub fn book(&self, location: &str) -> Result<LocationBook, LookupError> {
        self.store.book(location)
    }

    pub fn document(&self, reference: &str) -> Result<Option<DocumentFacts>, LookupError> {
        World::document(&self.store, reference)
    }

    /// Where the goods of a pick line may be taken, those at the pick `location` first and
    /// the first expiry first (FEFO): enough rows for the pick list's hint.
    pub fn pickable(
        &self,
        sku: &str,
        location: Option<&str>,
        today: NaiveDate,
    ) -> Result<Vec<PickStock>, StoreError> {
        self.store.pickable(sku, location, today, PICK_HINT_ROWS)
    }

    /// Work that waits until a scan's outcome has been shown: every [`CHECKPOINT_EVERY`]
    /// scans, a WAL checkpoint, so no scan waits for one.
    pub fn after_scan(&mut self) {
        self.since_checkpoint += 1;
        if self.since_checkpoint >= CHECKPOINT_EVERY {
            self.since_checkpoint = 0;
            // A failed checkpoint loses nothing: the WAL keeps every commit until the next.
            let _ = self.store.checkpoint();
        }
    }

    /// When the session's pending pairing is dropped if no scan comes, if one waits.
    pub fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.session.deadline()
    }

    /// Passes the time to `now`: what the session dropped because its deadline had come.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Feedback> {
        self.session.on_deadline(now).into_iter().collect()
    }

    /// One scan, from its text to its durable record. `raw` is the scan as typed; `<GS>` and
    /// a written-out `\x1d` stand for the GS separator.
    pub fn scan(&mut self, now: DateTime<Utc>, raw: &str, device: Option<&str>) -> ScanReport {
        let notices = self.tick(now);
        let text = expand_typed_separators(raw).into_owned();
        if text.chars().count() > self.max_scan_len {
            let feedback = Feedback {
                outcome: Outcome::Error,
                headline: "TOO LONG".into(),
                message: format!(
                    "This scan has {} characters, more than the {} allowed: it was not read. Scan again",
                    text.chars().count(),
                    self.max_scan_len
                ),
            };
            let short: String = text.chars().take(64).collect();
            return self.log_only(now, &format!("{short}…"), device, feedback, notices);
        }
        let meaning = match self.classifier.classify(&text, &self.store) {
            Ok(m) => m,
            Err(e) => {
                let feedback = Feedback {
                    outcome: Outcome::Error,
                    headline: "ERROR".into(),
                    message: format!("{e}. Scan again, and call a supervisor if it goes on"),
                };
                return self.log_only(now, &text, device, feedback, notices);
            }
        };
        let scan = Scan {
            raw: text.clone(),
            device: device.map(str::to_owned),
            meaning,
        };
        let proposal = self.session.handle(now, &scan, &self.store);
        let mut feedback = proposal.feedback.clone();
        let safe = |f: &mut Feedback| f.message = shown(&f.message);
        let view = match &proposal.lookup {
            Some(request) => match self.answer(request) {
                Ok((view, message, outcome)) => {
                    // The answer takes the place of the session's words, after its warnings.
                    feedback.message = message;
                    feedback.outcome = outcome;
                    if !proposal.warnings.is_empty() {
                        feedback = feedback.with_warnings(&proposal.warnings);
                        if feedback.outcome == Outcome::Info {
                            feedback.outcome = Outcome::Warn;
                        }
                    }
                    view
                }
                Err(e) => {
                    feedback.message = format!("{e}");
                    feedback.outcome = Outcome::Warn;
                    None
                }
            },
            None => None,
        };
        if let Some(request) = &proposal.print {
            // Printed before the scan is recorded, so its log row says whether it was; a
            // printer that is not there is a warning, and the scan is recorded all the same.
            match self.print_label(request) {
                Ok(printer) => {
                    feedback.message = format!("{} sent to the printer {printer}", feedback.message)
                }
                Err(why) => {
                    feedback.outcome = Outcome::Warn;
                    feedback.headline = "NOT PRINTED".into();
                    feedback.message = format!("{} not printed: {why}", feedback.message);
                }
            }
        }
        // Messages quote scans; no control character of a scan may reach a log or a screen.
        safe(&mut feedback);
        let resolved = self
            .resolve(&proposal.movements, proposal.close_document.as_deref())
            .and_then(|(movements, close)| {
                let count = proposal
                    .count
                    .as_ref()
                    .map(|c| self.count_document(c))
                    .transpose()?;
                Ok((movements, close, count))
            });
        let settlement = match resolved {
            Ok((movements, close_document, count)) => {
                let mut group =
                    self.group(now, &text, device, &feedback, movements, close_document);
                group.count = count;
                match self.store.commit(&group) {
                    Ok(Committed::Recorded { movements }) => Settlement::Recorded {
                        movement_ids: movements,
                    },
                    Ok(Committed::Refused(refusal)) => Settlement::Refused {
                        reason: refusal.to_string(),
                    },
                    Err(e) => Settlement::Failed {
                        reason: failed_reason(&e),
                    },
                }
            }
            Err(reason) => {
                // The session named something the store does not have: log it as an error.
                let record = Feedback {
                    outcome: Outcome::Error,
                    headline: "NOT RECORDED".into(),
                    message: format!("{reason}. Nothing was recorded"),
                };
                match self.write_log(now, &text, device, &record) {
                    Ok(()) => Settlement::Refused { reason },
                    Err(e) => Settlement::Failed {
                        reason: failed_reason(&e),
                    },
                }
            }
        };
        let recorded = matches!(settlement, Settlement::Recorded { .. });
        let settled = self.session.settle(settlement);
        let mut feedback = if recorded { feedback } else { settled };
        safe(&mut feedback);
        ScanReport {
            scan: text,
            feedback,
            movements: if recorded {
                // A count's movements are that count's document, as the journal shows them.
                let mut movements = proposal.movements;
                if let Some(count) = &proposal.count {
                    for m in &mut movements {
                        m.document = Some(count.reference.clone());
                    }
                }
                movements
            } else {
                Vec::new()
            },
            view: if recorded { view } else { None },
            notices,
        }
    }

    /// Renders the label `CMD-PRINT` asks for as ZPL and sends it to the `[labels]` printer;
    /// the printer's name, or why it was not printed (naming the printer).
    fn print_label(&self, request: &PrintRequest) -> Result<String, String> {
        use crate::labels::content::{self, Gs1Choice, LotFacts, ProductFacts};
        let config = &self.session.rules().config.labels;
        let printer = Printer::from_config(config.printer.as_deref()).map_err(|e| e.to_string())?;
        let text = |e: StoreError| e.to_string();
        let product = self
            .store
            .product_by_sku(&request.sku)
            .map_err(text)?
            .ok_or_else(|| format!("product {} is gone from the catalog", request.sku))?;
        let facts = ProductFacts {
            sku: product.sku.clone(),
            name: product.name.clone(),
            gtin: self.store.unit_gtin(product.id).map_err(text)?,
            alias: self.store.unit_alias(product.id).map_err(text)?,
        };
        let lot = match &request.lot {
            Some(spec) => {
                let known = self.store.lot(product.id, &spec.code).map_err(text)?;
                Some(LotFacts {
                    code: spec.code.clone(),
                    expiry: known
                        .and_then(|l| l.expiry)
                        .or_else(|| spec.expiry.map(|d| d.format("%Y-%m-%d").to_string())),
                })
            }
            None => None,
        };
        let choice = Gs1Choice::DataMatrix;
        let label = match (&request.serial, &lot) {
            (Some(serial), lot) => content::serial(&facts, serial, lot.as_ref(), &choice),
            (None, Some(lot)) => content::lot(&facts, lot, &choice),
            (None, None) => content::product(&facts, &choice),
        }
        .and_then(Label::for_zpl)
        .map_err(|e| e.to_string())?;
        let zpl = crate::labels::render(
            &[label],
            Format::Zpl,
            &crate::labels::geometry(config),
            crate::labels::paper_mm(config),
        )
        .map_err(|e| e.to_string())?;
        printer
            .send_within(&zpl, PRINT_WAIT)
            .map_err(|e| e.to_string())?;
        Ok(printer.name())
    }

    /// A scan the input layer could not read whole (cut by dropped key events, or too long):
    /// it gets an error outcome and its scan-log row like any scan, and changes nothing else.
    /// `what` is the part that was read, `why` says what happened and what to do.
    pub fn unreadable_scan(
        &mut self,
        now: DateTime<Utc>,
        what: &str,
        device: Option<&str>,
        why: &str,
    ) -> ScanReport {
        let notices = self.tick(now);
        let feedback = Feedback {
            outcome: Outcome::Error,
            headline: "SCAN AGAIN".into(),
            message: format!("{why}. Nothing was recorded: scan it again"),
        };
        self.log_only(now, what, device, feedback, notices)
    }

    /// Logs a scan that never reached the session (too long, unreadable database).
    fn log_only(
        &mut self,
        now: DateTime<Utc>,
        text: &str,
        device: Option<&str>,
        feedback: Feedback,
        notices: Vec<Feedback>,
    ) -> ScanReport {
        let feedback = Feedback {
            message: shown(&feedback.message),
            ..feedback
        };
        if feedback.outcome == Outcome::Error {
            self.session.lock_on_error(&feedback.message);
        }
        let feedback = match self.write_log(now, text, device, &feedback) {
            Ok(()) => feedback,
            Err(e) => Feedback {
                message: format!(
                    "{} (and it could not be logged: {})",
                    feedback.message,
                    failed_reason(&e)
                ),
                ..feedback
            },
        };
        ScanReport {
            scan: text.to_owned(),
            feedback,
            movements: Vec::new(),
            view: None,
            notices,
        }
    }

    fn write_log(
        &mut self,
        now: DateTime<Utc>,
        text: &str,
        device: Option<&str>,
        feedback: &Feedback,
    ) -> Result<(), StoreError> {
        let group = self.group(now, text, device, feedback, Vec::new(), None);
        self.store.commit(&group).map(|_| ())
    }

    /// A scan's record: its log row and what it writes.
    fn group(
        &self,
        now: DateTime<Utc>,
        text: &str,
        device: Option<&str>,
        feedback: &Feedback,
        movements: Vec<NewMovement>,
        close_document: Option<crate::domain::DocumentId>,
    ) -> Group {
        Group {
            id: Uuid::now_v7(),
            at: now,
            station: self.station.clone(),
            operator: self.session.state().operator.clone(),
            scan: ScanRecord {
                raw: text.to_owned(),
                device: device.map(str::to_owned),
                outcome: feedback.outcome,
                message: feedback.message.clone(),
            },
            movements,
            close_document,
            count: None,
        }
    }

    /// A booked count's document: its reference and the location's id.
    fn count_document(&self, count: &CountBooking) -> Result<CountDocument, String> {
        let location = self
            .store
            .location_by_code(&count.location)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("Location {} is not in the catalog", count.location))?;
        Ok(CountDocument {
            reference: count.reference.clone(),
            location: location.id,
        })
    }

    /// Natural keys → store ids.
    fn resolve(
        &self,
        drafts: &[MovementDraft],
        close: Option<&str>,
    ) -> Result<(Vec<NewMovement>, Option<crate::domain::DocumentId>), String> {
        let store = &self.store;
        let err = |e: StoreError| e.to_string();
        let location =
            |code: &Option<String>| -> Result<Option<crate::domain::LocationId>, String> {
                match code {
                    Some(c) => Ok(Some(
                        store
                            .location_by_code(c)
                            .map_err(err)?
                            .ok_or_else(|| format!("Location {c} is not in the catalog"))?
                            .id,
                    )),
                    None => Ok(None),
                }
            };
        let document = |reference: &str| -> Result<crate::domain::DocumentId, String> {
            Ok(store
                .document_by_ref(reference)
                .map_err(err)?
                .ok_or_else(|| format!("{reference} is not in the system"))?
                .id)
        };
        let mut out = Vec::with_capacity(drafts.len());
        for d in drafts {
            let product = store
                .product_by_sku(&d.sku)
                .map_err(err)?
                .ok_or_else(|| format!("SKU {} is not in the catalog", d.sku))?;
            let partner = match &d.partner {
                Some(name) => Some(
                    store
                        .partner_by_name(name)
                        .map_err(err)?
                        .ok_or_else(|| format!("Partner {name} is not in the system"))?,
                ),
                None => None,
            };
            out.push(NewMovement {
                kind: d.kind,
                product: product.id,
                lot: d.lot.clone(),
                serial: d.serial.clone(),
                qty: d.qty,
                from: location(&d.from)?,
                to: location(&d.to)?,
                partner,
                document: d.document.as_deref().map(document).transpose()?,
                reverses: d.reverses,
            });
        }
        let close = close.map(document).transpose()?;
        Ok((out, close))
    }

    /// Answers a lookup from the reports: the view, a one-line message, and the outcome
    /// (info when the books know it, warn when they do not).
    fn answer(
        &self,
        request: &LookupRequest,
    ) -> Result<(Option<LookupView>, String, Outcome), StoreError> {
        Ok(match request {
            LookupRequest::Serial { sku, serial } => {
                match self.store.trace_serial(serial, Some(sku)) {
                    Ok(t) => {
                        let now = t.whereabouts();
                        let message = format!(
                            "{} {}: {now}; {} movement(s)",
                            t.product.name,
                            t.serial,
                            t.history.len()
                        );
                        let disputes = self.store.open_conflicts_of(sku, None, Some(serial))?;
                        let (message, outcome) = marked(message, &disputes);
                        (Some(LookupView::Serial(t)), message, outcome)
                    }
                    Err(StoreError::NotFound(m)) => (None, m, Outcome::Warn),
                    Err(e) => return Err(e),
                }
            }
            LookupRequest::Lot { sku, lot } => match self.store.trace_lot(lot, sku) {
                Ok(t) => {
                    let on_hand: i64 = t.on_hand.iter().map(|o| o.qty).sum();
                    let shipped: i64 = t.shipped.iter().map(|o| o.qty).sum();
                    let message = format!(
                        "{} lot {}{}: received {}, on hand {on_hand} at {} place(s), shipped {shipped} to {} order(s){}",
                        t.product.name,
                        t.lot,
                        t.expiry
                            .as_deref()
                            .map(|e| format!(" (exp {e})"))
                            .unwrap_or_default(),
                        t.received,
                        t.on_hand.len(),
                        t.shipped.len(),
                        if t.status == crate::domain::LotStatus::Quarantined {
                            " — QUARANTINED"
                        } else {
                            ""
                        }
                    );
                    let disputes = self.store.open_conflicts_of(sku, Some(lot), None)?;
                    let (message, outcome) = marked(message, &disputes);
                    (Some(LookupView::Lot(t)), message, outcome)
                }
                Err(StoreError::NotFound(m)) => (None, m, Outcome::Warn),
                Err(e) => return Err(e),
            },
            LookupRequest::Location { code } => {
                let rows = self.store.stock(&StockFilter {
                    location: Some(code.clone()),
                    ..StockFilter::default()
                })?;
                let units: i64 = rows.iter().map(|r| r.qty).sum();
                let message = if rows.is_empty() {
                    format!("{code} is empty")
                } else {
                    format!("{code}: {units} unit(s) in {} line(s)", rows.len())
                };
                (
                    Some(LookupView::Stock {
                        title: code.clone(),
                        rows,
                    }),
                    message,
                    Outcome::Info,
                )
            }
            LookupRequest::Product { sku } => {
                let rows = self.store.stock(&StockFilter {
                    sku: Some(sku.clone()),
                    ..StockFilter::default()
                })?;
                let units: i64 = rows.iter().map(|r| r.qty).sum();
                let places: std::collections::BTreeSet<&str> =
                    rows.iter().map(|r| r.location.as_str()).collect();
                let name = self
                    .store
                    .product_by_sku(sku)?
                    .map(|p| p.name)
                    .unwrap_or_else(|| sku.clone());
                let message = format!("{name}: {units} on hand at {} location(s)", places.len());
                (
                    Some(LookupView::Stock { title: name, rows }),
                    message,
                    Outcome::Info,
                )
            }
            LookupRequest::Document { reference } => {
                match World::document(&self.store, reference) {
                    Ok(Some(d)) => {
                        let message = format!(
                            "{} {} ({}): {} of {} line(s) complete",
                            d.reference,
                            d.partner,
                            d.status,
                            d.lines.len() - d.short_lines(),
                            d.lines.len()
                        );
                        (Some(LookupView::Document(d)), message, Outcome::Info)
                    }
                    Ok(None) => (
                        None,
                        format!("{reference} is not in the system"),
                        Outcome::Warn,
                    ),
                    Err(e) => return Err(StoreError::Io(e.to_string())),
                }
            }
        })
    }
}

/// A lookup's answer about a serial or a lot that the centre found in an open conflict: the
/// person is told, with the conflict's number, and the outcome is a warning.
fn marked(message: String, disputes: &[WireConflict]) -> (String, Outcome) {
    if disputes.is_empty() {
        return (message, Outcome::Info);
    }
    let which: Vec<String> = disputes
        .iter()
        .map(|c| format!("#{} {} ({})", c.id, c.kind.as_str(), c.stations.join(", ")))
        .collect();
    (
        format!(
            "{message} — IN CONFLICT {}: see scantrail conflicts, tell a supervisor",
            which.join(", ")
        ),
        Outcome::Warn,
    )
}

fn failed_reason(e: &StoreError) -> String {
    format!("Could not record this scan: {e}")
}
