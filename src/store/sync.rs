//! The station's side of a sync round (SPEC §7), in the words of `sync::wire`.
//!
//! The journal is the outbox: [`Store::outbox`] reads the station's own scans after the last
//! one the centre acknowledged, each with its movements in natural keys, and
//! [`Store::acknowledge`] moves that mark on. [`Store::apply_feed`] takes what the centre
//! hands out, in the centre's order, in one IMMEDIATE transaction per call (a round hands
//! it a pull in slices of `sync::round::APPLY_BATCH`, so a scan waits for one slice at
//! most): catalog items replace the rows they name, other stations' groups are written as
//! facts (with the centre's `gseq`, so the journal's triggers apply them without refusing:
//! see `migrations/004_sync_pulled_facts.sql`), conflicts are kept as the centre sent them,
//! and the pull cursor moves to the last item. An item at or below the cursor, or a group the
//! journal already has (the station's own, coming back), is passed over, so applying the
//! same items twice changes nothing.

use super::catalog::{location_id, partner_id};
use super::journal::{format_time, lot_for, word_col};
use super::{Result, Store, StoreError};
use crate::domain::{LocationId, LotSpec, ProductId, UnknownWord};
use crate::sync::wire::{
    ConflictKind, ConflictStatus, Feed, FeedItem, PushedGroup, WireConflict, WireCount,
    WireDocument, WireLocation, WireLot, WireMovement, WireProduct,
};
use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::types::Type;
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::HashMap;
use uuid::Uuid;

/// The next batch to push: the station's own scans after `prev_seq`, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbox {
    /// The last own scan seq the centre acknowledged; the batch follows it.
    pub prev_seq: i64,
    pub groups: Vec<PushedGroup>,
}

/// Where the station stands with the centre, as of its last round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncStatus {
    /// When a round last ended well; `None` before the first.
    pub last_sync: Option<DateTime<Utc>>,
    /// Why the last round failed, if it did (cleared by a good one).
    pub last_error: Option<String>,
    /// Own scans the centre has not acknowledged yet.
    pub pending: u64,
    /// Conflicts the centre reported that are still open.
    pub open_conflicts: u64,
    /// The pull cursor: the centre's sequence of the last item applied.
    pub gseq: i64,
}

/// What one [`Store::apply_feed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Applied {
    /// Other stations' groups written as facts.
    pub groups: usize,
    /// Products, locations, documents and lots written.
    pub catalog: usize,
    pub conflicts: usize,
    /// Items passed over: at or below the cursor, or a group already in the journal.
    pub skipped: usize,
    /// The pull cursor after the batch.
    pub gseq: i64,
}

fn conversion(i: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e))
}

fn time_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let text: String = r.get(i)?;
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| conversion(i, e))
}

fn opt_time_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(_) => time_col(r, i).map(Some),
    }
}

fn date_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get::<_, Option<String>>(i)? {
        None => Ok(None),
        Some(text) => NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .map(Some)
            .map_err(|e| conversion(i, e)),
    }
}

fn date_text(date: Option<NaiveDate>) -> Option<String> {
    date.map(|d| d.format("%Y-%m-%d").to_string())
}

fn kind_text(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::SerialDuplicate => "serial_duplicate",
        ConflictKind::ShippedQuarantined => "shipped_quarantined",
        ConflictKind::NegativeStock => "negative_stock",
    }
}

const KINDS: [ConflictKind; 3] = [
    ConflictKind::SerialDuplicate,
    ConflictKind::ShippedQuarantined,
    ConflictKind::NegativeStock,
];

fn status_text(status: ConflictStatus) -> &'static str {
    match status {
        ConflictStatus::Open => "open",
        ConflictStatus::Resolved => "resolved",
    }
}

const STATUSES: [ConflictStatus; 2] = [ConflictStatus::Open, ConflictStatus::Resolved];

/// A conflict's kind or status read back from the text form `text_of` gave it.
fn word_of<T: Copy>(
    r: &rusqlite::Row<'_>,
    i: usize,
    what: &'static str,
    all: &[T],
    text_of: fn(T) -> &'static str,
    expected: &'static [&'static str],
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    all.iter()
        .copied()
        .find(|v| text_of(*v) == text)
        .ok_or_else(|| {
            conversion(
                i,
                UnknownWord {
                    what,
                    found: text,
                    expected,
                },
            )
        })
}

/// A key the centre's feed names that this station does not have: the centre sends the
/// catalog before the movements that use it, so this is a feed out of order.
fn unknown(gseq: i64, what: &str, key: &str) -> StoreError {
    StoreError::NotFound(format!(
        "the centre's feed (item {gseq}) names {what} '{key}', which this station does not \
         have; nothing of this pull was applied. Run `scantrail sync` again, and tell the \
         administrator of the central database if it comes back"
    ))
}

impl Store {
    /// This database's instance id, made when its schema reached version 4: a copy of the
    /// database has the same one, which is how the centre recognises a cloned station.
    pub fn instance_id(&self) -> Result<Uuid> {
        Ok(self
            .conn
            .prepare_cached("SELECT instance_id FROM sync_state WHERE id = 1")?
            .query_row([], |r| r.get(0))?)
    }

    /// The centre's sequence of the last feed item applied (0 before the first pull).
    pub fn pull_cursor(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT gseq FROM sync_state WHERE id = 1")?
            .query_row([], |r| r.get(0))?)
    }

    /// At most `limit` own scans after the acknowledged one, in the order of the scan log,
    /// each with its movements (in natural keys, lots with their expiry) and the document it
    /// closed. Pulled groups are not in it.
    pub fn outbox(&self, limit: usize) -> Result<Outbox> {
        let (prev_seq, movement_seq): (i64, i64) = self
            .conn
            .prepare_cached("SELECT acked_seq, acked_movement_seq FROM sync_state WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let mut groups: Vec<PushedGroup> = self
            .conn
            .prepare_cached(
                "SELECT s.seq, s.id, s.at, s.station, s.operator, s.device, s.raw, s.outcome,
                        s.message, d.ref, co.ref, cl.code
                 FROM scans s
                 LEFT JOIN document_closes c ON c.scan_id = s.id
                 LEFT JOIN documents d ON d.id = c.document_id
                 LEFT JOIN counts co ON co.scan_id = s.id
                 LEFT JOIN locations cl ON cl.id = co.location_id
                 WHERE s.seq > ?1 AND s.gseq IS NULL ORDER BY s.seq LIMIT ?2",
            )?
            .query_map(
                params![prev_seq, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    Ok(PushedGroup {
                        seq: r.get(0)?,
                        id: r.get(1)?,
                        at: time_col(r, 2)?,
                        station: r.get(3)?,
                        operator: r.get(4)?,
                        device: r.get(5)?,
                        raw: r.get(6)?,
                        outcome: word_col(r, 7)?,
                        message: r.get(8)?,
                        movements: Vec::new(),
                        close_document: r.get(9)?,
                        count: match (r.get(10)?, r.get(11)?) {
                            (Some(reference), Some(location)) => Some(WireCount {
                                reference,
                                location,
                            }),
                            _ => None,
                        },
                    })
                },
            )?
            .collect::<rusqlite::Result<_>>()?;
        let Some(last) = groups.last().map(|g| g.seq) else {
            return Ok(Outbox { prev_seq, groups });
        };
        let index: HashMap<Uuid, usize> =
            groups.iter().enumerate().map(|(i, g)| (g.id, i)).collect();
        // Movements follow their scan in the journal's order, so the batch's movements are
        // the own movements after the acknowledged mark, up to the first of a later scan.
        let mut st = self.conn.prepare_cached(
            "SELECT s.seq, m.group_id, m.id, m.kind, p.sku, lt.code, lt.expiry, m.serial, m.qty,
                    fl.code, tl.code, pa.name, ifnull(d.ref, co.ref), m.reverses
             FROM movements m
             JOIN scans s ON s.id = m.group_id
             LEFT JOIN counts co ON co.scan_id = m.group_id
             JOIN products p ON p.id = m.product_id
             LEFT JOIN lots lt ON lt.id = m.lot_id
             LEFT JOIN locations fl ON fl.id = m.from_location_id
             LEFT JOIN locations tl ON tl.id = m.to_location_id
             LEFT JOIN partners pa ON pa.id = m.partner_id
             LEFT JOIN documents d ON d.id = m.document_id
             WHERE m.seq > ?1 AND m.gseq IS NULL ORDER BY m.seq",
        )?;
        let mut rows = st.query([movement_seq])?;
        while let Some(r) = rows.next()? {
            let scan_seq: i64 = r.get(0)?;
            if scan_seq > last {
                break;
            }
            let group: Uuid = r.get(1)?;
            let Some(&i) = index.get(&group) else {
                continue;
            };
            groups[i].movements.push(WireMovement {
                id: r.get(2)?,
                kind: word_col(r, 3)?,
                sku: r.get(4)?,
                lot: r.get(5)?,
                expiry: date_col(r, 6)?,
                serial: r.get(7)?,
                qty: r.get(8)?,
                from: r.get(9)?,
                to: r.get(10)?,
                partner: r.get(11)?,
                document: r.get(12)?,
                reverses: r.get(13)?,
            });
        }
        Ok(Outbox { prev_seq, groups })
    }

    /// The centre has every own scan up to `seq`: the outbox moves on past it. A mark below
    /// the current one changes nothing.
    pub fn acknowledge(&mut self, seq: i64) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (acked, mut movement_seq): (i64, i64) = tx
            .prepare_cached("SELECT acked_seq, acked_movement_seq FROM sync_state WHERE id = 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if seq <= acked {
            return Ok(());
        }
        {
            // The last movement of a scan up to `seq`: read from the old mark on, in order.
            let mut st = tx.prepare_cached(
                "SELECT m.seq, s.seq FROM movements m JOIN scans s ON s.id = m.group_id
                 WHERE m.seq > ?1 ORDER BY m.seq",
            )?;
            let mut rows = st.query([movement_seq])?;
            while let Some(r) = rows.next()? {
                let (m, s): (i64, i64) = (r.get(0)?, r.get(1)?);
                if s > seq {
                    break;
                }
                movement_seq = m;
            }
        }
        tx.prepare_cached(
            "UPDATE sync_state SET acked_seq = ?1, acked_movement_seq = ?2 WHERE id = 1",
        )?
        .execute(params![seq, movement_seq])?;
        tx.commit()?;
        Ok(())
    }

    /// Applies a pull's items in the centre's order, all or nothing; see the module
    /// documentation.
    pub fn apply_feed(&mut self, items: &[FeedItem]) -> Result<Applied> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut cursor: i64 = tx
            .prepare_cached("SELECT gseq FROM sync_state WHERE id = 1")?
            .query_row([], |r| r.get(0))?;
        let mut applied = Applied::default();
        for item in items {
            if item.gseq <= cursor {
                applied.skipped += 1;
                continue;
            }
            match &item.item {
                Feed::Product(p) => {
                    apply_product(&tx, p)?;
                    applied.catalog += 1;
                }
                Feed::Location(l) => {
                    apply_location(&tx, l)?;
                    applied.catalog += 1;
                }
                Feed::Document(d) => {
                    apply_document(&tx, item.gseq, d)?;
                    applied.catalog += 1;
                }
                Feed::Lot(l) => {
                    apply_lot(&tx, item.gseq, l)?;
                    applied.catalog += 1;
                }
                Feed::Group(g) => {
                    if apply_group(&tx, item.gseq, g)? {
                        applied.groups += 1;
                    } else {
                        applied.skipped += 1;
                    }
                }
                Feed::Conflict(c) => {
                    apply_conflict(&tx, c)?;
                    applied.conflicts += 1;
                }
            }
            cursor = item.gseq;
        }
        tx.prepare_cached("UPDATE sync_state SET gseq = ?1 WHERE id = 1")?
            .execute([cursor])?;
        tx.commit()?;
        applied.gseq = cursor;
        Ok(applied)
    }

    /// The last round, the rows waiting and the open conflicts.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT st.last_sync, st.last_error,
                        (SELECT count(*) FROM scans WHERE seq > st.acked_seq AND gseq IS NULL),
                        (SELECT count(*) FROM conflicts WHERE status = 'open'),
                        st.gseq
                 FROM sync_state st WHERE st.id = 1",
            )?
            .query_row([], |r| {
                Ok(SyncStatus {
                    last_sync: opt_time_col(r, 0)?,
                    last_error: r.get(1)?,
                    pending: r.get::<_, i64>(2)?.unsigned_abs(),
                    open_conflicts: r.get::<_, i64>(3)?.unsigned_abs(),
                    gseq: r.get(4)?,
                })
            })?)
    }

    /// The conflicts the centre reported, as of the last pull, by id.
    pub fn conflicts(&self) -> Result<Vec<WireConflict>> {
        let mut st = self
            .conn
            .prepare_cached(&format!("{CONFLICT_COLUMNS} ORDER BY id"))?;
        let rows = st.query_map([], conflict_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The open conflicts about one product's serial, or one of its lots, so that where the
    /// serial or the lot is shown the station can say it is disputed.
    pub fn open_conflicts_of(
        &self,
        sku: &str,
        lot: Option<&str>,
        serial: Option<&str>,
    ) -> Result<Vec<WireConflict>> {
        let mut st = self.conn.prepare_cached(&format!(
            "{CONFLICT_COLUMNS} WHERE status = 'open' AND product = ?1
               AND (?2 IS NULL OR lot = ?2) AND (?3 IS NULL OR serial = ?3)
             ORDER BY id"
        ))?;
        let rows = st.query_map(params![sku, lot, serial], conflict_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A round ended well at `at`: it is the last sync, and the last error is cleared.
    pub fn record_sync_ok(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE sync_state SET last_sync = ?1, last_error = NULL WHERE id = 1")?
            .execute([format_time(&at)])?;
        Ok(())
    }

    /// A round failed: why, in words for the person at the station. The last good sync stays.
    pub fn record_sync_error(&mut self, error: &str) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE sync_state SET last_error = ?1 WHERE id = 1")?
            .execute([error])?;
        Ok(())
    }
}

fn product_id(tx: &Transaction<'_>, gseq: i64, sku: &str) -> Result<ProductId> {
    tx.prepare_cached("SELECT id FROM products WHERE sku = ?1")?
        .query_row([sku], |r| r.get(0))
        .optional()?
        .ok_or_else(|| unknown(gseq, "SKU", sku))
}

fn known_location(
    tx: &Transaction<'_>,
    gseq: i64,
    code: Option<&str>,
) -> Result<Option<LocationId>> {
    match code {
        None => Ok(None),
        Some(code) => location_id(tx, code)?
            .map(Some)
            .ok_or_else(|| unknown(gseq, "location", code)),
    }
}

/// A product as the centre has it now: name, tracking, pattern and exactly these barcodes.
fn apply_product(tx: &Transaction<'_>, p: &WireProduct) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO products (sku, name, tracking, serial_pattern) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (sku) DO UPDATE SET name = excluded.name, tracking = excluded.tracking,
             serial_pattern = excluded.serial_pattern",
    )?
    .execute(params![
        p.sku,
        p.name,
        p.tracking.as_str(),
        p.serial_pattern
    ])?;
    let id: ProductId = tx
        .prepare_cached("SELECT id FROM products WHERE sku = ?1")?
        .query_row([&p.sku], |r| r.get(0))?;
    tx.prepare_cached("DELETE FROM product_barcodes WHERE product_id = ?1")?
        .execute([id])?;
    for b in &p.barcodes {
        tx.prepare_cached(
            "INSERT INTO product_barcodes (code, product_id, units) VALUES (?1, ?2, ?3)
             ON CONFLICT (code) DO UPDATE SET product_id = excluded.product_id, units = excluded.units",
        )?
        .execute(params![b.code, id, b.units])?;
    }
    Ok(())
}

/// A location with its name and parent. A parent the station has not received yet is
/// created under its code, and named when its own item comes.
fn apply_location(tx: &Transaction<'_>, l: &WireLocation) -> Result<()> {
    let parent = match &l.parent {
        Some(code) => {
            tx.prepare_cached(
                "INSERT INTO locations (code, name) VALUES (?1, ?1) ON CONFLICT (code) DO NOTHING",
            )?
            .execute([code])?;
            location_id(tx, code)?
        }
        None => None,
    };
    tx.prepare_cached(
        "INSERT INTO locations (code, name, parent_id) VALUES (?1, ?2, ?3)
         ON CONFLICT (code) DO UPDATE SET name = excluded.name, parent_id = excluded.parent_id",
    )?
    .execute(params![l.code, l.name, parent])?;
    Ok(())
}

/// A document with its partner, status and exactly these lines.
fn apply_document(tx: &Transaction<'_>, gseq: i64, d: &WireDocument) -> Result<()> {
    let partner = partner_id(tx, &d.partner)?;
    tx.prepare_cached(
        "INSERT INTO documents (ref, kind, partner_id, status, closed_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (ref) DO UPDATE SET kind = excluded.kind, partner_id = excluded.partner_id,
             status = excluded.status, closed_at = excluded.closed_at",
    )?
    .execute(params![
        d.reference,
        d.kind.as_str(),
        partner,
        d.status.as_str(),
        d.closed_at.as_ref().map(format_time)
    ])?;
    let id: i64 = tx
        .prepare_cached("SELECT id FROM documents WHERE ref = ?1")?
        .query_row([&d.reference], |r| r.get(0))?;
    tx.prepare_cached("DELETE FROM document_lines WHERE document_id = ?1")?
        .execute([id])?;
    for line in &d.lines {
        let product = product_id(tx, gseq, &line.sku)?;
        tx.prepare_cached(
            "INSERT INTO document_lines (document_id, line_no, product_id, qty) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![id, line.line_no, product, line.qty])?;
    }
    Ok(())
}

/// A lot's expiry and status as the centre has them (a quarantine made centrally).
fn apply_lot(tx: &Transaction<'_>, gseq: i64, l: &WireLot) -> Result<()> {
    let product = product_id(tx, gseq, &l.sku)?;
    tx.prepare_cached(
        "INSERT INTO lots (product_id, code, expiry, status, status_reason) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (product_id, code) DO UPDATE SET expiry = excluded.expiry,
             status = excluded.status, status_reason = excluded.status_reason",
    )?
    .execute(params![
        product,
        l.code,
        date_text(l.expiry),
        l.status.as_str(),
        l.reason
    ])?;
    Ok(())
}

/// Another station's scan, written as a fact with the centre's sequence; `false` when the
/// journal has it already.
fn apply_group(tx: &Transaction<'_>, gseq: i64, g: &PushedGroup) -> Result<bool> {
    let known: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM scans WHERE id = ?1)")?
        .query_row([g.id], |r| r.get(0))?;
    if known {
        return Ok(false);
    }
    let at = format_time(&g.at);
    tx.prepare_cached(
        "INSERT INTO scans (id, at, station, operator, device, raw, outcome, message, gseq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        g.id,
        at,
        g.station,
        g.operator,
        g.device,
        g.raw,
        g.outcome.as_str(),
        g.message,
        gseq
    ])?;
    for m in &g.movements {
        let product = product_id(tx, gseq, &m.sku)?;
        let lot = match &m.lot {
            Some(code) => Some(lot_for(
                tx,
                product,
                &LotSpec {
                    code: code.clone(),
                    expiry: m.expiry,
                },
            )?),
            None => None,
        };
        // A count's movements name the count as their document; it is kept with the group.
        let of_count = g
            .count
            .as_ref()
            .is_some_and(|c| m.document.as_deref() == Some(c.reference.as_str()));
        let document: Option<i64> = match &m.document {
            Some(_) if of_count => None,
            Some(reference) => Some(
                tx.prepare_cached("SELECT id FROM documents WHERE ref = ?1")?
                    .query_row([reference], |r| r.get(0))
                    .optional()?
                    .ok_or_else(|| unknown(gseq, "document", reference))?,
            ),
            None => None,
        };
        let partner = match &m.partner {
            Some(name) => Some(partner_id(tx, name)?),
            None => None,
        };
        if let Some(reversed) = m.reverses {
            let known: bool = tx
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM movements WHERE id = ?1)")?
                .query_row([reversed], |r| r.get(0))?;
            if !known {
                return Err(unknown(gseq, "the undo of movement", &reversed.to_string()));
            }
        }
        tx.prepare_cached(
            "INSERT INTO movements (id, group_id, at, station, operator, kind, document_id,
                product_id, lot_id, serial, qty, from_location_id, to_location_id, partner_id,
                reverses, gseq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            m.id,
            g.id,
            at,
            g.station,
            g.operator,
            m.kind.as_str(),
            document,
            product,
            lot,
            m.serial,
            m.qty,
            known_location(tx, gseq, m.from.as_deref())?,
            known_location(tx, gseq, m.to.as_deref())?,
            partner,
            m.reverses,
            gseq
        ])?;
    }
    if let Some(count) = &g.count {
        let location = known_location(tx, gseq, Some(&count.location))?;
        tx.prepare_cached(
            "INSERT INTO counts (scan_id, ref, location_id) VALUES (?1, ?2, ?3)
             ON CONFLICT (scan_id) DO NOTHING",
        )?
        .execute(params![g.id, count.reference, location])?;
    }
    if let Some(reference) = &g.close_document {
        let document: i64 = tx
            .prepare_cached("SELECT id FROM documents WHERE ref = ?1")?
            .query_row([reference], |r| r.get(0))
            .optional()?
            .ok_or_else(|| unknown(gseq, "document", reference))?;
        tx.prepare_cached(
            "UPDATE documents SET status = 'closed', closed_at = ?2 WHERE id = ?1 AND status = 'open'",
        )?
        .execute(params![document, at])?;
        tx.prepare_cached(
            "INSERT INTO document_closes (scan_id, document_id) VALUES (?1, ?2)
             ON CONFLICT (scan_id) DO NOTHING",
        )?
        .execute(params![g.id, document])?;
    }
    Ok(true)
}

/// A conflict as the centre reports it now (found, or resolved since).
fn apply_conflict(tx: &Transaction<'_>, c: &WireConflict) -> Result<()> {
    let stations = serde_json::to_string(&c.stations)
        .map_err(|e| StoreError::Io(format!("cannot write the stations of a conflict: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO conflicts (id, kind, product, lot, serial, location, stations, detected_at,
             status, resolution)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, product = excluded.product,
             lot = excluded.lot, serial = excluded.serial, location = excluded.location,
             stations = excluded.stations, detected_at = excluded.detected_at,
             status = excluded.status, resolution = excluded.resolution",
    )?
    .execute(params![
        c.id,
        kind_text(c.kind),
        c.product,
        c.lot,
        c.serial,
        c.location,
        stations,
        format_time(&c.detected_at),
        status_text(c.status),
        c.resolution
    ])?;
    Ok(())
}

const CONFLICT_COLUMNS: &str = "SELECT id, kind, product, lot, serial, location, stations, \
     detected_at, status, resolution FROM conflicts";

fn conflict_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<WireConflict> {
    let stations: String = r.get(6)?;
    Ok(WireConflict {
        id: r.get(0)?,
        kind: word_of(
            r,
            1,
            "conflict kind",
            &KINDS,
            kind_text,
            &["serial_duplicate", "shipped_quarantined", "negative_stock"],
        )?,
        product: r.get(2)?,
        lot: r.get(3)?,
        serial: r.get(4)?,
        location: r.get(5)?,
        stations: serde_json::from_str(&stations).map_err(|e| conversion(6, e))?,
        detected_at: time_col(r, 7)?,
        status: word_of(
            r,
            8,
            "conflict status",
            &STATUSES,
            status_text,
            &["open", "resolved"],
        )?,
        resolution: r.get(9)?,
    })
}
