//! Reports: stock on hand, a serial's history, a lot's recall view, and the exports.
//!
//! Every report speaks in natural keys (SKU, location code, lot code, document reference,
//! partner name), never in the database's local ids, so what it prints means the same on
//! every station and in every spreadsheet. Quantities are net of undone movements.

use super::journal::word_col;
use super::{Result, Store, StoreError};
use crate::domain::{MovementKind, SerialStatus};
use crate::session::shown;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Which stock to show; every filter is optional. A location includes the locations below it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StockFilter {
    pub sku: Option<String>,
    pub location: Option<String>,
    pub lot: Option<String>,
}

/// One stock line: a product (and lot) at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StockRow {
    pub sku: String,
    pub lot: Option<String>,
    pub location: String,
    pub qty: i64,
}

/// A product as reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductName {
    pub sku: String,
    pub name: String,
}

/// One step of a serial's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialEvent {
    pub at: String,
    pub kind: MovementKind,
    pub from: Option<String>,
    pub to: Option<String>,
    pub document: Option<String>,
    pub partner: Option<String>,
    pub station: String,
    pub operator: Option<String>,
}

/// Where a serial is and where it has been.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SerialTrace {
    pub product: ProductName,
    pub serial: String,
    pub lot: Option<String>,
    /// `None` when the serial is no longer in the warehouse's books (its receipt was undone
    /// or it was written off); its history stays.
    pub status: Option<SerialStatus>,
    pub location: Option<String>,
    pub history: Vec<SerialEvent>,
}

impl SerialEvent {
    /// The event as one line for a person, every stored text escaped:
    /// `2026-11-20 16:05  ship      B-02 → Northwind Clinic SO-7781  DOCK-1 jonas`.
    /// `arrow` is `→`, or `->` where the font lacks it; `station` adds the station that
    /// recorded it before the operator.
    pub fn line(&self, arrow: &str, station: bool) -> String {
        let who: Vec<String> = [
            station.then_some(self.station.as_str()),
            self.operator.as_deref(),
        ]
        .into_iter()
        .flatten()
        .map(shown)
        .collect();
        format!(
            "{}  {:<9} {} {arrow} {}{}  {}",
            self.at.get(..16).unwrap_or(&self.at).replace('T', " "),
            self.kind.as_str(),
            shown(self.from.as_deref().unwrap_or("—")),
            shown(self.to.as_deref().unwrap_or("—")),
            self.document
                .as_deref()
                .map(|d| format!(" {}", shown(d)))
                .unwrap_or_default(),
            who.join(" "),
        )
    }
}

impl SerialTrace {
    /// Where the unit is now, in words, every stored text escaped: "in stock at A-01-3",
    /// "shipped to Northwind Clinic on 2026-11-20 with SO-7781", "missing since 2026-12-01 —
    /// count at A-01-3 by ann", or "not in stock" when the books have forgotten it.
    pub fn whereabouts(&self) -> String {
        match (&self.status, &self.location, self.history.last()) {
            (Some(SerialStatus::InStock), Some(loc), _) => format!("in stock at {}", shown(loc)),
            (Some(SerialStatus::Missing), _, Some(last)) => format!(
                "missing since {}{}{}",
                last.at.get(..10).unwrap_or(&last.at),
                last.from
                    .as_deref()
                    .map(|at| format!(" — count at {}", shown(at)))
                    .unwrap_or_default(),
                last.operator
                    .as_deref()
                    .map(|op| format!(" by {}", shown(op)))
                    .unwrap_or_default()
            ),
            (Some(SerialStatus::Shipped), _, Some(last)) => format!(
                "shipped to {} on {}{}",
                shown(last.partner.as_deref().unwrap_or("an unknown customer")),
                last.at.get(..10).unwrap_or(&last.at),
                last.document
                    .as_deref()
                    .map(|d| format!(" with {}", shown(d)))
                    .unwrap_or_default()
            ),
            _ => "not in stock (its receipt was undone or it was written off)".to_owned(),
        }
    }
}

/// A quantity at a location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnHand {
    pub location: String,
    pub qty: i64,
}

/// A quantity that went to or came from a partner on a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerQty {
    pub document: Option<String>,
    pub partner: Option<String>,
    pub qty: i64,
}

/// The recall view of a lot: where it came from, where it is, who got it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotTrace {
    pub product: ProductName,
    pub lot: String,
    pub expiry: Option<String>,
    pub status: crate::domain::LotStatus,
    pub received: i64,
    pub on_hand: Vec<OnHand>,
    pub shipped: Vec<PartnerQty>,
    pub returned: Vec<PartnerQty>,
    /// What counts changed of the lot: by count and location, net of undos (gains
    /// positive, losses negative).
    #[serde(default)]
    pub counted: Vec<CountedQty>,
}

/// What one count changed of a lot at the location it counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountedQty {
    pub document: String,
    pub location: String,
    pub qty: i64,
}

/// One movement as exported: natural keys only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportMovement {
    pub id: String,
    pub group: String,
    pub at: String,
    pub station: String,
    pub operator: Option<String>,
    pub kind: MovementKind,
    pub document: Option<String>,
    pub sku: String,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub qty: i64,
    pub from: Option<String>,
    pub to: Option<String>,
    pub partner: Option<String>,
    pub reverses: Option<String>,
}

/// One row of the scan log as exported: every scan the station knows (its own and, at a
/// synced station, the ones pulled from others), whatever its outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportScan {
    /// The scan's id, which is also its group's: the movements it wrote name it as `group`.
    pub id: String,
    pub at: String,
    pub station: String,
    pub operator: Option<String>,
    pub device: Option<String>,
    /// The scan exactly as read (a GS is the character 0x1D).
    pub raw: String,
    pub outcome: String,
    pub message: String,
}

impl Store {
    /// Stock on hand, by SKU, lot and location: every quantity that is not zero. Below zero
    /// only at a synced station, where other stations' movements are applied as facts and
    /// together took more than this station's books held (SPEC §7: a conflict).
    pub fn stock(&self, filter: &StockFilter) -> Result<Vec<StockRow>> {
        // Only the filters given become terms: an `?1 IS NULL OR …` term would keep SQLite
        // from using the stock table's key, and read every row of it instead.
        let mut terms = vec!["s.qty <> 0"];
        if filter.sku.is_some() {
            terms.push("s.product_id = (SELECT id FROM products WHERE sku = ?1)");
        }
        if filter.location.is_some() {
            terms.push("s.location_id IN (SELECT id FROM within)");
        }
        // The lot is a filter on the joined rows (no index serves it); it stays a term with
        // all three parameters, as the statement is bound with three.
        terms.push("(?3 IS NULL OR lt.code = ?3)");
        let sql = format!(
            "WITH RECURSIVE within(id) AS (
                 SELECT id FROM locations WHERE code = ?2
                 UNION ALL
                 SELECT l.id FROM locations l JOIN within w ON l.parent_id = w.id
             )
             SELECT p.sku, lt.code, l.code, s.qty
             FROM stock s
             JOIN products p ON p.id = s.product_id
             JOIN locations l ON l.id = s.location_id
             LEFT JOIN lots lt ON lt.id = s.lot_id
             WHERE {}
             ORDER BY p.sku, l.code, lt.code",
            terms.join(" AND ")
        );
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![filter.sku, filter.location, filter.lot], |r| {
            Ok(StockRow {
                sku: r.get(0)?,
                lot: r.get(1)?,
                location: r.get(2)?,
                qty: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A serial's state and history. Without a SKU, the serial must belong to one product.
    pub fn trace_serial(&self, serial: &str, sku: Option<&str>) -> Result<SerialTrace> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT p.id, p.sku, p.name FROM movements m JOIN products p ON p.id = m.product_id
             WHERE m.serial = ?1 AND (?2 IS NULL OR p.sku = ?2) ORDER BY p.sku",
        )?;
        let products: Vec<(i64, String, String)> = st
            .query_map(params![serial, sku], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let (product_id, sku, name) = match products.as_slice() {
            [] => {
                return Err(StoreError::NotFound(match sku {
                    Some(sku) => {
                        format!("no serial '{serial}' of SKU '{sku}' has ever been scanned")
                    }
                    None => format!("no serial '{serial}' has ever been scanned"),
                }));
            }
            [one] => one.clone(),
            many => {
                let skus: Vec<&str> = many.iter().map(|(_, s, _)| s.as_str()).collect();
                return Err(StoreError::NotFound(format!(
                    "serial '{serial}' belongs to several products ({}); name one with --product",
                    skus.join(", ")
                )));
            }
        };
        let state = self
            .conn
            .prepare_cached(
                "SELECT s.status, l.code, lt.code FROM serials s
                 LEFT JOIN locations l ON l.id = s.location_id LEFT JOIN lots lt ON lt.id = s.lot_id
                 WHERE s.product_id = ?1 AND s.serial = ?2",
            )?
            .query_row(params![product_id, serial], |r| {
                Ok((
                    word_col::<SerialStatus>(r, 0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                ))
            })
            .optional()?;
        let mut st = self.conn.prepare_cached(
            "SELECT m.at, m.kind, fl.code, tl.code, ifnull(d.ref, co.ref), pa.name, m.station,
                    m.operator, lt.code
             FROM movements m
             LEFT JOIN movements rv ON rv.id = m.reverses
             LEFT JOIN counts co ON co.scan_id = ifnull(rv.group_id, m.group_id)
             LEFT JOIN locations fl ON fl.id = m.from_location_id
             LEFT JOIN locations tl ON tl.id = m.to_location_id
             LEFT JOIN documents d ON d.id = m.document_id
             LEFT JOIN partners pa ON pa.id = m.partner_id
             LEFT JOIN lots lt ON lt.id = m.lot_id
             WHERE m.serial = ?2 AND m.product_id = ?1
             ORDER BY m.seq",
        )?;
        let mut last_lot = None;
        let history = st
            .query_map(params![product_id, serial], |r| {
                let partner: Option<String> = r.get(5)?;
                let from: Option<String> = r.get(2)?;
                let to: Option<String> = r.get(3)?;
                Ok((
                    SerialEvent {
                        at: r.get(0)?,
                        kind: word_col(r, 1)?,
                        from: from.or_else(|| partner.clone()),
                        to: to.or_else(|| partner.clone()),
                        document: r.get(4)?,
                        partner,
                        station: r.get(6)?,
                        operator: r.get(7)?,
                    },
                    r.get::<_, Option<String>>(8)?,
                ))
            })?
            .map(|row| {
                row.map(|(event, lot)| {
                    last_lot = lot;
                    event
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (status, location, lot) = match state {
            Some((status, location, lot)) => (Some(status), location, lot),
            None => (None, None, last_lot),
        };
        Ok(SerialTrace {
            product: ProductName { sku, name },
            serial: serial.to_owned(),
            lot,
            status,
            location,
            history,
        })
    }

    /// The recall view of one lot of one product.
    pub fn trace_lot(&self, lot: &str, sku: &str) -> Result<LotTrace> {
        let product = self
            .product_by_sku(sku)?
            .ok_or_else(|| StoreError::NotFound(format!("there is no product with SKU '{sku}'")))?;
        let info = self
            .lot(product.id, lot)?
            .ok_or_else(|| StoreError::NotFound(format!("SKU '{sku}' has no lot '{lot}'")))?;
        // Movements of the lot by kind, document and partner, each reversal counted against
        // the kind it undoes.
        let mut st = self.conn.prepare_cached(
            "SELECT t.kind, d.ref, pa.name, sum(t.qty) FROM (
                 SELECT m.kind AS kind, m.document_id AS doc, m.partner_id AS partner, m.qty AS qty
                 FROM movements m WHERE m.lot_id = ?1 AND m.kind <> 'reversal'
                 UNION ALL
                 SELECT o.kind, o.document_id, o.partner_id, -r.qty
                 FROM movements r JOIN movements o ON o.id = r.reverses
                 WHERE r.lot_id = ?1 AND r.kind = 'reversal'
             ) t
             LEFT JOIN documents d ON d.id = t.doc
             LEFT JOIN partners pa ON pa.id = t.partner
             WHERE t.kind IN ('receive', 'ship', 'return')
             GROUP BY t.kind, d.ref, pa.name
             HAVING sum(t.qty) <> 0
             ORDER BY t.kind, d.ref, pa.name",
        )?;
        let mut received = 0;
        let mut shipped = Vec::new();
        let mut returned = Vec::new();
        let rows = st.query_map([info.id], |r| {
            Ok((
                word_col::<MovementKind>(r, 0)?,
                PartnerQty {
                    document: r.get(1)?,
                    partner: r.get(2)?,
                    qty: r.get(3)?,
                },
            ))
        })?;
        for row in rows {
            let (kind, line) = row?;
            match kind {
                MovementKind::Receive => received += line.qty,
                MovementKind::Ship => shipped.push(line),
                _ => returned.push(line),
            }
        }
        let mut st = self.conn.prepare_cached(
            "SELECT l.code, s.qty FROM stock s JOIN locations l ON l.id = s.location_id
             WHERE s.lot_id = ?1 AND s.lot_id <> 0 AND s.qty > 0 ORDER BY l.code",
        )?;
        let on_hand = st
            .query_map([info.id], |r| {
                Ok(OnHand {
                    location: r.get(0)?,
                    qty: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        // The counts' adjustments of this lot, each undo against the count it undoes.
        let mut st = self.conn.prepare_cached(
            "SELECT co.ref, l.code,
                    sum(CASE WHEN m.to_location_id IS NOT NULL THEN m.qty ELSE -m.qty END)
             FROM movements m
             LEFT JOIN movements rv ON rv.id = m.reverses
             JOIN counts co ON co.scan_id = ifnull(rv.group_id, m.group_id)
             JOIN locations l ON l.id = co.location_id
             WHERE m.lot_id = ?1 AND ifnull(rv.kind, m.kind) = 'adjust'
             GROUP BY co.scan_id HAVING sum(CASE WHEN m.to_location_id IS NOT NULL THEN m.qty ELSE -m.qty END) <> 0
             ORDER BY min(m.seq)",
        )?;
        let counted = st
            .query_map([info.id], |r| {
                Ok(CountedQty {
                    document: r.get(0)?,
                    location: r.get(1)?,
                    qty: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(LotTrace {
            counted,
            product: ProductName {
                sku: product.sku,
                name: product.name,
            },
            lot: info.code,
            expiry: info.expiry,
            status: info.status,
            received,
            on_hand,
            shipped,
            returned,
        })
    }

    /// Every movement of the journal, oldest first, one call of `each` per movement, so an
    /// export of millions of rows needs no more memory than one.
    pub fn export_movements(
        &self,
        each: &mut dyn FnMut(ExportMovement) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT m.id, m.group_id, m.at, m.station, m.operator, m.kind, ifnull(d.ref, co.ref),
                    p.sku, lt.code, m.serial, m.qty, fl.code, tl.code, pa.name, m.reverses
             FROM movements m
             LEFT JOIN movements rv ON rv.id = m.reverses
             LEFT JOIN counts co ON co.scan_id = ifnull(rv.group_id, m.group_id)
             JOIN products p ON p.id = m.product_id
             LEFT JOIN lots lt ON lt.id = m.lot_id
             LEFT JOIN locations fl ON fl.id = m.from_location_id
             LEFT JOIN locations tl ON tl.id = m.to_location_id
             LEFT JOIN documents d ON d.id = m.document_id
             LEFT JOIN partners pa ON pa.id = m.partner_id
             ORDER BY m.seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let movement = ExportMovement {
                id: r.get::<_, Uuid>(0)?.to_string(),
                group: r.get::<_, Uuid>(1)?.to_string(),
                at: r.get(2)?,
                station: r.get(3)?,
                operator: r.get(4)?,
                kind: word_col(r, 5)?,
                document: r.get(6)?,
                sku: r.get(7)?,
                lot: r.get(8)?,
                serial: r.get(9)?,
                qty: r.get(10)?,
                from: r.get(11)?,
                to: r.get(12)?,
                partner: r.get(13)?,
                reverses: r.get::<_, Option<Uuid>>(14)?.map(|u| u.to_string()),
            };
            each(movement).map_err(|e| StoreError::Io(format!("cannot write the export: {e}")))?;
        }
        Ok(())
    }

    /// The scan log, oldest first, one row at a time into `each` (a station's log is as long
    /// as its journal: nothing is collected in memory).
    pub fn export_scans(
        &self,
        each: &mut dyn FnMut(ExportScan) -> std::io::Result<()>,
    ) -> Result<()> {
        let mut st = self.conn.prepare(
            "SELECT id, at, station, operator, device, raw, outcome, message
             FROM scans ORDER BY seq",
        )?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let scan = ExportScan {
                id: r.get::<_, Uuid>(0)?.to_string(),
                at: r.get(1)?,
                station: r.get(2)?,
                operator: r.get(3)?,
                device: r.get(4)?,
                raw: r.get(5)?,
                outcome: r.get(6)?,
                message: r.get(7)?,
            };
            each(scan).map_err(|e| StoreError::Io(format!("cannot write the export: {e}")))?;
        }
        Ok(())
    }
}
