//! What labels are printed from (SPEC §8): a product's unit GTIN or other barcode, the
//! serials received on a purchase order, the lot a serial belongs to, and the location tree.
//! Read-only lookups; the labels themselves are drawn in `crate::labels`.

use super::{LocationInfo, LotInfo, Result, Store};
use crate::domain::{DocumentId, LocationId, LotId, ProductId};
use rusqlite::OptionalExtension;

/// One serial that came in on a purchase order, in the order it was received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSerial {
    pub product: ProductId,
    pub serial: String,
    pub lot: Option<LotId>,
}

impl Store {
    /// The product's GTIN for one unit (a GTIN-14 barcode that stands for one unit, not a
    /// case), the lowest if it has several.
    pub fn unit_gtin(&self, product: ProductId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT code FROM product_barcodes
                 WHERE product_id = ?1 AND units = 1 AND length(code) = 14
                   AND code NOT GLOB '*[^0-9]*'
                 ORDER BY code LIMIT 1",
            )?
            .query_row([product], |r| r.get(0))
            .optional()?)
    }

    /// The product's first barcode for one unit that is not a GTIN (an alias text).
    pub fn unit_alias(&self, product: ProductId) -> Result<Option<String>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT code FROM product_barcodes
                 WHERE product_id = ?1 AND units = 1
                   AND NOT (length(code) = 14 AND code NOT GLOB '*[^0-9]*')
                 ORDER BY code LIMIT 1",
            )?
            .query_row([product], |r| r.get(0))
            .optional()?)
    }

    /// Every serial received on `document` and not undone, in the order received.
    pub fn serials_received(&self, document: DocumentId) -> Result<Vec<ReceivedSerial>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.product_id, m.serial, m.lot_id FROM movements m
             WHERE m.document_id = ?1 AND m.kind = 'receive' AND m.serial IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM movements r WHERE r.reverses = m.id)
             ORDER BY m.seq",
        )?;
        let rows = st.query_map([document], |r| {
            Ok(ReceivedSerial {
                product: r.get(0)?,
                serial: r.get(1)?,
                lot: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The products that have a serial with this text in the journal.
    pub fn products_with_serial(&self, serial: &str) -> Result<Vec<ProductId>> {
        let mut st = self.conn.prepare_cached(
            "SELECT DISTINCT product_id FROM movements WHERE serial = ?1 ORDER BY product_id",
        )?;
        let rows = st.query_map([serial], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The lot that a known serial belongs to: `None` when the serial is not in the books,
    /// `Some(None)` when it is but without a lot.
    pub fn serial_lot(&self, product: ProductId, serial: &str) -> Result<Option<Option<LotInfo>>> {
        let found: Option<Option<LotId>> = self
            .conn
            .prepare_cached("SELECT lot_id FROM serials WHERE product_id = ?1 AND serial = ?2")?
            .query_row(rusqlite::params![product, serial], |r| r.get(0))
            .optional()?;
        match found {
            None => Ok(None),
            Some(None) => Ok(Some(None)),
            Some(Some(lot)) => Ok(Some(self.lot_by_id(lot)?)),
        }
    }

    /// The lot with this id.
    pub fn lot_by_id(&self, lot: LotId) -> Result<Option<LotInfo>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, product_id, code, expiry, status, status_reason FROM lots WHERE id = ?1",
            )?
            .query_row([lot], super::catalog::lot_info)
            .optional()?)
    }

    /// Every location, by code.
    pub fn all_locations(&self) -> Result<Vec<LocationInfo>> {
        self.locations_query(
            "SELECT id, code, name, parent_id FROM locations ORDER BY code",
            None,
        )
    }

    /// `top` and every location inside it, at any depth, by code.
    pub fn locations_under(&self, top: LocationId) -> Result<Vec<LocationInfo>> {
        self.locations_query(
            "WITH RECURSIVE tree(id) AS (
                 SELECT ?1 UNION SELECT l.id FROM locations l JOIN tree t ON l.parent_id = t.id
             )
             SELECT l.id, l.code, l.name, l.parent_id FROM locations l JOIN tree t ON t.id = l.id
             ORDER BY l.code",
            Some(top),
        )
    }

    fn locations_query(&self, sql: &str, top: Option<LocationId>) -> Result<Vec<LocationInfo>> {
        let mut st = self.conn.prepare_cached(sql)?;
        let map = |r: &rusqlite::Row<'_>| {
            Ok(LocationInfo {
                id: r.get(0)?,
                code: r.get(1)?,
                name: r.get(2)?,
                parent: r.get(3)?,
            })
        };
        let rows = match top {
            Some(top) => st.query_map([top], map)?.collect::<rusqlite::Result<_>>()?,
            None => st.query_map([], map)?.collect::<rusqlite::Result<_>>()?,
        };
        Ok(rows)
    }
}
