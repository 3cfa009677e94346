//! The catalog: products and their barcodes, locations, partners, documents and lots.
//!
//! Imports take rows that carry their file line, write all of them or none (one IMMEDIATE
//! transaction), and name the line of the first row the database cannot take. Lookups answer
//! the questions that scans and reports ask: which product has this barcode, which location
//! has this code, which document has this reference.

use super::journal::format_time;
use super::{Result, Store, StoreError};
use crate::domain::{
    DocumentId, DocumentKind, DocumentStatus, LocationId, LotId, LotStatus, PartnerId, ProductId,
    Tracking,
};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use std::collections::{HashMap, HashSet};

/// One product from `products.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductRow {
    pub line: u64,
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    /// Barcodes already normalised (GTINs as GTIN-14), each with its units per scan.
    pub barcodes: Vec<(String, u32)>,
    pub serial_pattern: Option<String>,
}

/// One location from `locations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationRow {
    pub line: u64,
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

/// One order line from `orders.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub line: u64,
    pub reference: String,
    pub kind: DocumentKind,
    pub partner: String,
    pub sku: String,
    pub qty: u32,
}

/// What an import wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportSummary {
    pub added: usize,
    pub updated: usize,
}

/// A product as scans and reports need it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProductInfo {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub serial_pattern: Option<String>,
}

/// A location.
#[derive(Debug, Clone, PartialEq)]
pub struct LocationInfo {
    pub id: LocationId,
    pub code: String,
    pub name: String,
    pub parent: Option<LocationId>,
}

/// A document with its partner.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentInfo {
    pub id: DocumentId,
    pub reference: String,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub partner: PartnerId,
    pub partner_name: String,
}

/// One line of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentLineInfo {
    pub line_no: u32,
    pub product: ProductId,
    pub qty: u32,
}

/// A lot.
#[derive(Debug, Clone, PartialEq)]
pub struct LotInfo {
    pub id: LotId,
    pub product: ProductId,
    pub code: String,
    pub expiry: Option<String>,
    pub status: LotStatus,
    pub reason: Option<String>,
}

fn import_error(line: u64, what: impl std::fmt::Display) -> StoreError {
    StoreError::Import(format!("line {line}: {what}"))
}

impl Store {
    /// Runs one import: `write` in one IMMEDIATE transaction, committed only if it returns
    /// `Ok`, so a file is imported whole or not at all.
    fn import_all(
        &mut self,
        write: impl FnOnce(&Transaction<'_>, &mut ImportSummary) -> Result<()>,
    ) -> Result<ImportSummary> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut summary = ImportSummary::default();
        write(&tx, &mut summary)?;
        tx.commit()?;
        Ok(summary)
    }

    /// Adds or updates products. A known SKU keeps its id: its name and serial pattern are
    /// replaced and its barcodes added; its tracking may change only while it has no
    /// movements. A barcode that belongs to another product is an error.
    pub fn import_products(
        &mut self,
        rows: &[ProductRow],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        self.import_all(|tx, summary| {
            let mut seen_sku: HashMap<&str, u64> = HashMap::new();
            let mut seen_code: HashMap<&str, (u64, &str)> = HashMap::new();
            for row in rows {
                if let Some(first) = seen_sku.insert(&row.sku, row.line) {
                    return Err(import_error(
                        row.line,
                        format!("SKU '{}' is already on line {first} of this file", row.sku),
                    ));
                }
                let existing = tx
                    .prepare_cached("SELECT id, tracking FROM products WHERE sku = ?1")?
                    .query_row([&row.sku], |r| {
                        Ok((r.get::<_, ProductId>(0)?, r.get::<_, String>(1)?))
                    })
                    .optional()?;
                let id = match existing {
                    Some((id, tracking)) => {
                        if tracking != row.tracking.as_str() && has_movements(tx, id)? {
                            return Err(import_error(
                                row.line,
                                format!(
                                    "SKU '{}' is tracked by '{tracking}' and already has movements; \
                                     its tracking cannot change to '{}'",
                                    row.sku, row.tracking
                                ),
                            ));
                        }
                        tx.prepare_cached(
                            "UPDATE products SET name = ?2, tracking = ?3, serial_pattern = ?4 WHERE id = ?1",
                        )?
                        .execute(params![id, row.name, row.tracking.as_str(), row.serial_pattern])?;
                        summary.updated += 1;
                        id
                    }
                    None => {
                        tx.prepare_cached(
                            "INSERT INTO products (sku, name, tracking, serial_pattern) VALUES (?1, ?2, ?3, ?4)",
                        )?
                        .execute(params![row.sku, row.name, row.tracking.as_str(), row.serial_pattern])?;
                        summary.added += 1;
                        ProductId(tx.last_insert_rowid())
                    }
                };
                for (code, units) in &row.barcodes {
                    if let Some((first, sku)) = seen_code.insert(code, (row.line, &row.sku))
                        && sku != row.sku
                    {
                        return Err(import_error(
                            row.line,
                            format!("barcode '{code}' is already given to SKU '{sku}' on line {first}"),
                        ));
                    }
                    let owner = tx
                        .prepare_cached(
                            "SELECT p.id, p.sku FROM product_barcodes b JOIN products p ON p.id = b.product_id
                             WHERE b.code = ?1",
                        )?
                        .query_row([code], |r| Ok((r.get::<_, ProductId>(0)?, r.get::<_, String>(1)?)))
                        .optional()?;
                    match owner {
                        Some((owner, sku)) if owner != id => {
                            return Err(import_error(
                                row.line,
                                format!("barcode '{code}' already belongs to SKU '{sku}'"),
                            ));
                        }
                        Some(_) => {
                            tx.prepare_cached(
                                "UPDATE product_barcodes SET units = ?2 WHERE code = ?1",
                            )?
                            .execute(params![code, units])?;
                        }
                        None => {
                            tx.prepare_cached(
                                "INSERT INTO product_barcodes (code, product_id, units) VALUES (?1, ?2, ?3)",
                            )?
                            .execute(params![code, id, units])?;
                        }
                    }
                }
                progress(1);
            }
            Ok(())
        })
    }

    /// Adds or updates locations. A parent may be defined anywhere in the same file or be in
    /// the database already; a loop of parents is an error.
    pub fn import_locations(
        &mut self,
        rows: &[LocationRow],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        self.import_all(|tx, summary| {
            let mut seen: HashMap<&str, u64> = HashMap::new();
            for row in rows {
                if let Some(first) = seen.insert(&row.code, row.line) {
                    return Err(import_error(
                        row.line,
                        format!(
                            "location '{}' is already on line {first} of this file",
                            row.code
                        ),
                    ));
                }
                let changed = tx
                    .prepare_cached("UPDATE locations SET name = ?2 WHERE code = ?1")?
                    .execute(params![row.code, row.name])?;
                if changed == 0 {
                    tx.prepare_cached("INSERT INTO locations (code, name) VALUES (?1, ?2)")?
                        .execute(params![row.code, row.name])?;
                    summary.added += 1;
                } else {
                    summary.updated += 1;
                }
            }
            for row in rows {
                let parent = match &row.parent {
                    Some(code) => Some(location_id(tx, code)?.ok_or_else(|| {
                        import_error(
                            row.line,
                            format!(
                                "parent location '{code}' of '{}' is neither in this file nor in the database",
                                row.code
                            ),
                        )
                    })?),
                    None => None,
                };
                tx.prepare_cached("UPDATE locations SET parent_id = ?2 WHERE code = ?1")?
                    .execute(params![row.code, parent])?;
            }
            for row in rows {
                // Walk up from each imported location; more steps than locations means a loop.
                let count: i64 = tx.query_row("SELECT count(*) FROM locations", [], |r| r.get(0))?;
                let mut at = location_id(tx, &row.code)?;
                let mut steps = 0;
                while let Some(id) = at {
                    steps += 1;
                    if steps > count {
                        return Err(import_error(
                            row.line,
                            format!(
                                "location '{}' is its own ancestor: the parents form a loop",
                                row.code
                            ),
                        ));
                    }
                    at = tx
                        .prepare_cached("SELECT parent_id FROM locations WHERE id = ?1")?
                        .query_row([id], |r| r.get(0))?;
                }
                progress(1);
            }
            Ok(())
        })
    }

    /// Adds documents: rows with the same reference make one document, in file order. A
    /// reference already in the database, an unknown SKU, or rows of one reference that
    /// disagree on kind or partner are errors. Partners are created as needed.
    pub fn import_orders(
        &mut self,
        rows: &[OrderRow],
        progress: &mut dyn FnMut(u64),
    ) -> Result<ImportSummary> {
        self.import_all(|tx, summary| {
            let mut documents: HashMap<&str, (DocumentId, &OrderRow, u32)> = HashMap::new();
            let mut fresh: HashSet<&str> = HashSet::new();
            for row in rows {
                let product = tx
                    .prepare_cached("SELECT id FROM products WHERE sku = ?1")?
                    .query_row([&row.sku], |r| r.get::<_, ProductId>(0))
                    .optional()?
                    .ok_or_else(|| {
                        import_error(
                            row.line,
                            format!(
                                "SKU '{}' is not in the catalog; import products first",
                                row.sku
                            ),
                        )
                    })?;
                let entry = match documents.get_mut(row.reference.as_str()) {
                    Some(entry) => {
                        let first = entry.1;
                        if first.kind != row.kind || first.partner != row.partner {
                            return Err(import_error(
                                row.line,
                                format!(
                                    "order '{}' is a {} for '{}' on line {}; every line of it must say the same",
                                    row.reference, first.kind, first.partner, first.line
                                ),
                            ));
                        }
                        entry
                    }
                    None => {
                        let exists: bool = tx
                            .prepare_cached("SELECT EXISTS (SELECT 1 FROM documents WHERE ref = ?1)")?
                            .query_row([&row.reference], |r| r.get(0))?;
                        if exists {
                            return Err(import_error(
                                row.line,
                                format!("order '{}' is already in the database", row.reference),
                            ));
                        }
                        let partner = partner_id(tx, &row.partner)?;
                        tx.prepare_cached(
                            "INSERT INTO documents (ref, kind, partner_id) VALUES (?1, ?2, ?3)",
                        )?
                        .execute(params![
                            row.reference,
                            row.kind.as_str(),
                            partner
                        ])?;
                        let id = DocumentId(tx.last_insert_rowid());
                        fresh.insert(&row.reference);
                        documents.entry(&row.reference).or_insert((id, row, 0))
                    }
                };
                entry.2 += 1;
                tx.prepare_cached(
                    "INSERT INTO document_lines (document_id, line_no, product_id, qty) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![entry.0, entry.2, product, row.qty])?;
                progress(1);
            }
            summary.added = fresh.len();
            Ok(())
        })
    }

    /// The product with this SKU.
    pub fn product_by_sku(&self, sku: &str) -> Result<Option<ProductInfo>> {
        self.product_where("sku = ?1", sku)
    }

    /// The product with this id.
    pub fn product(&self, id: ProductId) -> Result<Option<ProductInfo>> {
        self.product_where("id = ?1", id)
    }

    fn product_where(
        &self,
        condition: &str,
        key: impl rusqlite::ToSql,
    ) -> Result<Option<ProductInfo>> {
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT id, sku, name, tracking, serial_pattern FROM products WHERE {condition}"
            ))?
            .query_row([key], |r| {
                Ok(ProductInfo {
                    id: r.get(0)?,
                    sku: r.get(1)?,
                    name: r.get(2)?,
                    tracking: super::journal::word_col(r, 3)?,
                    serial_pattern: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// The product that a barcode names, with the units one scan of it stands for. `code`
    /// must already be normalised (GTINs as GTIN-14).
    pub fn product_by_barcode(&self, code: &str) -> Result<Option<(ProductInfo, u32)>> {
        let found = self
            .conn
            .prepare_cached("SELECT product_id, units FROM product_barcodes WHERE code = ?1")?
            .query_row([code], |r| {
                Ok((r.get::<_, ProductId>(0)?, r.get::<_, u32>(1)?))
            })
            .optional()?;
        match found {
            Some((id, units)) => Ok(self.product(id)?.map(|p| (p, units))),
            None => Ok(None),
        }
    }

    /// The location with this code.
    pub fn location_by_code(&self, code: &str) -> Result<Option<LocationInfo>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id, code, name, parent_id FROM locations WHERE code = ?1")?
            .query_row([code], |r| {
                Ok(LocationInfo {
                    id: r.get(0)?,
                    code: r.get(1)?,
                    name: r.get(2)?,
                    parent: r.get(3)?,
                })
            })
            .optional()?)
    }

    /// The document with this reference.
    pub fn document_by_ref(&self, reference: &str) -> Result<Option<DocumentInfo>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT d.id, d.ref, d.kind, d.status, d.partner_id, p.name
                 FROM documents d JOIN partners p ON p.id = d.partner_id WHERE d.ref = ?1",
            )?
            .query_row([reference], |r| {
                Ok(DocumentInfo {
                    id: r.get(0)?,
                    reference: r.get(1)?,
                    kind: super::journal::word_col(r, 2)?,
                    status: super::journal::word_col(r, 3)?,
                    partner: r.get(4)?,
                    partner_name: r.get(5)?,
                })
            })
            .optional()?)
    }

    /// The partner (supplier or customer) with this name.
    pub fn partner_by_name(&self, name: &str) -> Result<Option<PartnerId>> {
        Ok(self
            .conn
            .prepare_cached("SELECT id FROM partners WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    /// The lines of a document, in order.
    pub fn document_lines(&self, document: DocumentId) -> Result<Vec<DocumentLineInfo>> {
        let mut st = self.conn.prepare_cached(
            "SELECT line_no, product_id, qty FROM document_lines WHERE document_id = ?1 ORDER BY line_no",
        )?;
        let rows = st.query_map([document], |r| {
            Ok(DocumentLineInfo {
                line_no: r.get(0)?,
                product: r.get(1)?,
                qty: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The lot of a product with this code.
    pub fn lot(&self, product: ProductId, code: &str) -> Result<Option<LotInfo>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, product_id, code, expiry, status, status_reason FROM lots
                 WHERE product_id = ?1 AND code = ?2",
            )?
            .query_row(params![product, code], lot_info)
            .optional()?)
    }

    /// Quarantines or releases a lot, and logs who did it, when and why.
    pub fn set_lot_status(
        &mut self,
        product: ProductId,
        code: &str,
        status: LotStatus,
        reason: &str,
        station: &str,
        at: DateTime<Utc>,
    ) -> Result<LotInfo> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let lot: Option<LotId> = tx
            .prepare_cached("SELECT id FROM lots WHERE product_id = ?1 AND code = ?2")?
            .query_row(params![product, code], |r| r.get(0))
            .optional()?;
        let lot = lot.ok_or_else(|| {
            StoreError::NotFound(format!("there is no lot '{code}' of this product"))
        })?;
        let reason_col = (status == LotStatus::Quarantined).then_some(reason);
        tx.prepare_cached("UPDATE lots SET status = ?2, status_reason = ?3 WHERE id = ?1")?
            .execute(params![lot, status.as_str(), reason_col])?;
        tx.prepare_cached(
            "INSERT INTO lot_status_log (lot_id, at, station, status, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![lot, format_time(&at), station, status.as_str(), reason])?;
        tx.commit()?;
        self.lot(product, code)?.ok_or_else(|| {
            StoreError::NotFound(format!("there is no lot '{code}' of this product"))
        })
    }
}

fn has_movements(tx: &Transaction<'_>, product: ProductId) -> Result<bool> {
    Ok(tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM movements WHERE product_id = ?1)")?
        .query_row([product], |r| r.get(0))?)
}

pub(super) fn location_id(tx: &Transaction<'_>, code: &str) -> Result<Option<LocationId>> {
    Ok(tx
        .prepare_cached("SELECT id FROM locations WHERE code = ?1")?
        .query_row([code], |r| r.get(0))
        .optional()?)
}

pub(super) fn partner_id(tx: &Transaction<'_>, name: &str) -> Result<PartnerId> {
    tx.prepare_cached("INSERT INTO partners (name) VALUES (?1) ON CONFLICT (name) DO NOTHING")?
        .execute([name])?;
    Ok(tx
        .prepare_cached("SELECT id FROM partners WHERE name = ?1")?
        .query_row([name], |r| r.get(0))?)
}

/// A `lots` row read as `SELECT id, product_id, code, expiry, status, status_reason`.
pub(super) fn lot_info(r: &rusqlite::Row<'_>) -> rusqlite::Result<LotInfo> {
    Ok(LotInfo {
        id: r.get(0)?,
        product: r.get(1)?,
        code: r.get(2)?,
        expiry: r.get(3)?,
        status: super::journal::word_col(r, 4)?,
        reason: r.get(5)?,
    })
}
