//! One journal fact → one EPCIS 2.0 `ObjectEvent`: the mapping of `docs/epcis.md`, the
//! event's JSON, and its eventID by GS1's event hash algorithm (CBV 2.0 §8.9).
//!
//! The hash reads a pre-hash string: `eventType=ObjectEvent`, then the event's fields in
//! the algorithm's fixed order (eventTime in UTC with milliseconds, eventTimeZoneOffset,
//! epcList, quantityList, action, bizStep, disposition, readPoint, bizLocation), each
//! repeated element sorted; then the fields outside that order — here bizTransactionList,
//! destinationList and sourceList, in that (alphabetical) order, their entries sorted —
//! with CBV words as their web vocabulary URIs and GS1 keys as canonical Digital Links.
//! `eventID` and `errorDeclaration` are not part of it, so an undo's error declaration
//! carries the eventID of the event it retracts. The id is `ni:///sha-256;HEX?ver=CBV2.0`.
//!
//! An export writes millions of events, so the event borrows what it can (its times from the
//! journal's row, its identifiers shared from the [`IdCache`]), and the pre-hash and the
//! JSON are written into buffers the caller keeps ([`ObjectEvent::write_json`]). The JSON is
//! written by hand, in the very bytes serde_json makes of [`ObjectEvent::json`] (a test
//! holds the two together): serde's way through a tree of structs cost more than the rest
//! of the event.

use super::ids::{Id, IdCache};
use crate::domain::{DocumentKind, LotStatus, MovementKind};
use crate::store::{EpcisLotChange, EpcisMovement};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::rc::Rc;

/// The three actions of an ObjectEvent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Action {
    /// The objects were seen; they existed before and after.
    Observe,
    /// The objects came into the warehouse's books (a count found them).
    Add,
    /// The objects left the warehouse's books (a count did not find them).
    Delete,
}

impl Action {
    fn as_str(self) -> &'static str {
        match self {
            Action::Observe => "OBSERVE",
            Action::Add => "ADD",
            Action::Delete => "DELETE",
        }
    }
}

/// What an event says about its objects, in CBV 2.0 words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub action: Action,
    pub biz_step: &'static str,
    pub disposition: Option<&'static str>,
}

/// The CBV meaning of a movement of `kind` with the sides it has.
pub fn movement_meaning(kind: MovementKind, from: bool, to: bool) -> Meaning {
    let (action, biz_step, disposition) = match (kind, from, to) {
        (MovementKind::Receive, _, _) => (Action::Observe, "receiving", Some("in_progress")),
        (MovementKind::Transfer, _, _) => (Action::Observe, "storing", Some("sellable_accessible")),
        (MovementKind::Ship, _, _) => (Action::Observe, "shipping", Some("in_transit")),
        (MovementKind::Return, _, _) => (Action::Observe, "receiving", Some("returned")),
        (MovementKind::Adjust, false, true) => {
            (Action::Add, "cycle_counting", Some("sellable_accessible"))
        }
        (MovementKind::Adjust, true, false) => (Action::Delete, "cycle_counting", Some("unknown")),
        (MovementKind::Adjust, _, _) => (
            Action::Observe,
            "cycle_counting",
            Some("sellable_accessible"),
        ),
        // An undo is written as an error declaration of what it undoes (see `from_movement`);
        // a reversal whose movement is unknown says only that something was seen.
        (MovementKind::Reversal, _, _) => (Action::Observe, "other", None),
    };
    Meaning {
        action,
        biz_step,
        disposition,
    }
}

/// The CBV meaning of a lot's status change.
pub fn lot_meaning(status: LotStatus) -> Meaning {
    match status {
        LotStatus::Quarantined => Meaning {
            action: Action::Observe,
            biz_step: "holding",
            disposition: Some("non_sellable_other"),
        },
        LotStatus::Active => Meaning {
            action: Action::Observe,
            biz_step: "inspecting",
            disposition: Some("sellable_accessible"),
        },
    }
}

/// The CBV business transaction type of a document.
pub fn transaction_type(kind: DocumentKind) -> &'static str {
    match kind {
        DocumentKind::Purchase => "po",
        DocumentKind::Sale => "desadv",
        DocumentKind::Return => "rma",
    }
}

/// One ObjectEvent, its identifiers made, its times borrowed from the journal's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEvent<'a> {
    /// RFC 3339 in UTC with milliseconds, as the journal keeps it.
    pub event_time: &'a str,
    pub offset: Rc<str>,
    pub epcs: Vec<Rc<Id>>,
    pub quantities: Vec<(Rc<Id>, Option<i64>)>,
    pub meaning: Meaning,
    pub read_point: Option<Rc<Id>>,
    pub biz_location: Option<Rc<Id>>,
    pub transactions: Vec<(&'static str, Rc<Id>)>,
    pub sources: Vec<Rc<Id>>,
    pub destinations: Vec<Rc<Id>>,
    /// For an undo: when the event was declared an error.
    pub declared_error_at: Option<&'a str>,
}

impl<'a> ObjectEvent<'a> {
    /// The event of one movement. An undo becomes an error declaration of the movement it
    /// undoes: that movement's event (its time, its kind, the sides swapped back), with
    /// `errorDeclaration` at the undo's time, so it bears the same eventID.
    pub fn from_movement(
        ids: &mut IdCache,
        m: &'a EpcisMovement,
        offset: &dyn Fn(&str) -> Rc<str>,
    ) -> Self {
        let (kind, at, from, to, declared) = match (&m.undoes, m.kind) {
            (Some(undone), MovementKind::Reversal) => (
                undone.kind,
                undone.at.as_str(),
                m.to.as_ref(),
                m.from.as_ref(),
                Some(m.at.as_str()),
            ),
            _ => (m.kind, m.at.as_str(), m.from.as_ref(), m.to.as_ref(), None),
        };
        let meaning = movement_meaning(kind, from.is_some(), to.is_some());
        let gtin = m.gtin.as_ref();
        let (epcs, quantities) = match (&m.serial, &m.lot) {
            (Some(serial), _) => (
                vec![ids.serial(&m.sku, gtin.map(|g| &**g), serial)],
                Vec::new(),
            ),
            (None, Some(lot)) => (
                Vec::new(),
                vec![(ids.shared_lot(&m.sku, gtin, lot), Some(m.qty))],
            ),
            (None, None) => (
                Vec::new(),
                vec![(ids.shared_product(&m.sku, gtin), Some(m.qty))],
            ),
        };
        // Where it happened: where the goods went, else where they left from. Where they are
        // afterwards: where they went; nowhere of ours when they left.
        let biz_location = to.map(|code| ids.shared_location(code));
        let read_point = match &biz_location {
            Some(place) => Some(place.clone()),
            None => from.map(|code| ids.shared_location(code)),
        };
        let partner = m.partner.as_ref().map(|p| ids.shared_partner(p));
        let (sources, destinations) = match (partner, to.is_some(), from.is_some()) {
            (Some(p), true, false) => (vec![p], Vec::new()),
            (Some(p), false, true) => (Vec::new(), vec![p]),
            _ => (Vec::new(), Vec::new()),
        };
        let transactions = m
            .document
            .iter()
            .map(|(reference, kind)| (transaction_type(*kind), ids.shared_document(reference)))
            .collect();
        ObjectEvent {
            event_time: at,
            offset: offset(at),
            epcs,
            quantities,
            meaning,
            read_point,
            biz_location,
            transactions,
            sources,
            destinations,
            declared_error_at: declared,
        }
    }

    /// The event of a lot quarantined or released: the whole lot, wherever it is.
    pub fn from_lot_change(
        ids: &mut IdCache,
        change: &'a EpcisLotChange,
        offset: &dyn Fn(&str) -> Rc<str>,
    ) -> Self {
        ObjectEvent {
            event_time: &change.at,
            offset: offset(&change.at),
            epcs: Vec::new(),
            quantities: vec![(
                ids.lot(&change.sku, change.gtin.as_deref(), &change.lot),
                None,
            )],
            meaning: lot_meaning(change.status),
            read_point: None,
            biz_location: None,
            transactions: Vec::new(),
            sources: Vec::new(),
            destinations: Vec::new(),
            declared_error_at: None,
        }
    }

    /// GS1's pre-hash string of this event.
    pub fn pre_hash(&self) -> String {
        let mut s = String::with_capacity(512);
        self.write_pre_hash(&mut s);
        s
    }

    /// The pre-hash string, into `s` (cleared first).
    pub fn write_pre_hash(&self, s: &mut String) {
        s.clear();
        s.push_str("eventType=ObjectEvent");
        s.push_str("eventTime=");
        s.push_str(self.event_time);
        s.push_str("eventTimeZoneOffset=");
        s.push_str(&self.offset);
        push_sorted(s, "epcList", &self.epcs, |s, e| {
            s.push_str("epc=");
            s.push_str(e.canonical());
        });
        push_sorted(s, "quantityList", &self.quantities, |s, (class, qty)| {
            s.push_str("quantityElementepcClass=");
            s.push_str(class.canonical());
            if let Some(q) = qty {
                // Writing to a String cannot fail.
                let _ = write!(s, "quantity={q}");
            }
        });
        s.push_str("action=");
        s.push_str(self.meaning.action.as_str());
        s.push_str("bizStep=https://ref.gs1.org/cbv/BizStep-");
        s.push_str(self.meaning.biz_step);
        if let Some(d) = self.meaning.disposition {
            s.push_str("disposition=https://ref.gs1.org/cbv/Disp-");
            s.push_str(d);
        }
        if let Some(p) = &self.read_point {
            s.push_str("readPointid=");
            s.push_str(p.canonical());
        }
        if let Some(l) = &self.biz_location {
            s.push_str("bizLocationid=");
            s.push_str(l.canonical());
        }
        push_sorted(s, "bizTransactionList", &self.transactions, |s, (t, id)| {
            s.push_str("type=https://ref.gs1.org/cbv/BTT-");
            s.push_str(t);
            s.push_str("bizTransaction=");
            s.push_str(id.canonical());
        });
        push_sorted(s, "destinationList", &self.destinations, |s, id| {
            s.push_str("type=https://ref.gs1.org/cbv/SDT-owning_partydestination=");
            s.push_str(id.canonical());
        });
        push_sorted(s, "sourceList", &self.sources, |s, id| {
            s.push_str("type=https://ref.gs1.org/cbv/SDT-owning_partysource=");
            s.push_str(id.canonical());
        });
    }

    /// The event hash ID: `ni:///sha-256;HEX?ver=CBV2.0`.
    pub fn event_id(&self) -> String {
        let mut pre = String::new();
        let mut id = Vec::with_capacity(96);
        self.write_event_id(&mut pre, &mut id);
        String::from_utf8_lossy(&id).into_owned()
    }

    /// The event hash ID, appended to `out`; `pre` holds the pre-hash string afterwards.
    fn write_event_id(&self, pre: &mut String, out: &mut Vec<u8>) {
        self.write_pre_hash(pre);
        let digest = Sha256::digest(pre.as_bytes());
        out.extend_from_slice(b"ni:///sha-256;");
        for b in digest.iter() {
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        }
        out.extend_from_slice(b"?ver=CBV2.0");
    }

    /// The event's JSON, appended to `out`: the bytes serde_json writes of [`Self::json`].
    /// `pre` is the buffer of the pre-hash string.
    pub fn write_json(&self, pre: &mut String, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"type\":\"ObjectEvent\",\"eventTime\":");
        json_str(out, self.event_time);
        out.extend_from_slice(b",\"eventTimeZoneOffset\":");
        json_str(out, &self.offset);
        out.extend_from_slice(b",\"eventID\":\"");
        // Hexadecimal digits and ASCII words: nothing to escape.
        self.write_event_id(pre, out);
        out.push(b'"');
        json_list(out, "epcList", &self.epcs, |out, e| json_str(out, &e.uri));
        json_list(
            out,
            "quantityList",
            &self.quantities,
            |out, (class, qty)| {
                out.extend_from_slice(b"{\"epcClass\":");
                json_str(out, &class.uri);
                if let Some(q) = qty {
                    // Writing to a Vec cannot fail.
                    let _ = std::io::Write::write_fmt(out, format_args!(",\"quantity\":{q}"));
                }
                out.push(b'}');
            },
        );
        out.extend_from_slice(b",\"action\":");
        json_str(out, self.meaning.action.as_str());
        out.extend_from_slice(b",\"bizStep\":");
        json_str(out, self.meaning.biz_step);
        if let Some(d) = self.meaning.disposition {
            out.extend_from_slice(b",\"disposition\":");
            json_str(out, d);
        }
        if let Some(p) = &self.read_point {
            out.extend_from_slice(b",\"readPoint\":{\"id\":");
            json_str(out, &p.uri);
            out.push(b'}');
        }
        if let Some(l) = &self.biz_location {
            out.extend_from_slice(b",\"bizLocation\":{\"id\":");
            json_str(out, &l.uri);
            out.push(b'}');
        }
        json_list(
            out,
            "bizTransactionList",
            &self.transactions,
            |out, (t, id)| {
                out.extend_from_slice(b"{\"type\":");
                json_str(out, t);
                out.extend_from_slice(b",\"bizTransaction\":");
                json_str(out, &id.uri);
                out.push(b'}');
            },
        );
        json_list(out, "sourceList", &self.sources, |out, id| {
            out.extend_from_slice(b"{\"type\":\"owning_party\",\"source\":");
            json_str(out, &id.uri);
            out.push(b'}');
        });
        json_list(out, "destinationList", &self.destinations, |out, id| {
            out.extend_from_slice(b"{\"type\":\"owning_party\",\"destination\":");
            json_str(out, &id.uri);
            out.push(b'}');
        });
        if let Some(at) = self.declared_error_at {
            out.extend_from_slice(b",\"errorDeclaration\":{\"declarationTime\":");
            json_str(out, at);
            out.extend_from_slice(b",\"reason\":\"did_not_occur\"}");
        }
        out.push(b'}');
    }

    /// The event as EPCIS 2.0 JSON-LD (within a document that carries the context), for
    /// serde; an export writes the same bytes faster with [`Self::write_json`].
    pub fn json(&self) -> Json<'_> {
        Json {
            kind: "ObjectEvent",
            event_time: self.event_time,
            offset: &self.offset,
            event_id: self.event_id(),
            epc_list: self.epcs.iter().map(|e| e.uri.as_str()).collect(),
            quantity_list: self
                .quantities
                .iter()
                .map(|(class, quantity)| Quantity {
                    epc_class: &class.uri,
                    quantity: *quantity,
                })
                .collect(),
            action: self.meaning.action,
            biz_step: self.meaning.biz_step,
            disposition: self.meaning.disposition,
            read_point: place(&self.read_point),
            biz_location: place(&self.biz_location),
            biz_transaction_list: self
                .transactions
                .iter()
                .map(|(kind, id)| Transaction {
                    kind,
                    biz_transaction: &id.uri,
                })
                .collect(),
            source_list: self
                .sources
                .iter()
                .map(|id| Source {
                    kind: "owning_party",
                    source: &id.uri,
                })
                .collect(),
            destination_list: self
                .destinations
                .iter()
                .map(|id| Destination {
                    kind: "owning_party",
                    destination: &id.uri,
                })
                .collect(),
            error_declaration: self.declared_error_at.map(|at| ErrorDeclaration {
                declaration_time: at,
                reason: "did_not_occur",
            }),
        }
    }
}

fn place(id: &Option<Rc<Id>>) -> Option<Place<'_>> {
    id.as_ref().map(|i| Place { id: &i.uri })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `name` and the entries of a list of the pre-hash, sorted, if it has any. Lists have one
/// entry but for odd events, so only longer ones are written apart and sorted.
fn push_sorted<T>(s: &mut String, name: &str, items: &[T], entry: impl Fn(&mut String, &T)) {
    match items {
        [] => {}
        [one] => {
            s.push_str(name);
            entry(s, one);
        }
        many => {
            let mut entries: Vec<String> = many
                .iter()
                .map(|item| {
                    let mut e = String::new();
                    entry(&mut e, item);
                    e
                })
                .collect();
            entries.sort();
            s.push_str(name);
            s.extend(entries);
        }
    }
}

/// `,"name":[…]` of a list that has entries (serde's `skip_serializing_if = "Vec::is_empty"`).
fn json_list<T>(out: &mut Vec<u8>, name: &str, items: &[T], entry: impl Fn(&mut Vec<u8>, &T)) {
    if items.is_empty() {
        return;
    }
    out.extend_from_slice(b",\"");
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        entry(out, item);
    }
    out.push(b']');
}

/// A JSON string as serde_json writes it: `"` and `\\` escaped with a backslash, the control
/// characters as `\b \t \n \f \r` or `\u00xx`, everything else (non-ASCII, `/`, DEL) as is.
fn json_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    let bytes = text.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            0x0c => b"\\f",
            b'\r' => b"\\r",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        run = i + 1;
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 15)]);
        } else {
            out.extend_from_slice(escape);
        }
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// The JSON of an ObjectEvent, in the order GS1's examples write it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Json<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    event_time: &'a str,
    #[serde(rename = "eventTimeZoneOffset")]
    offset: &'a str,
    #[serde(rename = "eventID")]
    event_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    epc_list: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    quantity_list: Vec<Quantity<'a>>,
    action: Action,
    biz_step: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    disposition: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    read_point: Option<Place<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    biz_location: Option<Place<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    biz_transaction_list: Vec<Transaction<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    source_list: Vec<Source<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    destination_list: Vec<Destination<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_declaration: Option<ErrorDeclaration<'a>>,
}

#[derive(Debug, Serialize)]
struct Place<'a> {
    id: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Quantity<'a> {
    epc_class: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    quantity: Option<i64>,
}

// `type` first: GS1's reference hash reads these pairs in the order they are written.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Transaction<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    biz_transaction: &'a str,
}

#[derive(Debug, Serialize)]
struct Source<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    source: &'a str,
}

#[derive(Debug, Serialize)]
struct Destination<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    destination: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDeclaration<'a> {
    declaration_time: &'a str,
    reason: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EpcisConfig;
    use crate::epcis::Ids;
    use crate::store::Undone;

    fn utc(_: &str) -> Rc<str> {
        "+00:00".into()
    }

    fn cache(config: &EpcisConfig) -> IdCache {
        IdCache::new(Ids::new(config))
    }

    fn receipt() -> EpcisMovement {
        EpcisMovement {
            at: "2026-11-20T10:00:00.000Z".into(),
            kind: MovementKind::Receive,
            sku: "ASP-500".into(),
            gtin: Some("00614141000012".into()),
            lot: Some("L2611".into()),
            serial: None,
            qty: 24,
            from: None,
            to: Some("DOCK-1".into()),
            partner: Some("Acme Supplies".into()),
            document: Some(("PO-1042".into(), DocumentKind::Purchase)),
            undoes: None,
        }
    }

    #[test]
    fn the_pre_hash_follows_gs1_order_with_cbv_uris_and_canonical_keys() {
        let mut ids = cache(&EpcisConfig::default());
        let m = receipt();
        let event = ObjectEvent::from_movement(&mut ids, &m, &utc);
        assert_eq!(
            event.pre_hash(),
            "eventType=ObjectEventeventTime=2026-11-20T10:00:00.000ZeventTimeZoneOffset=+00:00\
             quantityListquantityElementepcClass=https://id.gs1.org/01/00614141000012/10/L2611quantity=24\
             action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-receiving\
             disposition=https://ref.gs1.org/cbv/Disp-in_progress\
             readPointid=urn:scantrail:location:DOCK-1bizLocationid=urn:scantrail:location:DOCK-1\
             bizTransactionListtype=https://ref.gs1.org/cbv/BTT-pobizTransaction=urn:scantrail:document:PO-1042\
             sourceListtype=https://ref.gs1.org/cbv/SDT-owning_partysource=urn:scantrail:partner:Acme%20Supplies"
        );
        assert!(event.event_id().starts_with("ni:///sha-256;"));
        assert_eq!(
            event.event_id().len(),
            "ni:///sha-256;".len() + 64 + "?ver=CBV2.0".len()
        );
    }

    #[test]
    fn an_undo_is_an_error_declaration_with_the_undone_events_id() {
        let mut ids = cache(&EpcisConfig::default());
        let original = receipt();
        let undo = EpcisMovement {
            at: "2026-11-20T10:01:00.000Z".into(),
            kind: MovementKind::Reversal,
            from: original.to.clone(),
            to: None,
            undoes: Some(Undone {
                kind: MovementKind::Receive,
                at: original.at.clone(),
            }),
            ..original.clone()
        };
        let first = ObjectEvent::from_movement(&mut ids, &original, &utc);
        let declared = ObjectEvent::from_movement(&mut ids, &undo, &utc);
        assert_eq!(declared.event_id(), first.event_id());
        assert_eq!(declared.event_time, first.event_time);
        assert_eq!(declared.read_point, first.read_point);
        assert_eq!(declared.declared_error_at, Some("2026-11-20T10:01:00.000Z"));
    }

    #[test]
    fn the_same_event_in_urn_form_has_the_same_id() {
        let mut config = EpcisConfig::default();
        let m = receipt();
        let dl = ObjectEvent::from_movement(&mut cache(&config), &m, &utc);
        config.company_prefixes.insert("0614141".into(), 7);
        let urn = ObjectEvent::from_movement(&mut cache(&config), &m, &utc);
        assert_ne!(dl.quantities[0].0.uri, urn.quantities[0].0.uri);
        assert_eq!(dl.event_id(), urn.event_id());
    }

    #[test]
    fn shipments_leave_our_locations_for_the_partner() {
        let mut ids = cache(&EpcisConfig::default());
        let ship = EpcisMovement {
            kind: MovementKind::Ship,
            serial: Some("SN-1".into()),
            lot: None,
            qty: 1,
            from: Some("B-02".into()),
            to: None,
            partner: Some("Northwind Clinic".into()),
            document: Some(("SO-7781".into(), DocumentKind::Sale)),
            ..receipt()
        };
        let event = ObjectEvent::from_movement(&mut ids, &ship, &utc);
        assert_eq!(event.meaning.biz_step, "shipping");
        assert_eq!(event.biz_location, None);
        assert_eq!(
            event.read_point.as_ref().map(|p| p.uri.as_str()),
            Some("urn:scantrail:location:B-02")
        );
        assert_eq!(event.destinations.len(), 1);
        assert!(event.sources.is_empty());
        assert_eq!(event.transactions[0].0, "desadv");
        assert_eq!(event.epcs.len(), 1);
    }

    /// The hand-written JSON of an event and serde_json's of `json()`, byte for byte.
    fn assert_same_json(event: &ObjectEvent) {
        let mut pre = String::from("left over from another event");
        let mut out = b"before,".to_vec();
        event.write_json(&mut pre, &mut out);
        let serde = serde_json::to_vec(&event.json()).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out[b"before,".len()..]),
            String::from_utf8_lossy(&serde)
        );
        assert_eq!(pre, event.pre_hash());
    }

    #[test]
    fn the_written_json_is_serde_jsons_escapes_included() {
        let mut ids = cache(&EpcisConfig::default());
        let mut prefixed = EpcisConfig::default();
        prefixed.company_prefixes.insert("0614141".into(), 7);
        let mut urn = cache(&prefixed);
        // Every optional part present and absent, several entries in a list, and text
        // with every character class JSON escapes (the journal's text is not checked).
        let odd = "q\"b\\s/\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f} é ✓ 🐝";
        let plain = receipt();
        let shipped = EpcisMovement {
            kind: MovementKind::Ship,
            serial: Some(odd.into()),
            lot: None,
            from: Some(odd.into()),
            to: None,
            partner: Some(odd.into()),
            document: Some((odd.into(), DocumentKind::Sale)),
            ..receipt()
        };
        let counted = EpcisMovement {
            kind: MovementKind::Adjust,
            lot: None,
            qty: -3,
            from: Some("B-02".into()),
            to: None,
            partner: None,
            document: None,
            ..receipt()
        };
        let undo = EpcisMovement {
            at: odd.into(),
            kind: MovementKind::Reversal,
            from: Some("DOCK-1".into()),
            to: None,
            undoes: Some(Undone {
                kind: MovementKind::Receive,
                at: "2026-11-20T10:00:00.000Z".into(),
            }),
            ..receipt()
        };
        let serial = EpcisMovement {
            serial: Some("SN/1".into()),
            lot: None,
            qty: 1,
            ..receipt()
        };
        for m in [&plain, &shipped, &counted, &undo, &serial] {
            assert_same_json(&ObjectEvent::from_movement(&mut ids, m, &utc));
            assert_same_json(&ObjectEvent::from_movement(&mut urn, m, &|_| odd.into()));
        }
        let change = EpcisLotChange {
            at: "2026-11-21T08:00:00.000Z".into(),
            sku: "ASP-500".into(),
            gtin: Some("00614141000012".into()),
            lot: "L2611".into(),
            status: LotStatus::Quarantined,
            reason: "recall".into(),
        };
        assert_same_json(&ObjectEvent::from_lot_change(&mut ids, &change, &utc));
        let mut many = ObjectEvent::from_movement(&mut ids, &plain, &utc);
        many.epcs = vec![ids.serial("S", None, "b"), ids.serial("S", None, "a")];
        many.quantities.push((ids.product("S", None), None));
        many.transactions.push(("po", ids.document("PO-1")));
        many.sources.push(ids.partner("Zed"));
        many.destinations = vec![ids.partner("B"), ids.partner("A")];
        assert_same_json(&many);
        assert_eq!(many.json().epc_list.len(), 2);
    }
}
