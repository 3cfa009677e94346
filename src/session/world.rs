//! What the session may ask about the warehouse: a read-only view in natural keys (SKU,
//! location code, lot code, document reference), implemented by the store and faked in
//! memory by tests. Nothing here writes.

use crate::barcode::classify::LookupError;
use crate::domain::{DocumentKind, DocumentStatus, LotStatus, SerialStatus, Tracking};
use chrono::NaiveDate;

/// A product's facts beyond what its barcode says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductFacts {
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub serial_pattern: Option<String>,
}

/// Where a serial is now, and its last movement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialFacts {
    pub status: SerialStatus,
    pub location: Option<String>,
    pub lot: Option<String>,
    /// When it got where it is (UTC, RFC 3339).
    pub since: String,
    /// The document of its last movement (the sales order it was shipped with, the count
    /// that did not find it).
    pub document: Option<String>,
    /// Where its last movement took it from (for a missing serial: where it was counted).
    pub from: Option<String>,
    /// Who recorded its last movement.
    pub operator: Option<String>,
}

/// A lot of a product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotFacts {
    pub code: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
}

/// A lot with stock at one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotAt {
    pub code: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    pub qty: i64,
}

/// One line of a document, with what has been done against it so far (received for a
/// purchase order, shipped for a sales order, returned for a return authorisation), net of
/// undone movements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentLine {
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub ordered: i64,
    pub done: i64,
}

/// A document and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFacts {
    pub reference: String,
    pub kind: DocumentKind,
    pub status: DocumentStatus,
    pub partner: String,
    pub lines: Vec<DocumentLine>,
}

impl DocumentFacts {
    /// Ordered and done of one product over all its lines.
    pub fn progress(&self, sku: &str) -> Option<(i64, i64)> {
        let lines: Vec<&DocumentLine> = self.lines.iter().filter(|l| l.sku == sku).collect();
        (!lines.is_empty()).then(|| {
            lines
                .iter()
                .fold((0, 0), |(o, d), l| (o + l.ordered, d + l.done))
        })
    }

    /// Lines not yet complete.
    pub fn short_lines(&self) -> usize {
        self.lines.iter().filter(|l| l.done < l.ordered).count()
    }
}

/// What the books hold of one product (and lot) at one location, for a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookLine {
    pub sku: String,
    pub name: String,
    pub lot: Option<String>,
    pub qty: i64,
}

/// A serial the books have in stock at one location, for a count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookSerial {
    pub sku: String,
    pub name: String,
    pub serial: String,
    pub lot: Option<String>,
}

/// The book stock of exactly one location (not the locations inside it): quantities of
/// products that are not serial-tracked, by product and lot, and the serials in stock there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationBook {
    pub stock: Vec<BookLine>,
    pub serials: Vec<BookSerial>,
}

/// The read-only questions of the scan session.
pub trait World {
    fn product(&self, sku: &str) -> Result<Option<ProductFacts>, LookupError>;
    /// The serial of this product, if the books know it.
    fn serial(&self, sku: &str, serial: &str) -> Result<Option<SerialFacts>, LookupError>;
    /// Quantity on hand of a product (and lot) at exactly this location.
    fn stock(&self, sku: &str, location: &str, lot: Option<&str>) -> Result<i64, LookupError>;
    fn lot(&self, sku: &str, code: &str) -> Result<Option<LotFacts>, LookupError>;
    /// Lots of a product with stock at a location, earliest expiry first.
    fn lots_at(&self, sku: &str, location: &str) -> Result<Vec<LotAt>, LookupError>;
    fn document(&self, reference: &str) -> Result<Option<DocumentFacts>, LookupError>;
    /// Net quantity of a product (and lot) shipped with a sales order, less what has come
    /// back against it already.
    fn returnable(&self, document: &str, sku: &str, lot: Option<&str>) -> Result<i64, LookupError>;
    /// The book stock of one location, as a count compares it.
    fn book(&self, location: &str) -> Result<LocationBook, LookupError>;
    /// Whether a booked count has this reference already.
    fn count_reference_taken(&self, reference: &str) -> Result<bool, LookupError>;
}
