//! The cycle count (SPEC §4, `count`): `LOC-…` starts the count of that one location, every
//! item scan adds to it (an untracked product its quantity, a lot its quantity, a serial
//! once), `CMD-DONE` — or the next `LOC-…` — closes it and shows the differences against
//! the book stock, a second `CMD-DONE` books them and `CMD-CANCEL` throws the count away.
//!
//! The differences are taken again when the count is booked, against the books as they are
//! then (another station's movements may have arrived in between), and booked as `adjust`
//! movements — gains from, losses to, the inventory-adjustment side — plus a `transfer` for
//! a serial found here that the books had elsewhere. A serial the books had here and the
//! count did not find is adjusted out and becomes `missing`. All of it is one group, the
//! count's own document (`COUNT-<location>-<date>`), so an undo reverses it as a whole.

use super::lines::Line;
use super::proposal::{Reject, Step};
use super::world::{LocationBook, SerialFacts};
use super::{CountBooking, Feedback, Mode, MovementDraft, Out, Session, State, World, shown};
use crate::barcode::classify::Command;
use crate::domain::{LotSpec, MovementKind, Outcome, SerialStatus, Tracking};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// What was counted of one product (and lot) that is not serial-tracked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedQty {
    pub name: String,
    pub qty: u32,
}

/// One serial counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountedSerial {
    pub name: String,
    /// The serial's lot, as the books have it.
    pub lot: Option<String>,
}

/// The count of one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub location: String,
    /// Untracked and lot products: (SKU, lot) → what was counted.
    pub quantities: BTreeMap<(String, Option<String>), CountedQty>,
    /// (SKU, serial) → the unit counted.
    pub serials: BTreeMap<(String, String), CountedSerial>,
    /// The differences the first `CMD-DONE` showed; `None` while counting.
    pub review: Option<Vec<Difference>>,
}

impl Count {
    fn new(location: &str) -> Count {
        Count {
            location: location.to_owned(),
            quantities: BTreeMap::new(),
            serials: BTreeMap::new(),
            review: None,
        }
    }

    /// Units counted so far.
    pub fn units(&self) -> u64 {
        self.quantities
            .values()
            .map(|q| u64::from(q.qty))
            .sum::<u64>()
            + self.serials.len() as u64
    }
}

/// What kind of difference a count found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DifferenceKind {
    /// A lot or an untracked product counted short or long.
    Quantity,
    /// A serial the books have here that the count did not find.
    Missing,
    /// A serial the books have as missing, found here.
    Found,
    /// A serial found here that the books have in stock at `booked_at`.
    Elsewhere { booked_at: String },
}

/// One difference between a count and the books.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub sku: String,
    pub name: String,
    pub lot: Option<String>,
    pub serial: Option<String>,
    /// What the books have here.
    pub expected: i64,
    pub counted: i64,
    pub kind: DifferenceKind,
}

impl Difference {
    /// Counted less expected: what booking adds (negative: takes away).
    pub fn delta(&self) -> i64 {
        self.counted - self.expected
    }

    /// The movement that books this difference at `location`.
    fn movement(&self, location: &str) -> MovementDraft {
        let delta = self.delta();
        let (kind, from, to) = match &self.kind {
            DifferenceKind::Elsewhere { booked_at } => (
                MovementKind::Transfer,
                Some(booked_at.clone()),
                Some(location.to_owned()),
            ),
            _ if delta > 0 => (MovementKind::Adjust, None, Some(location.to_owned())),
            _ => (MovementKind::Adjust, Some(location.to_owned()), None),
        };
        MovementDraft {
            kind,
            sku: self.sku.clone(),
            lot: self.lot.clone().map(|code| LotSpec { code, expiry: None }),
            serial: self.serial.clone(),
            qty: u32::try_from(delta.unsigned_abs()).unwrap_or(u32::MAX),
            from,
            to,
            partner: None,
            document: None,
            reverses: None,
        }
    }
}

/// "3 differences: 1 short, 1 long, 1 serial missing".
fn summary(differences: &[Difference]) -> String {
    let mut short = 0;
    let mut long = 0;
    let mut missing = 0;
    let mut found = 0;
    let mut elsewhere = 0;
    for d in differences {
        match d.kind {
            DifferenceKind::Quantity if d.delta() < 0 => short += 1,
            DifferenceKind::Quantity => long += 1,
            DifferenceKind::Missing => missing += 1,
            DifferenceKind::Found => found += 1,
            DifferenceKind::Elsewhere { .. } => elsewhere += 1,
        }
    }
    let parts: Vec<String> = [
        (short, "short"),
        (long, "long"),
        (missing, "serial(s) missing"),
        (found, "missing serial(s) found"),
        (elsewhere, "serial(s) booked elsewhere"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    format!("{} difference(s): {}", differences.len(), parts.join(", "))
}

/// The date part of an RFC 3339 time.
fn date_of(since: &str) -> &str {
    since.get(..10).unwrap_or(since)
}

/// "missing since 2026-12-01 — count at A-01-3 by ann".
pub(super) fn missing_since(facts: &SerialFacts) -> String {
    format!(
        "missing since {}{}{}",
        date_of(&facts.since),
        facts
            .from
            .as_deref()
            .map(|at| format!(" — count at {at}"))
            .unwrap_or_default(),
        facts
            .operator
            .as_deref()
            .map(|op| format!(" by {}", shown(op)))
            .unwrap_or_default()
    )
}

/// The differences between `count` and the books as they are now, ordered by product, lot
/// and serial. A counted serial that has left the books since it was scanned (shipped, or
/// its receipt undone) is left out, with a warning.
fn differences(
    count: &Count,
    book: &LocationBook,
    world: &dyn World,
    warnings: &mut Vec<String>,
) -> Result<Vec<Difference>, Reject> {
    let mut out = Vec::new();
    let mut quantities: BTreeMap<(String, Option<String>), (String, i64, i64)> = BTreeMap::new();
    for b in &book.stock {
        quantities
            .entry((b.sku.clone(), b.lot.clone()))
            .or_insert_with(|| (b.name.clone(), 0, 0))
            .1 += b.qty;
    }
    for (key, c) in &count.quantities {
        quantities
            .entry(key.clone())
            .or_insert_with(|| (c.name.clone(), 0, 0))
            .2 += i64::from(c.qty);
    }
    for ((sku, lot), (name, expected, counted)) in quantities {
        if expected != counted {
            out.push(Difference {
                sku,
                name,
                lot,
                serial: None,
                expected,
                counted,
                kind: DifferenceKind::Quantity,
            });
        }
    }
    let mut booked_here = BTreeMap::new();
    for s in &book.serials {
        booked_here.insert((s.sku.as_str(), s.serial.as_str()), s);
        if !count
            .serials
            .contains_key(&(s.sku.clone(), s.serial.clone()))
        {
            out.push(Difference {
                sku: s.sku.clone(),
                name: s.name.clone(),
                lot: s.lot.clone(),
                serial: Some(s.serial.clone()),
                expected: 1,
                counted: 0,
                kind: DifferenceKind::Missing,
            });
        }
    }
    for ((sku, serial), c) in &count.serials {
        if booked_here.contains_key(&(sku.as_str(), serial.as_str())) {
            continue;
        }
        let kind = match world.serial(sku, serial)? {
            Some(f) if f.status == SerialStatus::Missing => DifferenceKind::Found,
            Some(f)
                if f.status == SerialStatus::InStock
                    && f.location != Some(count.location.clone()) =>
            {
                DifferenceKind::Elsewhere {
                    booked_at: f.location.unwrap_or_default(),
                }
            }
            Some(f) if f.status == SerialStatus::InStock => continue,
            Some(f) => {
                warnings.push(format!(
                    "Serial {} was shipped on {} since it was counted: left out of the count, take it to the returns desk",
                    shown(serial),
                    date_of(&f.since)
                ));
                continue;
            }
            None => {
                warnings.push(format!(
                    "Serial {} has left the books since it was counted: left out of the count",
                    shown(serial)
                ));
                continue;
            }
        };
        let lot = world
            .serial(sku, serial)?
            .and_then(|f| f.lot)
            .or(c.lot.clone());
        out.push(Difference {
            sku: sku.clone(),
            name: c.name.clone(),
            lot,
            serial: Some(serial.clone()),
            expected: 0,
            counted: 1,
            kind,
        });
    }
    out.sort_by(|a, b| (&a.sku, &a.lot, &a.serial).cmp(&(&b.sku, &b.lot, &b.serial)));
    Ok(out)
}

/// The count is closed for review: nothing more can be counted into it.
fn closed_for_review(count: &Count) -> Reject {
    Reject::new(
        "COUNT CLOSED",
        format!(
            "The count of {} is closed: scan CMD-DONE to book its differences, or CMD-CANCEL to throw it away",
            count.location
        ),
    )
}

impl Session {
    /// A command while the station counts: `CMD-DONE` and `CMD-CANCEL` act on the count, and
    /// no mode can be switched to while a count is open. `None`: an ordinary command.
    pub(super) fn count_command(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        command: Command,
        world: &dyn World,
        out: &mut Out,
    ) -> Option<Step> {
        if next.mode != Mode::Count {
            return None;
        }
        match command {
            Command::Done => Some(self.count_done(next, now, world, out)),
            Command::Cancel => {
                let count = next.count.take();
                let mut feedback = self.cancel(next);
                if let Some(count) = count {
                    feedback.message = format!(
                        "Count of {} thrown away ({} unit(s) counted): nothing was booked",
                        count.location,
                        count.units()
                    );
                }
                Some(Ok(feedback))
            }
            Command::Receive
            | Command::Transfer
            | Command::Pick
            | Command::Return
            | Command::Count
            | Command::Lookup => next.count.as_ref().map(|count| {
                Err(Reject::new(
                    "COUNT OPEN",
                    format!(
                        "The count of {} is open: scan CMD-DONE to finish it, or CMD-CANCEL to throw it away",
                        count.location
                    ),
                ))
            }),
            _ => None,
        }
    }

    /// `LOC-…` in count mode: starts the count of that location, or closes the open one.
    pub(super) fn count_location(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        code: &str,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let start = |next: &mut State| {
            next.count = Some(Count::new(code));
            next.location = Some(code.to_owned());
            format!("Counting {code}: scan everything in it, then CMD-DONE")
        };
        match &next.count {
            None => Ok(Feedback::ok("COUNTING", start(next))),
            Some(count) if count.review.is_some() => Err(closed_for_review(count)),
            Some(count) if count.location == code => Ok(Feedback::info(
                "COUNTING",
                format!("Already counting {code}: scan its items, then CMD-DONE"),
            )),
            Some(_) => {
                let closed = self.count_done(next, now, world, out)?;
                if next.count.is_none() {
                    // It matched: nothing to book, so the next location's count starts.
                    let started = start(next);
                    return Ok(Feedback {
                        message: format!("{}. {started}", closed.message),
                        ..closed
                    });
                }
                Ok(closed)
            }
        }
    }

    /// A complete line in count mode: it adds to the count.
    pub(super) fn count_line(
        &self,
        next: &mut State,
        line: Line,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let Some(count) = next.count.as_mut() else {
            return Err(Reject::new(
                "WHICH LOCATION?",
                "Scan the location to count (LOC-…) first",
            ));
        };
        if count.review.is_some() {
            return Err(closed_for_review(count));
        }
        let sku = line.product.sku.clone();
        let name = line.product.name.clone();
        if let Some(serial) = &line.serial {
            let facts = match world.serial(&sku, serial)? {
                None => {
                    return Err(Reject::new(
                        "NOT IN THE BOOKS",
                        format!(
                            "Serial {} of {name} is not in the books: put it aside, receive it first, then count it",
                            shown(serial)
                        ),
                    ));
                }
                Some(f) if f.status == SerialStatus::Shipped => {
                    return Err(Reject::new(
                        "ALREADY SHIPPED",
                        format!(
                            "Serial {} was shipped on {}{}: take it to the returns desk",
                            shown(serial),
                            date_of(&f.since),
                            f.document
                                .as_deref()
                                .map(|d| format!(" with {d}"))
                                .unwrap_or_default()
                        ),
                    ));
                }
                Some(f) => f,
            };
            let key = (sku.clone(), serial.clone());
            if count.serials.contains_key(&key) {
                out.warnings.push(format!(
                    "Serial {} was counted already: it counts once",
                    shown(serial)
                ));
            } else {
                match (&facts.status, &facts.location) {
                    (SerialStatus::Missing, _) => out.warnings.push(format!(
                        "Serial {} was {}: found",
                        shown(serial),
                        missing_since(&facts)
                    )),
                    (_, Some(at)) if *at != count.location => out.warnings.push(format!(
                        "Serial {} is booked at {at}: booking the count moves it here",
                        shown(serial)
                    )),
                    _ => {}
                }
                count.serials.insert(
                    key,
                    CountedSerial {
                        name: name.clone(),
                        lot: facts.lot,
                    },
                );
            }
            let of_product = count.serials.keys().filter(|(s, _)| *s == sku).count();
            return Ok(Feedback::ok(
                "COUNTED",
                format!(
                    "{name} {} — {of_product} serial(s) counted at {}",
                    shown(serial),
                    count.location
                ),
            ));
        }
        if line.product.tracking == Tracking::Serial {
            return Err(Reject::new(
                "SCAN SERIAL",
                format!("Scan the serial of each {name}: serials are counted one by one"),
            ));
        }
        if let Some(lot) = &line.lot
            && world.lot(&sku, lot)?.is_none()
        {
            return Err(Reject::new(
                "UNKNOWN LOT",
                format!(
                    "Lot {} of {name} was never received: put it aside and receive it first",
                    shown(lot)
                ),
            ));
        }
        let entry = count
            .quantities
            .entry((sku, line.lot.clone()))
            .or_insert_with(|| CountedQty {
                name: name.clone(),
                qty: 0,
            });
        entry.qty = entry.qty.saturating_add(line.qty);
        let of_lot = line
            .lot
            .as_deref()
            .map(|l| format!(", lot {}", shown(l)))
            .unwrap_or_default();
        Ok(Feedback::ok(
            "COUNTED",
            format!(
                "{} × {name}{of_lot} — {} counted at {}",
                line.qty, entry.qty, count.location
            ),
        ))
    }

    /// `CMD-DONE` in count mode: the first shows the differences, the second books them.
    fn count_done(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        self.end_pending(next, out);
        let Some(count) = next.count.clone() else {
            return Ok(Feedback::info(
                "DONE",
                "Nothing is being counted: scan the location to count (LOC-…)",
            ));
        };
        let book = world.book(&count.location)?;
        let now_differences = differences(&count, &book, world, &mut out.warnings)?;
        let location = count.location.clone();
        if now_differences.is_empty() {
            next.count = None;
            return Ok(Feedback::ok(
                "COUNT MATCHES",
                format!(
                    "Count of {location} matches the books ({} unit(s)): nothing to book",
                    count.units()
                ),
            ));
        }
        let Some(shown_before) = &count.review else {
            let text = summary(&now_differences);
            if let Some(c) = next.count.as_mut() {
                c.review = Some(now_differences);
            }
            return Ok(Feedback {
                outcome: Outcome::Warn,
                headline: "DIFFERENCES".into(),
                message: format!(
                    "Count of {location}: {text}. Scan CMD-DONE to book them, or CMD-CANCEL to throw the count away"
                ),
            });
        };
        if *shown_before != now_differences {
            out.warnings.push(
                "The books changed since the differences were shown (another station moved stock): booked against the books as they are now"
                    .to_owned(),
            );
        }
        for d in &now_differences {
            if let DifferenceKind::Elsewhere { booked_at } = &d.kind {
                out.warnings.push(format!(
                    "Serial {} was booked at {booked_at}: moved here",
                    shown(d.serial.as_deref().unwrap_or_default())
                ));
            }
        }
        let reference = count_reference(&location, now, world)?;
        out.movements = now_differences
            .iter()
            .map(|d| d.movement(&location))
            .collect();
        out.count = Some(CountBooking {
            reference: reference.clone(),
            location: location.clone(),
        });
        next.count = None;
        Ok(Feedback::ok(
            "COUNT BOOKED",
            format!(
                "{reference} booked: {} at {location}",
                summary(&now_differences)
            ),
        ))
    }
}

/// `COUNT-A-01-3-2026-12-01`, or with `-2`, `-3`… when the location was counted that day
/// already.
fn count_reference(
    location: &str,
    now: DateTime<Utc>,
    world: &dyn World,
) -> Result<String, Reject> {
    let base = format!("COUNT-{location}-{}", now.date_naive());
    let mut reference = base.clone();
    let mut n = 1;
    while world.count_reference_taken(&reference)? {
        n += 1;
        reference = format!("{base}-{n}");
    }
    Ok(reference)
}
