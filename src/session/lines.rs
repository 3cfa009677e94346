//! What a completed line does in each mode (SPEC §4): the checks a receipt, a tote line, a
//! pick and a return must pass, the movements they record, and how locations and documents
//! are taken in each mode.

use super::count::missing_since;
use super::proposal::{Reject, Step};
use super::{
    Feedback, LookupRequest, Mode, MovementDraft, OpenDocument, Out, Pending, Session, State,
    ToteLine, World, shown,
};
use crate::barcode::classify::ProductMatch;
use crate::config::{FefoRule, RejectOrWarn};
use crate::domain::{
    DocumentKind, LotSpec, LotStatus, MovementKind, SerialPattern, SerialStatus, Tracking,
};
use crate::session::world::{LotFacts, SerialFacts};
use chrono::{DateTime, NaiveDate, Utc};

/// One complete line: a product with its lot or serial, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    pub product: ProductMatch,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    pub serial: Option<String>,
    pub qty: u32,
}

impl Line {
    fn describe(&self) -> String {
        match (&self.serial, &self.lot) {
            (Some(serial), _) => format!("{} {}", self.product.name, shown(serial)),
            (None, Some(lot)) => {
                format!("{} × {}, lot {}", self.qty, self.product.name, shown(lot))
            }
            (None, None) => format!("{} × {}", self.qty, self.product.name),
        }
    }

    /// `, lot L…` when the line names a lot, for messages about quantities.
    fn of_lot(&self) -> String {
        self.lot
            .as_deref()
            .map(|l| format!(", lot {}", shown(l)))
            .unwrap_or_default()
    }

    /// The movement of this line from `from` to `to`, against `document` (whose partner is
    /// the outside side). Only a receipt gives the lot the expiry its label carried; later
    /// movements name the lot by its code.
    fn movement(
        &self,
        kind: MovementKind,
        from: Option<String>,
        to: Option<String>,
        document: Option<&OpenDocument>,
    ) -> MovementDraft {
        MovementDraft {
            kind,
            sku: self.product.sku.clone(),
            lot: self.lot.clone().map(|code| LotSpec {
                code,
                expiry: self.expiry.filter(|_| kind == MovementKind::Receive),
            }),
            serial: self.serial.clone(),
            qty: self.qty,
            from,
            to,
            partner: document.map(|d| d.partner.clone()),
            document: document.map(|d| d.reference.clone()),
            reverses: None,
        }
    }
}

impl From<&ToteLine> for Line {
    fn from(l: &ToteLine) -> Line {
        Line {
            product: l.product.clone(),
            lot: l.lot.clone(),
            expiry: None,
            serial: l.serial.clone(),
            qty: l.qty,
        }
    }
}

fn date_of(since: &str) -> &str {
    since.get(..10).unwrap_or(since)
}

/// Where a line says the books have never seen its serial or lot; `desk` adds "here" where
/// the thing may exist elsewhere (a return from another warehouse).
fn never_received(what: &str, code: &str, line: &Line, desk: &str) -> Reject {
    Reject::new(
        format!("UNKNOWN {}", what.to_uppercase()),
        format!(
            "{what} {} of {} was never received{desk}",
            shown(code),
            line.product.name
        ),
    )
}

/// A product the open document does not order.
fn not_on_order(product: &ProductMatch, doc: &OpenDocument) -> Reject {
    Reject::new(
        "NOT ON ORDER",
        format!(
            "{} is not on {}: put it aside and tell a supervisor",
            product.name, doc.reference
        ),
    )
}

/// The lot of a line that takes stock away: known to the books and not quarantined
/// (`forbids` says what quarantine forbids here).
fn usable_lot(
    world: &dyn World,
    line: &Line,
    lot: &str,
    forbids: &str,
) -> Result<LotFacts, Reject> {
    match world.lot(&line.product.sku, lot)? {
        None => Err(never_received("Lot", lot, line, "")),
        Some(facts) if facts.status == LotStatus::Quarantined => Err(quarantined(lot, forbids)),
        Some(facts) => Ok(facts),
    }
}

/// A quarantined lot, and what that forbids here.
fn quarantined(lot: &str, forbids: &str) -> Reject {
    Reject::new(
        "QUARANTINED",
        format!("Lot {} is quarantined: {forbids}", shown(lot)),
    )
}

/// A serial that left with a customer, and `then` what to do about it.
fn already_shipped(serial: &str, facts: &SerialFacts, then: &str) -> Reject {
    Reject::new(
        "ALREADY SHIPPED",
        format!(
            "Serial {} was shipped on {}{}{then}",
            shown(serial),
            date_of(&facts.since),
            facts
                .document
                .as_deref()
                .map(|d| format!(" with {d}"))
                .unwrap_or_default()
        ),
    )
}

/// Less stock at `location` than the line takes; `besides` says what else holds some.
fn not_enough(have: i64, line: &Line, location: &str, besides: &str) -> Reject {
    Reject::new(
        "NOT ENOUGH",
        format!(
            "Only {have} × {}{} at {location}{besides}",
            line.product.name,
            line.of_lot()
        ),
    )
}

impl Session {
    pub(super) fn location(
        &self,
        next: &mut State,
        now: DateTime<Utc>,
        code: &str,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        match next.mode {
            Mode::Receive => {
                next.location = Some(code.to_owned());
                Ok(Feedback::ok("PUT-AWAY", format!("Receiving into {code}")))
            }
            Mode::Pick => {
                next.location = Some(code.to_owned());
                Ok(Feedback::ok("PICK FROM", format!("Picking from {code}")))
            }
            Mode::Return => {
                next.location = Some(code.to_owned());
                Ok(Feedback::ok("RETURN TO", format!("Returns go to {code}")))
            }
            Mode::Count => self.count_location(next, now, code, world, out),
            Mode::Lookup => {
                out.lookup = Some(LookupRequest::Location {
                    code: code.to_owned(),
                });
                Ok(Feedback::info("LOOKUP", format!("Location {code}")))
            }
            Mode::Transfer => match next.tote.source.clone() {
                Some(source) if source == code => Err(Reject::new(
                    "SAME PLACE",
                    format!("{code} is the source: scan the destination location"),
                )),
                Some(source) if !next.tote.lines.is_empty() => {
                    let lines = std::mem::take(&mut next.tote.lines);
                    let units: u32 = lines.iter().map(|l| l.qty).sum();
                    // A missing serial found at the source is booked back in there first.
                    out.movements
                        .extend(lines.iter().filter(|l| l.found).map(|l| {
                            Line::from(l).movement(
                                MovementKind::Adjust,
                                None,
                                Some(source.clone()),
                                None,
                            )
                        }));
                    out.movements.extend(lines.iter().map(|l| {
                        Line::from(l).movement(
                            MovementKind::Transfer,
                            Some(source.clone()),
                            Some(code.to_owned()),
                            None,
                        )
                    }));
                    next.tote.source = None;
                    Ok(Feedback::ok(
                        "MOVED",
                        format!("Moved {units} item(s) {source} → {code}; scan the next source"),
                    ))
                }
                _ => {
                    next.tote.source = Some(code.to_owned());
                    Ok(Feedback::ok(
                        "SOURCE",
                        format!("Taking from {code}: scan the items, then the destination"),
                    ))
                }
            },
        }
    }

    pub(super) fn document(
        &self,
        next: &mut State,
        reference: &str,
        kind: DocumentKind,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        if next.mode == Mode::Lookup {
            out.lookup = Some(LookupRequest::Document {
                reference: reference.to_owned(),
            });
            return Ok(Feedback::info("LOOKUP", reference.to_owned()));
        }
        let allowed: &[DocumentKind] = match next.mode {
            Mode::Receive => &[DocumentKind::Purchase],
            Mode::Pick => &[DocumentKind::Sale],
            Mode::Return => &[DocumentKind::Sale, DocumentKind::Return],
            Mode::Transfer | Mode::Count | Mode::Lookup => &[],
        };
        if !allowed.contains(&kind) {
            let wanted = match next.mode {
                Mode::Receive => "a purchase order (PO-…)",
                Mode::Pick => "a sales order (SO-…)",
                Mode::Return => "a sales order or a return authorisation",
                _ => "no document",
            };
            return Err(Reject::new(
                "WRONG DOCUMENT",
                format!(
                    "{} mode takes {wanted}; {reference} is a {kind} order",
                    next.mode.as_str().to_lowercase()
                ),
            ));
        }
        let Some(facts) = world.document(reference)? else {
            return Err(Reject::new(
                "UNKNOWN DOCUMENT",
                format!("{reference} is not in the system"),
            ));
        };
        next.document = Some(OpenDocument {
            reference: reference.to_owned(),
            kind,
            partner: facts.partner.clone(),
        });
        let short = facts.short_lines();
        Ok(Feedback::ok(
            reference.to_owned(),
            format!(
                "{reference} {}: {short} of {} line(s) open",
                facts.partner,
                facts.lines.len()
            ),
        ))
    }

    /// Refuses a product up front where its line could never pass (not on the order), so
    /// nobody scans a lot or serials for nothing.
    pub(super) fn refuse_product(
        &self,
        next: &State,
        product: &ProductMatch,
        world: &dyn World,
    ) -> Result<(), Reject> {
        let Some(doc) = &next.document else {
            return Ok(());
        };
        let check = match next.mode {
            Mode::Pick => true,
            Mode::Receive => self.rules.config.receive.off_order == RejectOrWarn::Reject,
            _ => false,
        };
        if !check {
            return Ok(());
        }
        let Some(facts) = world.document(&doc.reference)? else {
            return Ok(());
        };
        match facts.progress(&product.sku) {
            None => Err(not_on_order(product, doc)),
            Some((ordered, done)) if next.mode == Mode::Pick && done >= ordered => {
                Err(Reject::new(
                    "ALREADY PICKED",
                    format!(
                        "All {ordered} × {} on {} are picked already",
                        product.name, doc.reference
                    ),
                ))
            }
            Some(_) => Ok(()),
        }
    }

    /// A complete line in the current mode, on `today` (for expiry). A line that passes
    /// uses up the armed quantity.
    pub(super) fn line(
        &self,
        next: &mut State,
        today: NaiveDate,
        line: Line,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let feedback = match next.mode {
            Mode::Receive => self.receive_line(next, line, world, out),
            Mode::Transfer => self.tote_line(next, line, world),
            Mode::Pick => self.pick_line(next, today, line, world, out),
            Mode::Return => self.return_line(next, line, world, out),
            Mode::Count => self.count_line(next, line, world, out),
            Mode::Lookup => Ok(Feedback::info("LOOKUP", line.describe())),
        }?;
        next.armed_qty = None;
        Ok(feedback)
    }

    fn receive_line(&self, next: &mut State, line: Line, world: &dyn World, out: &mut Out) -> Step {
        let rules = &self.rules.config.receive;
        let Some(location) = next.location.clone() else {
            return Err(Reject::new(
                "WHERE TO?",
                "Scan the put-away location (LOC-…) first",
            ));
        };
        if rules.require_document && next.document.is_none() {
            return Err(Reject::new(
                "SCAN THE PO",
                "Receipts need a purchase order here: scan the PO (PO-…) first",
            ));
        }
        let sku = line.product.sku.clone();
        if let Some(doc) = &next.document
            && let Some(facts) = world.document(&doc.reference)?
        {
            match facts.progress(&sku) {
                None => match rules.off_order {
                    RejectOrWarn::Reject => return Err(not_on_order(&line.product, doc)),
                    RejectOrWarn::Warn => out
                        .warnings
                        .push(format!("{} is not on {}", line.product.name, doc.reference)),
                },
                Some((ordered, done)) if done + i64::from(line.qty) > ordered => {
                    match rules.over_receipt {
                        RejectOrWarn::Reject => {
                            return Err(Reject::new(
                                "OVER-RECEIPT",
                                format!(
                                    "{} orders {ordered} × {}, {done} received already: this would be {}",
                                    doc.reference,
                                    line.product.name,
                                    done + i64::from(line.qty)
                                ),
                            ));
                        }
                        RejectOrWarn::Warn => out.warnings.push(format!(
                            "Over-receipt: {} of {ordered} ordered on {}",
                            done + i64::from(line.qty),
                            doc.reference
                        )),
                    }
                }
                Some(_) => {}
            }
        }
        if let Some(serial) = &line.serial {
            match world.serial(&sku, serial)? {
                Some(f) if f.status == SerialStatus::InStock => {
                    return Err(Reject::new(
                        "ALREADY IN STOCK",
                        format!(
                            "Serial {} is already in stock at {} since {}",
                            shown(serial),
                            f.location.as_deref().unwrap_or("?"),
                            date_of(&f.since)
                        ),
                    ));
                }
                Some(f) if f.status == SerialStatus::Missing => {
                    return Err(Reject::new(
                        "MISSING",
                        format!(
                            "Serial {} is {}: count it or return it, do not receive it again",
                            shown(serial),
                            missing_since(&f)
                        ),
                    ));
                }
                Some(f) => return Err(already_shipped(serial, &f, "; use return")),
                None => {}
            }
            if let Some(pattern) = world.product(&sku)?.and_then(|p| p.serial_pattern)
                && let Ok(pattern) = SerialPattern::new(&pattern)
                && !pattern.matches(serial)
            {
                return Err(Reject::new(
                    "WRONG SERIAL",
                    format!(
                        "{} does not look like a serial of {} (expected {}): scan the serial label",
                        shown(serial),
                        line.product.name,
                        pattern.as_str()
                    ),
                ));
            }
        }
        if let Some(lot) = &line.lot
            && let Some(known) = world.lot(&sku, lot)?
        {
            if let (Some(have), Some(label)) = (known.expiry, line.expiry)
                && have != label
            {
                out.warnings.push(format!(
                    "Lot {} has expiry {have} on record; the label says {label}",
                    shown(lot)
                ));
            }
            if known.status == LotStatus::Quarantined {
                out.warnings
                    .push(format!("Lot {} is quarantined", shown(lot)));
            }
        }
        out.movements.push(line.movement(
            MovementKind::Receive,
            None,
            Some(location.clone()),
            next.document.as_ref(),
        ));
        let run = match &next.pending {
            Pending::Serials {
                product,
                expected,
                done,
                ..
            } if product.sku == sku && line.serial.is_some() => {
                format!(" — serial {} of {}", done + 1, (*expected).max(done + 1))
            }
            _ => String::new(),
        };
        Ok(Feedback::ok(
            "RECEIVED",
            format!("{}{run} — into {location}", line.describe()),
        ))
    }

    fn tote_line(&self, next: &mut State, mut line: Line, world: &dyn World) -> Step {
        let sku = line.product.sku.clone();
        let mut found = false;
        if let Some(serial) = &line.serial {
            let Some(f) = world.serial(&sku, serial)? else {
                return Err(never_received("Serial", serial, &line, ""));
            };
            found = f.status == SerialStatus::Missing;
            // A missing serial is found where it turned up: the source, scanned first.
            let at = if found {
                if next.tote.source.is_none() {
                    return Err(Reject::new(
                        "WHERE FROM?",
                        format!(
                            "Serial {} is {}: scan the location where you found it first, then the serial",
                            shown(serial),
                            missing_since(&f)
                        ),
                    ));
                }
                next.tote.source.clone()
            } else {
                f.location
                    .clone()
                    .filter(|_| f.status == SerialStatus::InStock)
            };
            let Some(at) = at else {
                return Err(Reject::new(
                    "NOT IN STOCK",
                    format!(
                        "Serial {} was shipped on {}: it cannot be moved",
                        shown(serial),
                        date_of(&f.since)
                    ),
                ));
            };
            let source = next.tote.source.get_or_insert_with(|| at.clone()).clone();
            if at != source {
                return Err(Reject::new(
                    "WRONG PLACE",
                    format!(
                        "Serial {} is at {at}, not at {source}: scan it at its place, or that place first",
                        shown(serial)
                    ),
                ));
            }
            if next
                .tote
                .lines
                .iter()
                .any(|l| l.product.sku == sku && l.serial.as_deref() == Some(serial))
            {
                return Err(Reject::new(
                    "ALREADY IN TOTE",
                    format!("Serial {} is already in the tote", shown(serial)),
                ));
            }
            line.lot = f.lot;
            line.qty = 1;
        } else {
            let Some(source) = next.tote.source.clone() else {
                return Err(Reject::new(
                    "WHERE FROM?",
                    "Scan the source location (LOC-…) first",
                ));
            };
            if let Some(lot) = &line.lot {
                usable_lot(world, &line, lot, "it cannot be moved")?;
            }
            let in_tote: i64 = next
                .tote
                .lines
                .iter()
                .filter(|l| l.product.sku == sku && l.lot == line.lot && l.serial.is_none())
                .map(|l| i64::from(l.qty))
                .sum();
            let have = world.stock(&sku, &source, line.lot.as_deref())?;
            if have - in_tote < i64::from(line.qty) {
                let besides = if in_tote > 0 {
                    format!(" besides the {in_tote} in the tote")
                } else {
                    String::new()
                };
                return Err(not_enough(
                    (have - in_tote).max(0),
                    &line,
                    &source,
                    &besides,
                ));
            }
        }
        let described = line.describe();
        next.tote.lines.push(ToteLine {
            product: line.product,
            lot: line.lot,
            serial: line.serial,
            qty: line.qty,
            found,
        });
        let source = next.tote.source.clone().unwrap_or_default();
        Ok(Feedback::ok(
            "IN TOTE",
            format!(
                "{described} from {source}; tote: {} — scan more, or the destination",
                next.tote.units()
            ),
        ))
    }

    fn pick_line(
        &self,
        next: &mut State,
        today: NaiveDate,
        mut line: Line,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let Some(doc) = next.document.clone() else {
            return Err(Reject::new(
                "SCAN THE ORDER",
                "Scan the sales order (SO-…) first",
            ));
        };
        let Some(location) = next.location.clone() else {
            return Err(Reject::new(
                "WHERE FROM?",
                "Scan the pick location (LOC-…) first",
            ));
        };
        let sku = line.product.sku.clone();
        let Some(facts) = world.document(&doc.reference)? else {
            return Err(Reject::new(
                "UNKNOWN DOCUMENT",
                format!("{} is gone from the system", doc.reference),
            ));
        };
        let Some((ordered, done)) = facts.progress(&sku) else {
            return Err(Reject::new(
                "NOT ON ORDER",
                format!("{} is not on {}", line.product.name, doc.reference),
            ));
        };
        let remaining = ordered - done;
        if remaining < i64::from(line.qty) {
            return Err(Reject::new(
                "TOO MANY",
                if remaining <= 0 {
                    format!(
                        "All {ordered} × {} on {} are picked already",
                        line.product.name, doc.reference
                    )
                } else {
                    format!(
                        "Only {remaining} × {} left to pick on {}",
                        line.product.name, doc.reference
                    )
                },
            ));
        }
        if let Some(serial) = &line.serial {
            match world.serial(&sku, serial)? {
                Some(f)
                    if f.status == SerialStatus::InStock
                        && f.location.as_deref() == Some(location.as_str()) =>
                {
                    line.lot = f.lot;
                }
                Some(f) if f.status == SerialStatus::InStock => {
                    return Err(Reject::new(
                        "WRONG PLACE",
                        format!(
                            "Serial {} is at {}, not at {location}",
                            shown(serial),
                            f.location.unwrap_or_default()
                        ),
                    ));
                }
                Some(f) => return Err(already_shipped(serial, &f, "")),
                None => return Err(never_received("Serial", serial, &line, "")),
            }
        }
        if line.serial.is_none()
            && let Some(lot) = &line.lot
        {
            let facts = usable_lot(world, &line, lot, "do not pick it")?;
            if let Some(expiry) = facts.expiry
                && expiry < today
            {
                return Err(Reject::new(
                    "EXPIRED",
                    format!("Lot {} expired on {expiry}: do not pick it", shown(lot)),
                ));
            }
            let fefo = self.rules.config.pick.fefo;
            if fefo != FefoRule::Off {
                let sooner = world
                    .lots_at(&sku, &location)?
                    .into_iter()
                    .filter(|l| l.code != *lot && l.qty > 0 && l.status == LotStatus::Active)
                    .filter(|l| l.expiry.is_some_and(|e| e >= today))
                    .find(|l| match (l.expiry, facts.expiry) {
                        (Some(other), Some(this)) => other < this,
                        (Some(_), None) => true,
                        _ => false,
                    });
                if let Some(s) = sooner {
                    let text = format!(
                        "Lot {} expires sooner ({}) and is here in {location}",
                        s.code,
                        s.expiry.map(|e| e.to_string()).unwrap_or_default()
                    );
                    match fefo {
                        FefoRule::Reject => {
                            return Err(Reject::new(
                                "PICK OLDER LOT",
                                format!("{text}: pick that one first"),
                            ));
                        }
                        _ => out.warnings.push(text),
                    }
                }
            }
        }
        if line.serial.is_none() {
            let have = world.stock(&sku, &location, line.lot.as_deref())?;
            if have < i64::from(line.qty) {
                return Err(not_enough(have, &line, &location, ""));
            }
        }
        out.movements.push(line.movement(
            MovementKind::Ship,
            Some(location.clone()),
            None,
            Some(&doc),
        ));
        Ok(Feedback::ok(
            "PICKED",
            format!(
                "{} from {location} for {} ({}/{ordered})",
                line.describe(),
                doc.reference,
                done + i64::from(line.qty)
            ),
        ))
    }

    fn return_line(
        &self,
        next: &mut State,
        mut line: Line,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let Some(location) = next.location.clone() else {
            return Err(Reject::new(
                "WHERE TO?",
                "Scan the location for returns (LOC-…) first",
            ));
        };
        let sku = line.product.sku.clone();
        let doc = next.document.clone();
        if let Some(serial) = &line.serial {
            match world.serial(&sku, serial)? {
                None => return Err(never_received("Serial", serial, &line, " here")),
                Some(f) if f.status == SerialStatus::InStock => {
                    return Err(Reject::new(
                        "NOT SHIPPED",
                        format!(
                            "Serial {} is in stock at {}: it was never shipped, so it cannot come back",
                            shown(serial),
                            f.location.unwrap_or_default()
                        ),
                    ));
                }
                Some(f) if f.status == SerialStatus::Missing => {
                    out.warnings.push(format!(
                        "Serial {} was {}: it is back in stock",
                        shown(serial),
                        missing_since(&f)
                    ));
                    line.lot = f.lot;
                }
                Some(f) => {
                    if let Some(d) = &doc
                        && d.kind == DocumentKind::Sale
                        && f.document.as_deref() != Some(d.reference.as_str())
                    {
                        out.warnings.push(format!(
                            "Serial {} was shipped with {}, not {}",
                            shown(serial),
                            f.document.as_deref().unwrap_or("no order"),
                            d.reference
                        ));
                    }
                    line.lot = f.lot;
                }
            }
        } else {
            if let Some(lot) = &line.lot
                && world.lot(&sku, lot)?.is_none()
            {
                return Err(never_received("Lot", lot, &line, " here"));
            }
            if let Some(d) = &doc
                && d.kind == DocumentKind::Sale
            {
                let returnable = world.returnable(&d.reference, &sku, line.lot.as_deref())?;
                if returnable < i64::from(line.qty) {
                    return Err(Reject::new(
                        "TOO MANY",
                        format!(
                            "{} shipped {} × {}{} that can still come back, not {}",
                            d.reference,
                            returnable.max(0),
                            line.product.name,
                            line.of_lot(),
                            line.qty
                        ),
                    ));
                }
            }
        }
        if line.product.tracking == Tracking::Serial && line.serial.is_none() {
            return Err(Reject::new(
                "SCAN SERIAL",
                format!("Scan the serial of the returned {}", line.product.name),
            ));
        }
        out.movements.push(line.movement(
            MovementKind::Return,
            None,
            Some(location.clone()),
            doc.as_ref(),
        ));
        Ok(Feedback::ok(
            "RETURNED",
            format!("{} back into {location}", line.describe()),
        ))
    }
}
