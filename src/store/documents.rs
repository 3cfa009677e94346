//! What a printed document (`scantrail document REF`) is made of: a purchase order, sales
//! order or return with its lines in order, and what its movements booked against it — by
//! product, lot and serial, net of undone movements. The pick list's "where to take it" is
//! not here: it is [`Store::pickable`], the query the pick session's hints use.

use super::journal::word_col;
use super::{Result, Store};
use crate::domain::{DocumentKind, DocumentStatus, MovementKind, Tracking};
use rusqlite::{OptionalExtension, params};

/// A document's own facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentHead {
    pub reference: String,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub partner: String,
    /// When it was closed (`CMD-DONE`), UTC, RFC 3339.
    pub closed_at: Option<String>,
}

/// One line of a document with its product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSheetLine {
    pub line_no: u32,
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub ordered: i64,
}

/// Units of one product (lot, serial) that the document's movements of one kind booked at
/// one location, net of undone movements (never zero or less).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentBooked {
    /// `receive`, `ship` or `return` (an undo counts against the kind it undoes).
    pub kind: MovementKind,
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub lot: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
    pub serial: Option<String>,
    /// Where it went in (receipt, return) or came from (shipment).
    pub location: String,
    pub qty: i64,
    /// The first and last time this was booked (UTC, RFC 3339).
    pub first_at: String,
    pub last_at: String,
}

/// A document, its lines and what was booked against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentSheet {
    pub head: DocumentHead,
    pub lines: Vec<DocumentSheetLine>,
    pub booked: Vec<DocumentBooked>,
}

impl Store {
    /// The document with this reference, its lines in line order and what its movements
    /// booked (in the order first booked), or `None` if no document has this reference.
    pub fn document_sheet(&self, reference: &str) -> Result<Option<DocumentSheet>> {
        let head = self
            .conn
            .prepare_cached(
                "SELECT d.id, d.ref, d.kind, d.status, p.name, d.closed_at
                 FROM documents d JOIN partners p ON p.id = d.partner_id WHERE d.ref = ?1",
            )?
            .query_row([reference], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    DocumentHead {
                        reference: r.get(1)?,
                        kind: word_col(r, 2)?,
                        status: word_col(r, 3)?,
                        partner: r.get(4)?,
                        closed_at: r.get(5)?,
                    },
                ))
            })
            .optional()?;
        let Some((id, head)) = head else {
            return Ok(None);
        };
        let lines = self
            .conn
            .prepare_cached(
                "SELECT l.line_no, p.sku, p.name, p.tracking, l.qty
                 FROM document_lines l JOIN products p ON p.id = l.product_id
                 WHERE l.document_id = ?1 ORDER BY l.line_no",
            )?
            .query_map([id], |r| {
                Ok(DocumentSheetLine {
                    line_no: r.get(0)?,
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    tracking: word_col(r, 3)?,
                    ordered: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        // Receipts, returns and shipments each have one location side; an undo has the other
        // (it takes back from where the original put), so the location is whichever is set.
        let booked = self
            .conn
            .prepare_cached(
                "SELECT CASE WHEN m.kind = 'reversal' THEN o.kind ELSE m.kind END AS k,
                        p.sku, p.name, p.tracking, lt.code, lt.expiry, m.serial, l.code,
                        sum(CASE WHEN m.kind = 'reversal' THEN -m.qty ELSE m.qty END) AS net,
                        min(m.at), max(m.at)
                 FROM movements m
                 LEFT JOIN movements o ON o.id = m.reverses
                 JOIN products p ON p.id = m.product_id
                 LEFT JOIN lots lt ON lt.id = m.lot_id
                 JOIN locations l ON l.id = coalesce(m.from_location_id, m.to_location_id)
                 WHERE m.document_id = ?1
                   AND (CASE WHEN m.kind = 'reversal' THEN o.kind ELSE m.kind END)
                       IN ('receive', 'ship', 'return')
                 GROUP BY k, m.product_id, m.lot_id, m.serial, l.id
                 HAVING net > 0
                 ORDER BY min(m.seq)",
            )?
            .query_map([id], |r| {
                Ok(DocumentBooked {
                    kind: word_col(r, 0)?,
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    tracking: word_col(r, 3)?,
                    lot: r.get(4)?,
                    expiry: r.get(5)?,
                    serial: r.get(6)?,
                    location: r.get(7)?,
                    qty: r.get(8)?,
                    first_at: r.get(9)?,
                    last_at: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(Some(DocumentSheet {
            head,
            lines,
            booked,
        }))
    }

    /// How many booked counts have this reference (a count is a document of its own, kept
    /// with the scan that booked it; see `migrations/005_counts.sql`).
    pub fn counts_with_reference(&self, reference: &str) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT count(*) FROM counts WHERE ref = ?1")?
            .query_row(params![reference], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::config::Config;
    use chrono::{TimeZone, Utc};

    fn demo() -> (tempfile::TempDir, Store) {
        let (dir, mut store) = super::super::testing::fresh();
        let now = Utc
            .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
            .single()
            .unwrap();
        crate::demo::load(&mut store, &Config::default(), "DOCK-1", now).unwrap();
        (dir, store)
    }

    #[test]
    fn a_purchase_order_has_its_lines_and_receipts() {
        let (_dir, store) = demo();
        let sheet = store.document_sheet("PO-1042").unwrap().unwrap();
        assert_eq!(sheet.head.kind, DocumentKind::Purchase);
        assert_eq!(sheet.head.partner, "Acme Supplies");
        let skus: Vec<&str> = sheet.lines.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(skus, ["LAP-X1", "ASP-500", "USB-C1M"]);
        let serials: Vec<&str> = sheet
            .booked
            .iter()
            .filter_map(|b| b.serial.as_deref())
            .collect();
        assert_eq!(serials, ["SN-4471-0091", "SN-4471-0092", "SN-4471-0093"]);
        let l118 = sheet
            .booked
            .iter()
            .find(|b| b.lot.as_deref() == Some("L2026-118"))
            .unwrap();
        assert_eq!(
            (l118.qty, l118.expiry.as_deref(), l118.location.as_str()),
            (12, Some("2027-01-31"), "DOCK")
        );
        assert!(sheet.booked.iter().all(|b| b.kind == MovementKind::Receive));
    }

    #[test]
    fn an_unknown_reference_is_none_and_counts_are_found_by_reference() {
        let (_dir, store) = demo();
        assert_eq!(store.document_sheet("PO-9999").unwrap(), None);
        assert_eq!(
            store
                .counts_with_reference("COUNT-A-01-3-2026-12-01")
                .unwrap(),
            0
        );
    }
}
