//! The identifiers of an EPCIS export: GS1 keys where the catalog and `[epcis]` have them,
//! a URI of the configured namespace where they do not.
//!
//! A product's serial or lot with a GTIN is a GS1 Digital Link URI
//! (`https://id.gs1.org/01/…/21/…`, `/10/…`), or an SGTIN/LGTIN EPC URN when `[epcis]
//! company_prefixes` knows the length of its company prefix; a location or a partner with a
//! GLN in `[epcis]` is a Digital Link (`/414/`, `/417/`) or an SGLN/PGLN. Everything else —
//! products without a GTIN, values a GS1 key cannot carry, documents — is the namespace
//! followed by `location:CODE`, `product:SKU`, `product:SKU:lot:LOT`,
//! `product:SKU:serial:SERIAL`, `partner:NAME` or `document:REF`, each part
//! percent-encoded.
//!
//! Every [`Id`] also carries the form GS1's event hash algorithm reads: a GS1 key as the
//! canonical Digital Link, whichever form is written, so an event's eventID does not depend
//! on the form chosen.
//!
//! An export names the same few thousand locations, partners, documents, products and lots
//! in millions of events: [`IdCache`] makes each of their identifiers once and hands out
//! shared ([`Rc`]) copies. Serials are made per event, as many as the journal has units.

use crate::barcode::gs1::digital_link::percent_encode;
use crate::barcode::gtin::has_valid_check_digit;
use crate::config::{EpcisConfig, LocationGln};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

/// One identifier: as written, and as the event hash reads it (`None`: the same).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Id {
    pub uri: String,
    canonical: Option<String>,
}

impl Id {
    fn same(uri: String) -> Id {
        Id {
            uri,
            canonical: None,
        }
    }

    /// The form the event hash reads.
    pub fn canonical(&self) -> &str {
        self.canonical.as_deref().unwrap_or(&self.uri)
    }
}

/// Makes the identifiers, from `[epcis]`.
#[derive(Debug, Clone)]
pub struct Ids {
    namespace: String,
    /// Leading digits of company prefixes and their lengths, longest first.
    prefixes: Vec<(String, usize)>,
    locations: HashMap<String, LocationGln>,
    partners: HashMap<String, String>,
}

impl Ids {
    pub fn new(config: &EpcisConfig) -> Ids {
        let mut prefixes: Vec<(String, usize)> = config
            .company_prefixes
            .iter()
            .map(|(digits, len)| (digits.clone(), usize::from(*len)))
            .collect();
        prefixes.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        Ids {
            namespace: config.namespace.clone(),
            prefixes,
            locations: config.locations.clone().into_iter().collect(),
            partners: config.partners.clone().into_iter().collect(),
        }
    }

    /// The company prefix length of a 13-digit key (a GTIN-13 part or a GLN), if known.
    fn prefix_len(&self, key13: &str) -> Option<usize> {
        self.prefixes
            .iter()
            .find(|(digits, _)| key13.starts_with(digits.as_str()))
            .map(|(_, len)| *len)
    }

    fn own(&self, parts: &[(&str, &str)]) -> Id {
        let mut uri = self.namespace.clone();
        for (i, (word, value)) in parts.iter().enumerate() {
            if i > 0 {
                uri.push(':');
            }
            uri.push_str(word);
            uri.push(':');
            uri.push_str(&percent_encode(value));
        }
        Id::same(uri)
    }

    /// One unit: `serial` of the product `sku`.
    pub fn serial(&self, sku: &str, gtin: Option<&str>, serial: &str) -> Id {
        match gtin.filter(|g| is_gtin14(g)) {
            Some(gtin) if is_ai82(serial) => self.gtin_key(gtin, "21", "sgtin", serial),
            _ => self.own(&[("product", sku), ("serial", serial)]),
        }
    }

    /// One lot of the product `sku`, as a class of units.
    pub fn lot(&self, sku: &str, gtin: Option<&str>, lot: &str) -> Id {
        match gtin.filter(|g| is_gtin14(g)) {
            Some(gtin) if is_ai82(lot) => self.gtin_key(gtin, "10", "lgtin", lot),
            _ => self.own(&[("product", sku), ("lot", lot)]),
        }
    }

    /// The product `sku`, as a class of units.
    pub fn product(&self, sku: &str, gtin: Option<&str>) -> Id {
        let Some(gtin) = gtin.filter(|g| is_gtin14(g)) else {
            return self.own(&[("product", sku)]);
        };
        let canonical = format!("https://id.gs1.org/01/{gtin}");
        match self.prefix_len(&gtin[1..]) {
            Some(n) => Id {
                uri: format!(
                    "urn:epc:idpat:sgtin:{}.{}{}.*",
                    &gtin[1..1 + n],
                    &gtin[..1],
                    &gtin[1 + n..13]
                ),
                canonical: Some(canonical),
            },
            None => Id::same(canonical),
        }
    }

    /// A serial (AI 21) or lot (AI 10) of a GTIN: SGTIN/LGTIN or Digital Link.
    fn gtin_key(&self, gtin: &str, ai: &str, scheme: &str, value: &str) -> Id {
        // The canonical form is what GS1's normaliser makes of the EPC URN: the URN's escapes
        // kept, and the characters Digital Link reserves escaped too. The Digital Link
        // written is that same text, so both forms hash alike.
        let mut canonical = String::with_capacity(40 + value.len());
        canonical.push_str("https://id.gs1.org/01/");
        canonical.push_str(gtin);
        canonical.push('/');
        canonical.push_str(ai);
        canonical.push('/');
        escape_into(&mut canonical, value, WEB_RESERVED);
        match self.prefix_len(&gtin[1..]) {
            Some(n) => {
                let kind = if scheme == "lgtin" { "class" } else { "id" };
                Id {
                    uri: format!(
                        "urn:epc:{kind}:{scheme}:{}.{}{}.{}",
                        &gtin[1..1 + n],
                        &gtin[..1],
                        &gtin[1 + n..13],
                        epc_escape(value)
                    ),
                    canonical: Some(canonical),
                }
            }
            None => Id::same(canonical),
        }
    }

    /// A location: its GLN from `[epcis] locations`, else the namespace's URI.
    pub fn location(&self, code: &str) -> Id {
        match self.locations.get(code) {
            Some(location) => self.gln(location.gln(), "414", location.extension()),
            None => self.own(&[("location", code)]),
        }
    }

    /// A partner: its GLN from `[epcis] partners`, else the namespace's URI.
    pub fn partner(&self, name: &str) -> Id {
        match self.partners.get(name) {
            Some(gln) => self.gln(gln, "417", None),
            None => self.own(&[("partner", name)]),
        }
    }

    /// A purchase order, sales order or return authorisation, by its reference.
    pub fn document(&self, reference: &str) -> Id {
        self.own(&[("document", reference)])
    }

    /// A GLN as a location (AI 414, with its extension, AI 254, if any: SGLN) or as a party
    /// (AI 417: PGLN). An SGLN without extension has the extension `0`, as the Tag Data
    /// Standard writes it.
    fn gln(&self, gln: &str, ai: &str, extension: Option<&str>) -> Id {
        let canonical = match extension {
            Some(ext) => format!("https://id.gs1.org/{ai}/{gln}/254/{}", web_escape(ext)),
            None => format!("https://id.gs1.org/{ai}/{gln}"),
        };
        match self.prefix_len(gln) {
            Some(n) => {
                let reference = &gln[n..12];
                let uri = if ai == "414" {
                    let ext = extension.map(epc_escape);
                    format!(
                        "urn:epc:id:sgln:{}.{reference}.{}",
                        &gln[..n],
                        ext.as_deref().unwrap_or("0")
                    )
                } else {
                    format!("urn:epc:id:pgln:{}.{reference}", &gln[..n])
                };
                Id {
                    uri,
                    canonical: Some(canonical),
                }
            }
            None => Id::same(canonical),
        }
    }
}

fn is_gtin14(text: &str) -> bool {
    text.len() == 14 && has_valid_check_digit(text)
}

/// Whether a serial or lot can be a GS1 value: 1 to 20 characters of GS1's set 82.
fn is_ai82(text: &str) -> bool {
    (1..=20).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!\"%&'()*+,-./:;<=>?_".contains(&b))
}

/// The characters an EPC URI escapes (TDS 2.x, table A-1) in set-82 text.
const EPC_RESERVED: &[u8] = b"\"%&/<>?";

/// Those and the characters a Digital Link path segment reserves beyond them: the web form
/// of an EPC-escaped value is the value escaped once with these (the EPC escapes make no
/// character the Digital Link reserves).
const WEB_RESERVED: &[u8] = b"\"%&/<>?!()*+,:";

/// The escapes of an EPC URI for set-82 text.
fn epc_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, EPC_RESERVED);
    out
}

/// The web form of a set-82 value: its EPC URI escapes, and the Digital Link's.
fn web_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text, WEB_RESERVED);
    out
}

fn escape_into(out: &mut String, text: &str, reserved: &[u8]) {
    for c in text.chars() {
        match u8::try_from(c) {
            Ok(b) if reserved.contains(&b) => {
                out.push('%');
                out.push(char::from(HEX_UPPER[usize::from(b >> 4)]));
                out.push(char::from(HEX_UPPER[usize::from(b & 15)]));
            }
            _ => out.push(c),
        }
    }
}

const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Identifiers by what they name, each made once (see the module's comment).
#[derive(Debug)]
pub struct IdCache {
    ids: Ids,
    locations: ByName,
    partners: ByName,
    documents: ByName,
    /// By SKU and GTIN.
    products: ByName,
    /// By SKU, GTIN and lot.
    lots: ByName,
    /// The key of a product or lot being looked up, kept for its capacity.
    key: String,
    /// The same identifiers by the addresses of shared names (see [`IdCache::shared`]), with
    /// the names, kept so that no other name takes their address.
    addresses: ByAddress,
}

/// Identifiers by what they name and the addresses of up to three names, with those names.
type ByAddress =
    HashMap<(u8, [usize; 3]), ([Option<Rc<str>>; 3], Rc<Id>), BuildHasherDefault<FxHasher>>;

const LOCATION: u8 = 0;
const PARTNER: u8 = 1;
const DOCUMENT: u8 = 2;
const PRODUCT: u8 = 3;
const LOT: u8 = 4;

fn address(name: &Rc<str>) -> usize {
    Rc::as_ptr(name).cast::<u8>().addr()
}

impl IdCache {
    pub fn new(ids: Ids) -> IdCache {
        IdCache {
            ids,
            locations: ByName::default(),
            partners: ByName::default(),
            documents: ByName::default(),
            products: ByName::default(),
            lots: ByName::default(),
            key: String::new(),
            addresses: HashMap::default(),
        }
    }

    /// The identifier of names shared by `Rc`, as the station's catalog hands them out (one
    /// `Rc` per row, [`crate::store::EpcisMovement`]): found by the names' addresses, without
    /// reading, hashing and comparing their text, and made by `make` (the look-up by text)
    /// the first time. Names made anew for every row (the centre's pages) would fill this
    /// map without end; it is emptied when it holds many more than the identifiers.
    fn shared(
        &mut self,
        what: u8,
        names: [Option<&Rc<str>>; 3],
        make: impl FnOnce(&mut IdCache) -> Rc<Id>,
    ) -> Rc<Id> {
        let key = (what, names.map(|n| n.map_or(0, address)));
        if let Some((_, id)) = self.addresses.get(&key) {
            return Rc::clone(id);
        }
        let id = make(self);
        let made = self.locations.len()
            + self.partners.len()
            + self.documents.len()
            + self.products.len()
            + self.lots.len();
        if self.addresses.len() > 4 * made + 4096 {
            self.addresses.clear();
        }
        self.addresses
            .insert(key, (names.map(|n| n.cloned()), Rc::clone(&id)));
        id
    }

    /// [`Self::lot`] of shared names.
    pub fn shared_lot(&mut self, sku: &Rc<str>, gtin: Option<&Rc<str>>, lot: &Rc<str>) -> Rc<Id> {
        self.shared(LOT, [Some(sku), gtin, Some(lot)], |c| {
            c.lot(sku, gtin.map(|g| &**g), lot)
        })
    }

    /// [`Self::product`] of shared names.
    pub fn shared_product(&mut self, sku: &Rc<str>, gtin: Option<&Rc<str>>) -> Rc<Id> {
        self.shared(PRODUCT, [Some(sku), gtin, None], |c| {
            c.product(sku, gtin.map(|g| &**g))
        })
    }

    /// [`Self::location`] of a shared name.
    pub fn shared_location(&mut self, code: &Rc<str>) -> Rc<Id> {
        self.shared(LOCATION, [Some(code), None, None], |c| c.location(code))
    }

    /// [`Self::partner`] of a shared name.
    pub fn shared_partner(&mut self, name: &Rc<str>) -> Rc<Id> {
        self.shared(PARTNER, [Some(name), None, None], |c| c.partner(name))
    }

    /// [`Self::document`] of a shared name.
    pub fn shared_document(&mut self, reference: &Rc<str>) -> Rc<Id> {
        self.shared(DOCUMENT, [Some(reference), None, None], |c| {
            c.document(reference)
        })
    }

    /// The identifiers' maker.
    pub fn ids(&self) -> &Ids {
        &self.ids
    }

    /// [`Ids::serial`]: made anew each time.
    pub fn serial(&self, sku: &str, gtin: Option<&str>, serial: &str) -> Rc<Id> {
        Rc::new(self.ids.serial(sku, gtin, serial))
    }

    /// [`Ids::lot`], made once.
    pub fn lot(&mut self, sku: &str, gtin: Option<&str>, lot: &str) -> Rc<Id> {
        let key = composite_key(&mut self.key, sku, gtin, Some(lot));
        cached(&mut self.lots, key, || self.ids.lot(sku, gtin, lot))
    }

    /// [`Ids::product`], made once.
    pub fn product(&mut self, sku: &str, gtin: Option<&str>) -> Rc<Id> {
        let key = composite_key(&mut self.key, sku, gtin, None);
        cached(&mut self.products, key, || self.ids.product(sku, gtin))
    }

    /// [`Ids::location`], made once.
    pub fn location(&mut self, code: &str) -> Rc<Id> {
        cached(&mut self.locations, code, || self.ids.location(code))
    }

    /// [`Ids::partner`], made once.
    pub fn partner(&mut self, name: &str) -> Rc<Id> {
        cached(&mut self.partners, name, || self.ids.partner(name))
    }

    /// [`Ids::document`], made once.
    pub fn document(&mut self, reference: &str) -> Rc<Id> {
        cached(&mut self.documents, reference, || {
            self.ids.document(reference)
        })
    }
}

/// Identifiers by a name. The names are the station's own catalog's (or, from the centre,
/// the stations'), so the hash need not resist chosen keys: SipHash, the default, was a
/// tenth of the time of the lookups, five of which every event makes.
type ByName = HashMap<Box<str>, Rc<Id>, BuildHasherDefault<FxHasher>>;

/// The hash of rustc's own tables (`rustc-hash`): a word of the text at a time, rotated,
/// xor-ed and multiplied.
#[derive(Default)]
struct FxHasher {
    hash: u64,
}

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

fn cached(map: &mut ByName, key: &str, make: impl FnOnce() -> Id) -> Rc<Id> {
    if let Some(id) = map.get(key) {
        return Rc::clone(id);
    }
    let id = Rc::new(make());
    map.insert(key.into(), Rc::clone(&id));
    id
}

/// One key of a SKU, a GTIN or none, and a lot or none, in `buf`: each part after its
/// length, so that no two triples share a key.
fn composite_key<'k>(
    buf: &'k mut String,
    sku: &str,
    gtin: Option<&str>,
    lot: Option<&str>,
) -> &'k str {
    buf.clear();
    for part in [Some(sku), gtin, lot] {
        match part {
            // Writing to a String cannot fail.
            Some(text) => {
                let _ = write!(buf, "{}:{text}", text.len());
            }
            None => buf.push('-'),
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The two-step escape the single pass replaces.
    fn escape(text: &str, reserved: &[u8]) -> String {
        let mut out = String::new();
        for c in text.chars() {
            match u8::try_from(c) {
                Ok(b) if reserved.contains(&b) => out.push_str(&format!("%{b:02X}")),
                _ => out.push(c),
            }
        }
        out
    }

    fn ids(prefix: bool) -> Ids {
        let mut config = EpcisConfig::default();
        if prefix {
            config.company_prefixes.insert("0614141".into(), 7);
        }
        config
            .locations
            .insert("DOCK-1".into(), "0614141000005".into());
        config.locations.insert(
            "A-01/3".into(),
            LocationGln::Extended {
                gln: "0614141000005".into(),
                extension: "A-01/3".into(),
            },
        );
        config
            .partners
            .insert("Acme Supplies".into(), "0614141000012".into());
        Ids::new(&config)
    }

    #[test]
    fn serials_and_lots_are_digital_links_without_a_prefix_length() {
        let ids = ids(false);
        let serial = ids.serial("LAP-X1", Some("00614141000029"), "SN-0001");
        assert_eq!(
            serial.uri,
            "https://id.gs1.org/01/00614141000029/21/SN-0001"
        );
        assert_eq!(serial.canonical(), serial.uri);
        let lot = ids.lot("ASP-500", Some("00614141000012"), "L2611");
        assert_eq!(lot.uri, "https://id.gs1.org/01/00614141000012/10/L2611");
        assert_eq!(
            ids.product("USB-C1M", Some("00614141000036")).uri,
            "https://id.gs1.org/01/00614141000036"
        );
    }

    #[test]
    fn a_known_company_prefix_gives_epc_urns_that_hash_as_their_digital_link() {
        let ids = ids(true);
        let serial = ids.serial("LAP-X1", Some("00614141000029"), "SN/1");
        assert_eq!(serial.uri, "urn:epc:id:sgtin:0614141.000002.SN%2F1");
        assert_eq!(
            serial.canonical(),
            "https://id.gs1.org/01/00614141000029/21/SN%2F1"
        );
        let lot = ids.lot("ASP-500", Some("10614141000019"), "L:1");
        assert_eq!(lot.uri, "urn:epc:class:lgtin:0614141.100001.L:1");
        assert_eq!(
            lot.canonical(),
            "https://id.gs1.org/01/10614141000019/10/L%3A1"
        );
        let product = ids.product("USB-C1M", Some("00614141000036"));
        assert_eq!(product.uri, "urn:epc:idpat:sgtin:0614141.000003.*");
        assert_eq!(product.canonical(), "https://id.gs1.org/01/00614141000036");
        let dock = ids.location("DOCK-1");
        assert_eq!(dock.uri, "urn:epc:id:sgln:0614141.00000.0");
        assert_eq!(dock.canonical(), "https://id.gs1.org/414/0614141000005");
        let bin = ids.location("A-01/3");
        assert_eq!(bin.uri, "urn:epc:id:sgln:0614141.00000.A-01%2F3");
        assert_eq!(
            bin.canonical(),
            "https://id.gs1.org/414/0614141000005/254/A-01%2F3"
        );
        let acme = ids.partner("Acme Supplies");
        assert_eq!(acme.uri, "urn:epc:id:pgln:0614141.00001");
        assert_eq!(acme.canonical(), "https://id.gs1.org/417/0614141000012");
    }

    #[test]
    fn what_gs1_cannot_name_gets_a_uri_of_the_namespace() {
        let ids = ids(false);
        assert_eq!(ids.location("A-01-3").uri, "urn:scantrail:location:A-01-3");
        assert_eq!(
            ids.partner("Northwind Clinic").uri,
            "urn:scantrail:partner:Northwind%20Clinic"
        );
        assert_eq!(
            ids.serial("BOX", None, "7").uri,
            "urn:scantrail:product:BOX:serial:7"
        );
        // A serial with a space is no GS1 serial, even of a product with a GTIN.
        assert_eq!(
            ids.serial("LAP-X1", Some("00614141000029"), "SN 1").uri,
            "urn:scantrail:product:LAP-X1:serial:SN%201"
        );
        // Nor is a barcode that only looks like a GTIN-14.
        assert_eq!(
            ids.lot("X", Some("00614141000020"), "L1").uri,
            "urn:scantrail:product:X:lot:L1"
        );
        assert_eq!(
            ids.document("PO-1042").uri,
            "urn:scantrail:document:PO-1042"
        );
    }

    #[test]
    fn the_cache_gives_what_ids_make_and_makes_each_once() {
        let mut cache = IdCache::new(ids(true));
        let maker = ids(true);
        let lot = cache.lot("ASP-500", Some("10614141000019"), "L:1");
        assert_eq!(*lot, maker.lot("ASP-500", Some("10614141000019"), "L:1"));
        assert!(Rc::ptr_eq(
            &lot,
            &cache.lot("ASP-500", Some("10614141000019"), "L:1")
        ));
        // The same lot code of another product, or without the GTIN, is another identifier.
        assert_eq!(
            *cache.lot("ASP-500", None, "L:1"),
            maker.lot("ASP-500", None, "L:1")
        );
        assert_eq!(
            *cache.lot("ASP-5", None, "00:L:1"),
            maker.lot("ASP-5", None, "00:L:1")
        );
        assert_eq!(
            *cache.product("USB-C1M", Some("00614141000036")),
            maker.product("USB-C1M", Some("00614141000036"))
        );
        assert_eq!(
            *cache.product("USB-C1M", None),
            maker.product("USB-C1M", None)
        );
        assert_eq!(*cache.location("A-01/3"), maker.location("A-01/3"));
        assert_eq!(*cache.location("DOCK-1"), maker.location("DOCK-1"));
        assert_eq!(
            *cache.partner("Acme Supplies"),
            maker.partner("Acme Supplies")
        );
        assert_eq!(*cache.document("PO-1042"), maker.document("PO-1042"));
        assert!(Rc::ptr_eq(
            &cache.location("DOCK-1"),
            &cache.location("DOCK-1")
        ));
        assert_eq!(cache.lots.len(), 3);
        assert_eq!(cache.products.len(), 2);
    }

    #[test]
    fn shared_names_find_the_identifier_of_their_text() {
        let mut cache = IdCache::new(ids(true));
        let maker = ids(true);
        let (sku, gtin, lot): (Rc<str>, Rc<str>, Rc<str>) =
            ("ASP-500".into(), "10614141000019".into(), "L:1".into());
        let first = cache.shared_lot(&sku, Some(&gtin), &lot);
        assert_eq!(*first, maker.lot("ASP-500", Some("10614141000019"), "L:1"));
        // The same names again, and the same text in names of its own (the centre's rows).
        assert!(Rc::ptr_eq(
            &first,
            &cache.shared_lot(&sku, Some(&gtin), &lot)
        ));
        let copy: Rc<str> = "L:1".into();
        assert!(Rc::ptr_eq(
            &first,
            &cache.shared_lot(&sku, Some(&gtin), &copy)
        ));
        // One name as a location, a partner and a document: three identifiers.
        let name: Rc<str> = "DOCK-1".into();
        assert_eq!(*cache.shared_location(&name), maker.location("DOCK-1"));
        assert_eq!(*cache.shared_partner(&name), maker.partner("DOCK-1"));
        assert_eq!(*cache.shared_document(&name), maker.document("DOCK-1"));
        assert_eq!(*cache.shared_location(&name), maker.location("DOCK-1"));
        assert_eq!(
            *cache.shared_product(&sku, None),
            maker.product("ASP-500", None)
        );
        assert_eq!(
            *cache.shared_product(&sku, Some(&gtin)),
            maker.product("ASP-500", Some("10614141000019"))
        );
        // Names made anew for every row do not pile up.
        for _ in 0..20_000 {
            let fresh: Rc<str> = "A-01/3".into();
            assert_eq!(*cache.shared_location(&fresh), maker.location("A-01/3"));
        }
        assert!(cache.addresses.len() <= 4 * 8 + 4096 + 1);
    }

    #[test]
    fn web_escapes_are_the_epc_escapes_escaped_again() {
        for text in ["SN/1", "L:1", "a%b", "x\"y&z<>?", "!()*+,:", "plain-1._"] {
            let twice = escape(&epc_escape(text), b"!()*+,:");
            assert_eq!(web_escape(text), twice, "{text}");
        }
    }

    #[test]
    fn the_longest_matching_prefix_wins() {
        let mut config = EpcisConfig::default();
        config.company_prefixes.insert("06".into(), 6);
        config.company_prefixes.insert("0614141".into(), 7);
        let ids = Ids::new(&config);
        assert_eq!(
            ids.serial("S", Some("00614141000029"), "1").uri,
            "urn:epc:id:sgtin:0614141.000002.1"
        );
        assert_eq!(
            ids.serial("S", Some("00612345000029"), "1").uri,
            "urn:epc:id:sgtin:061234.0500002.1"
        );
    }
}
