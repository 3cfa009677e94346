//! The station commands (`CMD-…`, SPEC §3–§4): switching modes, arming a quantity,
//! cancelling, acknowledging, logging out, `CMD-DONE` (close a document, finish a transfer)
//! and `CMD-UNDO` (reverse this session's last recorded group, if nothing has moved on).

use super::proposal::{Reject, Step};
use super::{
    DoneGroup, Feedback, Mode, MovementDraft, Out, Pending, PrintRequest, Session, State, Tote,
    World,
};
use crate::barcode::classify::Command;
use crate::domain::{DocumentKind, MovementKind, Outcome, SerialStatus};

impl Session {
    pub(super) fn command(
        &self,
        next: &mut State,
        command: Command,
        world: &dyn World,
        out: &mut Out,
    ) -> Step {
        let mode = match command {
            Command::Receive => Mode::Receive,
            Command::Transfer => Mode::Transfer,
            Command::Pick => Mode::Pick,
            Command::Return => Mode::Return,
            Command::Lookup => Mode::Lookup,
            Command::Count => Mode::Count,
            Command::Quantity(n) => {
                next.armed_qty = Some(n);
                return Ok(Feedback::ok(
                    format!("QTY {n}"),
                    format!("The next line counts {n}"),
                ));
            }
            Command::Cancel => return Ok(self.cancel(next)),
            Command::Ack => return Ok(Feedback::info("OK", "Nothing to acknowledge")),
            Command::Logout => {
                return Ok(match next.operator.take() {
                    Some(op) => Feedback::ok("BYE", format!("Operator {op} logged out")),
                    None => Feedback::info("BYE", "Nobody was logged in"),
                });
            }
            Command::Done => return self.done(next, world, out),
            Command::Print => return self.print_last_received(next, out),
            Command::Undo => return self.undo(world, out),
        };
        if !next.tote.lines.is_empty() {
            return Err(Reject::new(
                "TOTE NOT EMPTY",
                format!(
                    "The tote holds {} item(s): scan the destination location, or CMD-CANCEL to empty it",
                    next.tote.units()
                ),
            ));
        }
        self.end_pending(next, out);
        next.mode = mode;
        next.document = None;
        next.location = self.rules.default_location(mode);
        next.armed_qty = None;
        next.tote = Tote::default();
        let hint = match mode {
            Mode::Receive => "scan a purchase order, a location or products",
            Mode::Transfer => "scan the source location, then items, then the destination",
            Mode::Pick => "scan the sales order",
            Mode::Return => "scan the returned items (a sales order or RMA first if you have one)",
            Mode::Count => "scan the location to count, then everything in it, then CMD-DONE",
            Mode::Lookup => "scan anything to see what the books say",
        };
        Ok(Feedback::ok(
            mode.as_str(),
            format!("{} mode: {hint}", title_case(mode.as_str())),
        ))
    }

    pub(super) fn cancel(&self, next: &mut State) -> Feedback {
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

    /// `CMD-PRINT`: asks for the label of the last line this session received (the unit
    /// that came without one). Only in receive mode, and only right after a receipt: the
    /// last recorded group must be one, so the label is never that of an older line.
    fn print_last_received(&self, next: &State, out: &mut Out) -> Step {
        if next.mode != Mode::Receive {
            return Err(Reject::new(
                "RECEIVE ONLY",
                "CMD-PRINT prints the label of the line just received: scan it in receive mode",
            ));
        }
        let last = self
            .undo
            .back()
            .and_then(|g| g.movements.last())
            .map(|(_, m)| m)
            .filter(|m| m.kind == MovementKind::Receive);
        let Some(line) = last else {
            return Err(Reject::new(
                "NOTHING TO PRINT",
                "Nothing was received just before: receive the unit, then scan CMD-PRINT",
            ));
        };
        let what = match (&line.serial, &line.lot) {
            (Some(serial), _) => format!("serial {serial} of {}", line.sku),
            (None, Some(lot)) => format!("lot {} of {}", lot.code, line.sku),
            (None, None) => line.sku.clone(),
        };
        out.print = Some(PrintRequest {
            sku: line.sku.clone(),
            serial: line.serial.clone(),
            lot: line.lot.clone(),
        });
        Ok(Feedback::ok("PRINT", format!("Label of {what}")))
    }

    fn done(&self, next: &mut State, world: &dyn World, out: &mut Out) -> Step {
        self.end_pending(next, out);
        if next.mode == Mode::Transfer {
            if !next.tote.lines.is_empty() {
                return Err(Reject::new(
                    "SCAN DESTINATION",
                    format!(
                        "The tote holds {} item(s): scan the destination location",
                        next.tote.units()
                    ),
                ));
            }
            next.tote = Tote::default();
            return Ok(Feedback::ok(
                "DONE",
                "Transfer finished: scan the next source location",
            ));
        }
        let Some(doc) = next.document.clone() else {
            return Ok(Feedback::info("DONE", "No document is open"));
        };
        let Some(facts) = world.document(&doc.reference)? else {
            return Err(Reject::new(
                "UNKNOWN DOCUMENT",
                format!("{} is gone from the system", doc.reference),
            ));
        };
        // A sales order named at the returns desk is only a reference: there is nothing to close.
        if next.mode == Mode::Return && doc.kind == DocumentKind::Sale {
            next.document = None;
            return Ok(Feedback::ok(
                "DONE",
                format!("Finished returns against {}", doc.reference),
            ));
        }
        let short = facts.short_lines();
        next.document = None;
        if short == 0 {
            out.close_document = Some(doc.reference.clone());
            Ok(Feedback::ok(
                "CLOSED",
                format!("{} is complete and closed", doc.reference),
            ))
        } else {
            let word = match doc.kind {
                DocumentKind::Sale => "short-shipped",
                _ => "short",
            };
            Ok(Feedback {
                outcome: Outcome::Warn,
                headline: "LEFT OPEN".into(),
                message: format!("{}: {short} line(s) {word}; it stays open", doc.reference),
            })
        }
    }

    fn undo(&self, world: &dyn World, out: &mut Out) -> Step {
        let Some(group) = self.undo.back() else {
            return Err(Reject::new(
                "NOTHING TO UNDO",
                "Nothing recorded at this station in this session is left to undo",
            ));
        };
        check_undoable(group, world)?;
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
        Ok(Feedback::ok("UNDONE", format!("Undone: {}", group.summary)))
    }
}

/// What each movement of `group` put somewhere must still be there.
fn check_undoable(group: &DoneGroup, world: &dyn World) -> Result<(), Reject> {
    let mut needed: Vec<(String, String, Option<String>, i64)> = Vec::new();
    for (i, (_, m)) in group.movements.iter().enumerate() {
        if let Some(serial) = &m.serial {
            // The serial must still be where the group's last movement of it left it.
            let later = group.movements[i + 1..]
                .iter()
                .any(|(_, l)| l.sku == m.sku && l.serial.as_ref() == Some(serial));
            if later {
                continue;
            }
            let facts = world.serial(&m.sku, serial)?;
            let still_there = match (&facts, &m.to) {
                (Some(f), Some(to)) => {
                    f.status == SerialStatus::InStock && f.location.as_ref() == Some(to)
                }
                // A count that did not find it made it missing; a shipment shipped it.
                (Some(f), None) if m.kind == MovementKind::Adjust => {
                    f.status == SerialStatus::Missing
                }
                (Some(f), None) => f.status == SerialStatus::Shipped,
                (None, _) => false,
            };
            if !still_there {
                let now = match facts {
                    Some(f) => match f.location {
                        Some(loc) => format!("it is at {loc} now"),
                        None if f.status == SerialStatus::Missing => "it is missing".to_owned(),
                        None => "it has been shipped since".to_owned(),
                    },
                    None => "it is no longer in the books".to_owned(),
                };
                return Err(Reject::new(
                    "CANNOT UNDO",
                    format!("Cannot undo: serial {serial} has moved on since ({now})"),
                ));
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
            return Err(Reject::new(
                "CANNOT UNDO",
                format!(
                    "Cannot undo: only {have} of {qty} × {sku} are still at {location}; the rest has moved on"
                ),
            ));
        }
    }
    Ok(())
}

fn title_case(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
