//! The store as the session and the classifier see it: the read-only traits
//! [`ScanLookup`] and [`World`], answered in natural keys with cached prepared statements
//! (each question is one indexed query; a scan asks a handful).

use super::Store;
use super::journal::word_col;
use crate::barcode::classify::{
    KnownDocument, KnownLocation, KnownSerial, LookupError, ProductMatch, ScanLookup,
};
use crate::domain::{DocumentKind, LotStatus, MovementKind};
use crate::session::world::{
    BookLine, BookSerial, DocumentFacts, DocumentLine, LocationBook, LotAt, LotFacts, ProductFacts,
    SerialFacts, World,
};
use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

fn lookup_error(e: rusqlite::Error) -> LookupError {
    LookupError(super::StoreError::from(e).to_string())
}

fn date(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

/// The kind of movement that counts as done on a document of this kind.
fn done_kind(kind: DocumentKind) -> MovementKind {
    match kind {
        DocumentKind::Purchase => MovementKind::Receive,
        DocumentKind::Sale => MovementKind::Ship,
        DocumentKind::Return => MovementKind::Return,
    }
}

impl ScanLookup for Store {
    fn product_by_barcode(&self, barcode: &str) -> Result<Option<ProductMatch>, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT p.sku, p.name, p.tracking, b.units FROM product_barcodes b
                 JOIN products p ON p.id = b.product_id WHERE b.code = ?1",
            )
            .and_then(|mut st| {
                st.query_row([barcode], |r| {
                    Ok(ProductMatch {
                        sku: r.get(0)?,
                        name: r.get(1)?,
                        tracking: word_col(r, 2)?,
                        units: r.get(3)?,
                    })
                })
                .optional()
            })
            .map_err(lookup_error)
    }

    fn serials(&self, serial: &str) -> Result<Vec<KnownSerial>, LookupError> {
        self.conn
            .prepare_cached(
                // The journal's index by serial finds the products; the projection's key
                // (product, serial) says where each unit is now.
                "SELECT p.sku, s.status, l.code
                 FROM (SELECT DISTINCT product_id FROM movements WHERE serial = ?1) m
                 JOIN serials s ON s.product_id = m.product_id AND s.serial = ?1
                 JOIN products p ON p.id = s.product_id
                 LEFT JOIN locations l ON l.id = s.location_id
                 ORDER BY p.sku",
            )
            .and_then(|mut st| {
                st.query_map([serial], |r| {
                    Ok(KnownSerial {
                        sku: r.get(0)?,
                        status: word_col(r, 1)?,
                        location: r.get(2)?,
                    })
                })?
                .collect()
            })
            .map_err(lookup_error)
    }

    fn location(&self, code: &str) -> Result<Option<KnownLocation>, LookupError> {
        self.location_by_code(code)
            .map(|l| {
                l.map(|l| KnownLocation {
                    code: l.code,
                    name: l.name,
                })
            })
            .map_err(|e| LookupError(e.to_string()))
    }

    fn known_document(&self, reference: &str) -> Result<Option<KnownDocument>, LookupError> {
        self.document_by_ref(reference)
            .map(|d| {
                d.map(|d| KnownDocument {
                    reference: d.reference,
                    kind: d.kind,
                    status: d.status,
                })
            })
            .map_err(|e| LookupError(e.to_string()))
    }
}

impl World for Store {
    fn product(&self, sku: &str) -> Result<Option<ProductFacts>, LookupError> {
        self.product_by_sku(sku)
            .map(|p| {
                p.map(|p| ProductFacts {
                    sku: p.sku,
                    name: p.name,
                    tracking: p.tracking,
                    serial_pattern: p.serial_pattern,
                })
            })
            .map_err(|e| LookupError(e.to_string()))
    }

    fn serial(&self, sku: &str, serial: &str) -> Result<Option<SerialFacts>, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT s.status, l.code, lt.code, m.at, ifnull(d.ref, c.ref), fl.code, m.operator
                 FROM serials s
                 JOIN products p ON p.id = s.product_id
                 LEFT JOIN locations l ON l.id = s.location_id
                 LEFT JOIN lots lt ON lt.id = s.lot_id
                 JOIN movements m ON m.seq = (SELECT max(seq) FROM movements
                                              WHERE serial = s.serial AND product_id = s.product_id)
                 LEFT JOIN documents d ON d.id = m.document_id
                 LEFT JOIN counts c ON c.scan_id = m.group_id
                 LEFT JOIN locations fl ON fl.id = m.from_location_id
                 WHERE p.sku = ?1 AND s.serial = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![sku, serial], |r| {
                    Ok(SerialFacts {
                        status: word_col(r, 0)?,
                        location: r.get(1)?,
                        lot: r.get(2)?,
                        since: r.get(3)?,
                        document: r.get(4)?,
                        from: r.get(5)?,
                        operator: r.get(6)?,
                    })
                })
                .optional()
            })
            .map_err(lookup_error)
    }

    fn stock(&self, sku: &str, location: &str, lot: Option<&str>) -> Result<i64, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT ifnull((
                     SELECT s.qty FROM stock s
                     WHERE s.product_id = (SELECT id FROM products WHERE sku = ?1)
                       AND s.location_id = (SELECT id FROM locations WHERE code = ?2)
                       AND s.lot_id = CASE WHEN ?3 IS NULL THEN 0 ELSE ifnull(
                             (SELECT id FROM lots WHERE code = ?3
                                AND product_id = (SELECT id FROM products WHERE sku = ?1)), -1) END
                 ), 0)",
            )
            .and_then(|mut st| st.query_row(params![sku, location, lot], |r| r.get(0)))
            .map_err(lookup_error)
    }

    fn lot(&self, sku: &str, code: &str) -> Result<Option<LotFacts>, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT lt.code, lt.expiry, lt.status FROM lots lt JOIN products p ON p.id = lt.product_id
                 WHERE p.sku = ?1 AND lt.code = ?2",
            )
            .and_then(|mut st| {
                st.query_row(params![sku, code], |r| {
                    Ok(LotFacts {
                        code: r.get(0)?,
                        expiry: date(r.get(1)?),
                        status: word_col(r, 2)?,
                    })
                })
                .optional()
            })
            .map_err(lookup_error)
    }

    fn lots_at(&self, sku: &str, location: &str) -> Result<Vec<LotAt>, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT lt.code, lt.expiry, lt.status, s.qty FROM stock s
                 JOIN lots lt ON lt.id = s.lot_id
                 WHERE s.product_id = (SELECT id FROM products WHERE sku = ?1)
                   AND s.location_id = (SELECT id FROM locations WHERE code = ?2)
                   AND s.qty > 0
                 ORDER BY lt.expiry IS NULL, lt.expiry, lt.code",
            )
            .and_then(|mut st| {
                st.query_map(params![sku, location], |r| {
                    Ok(LotAt {
                        code: r.get(0)?,
                        expiry: date(r.get(1)?),
                        status: word_col::<LotStatus>(r, 2)?,
                        qty: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(lookup_error)
    }

    fn document(&self, reference: &str) -> Result<Option<DocumentFacts>, LookupError> {
        let Some(doc) = self
            .document_by_ref(reference)
            .map_err(|e| LookupError(e.to_string()))?
        else {
            return Ok(None);
        };
        let kind = done_kind(doc.kind).as_str();
        let lines = self
            .conn
            .prepare_cached(
                "WITH done AS (
                     SELECT m.product_id,
                            sum(CASE WHEN m.kind = ?2 THEN m.qty
                                     WHEN m.kind = 'reversal' AND o.kind = ?2 THEN -m.qty
                                     ELSE 0 END) AS qty
                     FROM movements m LEFT JOIN movements o ON o.id = m.reverses
                     WHERE m.document_id = ?1 GROUP BY m.product_id
                 )
                 SELECT p.sku, p.name, p.tracking, sum(l.qty), ifnull(d.qty, 0)
                 FROM document_lines l JOIN products p ON p.id = l.product_id
                 LEFT JOIN done d ON d.product_id = l.product_id
                 WHERE l.document_id = ?1
                 GROUP BY l.product_id ORDER BY min(l.line_no)",
            )
            .and_then(|mut st| {
                st.query_map(params![doc.id, kind], |r| {
                    Ok(DocumentLine {
                        sku: r.get(0)?,
                        name: r.get(1)?,
                        tracking: word_col(r, 2)?,
                        ordered: r.get(3)?,
                        done: r.get(4)?,
                    })
                })?
                .collect()
            })
            .map_err(lookup_error)?;
        Ok(Some(DocumentFacts {
            reference: doc.reference,
            kind: doc.kind,
            status: doc.status,
            partner: doc.partner_name,
            lines,
        }))
    }

    fn returnable(&self, document: &str, sku: &str, lot: Option<&str>) -> Result<i64, LookupError> {
        self.conn
            .prepare_cached(
                "SELECT ifnull(sum(CASE
                     WHEN m.kind = 'ship' THEN m.qty
                     WHEN m.kind = 'return' THEN -m.qty
                     WHEN m.kind = 'reversal' AND o.kind = 'ship' THEN -m.qty
                     WHEN m.kind = 'reversal' AND o.kind = 'return' THEN m.qty
                     ELSE 0 END), 0)
                 FROM movements m LEFT JOIN movements o ON o.id = m.reverses
                 LEFT JOIN lots lt ON lt.id = m.lot_id
                 WHERE m.document_id = (SELECT id FROM documents WHERE ref = ?1)
                   AND m.product_id = (SELECT id FROM products WHERE sku = ?2)
                   AND (?3 IS NULL OR lt.code = ?3)",
            )
            .and_then(|mut st| st.query_row(params![document, sku, lot], |r| r.get(0)))
            .map_err(lookup_error)
    }

    fn book(&self, location: &str) -> Result<LocationBook, LookupError> {
        let stock = self
            .conn
            .prepare_cached(
                "SELECT p.sku, p.name, lt.code, s.qty FROM stock s
                 JOIN products p ON p.id = s.product_id
                 LEFT JOIN lots lt ON lt.id = s.lot_id
                 WHERE s.location_id = (SELECT id FROM locations WHERE code = ?1)
                   AND s.qty <> 0 AND p.tracking <> 'serial'
                 ORDER BY p.sku, lt.code",
            )
            .and_then(|mut st| {
                st.query_map([location], |r| {
                    Ok(BookLine {
                        sku: r.get(0)?,
                        name: r.get(1)?,
                        lot: r.get(2)?,
                        qty: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(lookup_error)?;
        // The serials in stock here, found through the stock projection's index by location
        // (serial-tracked products with stock here), then the projection's key.
        let serials = self
            .conn
            .prepare_cached(
                "SELECT p.sku, p.name, se.serial, lt.code FROM stock s
                 JOIN products p ON p.id = s.product_id AND p.tracking = 'serial'
                 JOIN serials se ON se.product_id = s.product_id AND se.location_id = s.location_id
                      AND ifnull(se.lot_id, 0) = s.lot_id AND se.status = 'in_stock'
                 LEFT JOIN lots lt ON lt.id = se.lot_id
                 WHERE s.location_id = (SELECT id FROM locations WHERE code = ?1)
                   AND s.qty > 0
                 ORDER BY p.sku, se.serial",
            )
            .and_then(|mut st| {
                st.query_map([location], |r| {
                    Ok(BookSerial {
                        sku: r.get(0)?,
                        name: r.get(1)?,
                        serial: r.get(2)?,
                        lot: r.get(3)?,
                    })
                })?
                .collect()
            })
            .map_err(lookup_error)?;
        Ok(LocationBook { stock, serials })
    }

    fn count_reference_taken(&self, reference: &str) -> Result<bool, LookupError> {
        self.conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM counts WHERE ref = ?1)")
            .and_then(|mut st| st.query_row([reference], |r| r.get(0)))
            .map_err(lookup_error)
    }
}
