//! Where the goods of a pick line are: the stock of one product that a picker may take, by
//! location and lot (or serial), for the pick list's hints.

use super::{Result, Store};
use crate::domain::Tracking;
use chrono::NaiveDate;
use rusqlite::params;

/// Stock a picker may take: one location and lot, or one serial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickStock {
    pub location: String,
    pub lot: Option<String>,
    pub expiry: Option<NaiveDate>,
    /// The unit, for a serial product.
    pub serial: Option<String>,
    pub qty: i64,
}

fn date(text: Option<String>) -> Option<NaiveDate> {
    text.and_then(|t| NaiveDate::parse_from_str(&t, "%Y-%m-%d").ok())
}

impl Store {
    /// Stock of `sku` that may be picked on `today` — lots active and not expired, serials
    /// in stock — at most `limit` rows: those at `location` first, then the others; among
    /// them the first expiry first (FEFO), then by location and code.
    pub fn pickable(
        &self,
        sku: &str,
        location: Option<&str>,
        today: NaiveDate,
        limit: usize,
    ) -> Result<Vec<PickStock>> {
        let Some(product) = self.product_by_sku(sku)? else {
            return Ok(Vec::new());
        };
        let today = today.format("%Y-%m-%d").to_string();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let sql = if product.tracking == Tracking::Serial {
            "SELECT l.code, lt.code, lt.expiry, s.serial, 1 FROM serials s
             JOIN locations l ON l.id = s.location_id
             LEFT JOIN lots lt ON lt.id = s.lot_id
             WHERE s.product_id = ?1 AND s.status = 'in_stock'
               AND (s.lot_id IS NULL OR (lt.status = 'active' AND ifnull(lt.expiry >= ?3, 1)))
             ORDER BY l.code IS NOT ?2, lt.expiry IS NULL, lt.expiry, l.code, s.serial
             LIMIT ?4"
        } else {
            "SELECT l.code, lt.code, lt.expiry, NULL, s.qty FROM stock s
             JOIN locations l ON l.id = s.location_id
             LEFT JOIN lots lt ON lt.id = s.lot_id
             WHERE s.product_id = ?1 AND s.qty > 0
               AND (s.lot_id = 0 OR (lt.status = 'active' AND ifnull(lt.expiry >= ?3, 1)))
             ORDER BY l.code IS NOT ?2, lt.expiry IS NULL, lt.expiry, l.code, lt.code
             LIMIT ?4"
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params![product.id, location, today, limit], |r| {
            Ok(PickStock {
                location: r.get(0)?,
                lot: r.get(1)?,
                expiry: date(r.get(2)?),
                serial: r.get(3)?,
                qty: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
