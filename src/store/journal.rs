//! The movement journal: one commit API for everything a scan writes.
//!
//! A [`Group`] is one scan's record: its scan-log row, its movements, and what it changes in
//! the catalog (a lot's expiry on first receipt, a document closed). [`Store::commit`] writes
//! it in one IMMEDIATE transaction and returns once the transaction is durable (at
//! `synchronous = FULL`, after the WAL is synced). When the database refuses the group (a
//! trigger or constraint: a duplicate serial, not enough stock, a serial that is not here),
//! nothing of it is written but its scan-log row, turned into an error with the reason, and
//! the caller gets [`Committed::Refused`].

use super::{Result, Store, StoreError};
use crate::domain::{DocumentId, LocationId, LotSpec, MovementKind, Outcome, PartnerId, ProductId};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::fmt;
use uuid::Uuid;

/// The scan-log row of a group: what was scanned and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRecord {
    /// The scan as typed, GS as `\x1d`.
    pub raw: String,
    /// The scanner it came from (a device label), or `None` for the terminal or a file.
    pub device: Option<String>,
    pub outcome: Outcome,
    /// The one-line message shown at the kiosk.
    pub message: String,
}

/// One movement to append.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMovement {
    pub kind: MovementKind,
    pub product: ProductId,
    /// The lot, created on first use (a receipt of a new lot).
    pub lot: Option<LotSpec>,
    pub serial: Option<String>,
    pub qty: u32,
    /// The location it leaves, or `None` when it comes from a partner (or from nowhere, for
    /// an adjustment).
    pub from: Option<LocationId>,
    /// The location it enters, or `None` when it goes to a partner.
    pub to: Option<LocationId>,
    /// The supplier or customer on the outside side.
    pub partner: Option<PartnerId>,
    pub document: Option<DocumentId>,
    /// For a reversal: the movement it reverses.
    pub reverses: Option<Uuid>,
}

/// Everything one scan writes, in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The scan's id; also the group id of its movements. A UUIDv7.
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub station: String,
    pub operator: Option<String>,
    pub scan: ScanRecord,
    pub movements: Vec<NewMovement>,
    /// A document this scan closes (`CMD-DONE` on a complete order).
    pub close_document: Option<DocumentId>,
    /// The count this scan books: its movements are that count's document.
    pub count: Option<CountDocument>,
}

/// A booked count as the journal keeps it, by the scan that booked it.
#[derive(Debug, Clone, PartialEq)]
pub struct CountDocument {
    /// `COUNT-A-01-3-2026-12-01`.
    pub reference: String,
    pub location: LocationId,
}

/// Why the database refused a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    InsufficientStock,
    SerialExists,
    SerialNotHere,
    SerialNotShipped,
    SerialLotMismatch,
    AlreadyReversed,
    AppendOnly,
    /// Another rule of the schema (a check or foreign key); the text is SQLite's.
    Constraint(String),
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::InsufficientStock => "Not enough stock at the source location",
            Refusal::SerialExists => "This serial is already known; it cannot be received again",
            Refusal::SerialNotHere => "This serial is not in stock at the source location",
            Refusal::SerialNotShipped => "This serial has not been shipped, so it cannot come back",
            Refusal::SerialLotMismatch => "This serial belongs to another lot",
            Refusal::AlreadyReversed => "This movement has already been undone",
            Refusal::AppendOnly => {
                "The journal is append-only: movements are never changed or deleted"
            }
            Refusal::Constraint(text) => {
                return write!(f, "The database refused it ({text}); scan it again, and tell a supervisor if it comes back");
            }
        })
    }
}

impl Refusal {
    /// Recognises the refusals of the schema's triggers and constraints.
    pub(super) fn from_sqlite(e: &rusqlite::Error) -> Option<Refusal> {
        let rusqlite::Error::SqliteFailure(err, msg) = e else {
            return None;
        };
        if err.code != rusqlite::ErrorCode::ConstraintViolation {
            return None;
        }
        let msg = msg.as_deref().unwrap_or("");
        let tag = msg
            .strip_prefix("scantrail:")
            .and_then(|rest| rest.split(':').next());
        Some(match tag {
            Some("insufficient_stock") => Refusal::InsufficientStock,
            Some("serial_exists") => Refusal::SerialExists,
            Some("serial_not_here") => Refusal::SerialNotHere,
            Some("serial_not_shipped") => Refusal::SerialNotShipped,
            Some("serial_lot_mismatch") => Refusal::SerialLotMismatch,
            Some("append_only") => Refusal::AppendOnly,
            _ if msg.contains("serials.product_id, serials.serial") => Refusal::SerialExists,
            _ if msg.contains("movements.reverses") => Refusal::AlreadyReversed,
            _ => Refusal::Constraint(msg.to_owned()),
        })
    }
}

/// What became of a group.
#[derive(Debug, Clone, PartialEq)]
pub enum Committed {
    /// Written and durable; the ids of its movements, in order.
    Recorded { movements: Vec<Uuid> },
    /// Refused by the database: only the scan-log row was written, as an error.
    Refused(Refusal),
}

/// The journal's time format: UTC, RFC 3339, milliseconds, `Z`.
pub(super) fn format_time(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl Store {
    /// Writes a group in one durable transaction; see the module documentation.
    pub fn commit(&mut self, group: &Group) -> Result<Committed> {
        match self.try_commit(group) {
            Ok(movements) => Ok(Committed::Recorded { movements }),
            Err(StoreError::Refused(refusal)) => {
                let scan = ScanRecord {
                    outcome: Outcome::Error,
                    message: format!("{refusal}. Nothing was recorded."),
                    ..group.scan.clone()
                };
                let tx = self
                    .conn
                    .transaction_with_behavior(TransactionBehavior::Immediate)?;
                insert_scan(&tx, group, &scan)?;
                tx.commit()?;
                Ok(Committed::Refused(refusal))
            }
            Err(e) => Err(e),
        }
    }

    fn try_commit(&mut self, group: &Group) -> Result<Vec<Uuid>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids = write_group(&tx, group)?;
        tx.commit()?;
        Ok(ids)
    }

    /// Writes many groups in one transaction: all of them, or none if the database refuses
    /// any. For loading history in bulk (a data generator, a migration from another system);
    /// scans go through [`Store::commit`], one durable transaction each.
    pub fn commit_batch(&mut self, groups: &[Group]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for group in groups {
            write_group(&tx, group)?;
        }
        tx.commit()?;
        Ok(())
    }
}

fn write_group(tx: &Transaction<'_>, group: &Group) -> Result<Vec<Uuid>> {
    insert_scan(tx, group, &group.scan)?;
    let at = format_time(&group.at);
    let mut ids = Vec::with_capacity(group.movements.len());
    for m in &group.movements {
        let lot = match &m.lot {
            Some(spec) => Some(lot_for(tx, m.product, spec)?),
            None => None,
        };
        let id = Uuid::now_v7();
        tx.prepare_cached(
            "INSERT INTO movements (id, group_id, at, station, operator, kind, document_id,
                product_id, lot_id, serial, qty, from_location_id, to_location_id, partner_id,
                reverses)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        )?
        .execute(params![
            id,
            group.id,
            at,
            group.station,
            group.operator,
            m.kind.as_str(),
            m.document,
            m.product,
            lot,
            m.serial,
            m.qty,
            m.from,
            m.to,
            m.partner,
            m.reverses,
        ])?;
        ids.push(id);
    }
    if let Some(doc) = group.close_document {
        let closed = tx
            .prepare_cached(
                "UPDATE documents SET status = 'closed', closed_at = ?2 WHERE id = ?1 AND status = 'open'",
            )?
            .execute(params![doc, at])?;
        if closed == 1 {
            tx.prepare_cached(
                "INSERT INTO document_closes (scan_id, document_id) VALUES (?1, ?2)",
            )?
            .execute(params![group.id, doc])?;
        }
    }
    if let Some(count) = &group.count {
        tx.prepare_cached("INSERT INTO counts (scan_id, ref, location_id) VALUES (?1, ?2, ?3)")?
            .execute(params![group.id, count.reference, count.location])?;
    }
    Ok(ids)
}

fn insert_scan(tx: &Transaction<'_>, group: &Group, scan: &ScanRecord) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO scans (id, at, station, operator, device, raw, outcome, message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        group.id,
        format_time(&group.at),
        group.station,
        group.operator,
        scan.device,
        scan.raw,
        scan.outcome.as_str(),
        scan.message,
    ])?;
    Ok(())
}

/// The lot's id, creating the lot on first use; a first expiry is kept, a later one does not
/// overwrite it.
pub(super) fn lot_for(
    tx: &Transaction<'_>,
    product: ProductId,
    spec: &LotSpec,
) -> Result<crate::domain::LotId> {
    let expiry = spec.expiry.map(|d| d.format("%Y-%m-%d").to_string());
    let existing = tx
        .prepare_cached("SELECT id, expiry FROM lots WHERE product_id = ?1 AND code = ?2")?
        .query_row(params![product, spec.code], |r| {
            Ok((
                r.get::<_, crate::domain::LotId>(0)?,
                r.get::<_, Option<String>>(1)?,
            ))
        })
        .optional()?;
    match existing {
        Some((id, None)) if expiry.is_some() => {
            tx.prepare_cached("UPDATE lots SET expiry = ?2 WHERE id = ?1")?
                .execute(params![id, expiry])?;
            Ok(id)
        }
        Some((id, _)) => Ok(id),
        None => {
            tx.prepare_cached("INSERT INTO lots (product_id, code, expiry) VALUES (?1, ?2, ?3)")?
                .execute(params![product, spec.code, expiry])?;
            Ok(crate::domain::LotId(tx.last_insert_rowid()))
        }
    }
}

pub(super) fn word_col<T>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = crate::domain::UnknownWord>,
{
    let text: String = r.get(i)?;
    text.parse().map_err(|e: crate::domain::UnknownWord| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}
