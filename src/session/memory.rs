//! A warehouse in memory for the session's unit tests: the [`World`] and the
//! classifier's [`ScanLookup`] answered from plain collections, with no SQLite. A
//! [`Desk`] drives a session over it the way the core does — classify, handle, record,
//! settle — so a test reads as a scan script.
//!
//! Recording applies a movement as the store's projections would: stock leaves `from` and
//! enters `to`, a serial is in stock where it went (shipped when it went to a partner), a
//! receipt creates its lot, and a movement against a document counts as done on it. The
//! store's refusals (its triggers) are not repeated here: the session's own checks are what
//! these tests are about.

use super::world::{
    BookLine, BookSerial, DocumentFacts, DocumentLine, LocationBook, LotAt, LotFacts, ProductFacts,
    SerialFacts,
};
use super::{Feedback, Mode, MovementDraft, Proposal, Rules, Scan, Session, Settlement, World};
use crate::barcode::classify::{
    Classifier, KnownDocument, KnownLocation, KnownSerial, LookupError, ProductMatch, ScanLookup,
};
use crate::barcode::gtin::normalize_barcode;
use crate::config::Config;
use crate::domain::{
    DocumentKind, DocumentStatus, LotStatus, MovementKind, SerialStatus, Tracking,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;

/// Stock by product, location and lot (`None`: the product is not lot-tracked).
pub type StockKey = (String, String, Option<String>);

/// The warehouse: catalog, stock, lots, serials and documents.
#[derive(Debug, Default, Clone)]
pub struct Warehouse {
    products: Vec<ProductFacts>,
    /// Normalised barcode → SKU and the units one scan stands for.
    barcodes: BTreeMap<String, (String, u32)>,
    locations: Vec<String>,
    lots: BTreeMap<(String, String), LotFacts>,
    serials: BTreeMap<(String, String), SerialFacts>,
    stock: BTreeMap<StockKey, i64>,
    documents: Vec<DocumentFacts>,
    /// Net quantity shipped with a sales order, by order, product and lot.
    shipped: BTreeMap<StockKey, i64>,
    /// References of the counts booked.
    counts: Vec<String>,
}

fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

impl Warehouse {
    /// The demo warehouse in small (see demo/README.md): aspirin lots L2026-118 (expires
    /// 2027-01-31) and L2026-131 (2027-06-30), 12 each in B-02; 20 USB-C cables in B-02;
    /// laptops SN-4471-0091 and -0092 in A-01-3, -0093 shipped on SO-7781. PO-1042 orders
    /// 24 aspirin and 2 laptops; SO-7781 orders 1 laptop (shipped) and 12 aspirin.
    pub fn demo() -> Warehouse {
        let mut w = Warehouse::default();
        for code in ["DOCK", "B-01", "B-02", "A-01-3", "PACK", "RETURNS"] {
            w.locations.push(code.to_owned());
        }
        w.add_product("ASP-500", "Aspirin 500 mg ×12", Tracking::Lot, None)
            .add_barcode("0614141000012", "ASP-500", 1)
            .add_barcode("10614141000019", "ASP-500", 10);
        w.add_product(
            "LAP-X1",
            "Laptop X1 Carbon",
            Tracking::Serial,
            Some("SN-####-####"),
        )
        .add_barcode("0614141000029", "LAP-X1", 1);
        w.add_product("CAB-USBC", "USB-C cable 1 m", Tracking::None, None)
            .add_barcode("CABLE-1M", "CAB-USBC", 1);
        w.add_lot("ASP-500", "L2026-118", day(2027, 1, 31), LotStatus::Active);
        w.add_lot("ASP-500", "L2026-131", day(2027, 6, 30), LotStatus::Active);
        w.stock
            .insert(key("ASP-500", "B-02", Some("L2026-118")), 12);
        w.stock
            .insert(key("ASP-500", "B-02", Some("L2026-131")), 12);
        w.stock.insert(key("CAB-USBC", "B-02", None), 20);
        for (serial, location) in [("SN-4471-0091", "A-01-3"), ("SN-4471-0092", "A-01-3")] {
            w.add_serial("LAP-X1", serial, Some(location), None);
            w.stock.insert(key("LAP-X1", location, None), 2);
        }
        w.add_serial("LAP-X1", "SN-4471-0093", None, Some("SO-7781"));
        w.shipped.insert(key("SO-7781", "LAP-X1", None), 1);
        w.add_document(
            "PO-1042",
            DocumentKind::Purchase,
            "Acme Supplies",
            &[("ASP-500", 24, 0), ("LAP-X1", 2, 0)],
        );
        w.add_document(
            "SO-7781",
            DocumentKind::Sale,
            "Northwind Clinic",
            &[("LAP-X1", 1, 1), ("ASP-500", 12, 0)],
        );
        w
    }

    pub fn add_product(
        &mut self,
        sku: &str,
        name: &str,
        tracking: Tracking,
        serial_pattern: Option<&str>,
    ) -> &mut Warehouse {
        self.products.push(ProductFacts {
            sku: sku.to_owned(),
            name: name.to_owned(),
            tracking,
            serial_pattern: serial_pattern.map(str::to_owned),
        });
        self
    }

    pub fn add_barcode(&mut self, barcode: &str, sku: &str, units: u32) -> &mut Warehouse {
        self.barcodes
            .insert(normalize_barcode(barcode), (sku.to_owned(), units));
        self
    }

    pub fn add_lot(&mut self, sku: &str, code: &str, expiry: Option<NaiveDate>, status: LotStatus) {
        let facts = LotFacts {
            code: code.to_owned(),
            expiry,
            status,
        };
        self.lots.insert((sku.to_owned(), code.to_owned()), facts);
    }

    /// A serial in stock at `location`, or shipped with `document` when `location` is `None`.
    pub fn add_serial(
        &mut self,
        sku: &str,
        serial: &str,
        location: Option<&str>,
        document: Option<&str>,
    ) {
        let facts = SerialFacts {
            status: match location {
                Some(_) => SerialStatus::InStock,
                None => SerialStatus::Shipped,
            },
            location: location.map(str::to_owned),
            lot: None,
            since: "2026-11-20T10:00:00Z".to_owned(),
            document: document.map(str::to_owned),
            from: None,
            operator: None,
        };
        self.serials
            .insert((sku.to_owned(), serial.to_owned()), facts);
    }

    /// A document with its lines as (SKU, ordered, done).
    pub fn add_document(
        &mut self,
        reference: &str,
        kind: DocumentKind,
        partner: &str,
        lines: &[(&str, i64, i64)],
    ) {
        let lines = lines
            .iter()
            .map(|&(sku, ordered, done)| DocumentLine {
                sku: sku.to_owned(),
                name: self.facts(sku).map(|p| p.name.clone()).unwrap_or_default(),
                tracking: self
                    .facts(sku)
                    .map(|p| p.tracking)
                    .unwrap_or(Tracking::None),
                ordered,
                done,
            })
            .collect();
        self.documents.push(DocumentFacts {
            reference: reference.to_owned(),
            kind,
            status: DocumentStatus::Open,
            partner: partner.to_owned(),
            lines,
        });
    }

    fn facts(&self, sku: &str) -> Option<&ProductFacts> {
        self.products.iter().find(|p| p.sku == sku)
    }

    /// A stock line below zero, if any: the store's triggers would refuse the movement
    /// that made it, so the session should never propose one.
    pub fn below_zero(&self) -> Option<(&StockKey, i64)> {
        self.stock
            .iter()
            .find(|(_, qty)| **qty < 0)
            .map(|(key, qty)| (key, *qty))
    }

    /// Applies recorded movements as the store's projections would.
    pub fn record(&mut self, movements: &[MovementDraft], at: DateTime<Utc>) {
        for m in movements {
            let lot = m.lot.as_ref().map(|l| l.code.clone());
            let qty = i64::from(m.qty);
            if let Some(spec) = &m.lot {
                self.lots
                    .entry((m.sku.clone(), spec.code.clone()))
                    .or_insert_with(|| LotFacts {
                        code: spec.code.clone(),
                        expiry: spec.expiry,
                        status: LotStatus::Active,
                    });
            }
            if let Some(from) = &m.from {
                *self
                    .stock
                    .entry(key(&m.sku, from, lot.as_deref()))
                    .or_default() -= qty;
            }
            if let Some(to) = &m.to {
                *self
                    .stock
                    .entry(key(&m.sku, to, lot.as_deref()))
                    .or_default() += qty;
            }
            if let Some(serial) = &m.serial {
                self.serials.insert(
                    (m.sku.clone(), serial.clone()),
                    SerialFacts {
                        status: match (&m.to, m.kind) {
                            (Some(_), _) => SerialStatus::InStock,
                            (None, MovementKind::Adjust) => SerialStatus::Missing,
                            (None, _) => SerialStatus::Shipped,
                        },
                        location: m.to.clone(),
                        lot: lot.clone(),
                        since: at.to_rfc3339(),
                        document: m.document.clone(),
                        from: m.from.clone(),
                        operator: None,
                    },
                );
            }
            let Some(reference) = &m.document else {
                continue;
            };
            let shipped = match m.kind {
                MovementKind::Ship => qty,
                MovementKind::Return => -qty,
                _ => 0,
            };
            *self
                .shipped
                .entry(key(reference, &m.sku, lot.as_deref()))
                .or_default() += shipped;
            if let Some(doc) = self
                .documents
                .iter_mut()
                .find(|d| d.reference == *reference)
            {
                let counts = matches!(
                    (doc.kind, m.kind),
                    (DocumentKind::Purchase, MovementKind::Receive)
                        | (DocumentKind::Sale, MovementKind::Ship)
                        | (DocumentKind::Return, MovementKind::Return)
                );
                if let Some(line) = doc.lines.iter_mut().find(|l| counts && l.sku == m.sku) {
                    line.done += qty;
                }
            }
        }
    }
}

fn key(a: &str, b: &str, lot: Option<&str>) -> StockKey {
    (a.to_owned(), b.to_owned(), lot.map(str::to_owned))
}

impl World for Warehouse {
    fn product(&self, sku: &str) -> Result<Option<ProductFacts>, LookupError> {
        Ok(self.facts(sku).cloned())
    }

    fn serial(&self, sku: &str, serial: &str) -> Result<Option<SerialFacts>, LookupError> {
        Ok(self
            .serials
            .get(&(sku.to_owned(), serial.to_owned()))
            .cloned())
    }

    fn stock(&self, sku: &str, location: &str, lot: Option<&str>) -> Result<i64, LookupError> {
        Ok(self
            .stock
            .get(&key(sku, location, lot))
            .copied()
            .unwrap_or(0))
    }

    fn lot(&self, sku: &str, code: &str) -> Result<Option<LotFacts>, LookupError> {
        Ok(self.lots.get(&(sku.to_owned(), code.to_owned())).cloned())
    }

    fn lots_at(&self, sku: &str, location: &str) -> Result<Vec<LotAt>, LookupError> {
        let mut lots: Vec<LotAt> = self
            .stock
            .iter()
            .filter(|((s, l, _), qty)| s == sku && l == location && **qty > 0)
            .filter_map(|((_, _, lot), qty)| {
                let facts = self.lots.get(&(sku.to_owned(), lot.clone()?))?;
                Some(LotAt {
                    code: facts.code.clone(),
                    expiry: facts.expiry,
                    status: facts.status,
                    qty: *qty,
                })
            })
            .collect();
        lots.sort_by_key(|l| (l.expiry.is_none(), l.expiry, l.code.clone()));
        Ok(lots)
    }

    fn document(&self, reference: &str) -> Result<Option<DocumentFacts>, LookupError> {
        Ok(self
            .documents
            .iter()
            .find(|d| d.reference == reference)
            .cloned())
    }

    fn returnable(&self, document: &str, sku: &str, lot: Option<&str>) -> Result<i64, LookupError> {
        Ok(self
            .shipped
            .iter()
            .filter(|((d, s, l), _)| {
                d == document && s == sku && (lot.is_none() || l.as_deref() == lot)
            })
            .map(|(_, qty)| qty)
            .sum())
    }

    fn book(&self, location: &str) -> Result<LocationBook, LookupError> {
        let name = |sku: &str| self.facts(sku).map(|p| p.name.clone()).unwrap_or_default();
        let stock = self
            .stock
            .iter()
            .filter(|((sku, at, _), qty)| {
                at == location
                    && **qty != 0
                    && self.facts(sku).map(|p| p.tracking) != Some(Tracking::Serial)
            })
            .map(|((sku, _, lot), qty)| BookLine {
                sku: sku.clone(),
                name: name(sku),
                lot: lot.clone(),
                qty: *qty,
            })
            .collect();
        let serials = self
            .serials
            .iter()
            .filter(|(_, f)| {
                f.status == SerialStatus::InStock && f.location.as_deref() == Some(location)
            })
            .map(|((sku, serial), f)| BookSerial {
                sku: sku.clone(),
                name: name(sku),
                serial: serial.clone(),
                lot: f.lot.clone(),
            })
            .collect();
        Ok(LocationBook { stock, serials })
    }

    fn count_reference_taken(&self, reference: &str) -> Result<bool, LookupError> {
        Ok(self.counts.iter().any(|c| c == reference))
    }
}

impl ScanLookup for Warehouse {
    fn product_by_barcode(&self, barcode: &str) -> Result<Option<ProductMatch>, LookupError> {
        Ok(self.barcodes.get(barcode).and_then(|(sku, units)| {
            self.facts(sku).map(|p| ProductMatch {
                sku: p.sku.clone(),
                name: p.name.clone(),
                tracking: p.tracking,
                units: *units,
            })
        }))
    }

    fn serials(&self, serial: &str) -> Result<Vec<KnownSerial>, LookupError> {
        Ok(self
            .serials
            .iter()
            .filter(|((_, s), _)| s == serial)
            .map(|((sku, _), f)| KnownSerial {
                sku: sku.clone(),
                status: f.status,
                location: f.location.clone(),
            })
            .collect())
    }

    fn location(&self, code: &str) -> Result<Option<KnownLocation>, LookupError> {
        Ok(self
            .locations
            .iter()
            .find(|l| *l == code)
            .map(|l| KnownLocation {
                code: l.clone(),
                name: l.clone(),
            }))
    }

    fn known_document(&self, reference: &str) -> Result<Option<KnownDocument>, LookupError> {
        Ok(World::document(self, reference)?.map(|d| KnownDocument {
            reference: d.reference,
            kind: d.kind,
            status: d.status,
        }))
    }
}

/// A station over a [`Warehouse`]: classifies, proposes, records and settles each scan as
/// the core does, two seconds apart on its own clock.
#[derive(Debug)]
pub struct Desk {
    pub session: Session,
    pub world: Warehouse,
    pub clock: DateTime<Utc>,
    classifier: Classifier,
}

impl Desk {
    /// A receiving station over the demo warehouse with the default rules, on 2026-11-24.
    pub fn demo() -> Desk {
        Desk::with(Warehouse::demo(), &Config::default())
    }

    pub fn with(world: Warehouse, config: &Config) -> Desk {
        Desk {
            session: Session::new(Rules::new(config), Mode::Receive),
            world,
            clock: Utc
                .with_ymd_and_hms(2026, 11, 24, 8, 0, 0)
                .single()
                .unwrap_or_default(),
            classifier: Classifier::new(&config.barcodes),
        }
    }

    /// One scan: what the session proposed, with the feedback it settled on.
    pub fn scan(&mut self, text: &str) -> Proposal {
        self.clock += Duration::seconds(2);
        let meaning = match self.classifier.classify(text, &self.world) {
            Ok(meaning) => meaning,
            Err(e) => panic!("the warehouse in memory cannot fail: {e}"),
        };
        let scan = Scan {
            raw: text.to_owned(),
            device: None,
            meaning,
        };
        let mut proposal = self.session.handle(self.clock, &scan, &self.world);
        self.world.record(&proposal.movements, self.clock);
        if let Some(count) = &proposal.count {
            self.world.counts.push(count.reference.clone());
        }
        let ids = proposal
            .movements
            .iter()
            .map(|_| uuid::Uuid::now_v7())
            .collect();
        proposal.feedback = self
            .session
            .settle(Settlement::Recorded { movement_ids: ids });
        proposal
    }

    /// The feedback of each scan of a script (one a line; blank lines are skipped).
    pub fn run(&mut self, script: &str) -> Vec<Feedback> {
        script
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| self.scan(l).feedback)
            .collect()
    }
}
