//! What an EPCIS export reads (SPEC §9): the journal's movements and the lots' status
//! changes, in natural keys, with what the movement table alone does not say — the product's
//! GTIN, the document's kind, and for an undo the kind and time of the movement it undoes.
//!
//! Movements stream in journal order, one call per movement, so an export of millions of
//! them needs no more memory than one; status changes are a human's commands (few), read
//! whole, and so are the catalog's names (products, lots, locations, partners, documents),
//! which grow with the catalog, not with every movement. The filters are the export's: a time, a product, one lot of it, or a serial.
//!
//! A movement's names are shared ([`Rc`]) with the catalog's map rather than copied: an
//! export of millions of rows made as many copies of the same few thousand names.

use super::journal::{format_time, word_col};
use super::{Result, Store, StoreError};
use crate::domain::{DocumentKind, LotStatus, MovementKind};
use chrono::{DateTime, Utc};
use rusqlite::ToSql;
use std::collections::HashMap;
use std::rc::Rc;

/// Which events an export takes; every filter is optional. `lot` goes with `sku`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EpcisFilter {
    /// Only what happened at or after this time.
    pub since: Option<DateTime<Utc>>,
    pub sku: Option<String>,
    pub lot: Option<String>,
    pub serial: Option<String>,
}

/// One movement as an EPCIS export needs it; the catalog's names are shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcisMovement {
    /// RFC 3339 in UTC with milliseconds.
    pub at: String,
    pub kind: MovementKind,
    pub sku: Rc<str>,
    /// The product's own GTIN-14 (a barcode of one unit), if it has one.
    pub gtin: Option<Rc<str>>,
    pub lot: Option<Rc<str>>,
    pub serial: Option<String>,
    pub qty: i64,
    pub from: Option<Rc<str>>,
    pub to: Option<Rc<str>>,
    pub partner: Option<Rc<str>>,
    pub document: Option<(Rc<str>, DocumentKind)>,
    /// For an undo (`kind` is `reversal`): what it undoes.
    pub undoes: Option<Undone>,
}

/// The movement an undo reverses: its kind and its time. Everything else an undo copies from
/// it, with the sides swapped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undone {
    pub kind: MovementKind,
    pub at: String,
}

/// A lot quarantined or released.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpcisLotChange {
    pub at: String,
    pub sku: String,
    pub gtin: Option<String>,
    pub lot: String,
    pub status: LotStatus,
    pub reason: String,
}

/// A product's own GTIN: a barcode of one unit that is 14 digits (GTINs are kept as GTIN-14).
const GTIN_OF: &str = "(SELECT min(b.code) FROM product_barcodes b
      WHERE b.product_id = p.id AND b.units = 1 AND length(b.code) = 14
        AND b.code NOT GLOB '*[^0-9]*')";

impl Store {
    /// Refuses a lot or a serial the journal has never seen, as `trace lot` and `trace
    /// serial` do, so that a recall package of a mistyped lot is an error, not an empty file.
    pub fn epcis_check(&self, filter: &EpcisFilter) -> Result<()> {
        if let Some(sku) = &filter.sku {
            let product = self.product_by_sku(sku)?.ok_or_else(|| {
                StoreError::NotFound(format!("there is no product with SKU '{sku}'"))
            })?;
            if let Some(lot) = &filter.lot
                && self.lot(product.id, lot)?.is_none()
            {
                return Err(StoreError::NotFound(format!(
                    "SKU '{sku}' has no lot '{lot}'"
                )));
            }
        }
        if let Some(serial) = &filter.serial {
            let seen: bool = self
                .conn
                .prepare_cached(
                    "SELECT EXISTS (SELECT 1 FROM movements m JOIN products p ON p.id = m.product_id
                     WHERE m.serial = ?1 AND (?2 IS NULL OR p.sku = ?2))",
                )?
                .query_row(rusqlite::params![serial, filter.sku], |r| r.get(0))?;
            if !seen {
                return Err(StoreError::NotFound(match &filter.sku {
                    Some(sku) => {
                        format!("no serial '{serial}' of SKU '{sku}' has ever been scanned")
                    }
                    None => format!("no serial '{serial}' has ever been scanned"),
                }));
            }
        }
        Ok(())
    }

    /// The lots' status changes that `filter` takes, oldest first. With a serial, those of
    /// the lots its movements name.
    pub fn epcis_lot_changes(&self, filter: &EpcisFilter) -> Result<Vec<EpcisLotChange>> {
        let since = filter.since.as_ref().map(format_time);
        let mut terms = vec!["1"];
        if since.is_some() {
            terms.push("s.at >= ?1");
        }
        if filter.sku.is_some() {
            terms.push("p.sku = ?2");
        }
        if filter.lot.is_some() {
            terms.push("lt.code = ?3");
        }
        if filter.serial.is_some() {
            terms.push("s.lot_id IN (SELECT m.lot_id FROM movements m WHERE m.serial = ?4)");
        }
        let sql = format!(
            "SELECT s.at, p.sku, {GTIN_OF}, lt.code, s.status, s.reason
             FROM lot_status_log s JOIN lots lt ON lt.id = s.lot_id JOIN products p ON p.id = lt.product_id
             WHERE {} ORDER BY s.seq",
            terms.join(" AND ")
        );
        let mut st = self.conn.prepare(&sql)?;
        let params: [&dyn ToSql; 4] = [&since, &filter.sku, &filter.lot, &filter.serial];
        let rows = st.query_map(&params[..highest(&sql)], |r| {
            Ok(EpcisLotChange {
                at: r.get(0)?,
                sku: r.get(1)?,
                gtin: r.get(2)?,
                lot: r.get(3)?,
                status: word_col(r, 4)?,
                reason: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The movements that `filter` takes, in journal order, one call of `each` per movement.
    pub fn epcis_movements(
        &self,
        filter: &EpcisFilter,
        each: &mut dyn FnMut(EpcisMovement) -> std::io::Result<()>,
    ) -> Result<()> {
        let since = filter.since.as_ref().map(format_time);
        // Only the filters given become terms, so that SQLite can take the index of the one
        // that narrows (by lot, by serial) instead of reading every row.
        let mut terms = vec!["1"];
        if since.is_some() {
            terms.push("m.at >= ?1");
        }
        if filter.sku.is_some() {
            terms.push("m.product_id = (SELECT id FROM products WHERE sku = ?2)");
        }
        if filter.lot.is_some() {
            terms.push(
                "m.lot_id = (SELECT l.id FROM lots l JOIN products lp ON lp.id = l.product_id
                             WHERE lp.sku = ?2 AND l.code = ?3)",
            );
        }
        if filter.serial.is_some() {
            terms.push("m.serial = ?4");
        }
        // The catalog's names come from maps read once (the catalog is small beside the
        // journal, and does not grow with it): a seek per name and row was most of the time.
        let catalog = Catalog::read(self)?;
        let sql = format!(
            "SELECT m.at, m.kind, m.product_id, m.lot_id, m.serial, m.qty, m.from_location_id,
                    m.to_location_id, m.partner_id, m.document_id, o.kind, o.at
             FROM movements m
             LEFT JOIN movements o ON o.id = m.reverses
             WHERE {} ORDER BY m.seq",
            terms.join(" AND ")
        );
        let mut st = self.conn.prepare(&sql)?;
        let params: [&dyn ToSql; 4] = [&since, &filter.sku, &filter.lot, &filter.serial];
        let mut rows = st.query(&params[..highest(&sql)])?;
        while let Some(r) = rows.next()? {
            let undoes = match r.get_ref(10)? {
                rusqlite::types::ValueRef::Null => None,
                _ => Some(Undone {
                    kind: word_col(r, 10)?,
                    at: r.get(11)?,
                }),
            };
            let (sku, gtin) = catalog.product(r.get(2)?)?;
            let movement = EpcisMovement {
                at: r.get(0)?,
                kind: word_ref(r, 1)?,
                sku,
                gtin,
                lot: Catalog::name(&catalog.lots, "lot", r.get(3)?)?,
                serial: r.get(4)?,
                qty: r.get(5)?,
                from: Catalog::name(&catalog.locations, "location", r.get(6)?)?,
                to: Catalog::name(&catalog.locations, "location", r.get(7)?)?,
                partner: Catalog::name(&catalog.partners, "partner", r.get(8)?)?,
                document: catalog.document(r.get(9)?)?,
                undoes,
            };
            each(movement).map_err(|e| StoreError::Io(format!("cannot write the export: {e}")))?;
        }
        Ok(())
    }
}

/// The names of the catalog's rows by their local ids, for the export's journal rows.
struct Catalog {
    products: ById<(Rc<str>, Option<Rc<str>>)>,
    lots: ById<Rc<str>>,
    locations: ById<Rc<str>>,
    partners: ById<Rc<str>>,
    documents: ById<(Rc<str>, DocumentKind)>,
}

/// A catalog table's rows by id. The ids are the tables' rowids, dense from 1, so a vector
/// indexed by id holds them: a hash map was a fifth of the export's time (its buckets are
/// scattered over memory; the journal names rows at random). Ids far sparser than the rows
/// (rows deleted in bulk) get the map.
enum ById<T> {
    Dense(Vec<Option<T>>),
    Sparse(HashMap<i64, T>),
}

impl<T> ById<T> {
    fn new(rows: Vec<(i64, T)>) -> ById<T> {
        let bound = rows.len().saturating_mul(2).saturating_add(1024);
        let max = rows.iter().map(|(id, _)| *id).max().unwrap_or(0);
        let dense = rows.iter().all(|(id, _)| *id >= 0);
        match usize::try_from(max) {
            Ok(max) if dense && max < bound => {
                let mut by_id = Vec::new();
                by_id.resize_with(max + 1, || None);
                for (id, row) in rows {
                    if let Some(slot) = usize::try_from(id).ok().and_then(|i| by_id.get_mut(i)) {
                        *slot = Some(row);
                    }
                }
                ById::Dense(by_id)
            }
            _ => ById::Sparse(rows.into_iter().collect()),
        }
    }

    fn get(&self, id: i64) -> Option<&T> {
        match self {
            ById::Dense(by_id) => usize::try_from(id)
                .ok()
                .and_then(|i| by_id.get(i))
                .and_then(Option::as_ref),
            ById::Sparse(map) => map.get(&id),
        }
    }
}

impl Catalog {
    fn read(store: &Store) -> Result<Catalog> {
        let names = |sql: &str| -> Result<ById<Rc<str>>> {
            let mut st = store.conn.prepare(sql)?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, shared(r, 1)?)))?;
            Ok(ById::new(rows.collect::<rusqlite::Result<_>>()?))
        };
        let mut st = store
            .conn
            .prepare(&format!("SELECT p.id, p.sku, {GTIN_OF} FROM products p"))?;
        let products = st
            .query_map([], |r| {
                let gtin: Option<String> = r.get(2)?;
                Ok((r.get(0)?, (shared(r, 1)?, gtin.map(Rc::from))))
            })?
            .collect::<rusqlite::Result<_>>()?;
        let products = ById::new(products);
        let mut st = store.conn.prepare("SELECT id, ref, kind FROM documents")?;
        let documents = st
            .query_map([], |r| Ok((r.get(0)?, (shared(r, 1)?, word_col(r, 2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Catalog {
            documents: ById::new(documents),
            products,
            lots: names("SELECT id, code FROM lots")?,
            locations: names("SELECT id, code FROM locations")?,
            partners: names("SELECT id, name FROM partners")?,
        })
    }

    fn missing(what: &str, id: i64) -> StoreError {
        StoreError::NotFound(format!(
            "the journal names {what} {id}, which the catalog lacks; run `scantrail db verify`"
        ))
    }

    fn product(&self, id: i64) -> Result<(Rc<str>, Option<Rc<str>>)> {
        self.products
            .get(id)
            .cloned()
            .ok_or_else(|| Catalog::missing("product", id))
    }

    fn name(map: &ById<Rc<str>>, what: &str, id: Option<i64>) -> Result<Option<Rc<str>>> {
        match id {
            None => Ok(None),
            Some(id) => map
                .get(id)
                .cloned()
                .map(Some)
                .ok_or_else(|| Catalog::missing(what, id)),
        }
    }

    fn document(&self, id: Option<i64>) -> Result<Option<(Rc<str>, DocumentKind)>> {
        match id {
            None => Ok(None),
            Some(id) => self
                .documents
                .get(id)
                .cloned()
                .map(Some)
                .ok_or_else(|| Catalog::missing("document", id)),
        }
    }
}

/// A text column as a shared name.
fn shared(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Rc<str>> {
    let text: String = r.get(i)?;
    Ok(text.into())
}

/// A word column (`kind`) read in place, without a String of its own: [`word_col`] for the
/// export's every row.
fn word_ref<T>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr<Err = crate::domain::UnknownWord>,
{
    let conversion = |e: Box<dyn std::error::Error + Send + Sync>| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e)
    };
    let text = r
        .get_ref(i)?
        .as_str()
        .map_err(|e| conversion(Box::new(e)))?;
    text.parse()
        .map_err(|e: crate::domain::UnknownWord| conversion(Box::new(e)))
}

/// How many of the four numbered parameters `sql` names: SQLite wants exactly as many bound
/// as the highest number it sees.
fn highest(sql: &str) -> usize {
    (1..=4)
        .rev()
        .find(|n| sql.contains(&format!("?{n}")))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_id_are_found_dense_or_sparse() {
        let dense = ById::new(vec![(3, "c"), (1, "a"), (2, "b")]);
        assert!(matches!(dense, ById::Dense(_)));
        let sparse = ById::new(vec![(1, "a"), (1 << 40, "far"), (-5, "negative")]);
        assert!(matches!(sparse, ById::Sparse(_)));
        for by_id in [&dense, &sparse] {
            assert_eq!(by_id.get(1), Some(&"a"));
            assert_eq!(by_id.get(0), None);
            assert_eq!(by_id.get(7), None);
            assert_eq!(by_id.get(-1), None);
        }
        assert_eq!(dense.get(3), Some(&"c"));
        assert_eq!(sparse.get(1 << 40), Some(&"far"));
        assert_eq!(sparse.get(-5), Some(&"negative"));
        assert!(matches!(ById::<&str>::new(Vec::new()), ById::Dense(_)));
    }
}
