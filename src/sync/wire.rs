//! What crosses the network between a station and the central PostgreSQL database (SPEC §7),
//! in natural keys only: SKUs, location codes, lot codes, partner names, document
//! references. Local integer ids never leave a station, so every station's SQLite and the
//! centre match rows by what the warehouse calls them.
//!
//! A station pushes [`PushedGroup`]s — one scan-log row with its movements, in the order of
//! the station's own scan log — and pulls [`FeedItem`]s: everything the centre has taken in,
//! in the centre's order (`gseq`), catalog changes and other stations' groups alike. The
//! JSON form of these types (serde) is the body the centre's `push` and `pull` functions
//! read and write; a group's content hash is taken over the JSON the centre stores.

use crate::domain::{DocumentKind, DocumentStatus, LotStatus, MovementKind, Outcome, Tracking};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// One scan a station recorded, with its movements: the unit of push and of pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushedGroup {
    /// The station's own order of its scans (its scan log's sequence). Increasing, not
    /// contiguous: a station's log also holds the groups it pulled.
    pub seq: i64,
    /// The scan's id, also the group id of its movements (UUIDv7).
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub station: String,
    pub operator: Option<String>,
    pub device: Option<String>,
    /// The scan as typed, GS as `\x1d`.
    pub raw: String,
    pub outcome: Outcome,
    pub message: String,
    pub movements: Vec<WireMovement>,
    /// The document this scan closed (`CMD-DONE` on a complete order).
    pub close_document: Option<String>,
    /// The count this scan booked: its movements name the count's reference as their
    /// document. Absent from the JSON when there is none, so groups pushed before counts
    /// existed keep their content hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<WireCount>,
}

/// A booked count, in natural keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireCount {
    /// `COUNT-A-01-3-2026-12-01`.
    pub reference: String,
    pub location: String,
}

/// One journal movement, in natural keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireMovement {
    pub id: Uuid,
    pub kind: MovementKind,
    pub sku: String,
    pub lot: Option<String>,
    /// The lot's expiry as the movement's scan carried it (a lot is created on its first
    /// movement, keeping the first expiry it is given).
    pub expiry: Option<NaiveDate>,
    pub serial: Option<String>,
    pub qty: u32,
    pub from: Option<String>,
    pub to: Option<String>,
    pub partner: Option<String>,
    pub document: Option<String>,
    pub reverses: Option<Uuid>,
}

/// What one `pull` returns: an item of the centre's feed, at its place in the centre's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedItem {
    /// The centre's sequence: allocated in commit order, so a cursor `gseq > last` never
    /// skips a row.
    pub gseq: i64,
    pub item: Feed,
}

/// The things the centre hands out. Catalog items carry the row's whole current state (a
/// later item for the same key replaces it); groups and conflicts are facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Feed {
    Product(WireProduct),
    Location(WireLocation),
    Document(WireDocument),
    Lot(WireLot),
    /// Another station's scan with its movements: applied as a fact.
    Group(PushedGroup),
    Conflict(WireConflict),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireProduct {
    pub sku: String,
    pub name: String,
    pub tracking: Tracking,
    pub serial_pattern: Option<String>,
    pub barcodes: Vec<WireBarcode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireBarcode {
    /// GTIN-14 for GTINs, any other barcode as printed.
    pub code: String,
    pub units: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireLocation {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireDocument {
    pub reference: String,
    pub kind: DocumentKind,
    pub partner: String,
    pub status: DocumentStatus,
    pub closed_at: Option<DateTime<Utc>>,
    pub lines: Vec<WireDocumentLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireDocumentLine {
    pub line_no: u32,
    pub sku: String,
    pub qty: u32,
}

/// A lot's state: its expiry and whether it is quarantined, with the reason of the last
/// change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireLot {
    pub sku: String,
    pub code: String,
    pub expiry: Option<NaiveDate>,
    pub status: LotStatus,
    pub reason: Option<String>,
}

/// What the centre found when it put every station's movements together (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The same serial received (or shipped) at two stations while they were apart.
    SerialDuplicate,
    /// A lot shipped while it was quarantined centrally.
    ShippedQuarantined,
    /// Stock below zero once all stations' movements are put together.
    NegativeStock,
}

impl ConflictKind {
    /// The word SPEC §7 gives it (`conflicts --json`).
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::SerialDuplicate => "serial_duplicate",
            ConflictKind::ShippedQuarantined => "shipped_quarantined",
            ConflictKind::NegativeStock => "negative_stock",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    Open,
    Resolved,
}

/// A conflict as SPEC §7's `conflicts --json` shows it, plus how it was resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireConflict {
    pub id: i64,
    pub kind: ConflictKind,
    pub product: String,
    pub lot: Option<String>,
    pub serial: Option<String>,
    pub location: Option<String>,
    pub stations: Vec<String>,
    pub detected_at: DateTime<Utc>,
    pub status: ConflictStatus,
    /// Who resolved it and why (`conflicts resolve ID --note`), or the movement that did.
    pub resolution: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_item_names_its_type_in_json() {
        let item = FeedItem {
            gseq: 7,
            item: Feed::Location(WireLocation {
                code: "A-01".into(),
                name: "Aisle 1".into(),
                parent: Some("A".into()),
            }),
        };
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["item"]["type"], "location");
        assert_eq!(json["item"]["code"], "A-01");
        let back: FeedItem = serde_json::from_value(json).unwrap();
        assert_eq!(back, item);
    }

    #[test]
    fn a_conflict_kind_says_its_json_word() {
        for kind in [
            ConflictKind::SerialDuplicate,
            ConflictKind::ShippedQuarantined,
            ConflictKind::NegativeStock,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
