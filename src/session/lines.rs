//! What a completed line does in each mode (SPEC §4): the checks a receipt, a tote line, a
//! pick and a return must pass, the movements they record, and how locations and documents
//! are taken in each mode.

use super::{
    Feedback, LookupRequest, Mode, MovementDraft, OpenDocument, Out, Pending, Session, State, Step,
    ToteLine, shown,
};
use crate::barcode::classify::{LookupError, ProductMatch};
use crate::config::{FefoRule, RejectOrWarn};
use crate::domain::{DocumentKind, LotStatus, MovementKind, SerialPattern, SerialStatus, Tracking};
use crate::session::LotDraft;
use chrono::NaiveDate;

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
}

fn date_of(since: &str) -> &str {
    since.get(..10).unwrap_or(since)
}

impl Session {
    pub(super) fn location(
        &mut self,
        next: &mut State,
        code: &str,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        Ok(match next.mode {
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
            Mode::Lookup => {
                out.lookup = Some(LookupRequest::Location {
                    code: code.to_owned(),
                });
                Ok(Feedback::info("LOOKUP", format!("Location {code}")))
            }
            Mode::Transfer => {
                let source = next.tote.source.clone();
                match source {
                    Some(source) if source == code => Err(Feedback::error(
                        "SAME PLACE",
                        format!("{code} is the source: scan the destination location"),
                    )),
                    Some(source) if !next.tote.lines.is_empty() => {
                        let lines = std::mem::take(&mut next.tote.lines);
                        let mut units = 0;
                        for l in &lines {
                            units += l.qty;
                            out.movements.push(MovementDraft {
                                kind: MovementKind::Transfer,
                                sku: l.product.sku.clone(),
                                lot: l.lot.clone().map(|code| LotDraft { code, expiry: None }),
                                serial: l.serial.clone(),
                                qty: l.qty,
                                from: Some(source.clone()),
                                to: Some(code.to_owned()),
                                partner: None,
                                document: None,
                                reverses: None,
                            });
                        }
                        next.tote.source = None;
                        let _ = world;
                        Ok(Feedback::ok(
                            "MOVED",
                            format!(
                                "Moved {units} item(s) {source} → {code}; scan the next source"
                            ),
                        ))
                    }
                    _ => {
                        next.tote.source = Some(code.to_owned());
                        Ok(Feedback::ok(
                            "SOURCE",
                            format!("Taking from {code}: scan the items, then the destination"),
                        ))
                    }
                }
            }
        })
    }

    pub(super) fn document(
        &mut self,
        next: &mut State,
        reference: &str,
        kind: DocumentKind,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        if next.mode == Mode::Lookup {
            out.lookup = Some(LookupRequest::Document {
                reference: reference.to_owned(),
            });
            return Ok(Ok(Feedback::info("LOOKUP", reference.to_owned())));
        }
        let allowed: &[DocumentKind] = match next.mode {
            Mode::Receive => &[DocumentKind::Purchase],
            Mode::Pick => &[DocumentKind::Sale],
            Mode::Return => &[DocumentKind::Sale, DocumentKind::Return],
            Mode::Transfer | Mode::Lookup => &[],
        };
        if !allowed.contains(&kind) {
            let wanted = match next.mode {
                Mode::Receive => "a purchase order (PO-…)",
                Mode::Pick => "a sales order (SO-…)",
                Mode::Return => "a sales order or a return authorisation",
                _ => "no document",
            };
            return Ok(Err(Feedback::error(
                "WRONG DOCUMENT",
                format!(
                    "{} mode takes {wanted}; {reference} is a {kind} order",
                    next.mode.as_str().to_lowercase()
                ),
            )));
        }
        let Some(facts) = world.document(reference)? else {
            return Ok(Err(Feedback::error(
                "UNKNOWN DOCUMENT",
                format!("{reference} is not in the system"),
            )));
        };
        next.document = Some(OpenDocument {
            reference: reference.to_owned(),
            kind,
            partner: facts.partner.clone(),
        });
        let short = facts.short_lines();
        Ok(Ok(Feedback::ok(
            reference.to_owned(),
            format!(
                "{reference} {}: {short} of {} line(s) open",
                facts.partner,
                facts.lines.len()
            ),
        )))
    }

    /// Refuses a product up front where its line could never pass (not on the order), so
    /// nobody scans a lot or serials for nothing.
    pub(super) fn refuse_product(
        &self,
        next: &State,
        product: &ProductMatch,
        world: &dyn super::World,
    ) -> Result<Option<Feedback>, LookupError> {
        let Some(doc) = &next.document else {
            return Ok(None);
        };
        let check = match next.mode {
            Mode::Pick => true,
            Mode::Receive => self.rules.config.receive.off_order == RejectOrWarn::Reject,
            _ => false,
        };
        if !check {
            return Ok(None);
        }
        let Some(facts) = world.document(&doc.reference)? else {
            return Ok(None);
        };
        Ok(match facts.progress(&product.sku) {
            None => Some(Feedback::error(
                "NOT ON ORDER",
                format!(
                    "{} is not on {}: put it aside and tell a supervisor",
                    product.name, doc.reference
                ),
            )),
            Some((ordered, done)) if next.mode == Mode::Pick && done >= ordered => {
                Some(Feedback::error(
                    "ALREADY PICKED",
                    format!(
                        "All {ordered} × {} on {} are picked already",
                        product.name, doc.reference
                    ),
                ))
            }
            Some(_) => None,
        })
    }

    /// A complete line in the current mode. A line that passes uses up the armed quantity.
    pub(super) fn line(
        &mut self,
        next: &mut State,
        line: Line,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let step = match next.mode {
            Mode::Receive => self.receive_line(next, line, world, out),
            Mode::Transfer => self.tote_line(next, line, world),
            Mode::Pick => self.pick_line(next, line, world, out),
            Mode::Return => self.return_line(next, line, world, out),
            Mode::Lookup => Ok(Ok(Feedback::info("LOOKUP", line.describe()))),
        }?;
        if step.is_ok() {
            next.armed_qty = None;
        }
        Ok(step)
    }

    fn receive_line(
        &mut self,
        next: &mut State,
        line: Line,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let rules = &self.rules.config.receive;
        let Some(location) = next.location.clone() else {
            return Ok(Err(Feedback::error(
                "WHERE TO?",
                "Scan the put-away location (LOC-…) first",
            )));
        };
        if rules.require_document && next.document.is_none() {
            return Ok(Err(Feedback::error(
                "SCAN THE PO",
                "Receipts need a purchase order here: scan the PO (PO-…) first",
            )));
        }
        let sku = line.product.sku.clone();
        if let Some(doc) = &next.document
            && let Some(facts) = world.document(&doc.reference)?
        {
            match facts.progress(&sku) {
                None => match rules.off_order {
                    RejectOrWarn::Reject => {
                        return Ok(Err(Feedback::error(
                            "NOT ON ORDER",
                            format!(
                                "{} is not on {}: put it aside and tell a supervisor",
                                line.product.name, doc.reference
                            ),
                        )));
                    }
                    RejectOrWarn::Warn => out
                        .warnings
                        .push(format!("{} is not on {}", line.product.name, doc.reference)),
                },
                Some((ordered, done)) if done + i64::from(line.qty) > ordered => {
                    match rules.over_receipt {
                        RejectOrWarn::Reject => {
                            return Ok(Err(Feedback::error(
                                "OVER-RECEIPT",
                                format!(
                                    "{} orders {ordered} × {}, {done} received already: this would be {}",
                                    doc.reference,
                                    line.product.name,
                                    done + i64::from(line.qty)
                                ),
                            )));
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
                    return Ok(Err(Feedback::error(
                        "ALREADY IN STOCK",
                        format!(
                            "Serial {} is already in stock at {} since {}",
                            shown(serial),
                            f.location.as_deref().unwrap_or("?"),
                            date_of(&f.since)
                        ),
                    )));
                }
                Some(f) => {
                    return Ok(Err(Feedback::error(
                        "ALREADY SHIPPED",
                        format!(
                            "Serial {} was shipped on {}{}; use return",
                            shown(serial),
                            date_of(&f.since),
                            f.document.map(|d| format!(" with {d}")).unwrap_or_default()
                        ),
                    )));
                }
                None => {}
            }
            if let Some(pattern) = world.product(&sku)?.and_then(|p| p.serial_pattern)
                && let Ok(pattern) = SerialPattern::new(&pattern)
                && !pattern.matches(serial)
            {
                return Ok(Err(Feedback::error(
                    "WRONG SERIAL",
                    format!(
                        "{} does not look like a serial of {} (expected {}): scan the serial label",
                        shown(serial),
                        line.product.name,
                        pattern.as_str()
                    ),
                )));
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
        let doc = next.document.clone();
        out.movements.push(MovementDraft {
            kind: MovementKind::Receive,
            sku: sku.clone(),
            lot: line.lot.clone().map(|code| LotDraft {
                code,
                expiry: line.expiry,
            }),
            serial: line.serial.clone(),
            qty: line.qty,
            from: None,
            to: Some(location.clone()),
            partner: doc.as_ref().map(|d| d.partner.clone()),
            document: doc.as_ref().map(|d| d.reference.clone()),
            reverses: None,
        });
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
        Ok(Ok(Feedback::ok(
            "RECEIVED",
            format!("{}{run} — into {location}", line.describe()),
        )))
    }

    fn tote_line(
        &mut self,
        next: &mut State,
        mut line: Line,
        world: &dyn super::World,
    ) -> Result<Step, LookupError> {
        let sku = line.product.sku.clone();
        if let Some(serial) = &line.serial {
            let Some(f) = world.serial(&sku, serial)? else {
                return Ok(Err(Feedback::error(
                    "UNKNOWN SERIAL",
                    format!(
                        "Serial {} of {} was never received",
                        shown(serial),
                        line.product.name
                    ),
                )));
            };
            let Some(at) = f
                .location
                .clone()
                .filter(|_| f.status == SerialStatus::InStock)
            else {
                return Ok(Err(Feedback::error(
                    "NOT IN STOCK",
                    format!(
                        "Serial {} was shipped on {}: it cannot be moved",
                        shown(serial),
                        date_of(&f.since)
                    ),
                )));
            };
            let source = next.tote.source.get_or_insert_with(|| at.clone()).clone();
            if at != source {
                return Ok(Err(Feedback::error(
                    "WRONG PLACE",
                    format!(
                        "Serial {} is at {at}, not at {source}: scan it at its place, or that place first",
                        shown(serial)
                    ),
                )));
            }
            if next
                .tote
                .lines
                .iter()
                .any(|l| l.product.sku == sku && l.serial.as_deref() == Some(serial))
            {
                return Ok(Err(Feedback::error(
                    "ALREADY IN TOTE",
                    format!("Serial {} is already in the tote", shown(serial)),
                )));
            }
            line.lot = f.lot;
            line.qty = 1;
        } else {
            let Some(source) = next.tote.source.clone() else {
                return Ok(Err(Feedback::error(
                    "WHERE FROM?",
                    "Scan the source location (LOC-…) first",
                )));
            };
            if let Some(lot) = &line.lot {
                match world.lot(&sku, lot)? {
                    None => {
                        return Ok(Err(Feedback::error(
                            "UNKNOWN LOT",
                            format!(
                                "Lot {} of {} was never received",
                                shown(lot),
                                line.product.name
                            ),
                        )));
                    }
                    Some(l) if l.status == LotStatus::Quarantined => {
                        return Ok(Err(Feedback::error(
                            "QUARANTINED",
                            format!("Lot {} is quarantined: it cannot be moved", shown(lot)),
                        )));
                    }
                    Some(_) => {}
                }
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
                return Ok(Err(Feedback::error(
                    "NOT ENOUGH",
                    format!(
                        "Only {} × {}{} at {source}{}",
                        (have - in_tote).max(0),
                        line.product.name,
                        line.lot
                            .as_deref()
                            .map(|l| format!(", lot {}", shown(l)))
                            .unwrap_or_default(),
                        if in_tote > 0 {
                            format!(" besides the {in_tote} in the tote")
                        } else {
                            String::new()
                        }
                    ),
                )));
            }
        }
        let described = line.describe();
        next.tote.lines.push(ToteLine {
            product: line.product,
            lot: line.lot,
            serial: line.serial,
            qty: line.qty,
        });
        let source = next.tote.source.clone().unwrap_or_default();
        Ok(Ok(Feedback::ok(
            "IN TOTE",
            format!(
                "{described} from {source}; tote: {} — scan more, or the destination",
                next.tote.units()
            ),
        )))
    }

    fn pick_line(
        &mut self,
        next: &mut State,
        mut line: Line,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let Some(doc) = next.document.clone() else {
            return Ok(Err(Feedback::error(
                "SCAN THE ORDER",
                "Scan the sales order (SO-…) first",
            )));
        };
        let Some(location) = next.location.clone() else {
            return Ok(Err(Feedback::error(
                "WHERE FROM?",
                "Scan the pick location (LOC-…) first",
            )));
        };
        let sku = line.product.sku.clone();
        let Some(facts) = world.document(&doc.reference)? else {
            return Ok(Err(Feedback::error(
                "UNKNOWN DOCUMENT",
                format!("{} is gone from the system", doc.reference),
            )));
        };
        let Some((ordered, done)) = facts.progress(&sku) else {
            return Ok(Err(Feedback::error(
                "NOT ON ORDER",
                format!("{} is not on {}", line.product.name, doc.reference),
            )));
        };
        let remaining = ordered - done;
        if remaining < i64::from(line.qty) {
            return Ok(Err(Feedback::error(
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
            )));
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
                    return Ok(Err(Feedback::error(
                        "WRONG PLACE",
                        format!(
                            "Serial {} is at {}, not at {location}",
                            shown(serial),
                            f.location.unwrap_or_default()
                        ),
                    )));
                }
                Some(f) => {
                    return Ok(Err(Feedback::error(
                        "ALREADY SHIPPED",
                        format!(
                            "Serial {} was shipped on {}{}",
                            shown(serial),
                            date_of(&f.since),
                            f.document.map(|d| format!(" with {d}")).unwrap_or_default()
                        ),
                    )));
                }
                None => {
                    return Ok(Err(Feedback::error(
                        "UNKNOWN SERIAL",
                        format!(
                            "Serial {} of {} was never received",
                            shown(serial),
                            line.product.name
                        ),
                    )));
                }
            }
        }
        if line.serial.is_none()
            && let Some(lot) = &line.lot
        {
            let Some(facts) = world.lot(&sku, lot)? else {
                return Ok(Err(Feedback::error(
                    "UNKNOWN LOT",
                    format!(
                        "Lot {} of {} was never received",
                        shown(lot),
                        line.product.name
                    ),
                )));
            };
            if facts.status == LotStatus::Quarantined {
                return Ok(Err(Feedback::error(
                    "QUARANTINED",
                    format!("Lot {} is quarantined: do not pick it", shown(lot)),
                )));
            }
            let today = self.today.unwrap_or(NaiveDate::MIN);
            if let Some(expiry) = facts.expiry
                && expiry < today
            {
                return Ok(Err(Feedback::error(
                    "EXPIRED",
                    format!("Lot {} expired on {expiry}: do not pick it", shown(lot)),
                )));
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
                            return Ok(Err(Feedback::error(
                                "PICK OLDER LOT",
                                format!("{text}: pick that one first"),
                            )));
                        }
                        _ => out.warnings.push(text),
                    }
                }
            }
        }
        if line.serial.is_none() {
            let have = world.stock(&sku, &location, line.lot.as_deref())?;
            if have < i64::from(line.qty) {
                return Ok(Err(Feedback::error(
                    "NOT ENOUGH",
                    format!(
                        "Only {have} × {}{} at {location}",
                        line.product.name,
                        line.lot
                            .as_deref()
                            .map(|l| format!(", lot {}", shown(l)))
                            .unwrap_or_default()
                    ),
                )));
            }
        }
        out.movements.push(MovementDraft {
            kind: MovementKind::Ship,
            sku,
            lot: line.lot.clone().map(|code| LotDraft { code, expiry: None }),
            serial: line.serial.clone(),
            qty: line.qty,
            from: Some(location.clone()),
            to: None,
            partner: Some(doc.partner.clone()),
            document: Some(doc.reference.clone()),
            reverses: None,
        });
        Ok(Ok(Feedback::ok(
            "PICKED",
            format!(
                "{} from {location} for {} ({}/{ordered})",
                line.describe(),
                doc.reference,
                done + i64::from(line.qty)
            ),
        )))
    }

    fn return_line(
        &mut self,
        next: &mut State,
        mut line: Line,
        world: &dyn super::World,
        out: &mut Out,
    ) -> Result<Step, LookupError> {
        let Some(location) = next.location.clone() else {
            return Ok(Err(Feedback::error(
                "WHERE TO?",
                "Scan the location for returns (LOC-…) first",
            )));
        };
        let sku = line.product.sku.clone();
        let doc = next.document.clone();
        if let Some(serial) = &line.serial {
            match world.serial(&sku, serial)? {
                None => {
                    return Ok(Err(Feedback::error(
                        "UNKNOWN SERIAL",
                        format!(
                            "Serial {} of {} was never received here",
                            shown(serial),
                            line.product.name
                        ),
                    )));
                }
                Some(f) if f.status == SerialStatus::InStock => {
                    return Ok(Err(Feedback::error(
                        "NOT SHIPPED",
                        format!(
                            "Serial {} is in stock at {}: it was never shipped, so it cannot come back",
                            shown(serial),
                            f.location.unwrap_or_default()
                        ),
                    )));
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
                return Ok(Err(Feedback::error(
                    "UNKNOWN LOT",
                    format!(
                        "Lot {} of {} was never received here",
                        shown(lot),
                        line.product.name
                    ),
                )));
            }
            if let Some(d) = &doc
                && d.kind == DocumentKind::Sale
            {
                let returnable = world.returnable(&d.reference, &sku, line.lot.as_deref())?;
                if returnable < i64::from(line.qty) {
                    return Ok(Err(Feedback::error(
                        "TOO MANY",
                        format!(
                            "{} shipped {} × {}{} that can still come back, not {}",
                            d.reference,
                            returnable.max(0),
                            line.product.name,
                            line.lot
                                .as_deref()
                                .map(|l| format!(", lot {}", shown(l)))
                                .unwrap_or_default(),
                            line.qty
                        ),
                    )));
                }
            }
        }
        if line.product.tracking == Tracking::Serial && line.serial.is_none() {
            return Ok(Err(Feedback::error(
                "SCAN SERIAL",
                format!("Scan the serial of the returned {}", line.product.name),
            )));
        }
        out.movements.push(MovementDraft {
            kind: MovementKind::Return,
            sku,
            lot: line.lot.clone().map(|code| LotDraft { code, expiry: None }),
            serial: line.serial.clone(),
            qty: line.qty,
            from: None,
            to: Some(location.clone()),
            partner: doc.as_ref().map(|d| d.partner.clone()),
            document: doc.as_ref().map(|d| d.reference.clone()),
            reverses: None,
        });
        Ok(Ok(Feedback::ok(
            "RETURNED",
            format!("{} back into {location}", line.describe()),
        )))
    }
}
