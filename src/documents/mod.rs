//! Printed documents (`scantrail document REF`, SPEC §8): a purchase order, sales order or
//! return as the paper that goes with the goods — the pick list before a sales order is
//! picked, the packing slip after, the receipt of a purchase order, the record of a return —
//! each line with what was received, picked or returned and which lots and serials, so that a
//! customer's complaint can be traced to its lot.
//!
//! [`gather`] asks the store for the document and, for a pick list, for the stock that may be
//! picked (the very query of the pick session's hints, [`Store::pickable`]: the first expiry
//! first); [`assemble`] turns those facts into a [`PrintedDocument`] without I/O. Its forms on
//! paper are in [`text`] (a terminal) and [`pdf`] (pages of A4 or Letter); `--json` is the
//! [`PrintedDocument`] itself, serialised.

pub mod pdf;
pub mod text;

use crate::domain::{DocumentKind, DocumentStatus, MovementKind, Tracking};
use crate::store::{DocumentBooked, DocumentSheet, PickStock, Store, StoreError};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// Which paper a document is printed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// A sales order to pick: each open line with the lots (first expiry first) and
    /// locations to take it from.
    PickList,
    /// A sales order (partly) picked: which lots and serials went to the customer.
    PackingSlip,
    /// A purchase order: which lots and serials came in, ordered against received.
    Receipt,
    /// A return: what came back, lots and serials.
    Return,
}

impl Form {
    /// The title printed at the head.
    pub fn title(self) -> &'static str {
        match self {
            Form::PickList => "Pick list",
            Form::PackingSlip => "Packing slip",
            Form::Receipt => "Goods received",
            Form::Return => "Goods returned",
        }
    }

    /// The word for the quantity done against a line.
    pub fn done_word(self) -> &'static str {
        match self {
            Form::PickList | Form::PackingSlip => "shipped",
            Form::Receipt => "received",
            Form::Return => "returned",
        }
    }

    /// The word for what is still open on a line.
    pub fn open_word(self) -> &'static str {
        match self {
            Form::PickList => "to pick",
            Form::PackingSlip => "to follow",
            Form::Receipt | Form::Return => "due",
        }
    }
}

/// One lot (or no lot) at one location, with its units and, for a serial product, the
/// serials among them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub lot: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
    /// Where it was taken from (a shipment, a pick) or put (a receipt, a return).
    pub location: String,
    pub qty: i64,
    /// The units by serial, for a serial-tracked product (empty otherwise).
    pub serials: Vec<String>,
}

/// One line of a document and what was done against it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    /// The document's line number; `null` for a product booked against the document that
    /// none of its lines orders.
    pub line: Option<u32>,
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub ordered: i64,
    /// Received (purchase order), shipped (sales order) or returned (return).
    pub done: i64,
    /// Ordered and not yet done (never below zero).
    pub open: i64,
    /// What was received, shipped or returned, by lot and location.
    pub items: Vec<Item>,
    /// For a sales order: what came back against it since.
    pub returned: Vec<Item>,
    /// For a pick list: where to take the open quantity, first expiry first.
    pub take: Vec<Item>,
    /// For a pick list: open units with no stock that may be picked.
    pub short: i64,
}

/// A document as printed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrintedDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub form: Form,
    pub status: DocumentStatus,
    pub partner: String,
    /// The day it was printed, `YYYY-MM-DD` (also the day against which lots count as
    /// expired on a pick list).
    pub date: String,
    /// The station that printed it.
    pub station: String,
    pub lines: Vec<Line>,
}

/// Why a document cannot be printed.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("there is no document '{0}': check the reference (PO-…, SO-…, RMA-…)")]
    Unknown(String),
    #[error(
        "'{reference}' is a cycle count, not an order: counts are not printed as documents; \
         `scantrail count report` shows what each count booked"
    )]
    Count { reference: String },
    #[error("{reference} is a {kind} document: it cannot be printed as a {form}")]
    WrongForm {
        reference: String,
        kind: &'static str,
        form: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The form a document is printed as when none is asked for: a sales order with nothing
/// shipped yet is a pick list, one with anything shipped a packing slip.
pub fn default_form(sheet: &DocumentSheet) -> Form {
    match sheet.head.kind {
        DocumentKind::Purchase => Form::Receipt,
        DocumentKind::Return => Form::Return,
        DocumentKind::Sale => {
            if sheet.booked.iter().any(|b| b.kind == MovementKind::Ship) {
                Form::PackingSlip
            } else {
                Form::PickList
            }
        }
    }
}

/// Reads the document `reference` and, for a pick list, the stock that may be picked on
/// `today`, and assembles the document as printed by `station`. `form` chooses between the
/// pick list and the packing slip of a sales order; without it, [`default_form`].
pub fn gather(
    store: &Store,
    reference: &str,
    form: Option<Form>,
    today: NaiveDate,
    station: &str,
) -> Result<PrintedDocument, DocumentError> {
    let Some(sheet) = store.document_sheet(reference)? else {
        if store.counts_with_reference(reference)? > 0 {
            return Err(DocumentError::Count {
                reference: reference.to_owned(),
            });
        }
        return Err(DocumentError::Unknown(reference.to_owned()));
    };
    let form = form.unwrap_or_else(|| default_form(&sheet));
    let allowed = match sheet.head.kind {
        DocumentKind::Sale => matches!(form, Form::PickList | Form::PackingSlip),
        DocumentKind::Purchase => form == Form::Receipt,
        DocumentKind::Return => form == Form::Return,
    };
    if !allowed {
        return Err(DocumentError::WrongForm {
            reference: sheet.head.reference,
            kind: sheet.head.kind.as_str(),
            form: form.title().to_lowercase(),
        });
    }
    let mut pickable = HashMap::new();
    if form == Form::PickList {
        let open = open_by_sku(&sheet);
        for (sku, units) in open {
            // Every row holds at least one unit: as many rows as open units always suffice.
            let limit = usize::try_from(units).unwrap_or(0);
            let stock = store.pickable(&sku, None, today, limit)?;
            pickable.insert(sku, stock);
        }
    }
    Ok(assemble(
        sheet,
        form,
        &pickable,
        &today.format("%Y-%m-%d").to_string(),
        station,
    ))
}

/// Open units of each product over all its lines (ordered less shipped).
fn open_by_sku(sheet: &DocumentSheet) -> Vec<(String, i64)> {
    let mut open: Vec<(String, i64)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for l in &sheet.lines {
        let k = *index.entry(l.sku.as_str()).or_insert_with(|| {
            open.push((l.sku.clone(), 0));
            open.len() - 1
        });
        open[k].1 += l.ordered;
    }
    for b in sheet.booked.iter().filter(|b| b.kind == MovementKind::Ship) {
        if let Some(k) = index.get(b.sku.as_str()) {
            open[*k].1 -= b.qty;
        }
    }
    open.retain(|(_, units)| *units > 0);
    open
}

/// Units of one lot (or serial) at one location, before they are grouped into [`Item`]s.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Piece {
    lot: Option<String>,
    expiry: Option<String>,
    location: String,
    serial: Option<String>,
    qty: i64,
}

impl From<&DocumentBooked> for Piece {
    fn from(b: &DocumentBooked) -> Piece {
        Piece {
            lot: b.lot.clone(),
            expiry: b.expiry.clone(),
            location: b.location.clone(),
            serial: b.serial.clone(),
            qty: b.qty,
        }
    }
}

impl From<&PickStock> for Piece {
    fn from(s: &PickStock) -> Piece {
        Piece {
            lot: s.lot.clone(),
            expiry: s.expiry.map(|e| e.format("%Y-%m-%d").to_string()),
            location: s.location.clone(),
            serial: s.serial.clone(),
            qty: s.qty,
        }
    }
}

/// Shares `pieces`, in their order, among lines that each take up to their `capacity`, in
/// line order, splitting a piece where it spans two lines. What is left over goes to the last
/// line when `rest_to_last` (a product booked beyond what was ordered), else nowhere (stock
/// beyond what is to be picked).
fn share(pieces: &[Piece], capacities: &[i64], rest_to_last: bool) -> Vec<Vec<Piece>> {
    let mut out: Vec<Vec<Piece>> = vec![Vec::new(); capacities.len()];
    let mut room: Vec<i64> = capacities.iter().map(|c| (*c).max(0)).collect();
    let mut line = 0;
    for piece in pieces {
        let mut left = piece.qty;
        while left > 0 && line < room.len() {
            if room[line] == 0 {
                line += 1;
                continue;
            }
            let n = left.min(room[line]);
            out[line].push(Piece {
                qty: n,
                ..piece.clone()
            });
            room[line] -= n;
            left -= n;
        }
        if left > 0
            && rest_to_last
            && let Some(last) = out.last_mut()
        {
            last.push(Piece {
                qty: left,
                ..piece.clone()
            });
        }
    }
    out
}

/// Groups pieces by lot and location, in the order first seen, gathering their serials.
fn items(pieces: Vec<Piece>) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for p in pieces {
        let item = match out
            .iter_mut()
            .find(|i| i.lot == p.lot && i.location == p.location)
        {
            Some(i) => i,
            None => {
                out.push(Item {
                    lot: p.lot,
                    expiry: p.expiry,
                    location: p.location,
                    qty: 0,
                    serials: Vec::new(),
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        item.qty += p.qty;
        if let Some(s) = p.serial {
            item.serials.push(s);
        }
    }
    out
}

/// The document as printed, from its facts and (for a pick list) the stock that may be
/// picked of each product, first expiry first. Pure: the same facts give the same document.
pub fn assemble(
    sheet: DocumentSheet,
    form: Form,
    pickable: &HashMap<String, Vec<PickStock>>,
    date: &str,
    station: &str,
) -> PrintedDocument {
    let done_kind = match sheet.head.kind {
        DocumentKind::Purchase => MovementKind::Receive,
        DocumentKind::Sale => MovementKind::Ship,
        DocumentKind::Return => MovementKind::Return,
    };
    let mut lines: Vec<Line> = sheet
        .lines
        .iter()
        .map(|l| Line {
            line: Some(l.line_no),
            sku: l.sku.clone(),
            name: l.name.clone(),
            tracking: l.tracking,
            ordered: l.ordered,
            done: 0,
            open: 0,
            items: Vec::new(),
            returned: Vec::new(),
            take: Vec::new(),
            short: 0,
        })
        .collect();
    // The lines of each product, in line order; products booked that no line orders get a
    // line of their own, at the end.
    let mut skus: Vec<(String, Vec<usize>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (i, l) in lines.iter().enumerate() {
        let k = *index.entry(l.sku.clone()).or_insert_with(|| {
            skus.push((l.sku.clone(), Vec::new()));
            skus.len() - 1
        });
        skus[k].1.push(i);
    }
    let mut booked_of: HashMap<&str, Vec<&DocumentBooked>> = HashMap::new();
    for b in &sheet.booked {
        booked_of.entry(b.sku.as_str()).or_default().push(b);
        if !index.contains_key(&b.sku) {
            index.insert(b.sku.clone(), skus.len());
            skus.push((b.sku.clone(), vec![lines.len()]));
            lines.push(Line {
                line: None,
                sku: b.sku.clone(),
                name: b.name.clone(),
                tracking: b.tracking,
                ordered: 0,
                done: 0,
                open: 0,
                items: Vec::new(),
                returned: Vec::new(),
                take: Vec::new(),
                short: 0,
            });
        }
    }
    for (sku, at) in &skus {
        let ordered: Vec<i64> = at.iter().map(|i| lines[*i].ordered).collect();
        let booked = |kind: MovementKind| -> Vec<Piece> {
            booked_of
                .get(sku.as_str())
                .map(|list| {
                    list.iter()
                        .filter(|b| b.kind == kind)
                        .map(|b| Piece::from(*b))
                        .collect()
                })
                .unwrap_or_default()
        };
        let done = share(&booked(done_kind), &ordered, true);
        for (i, pieces) in at.iter().zip(done) {
            let line = &mut lines[*i];
            line.done = pieces.iter().map(|p| p.qty).sum();
            line.open = (line.ordered - line.done).max(0);
            line.items = items(pieces);
        }
        if sheet.head.kind == DocumentKind::Sale {
            let shipped: Vec<i64> = at.iter().map(|i| lines[*i].done).collect();
            let back = share(&booked(MovementKind::Return), &shipped, true);
            for (i, pieces) in at.iter().zip(back) {
                lines[*i].returned = items(pieces);
            }
        }
        if form == Form::PickList {
            let open: Vec<i64> = at.iter().map(|i| lines[*i].open).collect();
            let stock: Vec<Piece> = pickable
                .get(sku)
                .map(|rows| rows.iter().map(Piece::from).collect())
                .unwrap_or_default();
            let take = share(&stock, &open, false);
            for (i, pieces) in at.iter().zip(take) {
                let line = &mut lines[*i];
                let found: i64 = pieces.iter().map(|p| p.qty).sum();
                line.short = line.open - found;
                line.take = items(pieces);
            }
        }
    }
    PrintedDocument {
        reference: sheet.head.reference,
        kind: sheet.head.kind,
        form,
        status: sheet.head.status,
        partner: sheet.head.partner,
        date: date.to_owned(),
        station: station.to_owned(),
        lines,
    }
}

/// The notes printed under a line, one per row: where to take it (pick list), which lots and
/// serials were received, shipped or returned, and what is short. The same words on a
/// terminal and on paper; stored texts are as stored (each form escapes or encodes them).
pub fn notes(form: Form, line: &Line) -> Vec<String> {
    let lot = |i: &Item| match (&i.lot, &i.expiry) {
        (Some(l), Some(e)) => format!("lot {l} (exp {e})"),
        (Some(l), None) => format!("lot {l}"),
        (None, _) => String::new(),
    };
    let mut out = Vec::new();
    let mut each = |verb: &str, place: &str, list: &[Item], with_place: bool| {
        for i in list {
            let at = if with_place {
                format!(" {place} {}", i.location)
            } else {
                String::new()
            };
            if i.serials.is_empty() {
                let what = match lot(i) {
                    l if l.is_empty() => format!("{}", i.qty),
                    l => format!("{} × {l}", i.qty),
                };
                out.push(format!("{verb}{what}{at}"));
            } else {
                let of_lot = match lot(i) {
                    l if l.is_empty() => String::new(),
                    l => format!(", {l}"),
                };
                for s in &i.serials {
                    out.push(format!("{verb}serial {s}{of_lot}{at}"));
                }
            }
        }
    };
    match form {
        Form::PickList => {
            each("take ", "at", &line.take, true);
            if line.short > 0 {
                out.push(format!(
                    "short {}: no stock that may be picked (none, expired or quarantined)",
                    line.short
                ));
            }
        }
        // The row says how many went; a note names lots and serials (an untracked
        // product has none to name).
        Form::PackingSlip => {
            let named = |list: &[Item]| -> Vec<Item> {
                list.iter()
                    .filter(|i| i.lot.is_some() || !i.serials.is_empty())
                    .cloned()
                    .collect()
            };
            each("", "", &named(&line.items), false);
            each("returned ", "", &named(&line.returned), false);
        }
        Form::Receipt | Form::Return => each("", "into", &line.items, true),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(lot: &str, qty: i64) -> Piece {
        Piece {
            lot: Some(lot.into()),
            expiry: None,
            location: "B-02".into(),
            serial: None,
            qty,
        }
    }

    #[test]
    fn pieces_are_shared_in_line_order_and_split_across_lines() {
        let shared = share(&[piece("L1", 5), piece("L2", 2)], &[3, 4], true);
        assert_eq!(shared[0], vec![piece("L1", 3)]);
        assert_eq!(shared[1], vec![piece("L1", 2), piece("L2", 2)]);
        // Two more than ordered: booked, so shown on the last line.
        let over = share(&[piece("L1", 9)], &[3, 4], true);
        assert_eq!(over[1], vec![piece("L1", 4), piece("L1", 2)]);
        // Stock beyond what is to pick is not taken.
        let pick = share(&[piece("L1", 9)], &[0, 4], false);
        assert_eq!(pick, vec![vec![], vec![piece("L1", 4)]]);
    }

    #[test]
    fn items_group_by_lot_and_location_and_gather_serials() {
        let mut a = piece("L1", 1);
        a.serial = Some("S1".into());
        let mut b = piece("L1", 1);
        b.serial = Some("S2".into());
        let got = items(vec![a, piece("L2", 3), b]);
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[0].qty, got[0].serials.clone()),
            (2, vec!["S1".into(), "S2".into()])
        );
        assert_eq!(got[1].lot.as_deref(), Some("L2"));
    }
}
