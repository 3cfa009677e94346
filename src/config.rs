//! The one config file: its schema, its defaults, where it is looked for, and what is wrong
//! with it.
//!
//! `config.toml` at the top of the repository is the documented default configuration and
//! equals [`Config::default`] (a test keeps them equal). A file is looked for in this order:
//! `--config PATH`, `$SCANTRAIL_CONFIG`, `/etc/scantrail/config.toml`, `./config.toml`; with
//! none, the built-in defaults apply. An unknown key or a bad value is an error that names
//! the file, the line and the key, so an admin can fix it without reading Rust.

use evdev::KeyCode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Everything `config.toml` can say. Every section and key has a default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub station: StationConfig,
    pub database: DatabaseConfig,
    pub barcodes: BarcodeConfig,
    pub session: SessionConfig,
    pub receive: ReceiveConfig,
    pub pick: PickConfig,
    #[serde(rename = "return")]
    pub returns: ReturnConfig,
    pub count: CountConfig,
    pub input: InputConfig,
    pub feedback: FeedbackConfig,
    pub sync: SyncConfig,
    pub epcis: EpcisConfig,
    pub labels: LabelsConfig,
}

/// This kiosk.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StationConfig {
    /// The station's name, recorded on every movement and scan. Unset: the host name.
    pub name: Option<String>,
    /// Refuse item scans until an operator badge (`OP-…`) has been scanned.
    pub require_operator: bool,
}

/// SQLite's `synchronous` level: how hard a commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    Off,
    Normal,
    Full,
    Extra,
}

impl Synchronous {
    /// The pragma's value.
    pub fn as_pragma(self) -> &'static str {
        match self {
            Synchronous::Off => "OFF",
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
            Synchronous::Extra => "EXTRA",
        }
    }
}

/// The journal database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// The database file. Unset: `$STATE_DIRECTORY/scantrail.db` under systemd, else the
    /// user's XDG data directory.
    pub path: Option<PathBuf>,
    /// `full` makes every scan durable before its outcome is shown.
    pub synchronous: Synchronous,
    /// How long a write waits for another process (a report, a backup) to let go.
    pub busy_timeout_ms: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            path: None,
            synchronous: Synchronous::Full,
            busy_timeout_ms: 5000,
        }
    }
}

/// Whether unprefixed text that looks like GS1 element strings is read as GS1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Gs1WithoutPrefix {
    Auto,
    Off,
}

/// How scanned text is told apart (SPEC §3).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BarcodeConfig {
    pub command_prefix: String,
    pub location_prefix: String,
    pub purchase_prefix: String,
    pub sale_prefix: String,
    pub return_prefix: String,
    pub operator_prefix: String,
    pub gs1_without_prefix: Gs1WithoutPrefix,
    /// Characters that some scanners send instead of the GS separator (ASCII 29).
    pub extra_separators: Vec<String>,
}

impl Default for BarcodeConfig {
    fn default() -> Self {
        BarcodeConfig {
            command_prefix: "CMD-".into(),
            location_prefix: "LOC-".into(),
            purchase_prefix: "PO-".into(),
            sale_prefix: "SO-".into(),
            return_prefix: "RMA-".into(),
            operator_prefix: "OP-".into(),
            gs1_without_prefix: Gs1WithoutPrefix::Auto,
            extra_separators: Vec::new(),
        }
    }
}

/// The scan session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// Seconds after which a pending lot or serial pairing is dropped with a warning.
    pub pending_timeout_s: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            pending_timeout_s: 120,
        }
    }
}

/// Reject, or accept with a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RejectOrWarn {
    Reject,
    Warn,
}

/// Receiving dock rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReceiveConfig {
    /// Put-away location until a `LOC-…` is scanned.
    pub location: Option<String>,
    /// Refuse receipts until a purchase order is scanned.
    pub require_document: bool,
    /// A product that is not on the open purchase order.
    pub off_order: RejectOrWarn,
    /// More than ordered.
    pub over_receipt: RejectOrWarn,
}

impl Default for ReceiveConfig {
    fn default() -> Self {
        ReceiveConfig {
            location: Some("DOCK".into()),
            require_document: false,
            off_order: RejectOrWarn::Reject,
            over_receipt: RejectOrWarn::Warn,
        }
    }
}

/// First-expiry-first-out at pick.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FefoRule {
    Warn,
    Reject,
    Off,
}

/// Packing station rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PickConfig {
    /// Pick location until a `LOC-…` is scanned.
    pub location: Option<String>,
    pub fefo: FefoRule,
}

impl Default for PickConfig {
    fn default() -> Self {
        PickConfig {
            location: Some("PACK".into()),
            fefo: FefoRule::Warn,
        }
    }
}

/// Returns desk rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReturnConfig {
    /// Where returned goods go until a `LOC-…` is scanned.
    pub location: Option<String>,
}

impl Default for ReturnConfig {
    fn default() -> Self {
        ReturnConfig {
            location: Some("RETURNS".into()),
        }
    }
}

/// Cycle count rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CountConfig {
    /// While counting, show only what was counted, not what the books say (a blind count).
    pub blind: bool,
}

impl Default for CountConfig {
    fn default() -> Self {
        CountConfig { blind: true }
    }
}

/// The size of one label: a preset, or `custom` with `width_mm` and `height_mm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LabelSizeName {
    /// 4 × 6 in (101.6 × 152.4 mm), the shipping label.
    #[serde(rename = "4x6in")]
    FourBySixInch,
    /// 2 × 1 in (50.8 × 25.4 mm).
    #[serde(rename = "2x1in")]
    TwoByOneInch,
    /// 50 × 25 mm, the common serial and bin label.
    #[serde(rename = "50x25mm")]
    FiftyByTwentyFiveMm,
    #[serde(rename = "custom")]
    Custom,
}

/// The sheet that PDF labels are laid out on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    A4,
    Letter,
}

/// Printed labels (SPEC §8, `docs/labels.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LabelsConfig {
    pub size: LabelSizeName,
    /// The label's width and height in millimetres, with `size = "custom"` only.
    pub width_mm: Option<f64>,
    pub height_mm: Option<f64>,
    /// The label printer's resolution: 203, 300 or 600 dots per inch. ZPL is written in its
    /// dots; PNG is drawn at it, PDF and SVG bars are whole dots wide.
    pub dpi: u32,
    /// The page that PDF labels are laid out on.
    pub paper: Paper,
    /// Where `--print` and `CMD-PRINT` send ZPL: a device file (`/dev/usb/lp0`) or
    /// `host:port` of a network printer (raw port 9100). Unset: no printer.
    pub printer: Option<String>,
}

impl Default for LabelsConfig {
    fn default() -> Self {
        LabelsConfig {
            size: LabelSizeName::FiftyByTwentyFiveMm,
            width_mm: None,
            height_mm: None,
            dpi: 203,
            paper: Paper::A4,
            printer: None,
        }
    }
}

impl LabelsConfig {
    /// The label's width and height in millimetres.
    pub fn size_mm(&self) -> (f64, f64) {
        match self.size {
            LabelSizeName::FourBySixInch => (101.6, 152.4),
            LabelSizeName::TwoByOneInch => (50.8, 25.4),
            LabelSizeName::FiftyByTwentyFiveMm => (50.0, 25.0),
            LabelSizeName::Custom => (
                self.width_mm.unwrap_or_default(),
                self.height_mm.unwrap_or_default(),
            ),
        }
    }

    /// What is wrong with the `[labels]` section: `(key, message)`.
    fn problem(&self) -> Option<(&'static str, String)> {
        if ![203, 300, 600].contains(&self.dpi) {
            return Some((
                "dpi",
                format!(
                    "{} is not a label printer's resolution; use 203, 300 or 600",
                    self.dpi
                ),
            ));
        }
        let custom = self.size == LabelSizeName::Custom;
        for (key, value) in [("width_mm", self.width_mm), ("height_mm", self.height_mm)] {
            match value {
                Some(_) if !custom => {
                    return Some((
                        key,
                        "only a custom size takes width_mm and height_mm; set size = \"custom\" or remove the key".into(),
                    ));
                }
                Some(v) if !(10.0..=300.0).contains(&v) => {
                    return Some((key, format!("{v} mm: a label is 10 to 300 mm")));
                }
                None if custom => {
                    return Some((
                        key,
                        "size = \"custom\" needs both width_mm and height_mm".into(),
                    ));
                }
                _ => {}
            }
        }
        if self.printer.as_deref().is_some_and(|p| p.trim().is_empty()) {
            return Some((
                "printer",
                "a printer cannot be blank; remove the key if there is none".into(),
            ));
        }
        None
    }
}

/// What ends a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Terminator {
    Enter,
    Tab,
    Idle,
}

/// Keyboard layouts the scanner may be set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Us,
    Uk,
    De,
    Fr,
}

/// Scanner input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InputConfig {
    pub terminator: Terminator,
    /// With `terminator = "idle"`: the quiet gap, in milliseconds, that ends a scan.
    pub idle_end_ms: u32,
    /// Longer scans are rejected whole.
    pub max_scan_len: u32,
    /// The keyboard layout the scanners type in.
    pub layout: Layout,
    /// A key that stands for the GS separator besides Ctrl+] and Alt+0029 (e.g. "F8").
    pub gs_key: Option<Key>,
    /// Take scanners for scantrail alone, so scans never reach the console.
    pub grab: bool,
    /// Which input devices are scanners. Empty: every device whose USB vendor is a known
    /// scanner maker (the list in `udev/70-scantrail-scanners.rules`), never a keyboard.
    pub scanners: Vec<ScannerConfig>,
}

/// One `[[input.scanners]]` entry: the criteria a device must all meet, and what to call it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScannerConfig {
    /// Shown on screen and recorded with each scan. Unset: the device's name.
    pub label: Option<String>,
    /// The device node or a link to it, e.g. `/dev/input/by-id/usb-…-event-kbd`.
    pub path: Option<PathBuf>,
    /// The device name, with `*` and `?` wildcards, e.g. `"Honeywell*"`.
    pub name: Option<String>,
    /// The USB vendor id, or vendor:product, in hex: `"0c2e"`, `"0c2e:0b61"`.
    pub usb: Option<UsbId>,
    /// This scanner's keyboard layout, if not `input.layout`.
    pub layout: Option<Layout>,
}

/// A USB vendor id with an optional product id, written `vvvv` or `vvvv:pppp` in hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UsbId {
    pub vendor: u16,
    pub product: Option<u16>,
}

impl UsbId {
    /// Whether a device with these ids is meant.
    pub fn matches(&self, vendor: u16, product: u16) -> bool {
        self.vendor == vendor && self.product.is_none_or(|p| p == product)
    }
}

impl TryFrom<String> for UsbId {
    type Error = String;
    fn try_from(text: String) -> Result<UsbId, String> {
        text.parse()
    }
}

impl std::str::FromStr for UsbId {
    type Err = String;
    fn from_str(text: &str) -> Result<UsbId, String> {
        let bad = || {
            format!(
                "'{text}' is not a USB id: write the vendor id or vendor:product in hex, \
                 as `scantrail devices` shows them (e.g. \"0c2e\" or \"0c2e:0b61\")"
            )
        };
        let hex = |part: &str| {
            (part.len() == 4)
                .then(|| u16::from_str_radix(part, 16).ok())
                .flatten()
                .ok_or_else(bad)
        };
        match text.trim().split_once(':') {
            Some((v, p)) => Ok(UsbId {
                vendor: hex(v)?,
                product: Some(hex(p)?),
            }),
            None => Ok(UsbId {
                vendor: hex(text.trim())?,
                product: None,
            }),
        }
    }
}

impl From<UsbId> for String {
    fn from(id: UsbId) -> String {
        id.to_string()
    }
}

impl std::fmt::Display for UsbId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.product {
            Some(p) => write!(f, "{:04x}:{p:04x}", self.vendor),
            None => write!(f, "{:04x}", self.vendor),
        }
    }
}

/// A key, as the config names it: `"Enter"`, a function key `"F1"`…`"F24"`, or a Linux key
/// name such as `"KEY_PAUSE"` (in any case; `KEY_` may be left out). It is read once, here,
/// when the file is: the scanners' assembler takes its key code, the terminal and the kiosk's
/// key table its function-key number. A name that is no key is a config error at its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Key(KeyCode);

impl Key {
    /// The Enter key.
    pub const ENTER: Key = Key(KeyCode::KEY_ENTER);

    /// The function keys F1…F24, in order: their Linux codes are not contiguous.
    const FUNCTION: [KeyCode; 24] = [
        KeyCode::KEY_F1,
        KeyCode::KEY_F2,
        KeyCode::KEY_F3,
        KeyCode::KEY_F4,
        KeyCode::KEY_F5,
        KeyCode::KEY_F6,
        KeyCode::KEY_F7,
        KeyCode::KEY_F8,
        KeyCode::KEY_F9,
        KeyCode::KEY_F10,
        KeyCode::KEY_F11,
        KeyCode::KEY_F12,
        KeyCode::KEY_F13,
        KeyCode::KEY_F14,
        KeyCode::KEY_F15,
        KeyCode::KEY_F16,
        KeyCode::KEY_F17,
        KeyCode::KEY_F18,
        KeyCode::KEY_F19,
        KeyCode::KEY_F20,
        KeyCode::KEY_F21,
        KeyCode::KEY_F22,
        KeyCode::KEY_F23,
        KeyCode::KEY_F24,
    ];

    /// The Linux key code, as a scanner's key events carry it.
    pub fn code(self) -> KeyCode {
        self.0
    }

    /// 8 for F8; `None` for a key that is not a function key. A terminal reports function
    /// keys by this number.
    pub fn function_number(self) -> Option<u8> {
        Key::FUNCTION
            .iter()
            .position(|k| *k == self.0)
            .and_then(|i| u8::try_from(i + 1).ok())
    }
}

impl std::str::FromStr for Key {
    type Err = String;
    fn from_str(text: &str) -> Result<Key, String> {
        let upper = text.trim().to_ascii_uppercase();
        let name = if upper.starts_with("KEY_") {
            upper
        } else {
            format!("KEY_{upper}")
        };
        name.parse::<KeyCode>().map(Key).map_err(|_| {
            format!(
                "'{text}' is not a key name: write \"Enter\", a function key (\"F8\") or a Linux \
                 key name (\"KEY_PAUSE\")"
            )
        })
    }
}

impl TryFrom<String> for Key {
    type Error = String;
    fn try_from(text: String) -> Result<Key, String> {
        text.parse()
    }
}

impl From<Key> for String {
    fn from(key: Key) -> String {
        key.to_string()
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.function_number() {
            Some(n) => write!(f, "F{n}"),
            None if *self == Key::ENTER => f.write_str("Enter"),
            // evdev names every code it parses: "KEY_PAUSE".
            None => write!(f, "{:?}", self.0),
        }
    }
}

impl Default for InputConfig {
    fn default() -> Self {
        InputConfig {
            terminator: Terminator::Enter,
            idle_end_ms: 50,
            max_scan_len: 4096,
            layout: Layout::Us,
            gs_key: None,
            grab: true,
            scanners: Vec::new(),
        }
    }
}

/// How outcomes are signalled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FeedbackConfig {
    /// After an error, refuse every scan but `CMD-ACK` and `CMD-CANCEL`.
    pub error_requires_ack: bool,
    pub bell_on_ok: bool,
    pub bell_on_warn: bool,
    pub bell_on_error: bool,
    /// The key at the kiosk that acknowledges an error like `CMD-ACK`: "Enter" (on an empty
    /// line) or a function key such as "F12".
    #[serde(deserialize_with = "kiosk_key")]
    pub ack_key: Key,
}

impl Default for FeedbackConfig {
    fn default() -> Self {
        FeedbackConfig {
            error_requires_ack: true,
            bell_on_ok: false,
            bell_on_warn: true,
            bell_on_error: true,
            ack_key: Key::ENTER,
        }
    }
}

/// The central PostgreSQL database that stations sync through (SPEC §7). No `url`: the
/// station is standalone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyncConfig {
    /// `postgresql://ROLE@HOST:PORT/DATABASE?sslmode=verify-full&sslrootcert=FILE`, as
    /// `scantrail central station add` prints it.
    pub url: Option<String>,
    /// A file that holds the role's password (mode 600), instead of the URL.
    pub password_file: Option<PathBuf>,
    /// Seconds between two sync rounds when nothing wakes the station sooner.
    pub interval_s: u32,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            url: None,
            password_file: None,
            interval_s: 30,
        }
    }
}

/// How the journal is written as GS1 EPCIS 2.0 events (SPEC §9, `docs/epcis.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EpcisConfig {
    /// The start of the identifiers scantrail makes up where GS1 has none: locations without
    /// a GLN, products without a GTIN, partners, documents. The same on every station.
    pub namespace: String,
    /// `eventTimeZoneOffset`: `"local"` (the machine's time zone at each event's time) or a
    /// fixed offset such as `"+01:00"`.
    pub time_zone_offset: String,
    /// GS1 company prefix lengths by the leading digits of the company prefix (a GTIN-13 or a
    /// GLN begins with it): with one, serials and lots are SGTIN/LGTIN EPC URNs and GLNs are
    /// SGLN/PGLN; without, GS1 Digital Link URIs.
    pub company_prefixes: std::collections::BTreeMap<String, u8>,
    /// GLNs of locations, by location code, with a GLN extension (AI 254) where one GLN
    /// names a site and the extension its bins.
    pub locations: std::collections::BTreeMap<String, LocationGln>,
    /// GLNs of partners (suppliers, customers), by partner name.
    pub partners: std::collections::BTreeMap<String, String>,
}

impl Default for EpcisConfig {
    fn default() -> Self {
        EpcisConfig {
            namespace: "urn:scantrail:".into(),
            time_zone_offset: "local".into(),
            company_prefixes: Default::default(),
            locations: Default::default(),
            partners: Default::default(),
        }
    }
}

impl EpcisConfig {
    /// What is wrong with the `[epcis]` section: `(table, key, message)`.
    fn problem(&self) -> Option<(&'static str, String, String)> {
        let ns = &self.namespace;
        let scheme = ns.split_once(':').map(|(s, _)| s);
        if !scheme.is_some_and(|s| {
            s.starts_with(|c: char| c.is_ascii_alphabetic())
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }) || ns.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Some((
                "epcis",
                "namespace".into(),
                format!(
                    "'{ns}' is not the start of a URI; use e.g. \"urn:scantrail:\" or \"https://epcis.example.com/id/\""
                ),
            ));
        }
        let tz = &self.time_zone_offset;
        if tz != "local" && parse_offset(tz).is_none() {
            return Some((
                "epcis",
                "time_zone_offset".into(),
                format!(
                    "'{tz}' is neither \"local\" nor an offset from -12:00 to +14:00 such as \"+01:00\""
                ),
            ));
        }
        for (digits, len) in &self.company_prefixes {
            if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Some((
                    "epcis.company_prefixes",
                    format!("\"{digits}\""),
                    format!(
                        "'{digits}' is not the leading digits of a company prefix (1 to 12 digits)"
                    ),
                ));
            }
            if !(6..=12).contains(len) {
                return Some((
                    "epcis.company_prefixes",
                    format!("\"{digits}\""),
                    format!("a GS1 company prefix has 6 to 12 digits, not {len}"),
                ));
            }
        }
        for (code, location) in &self.locations {
            if let LocationGln::Extended { extension, .. } = location
                && !is_gln_extension(extension)
            {
                return Some((
                    "epcis.locations",
                    format!("\"{code}\""),
                    format!(
                        "'{extension}' is not a GLN extension (AI 254: 1 to 20 letters, digits or !\"%&'()*+,-./:;<=>?_)"
                    ),
                ));
            }
        }
        let glns: std::collections::BTreeMap<&String, &str> = self
            .locations
            .iter()
            .map(|(code, location)| (code, location.gln()))
            .collect();
        let partners: std::collections::BTreeMap<&String, &str> = self
            .partners
            .iter()
            .map(|(name, gln)| (name, gln.as_str()))
            .collect();
        for (table, map) in [("epcis.locations", &glns), ("epcis.partners", &partners)] {
            for (name, gln) in map {
                if gln.len() != 13 || !crate::barcode::gtin::has_valid_check_digit(gln) {
                    return Some((
                        table,
                        format!("\"{name}\""),
                        format!("'{gln}' is not a GLN (13 digits, the last its check digit)"),
                    ));
                }
            }
        }
        None
    }
}

/// A location's GS1 identity in `[epcis.locations]`: a GLN (`"0614141000005"`), or a GLN
/// and its extension, AI 254 (`{ gln = "0614141000005", extension = "A-01-3" }`), as bins of
/// one site are named under the site's GLN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum LocationGln {
    Gln(String),
    Extended { gln: String, extension: String },
}

impl LocationGln {
    /// The 13-digit GLN.
    pub fn gln(&self) -> &str {
        match self {
            LocationGln::Gln(gln) | LocationGln::Extended { gln, .. } => gln,
        }
    }

    /// The GLN extension (AI 254), if any.
    pub fn extension(&self) -> Option<&str> {
        match self {
            LocationGln::Gln(_) => None,
            LocationGln::Extended { extension, .. } => Some(extension),
        }
    }
}

impl From<&str> for LocationGln {
    fn from(gln: &str) -> Self {
        LocationGln::Gln(gln.to_owned())
    }
}

/// AI 254: 1 to 20 characters of GS1's character set 82.
fn is_gln_extension(text: &str) -> bool {
    (1..=20).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!\"%&'()*+,-./:;<=>?_".contains(&b))
}

/// `±HH:MM` as seconds east of UTC, from -12:00 to +14:00.
pub fn parse_offset(text: &str) -> Option<i32> {
    let b = text.as_bytes();
    if b.len() != 6 || b[3] != b':' || !matches!(b[0], b'+' | b'-') {
        return None;
    }
    let hours: i32 = text.get(1..3)?.parse().ok()?;
    let minutes: i32 = text.get(4..6)?.parse().ok()?;
    let east = hours * 3600 + minutes * 60;
    let seconds = if b[0] == b'-' { -east } else { east };
    (minutes < 60 && (-12 * 3600..=14 * 3600).contains(&seconds)).then_some(seconds)
}

/// A [`Key`] that the kiosk's terminal can tell apart: Enter or a function key.
fn kiosk_key<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
    let key = Key::deserialize(deserializer)?;
    if key == Key::ENTER || key.function_number().is_some() {
        Ok(key)
    } else {
        Err(serde::de::Error::custom(format!(
            "'{key}' is not a key the kiosk can take for Ack; use \"Enter\" or F1 to F24"
        )))
    }
}

/// What is wrong with a config file. Each message is whole: the I/O error it comes from is
/// part of the text and not handed out again as [`std::error::Error::source`], so a caller
/// that prints the chain (anyhow's `{:#}`) says it once.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {path}: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("the config file {path} is not UTF-8 text (line {line}); save it as UTF-8")]
    NotUtf8 { path: PathBuf, line: usize },
    #[error("{path}:{line}: {key}: {message}\n    {text}")]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        text: String,
        message: String,
    },
}

/// Where the configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    BuiltIn,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::File(p) => write!(f, "{}", p.display()),
            ConfigSource::BuiltIn => f.write_str("built-in defaults (no config file found)"),
        }
    }
}

/// The process environment that config lookup depends on, passed in so tests can set it.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub scantrail_config: Option<PathBuf>,
    pub state_directory: Option<PathBuf>,
    pub xdg_data_home: Option<PathBuf>,
    pub home: Option<PathBuf>,
    pub cwd: Option<PathBuf>,
}

impl Env {
    /// Reads the variables from this process.
    pub fn from_process() -> Env {
        let var = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Env {
            scantrail_config: var("SCANTRAIL_CONFIG"),
            // systemd's StateDirectory= may list several, separated by ':'; the first is ours.
            state_directory: var("STATE_DIRECTORY").and_then(|p| {
                p.to_str()
                    .and_then(|s| s.split(':').next())
                    .map(PathBuf::from)
            }),
            xdg_data_home: var("XDG_DATA_HOME"),
            home: var("HOME"),
            cwd: std::env::current_dir().ok(),
        }
    }
}

/// The system-wide config file.
pub const SYSTEM_CONFIG: &str = "/etc/scantrail/config.toml";

impl Config {
    /// Finds and loads the config: `explicit`, then `$SCANTRAIL_CONFIG`, then
    /// [`SYSTEM_CONFIG`], then `./config.toml`, then the built-in defaults. A file that is
    /// named explicitly (by flag or variable) must exist.
    pub fn discover(
        explicit: Option<&Path>,
        env: &Env,
    ) -> Result<(Config, ConfigSource), ConfigError> {
        if let Some(path) = explicit
            .map(Path::to_path_buf)
            .or_else(|| env.scantrail_config.clone())
        {
            return Ok((Config::load(&path)?, ConfigSource::File(path)));
        }
        let mut candidates = vec![PathBuf::from(SYSTEM_CONFIG)];
        if let Some(cwd) = &env.cwd {
            candidates.push(cwd.join("config.toml"));
        }
        for path in candidates {
            if path.is_file() {
                return Ok((Config::load(&path)?, ConfigSource::File(path)));
            }
        }
        Ok((Config::default(), ConfigSource::BuiltIn))
    }

    /// Reads and checks one file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path).map_err(|cause| ConfigError::Read {
            path: path.to_owned(),
            cause,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            ConfigError::NotUtf8 {
                path: path.to_owned(),
                line: 1 + good.iter().filter(|b| **b == b'\n').count(),
            }
        })?;
        Config::parse(&text, path)
    }

    /// Parses and checks config text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            let message = e.message().trim().replace('`', "'");
            invalid_at(text, path, offset, message)
        })?;
        config.check(text, path)?;
        Ok(config)
    }

    /// Rules that the types alone do not say.
    fn check(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let b = &self.barcodes;
        let prefixes = [
            ("barcodes", "command_prefix", &b.command_prefix),
            ("barcodes", "location_prefix", &b.location_prefix),
            ("barcodes", "purchase_prefix", &b.purchase_prefix),
            ("barcodes", "sale_prefix", &b.sale_prefix),
            ("barcodes", "return_prefix", &b.return_prefix),
            ("barcodes", "operator_prefix", &b.operator_prefix),
        ];
        for (i, (section, key, value)) in prefixes.iter().enumerate() {
            if value.is_empty() {
                return Err(invalid_key(
                    text,
                    path,
                    section,
                    key,
                    "a prefix cannot be empty".into(),
                ));
            }
            if let Some((_, other, _)) = prefixes[..i]
                .iter()
                .find(|(_, _, v)| v.starts_with(value.as_str()) || value.starts_with(v.as_str()))
            {
                return Err(invalid_key(
                    text,
                    path,
                    section,
                    key,
                    format!(
                        "'{value}' overlaps barcodes.{other}; every prefix must tell its kind apart"
                    ),
                ));
            }
        }
        for sep in &b.extra_separators {
            if sep.chars().count() != 1 {
                return Err(invalid_key(
                    text,
                    path,
                    "barcodes",
                    "extra_separators",
                    format!("'{sep}' is not a single character"),
                ));
            }
        }
        if self.input.max_scan_len == 0 {
            return Err(invalid_key(
                text,
                path,
                "input",
                "max_scan_len",
                "must be at least 1".into(),
            ));
        }
        for scanner in &self.input.scanners {
            if scanner.path.is_none() && scanner.name.is_none() && scanner.usb.is_none() {
                return Err(invalid_key(
                    text,
                    path,
                    "input.scanners",
                    "label",
                    "a [[input.scanners]] entry needs path, name or usb to say which device it is"
                        .into(),
                ));
            }
        }
        if self.input.idle_end_ms == 0 {
            return Err(invalid_key(
                text,
                path,
                "input",
                "idle_end_ms",
                "must be at least 1".into(),
            ));
        }
        if self.sync.interval_s == 0 {
            return Err(invalid_key(
                text,
                path,
                "sync",
                "interval_s",
                "must be at least 1".into(),
            ));
        }
        if let Some(url) = &self.sync.url
            && let Err(e) = crate::sync::central::Target::parse(url)
        {
            return Err(invalid_key(text, path, "sync", "url", e.to_string()));
        }
        if self.session.pending_timeout_s == 0 {
            return Err(invalid_key(
                text,
                path,
                "session",
                "pending_timeout_s",
                "must be at least 1".into(),
            ));
        }
        if let Some((section, key, message)) = self.epcis.problem() {
            return Err(invalid_key(text, path, section, &key, message));
        }
        if let Some((key, message)) = self.labels.problem() {
            return Err(invalid_key(text, path, "labels", key, message));
        }
        if self
            .station
            .name
            .as_deref()
            .is_some_and(|n| n.trim().is_empty())
        {
            return Err(invalid_key(
                text,
                path,
                "station",
                "name",
                "a station name cannot be blank; remove the key to use the host name".into(),
            ));
        }
        Ok(())
    }

    /// The station's name: the configured one, else the host name.
    pub fn station_name(&self) -> String {
        if let Some(name) = &self.station.name {
            return name.clone();
        }
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "STATION".into())
    }

    /// The database path: `explicit` (the `--db` flag), else `database.path`, else
    /// `$STATE_DIRECTORY/scantrail.db` (systemd), else the XDG data directory.
    pub fn database_path(&self, explicit: Option<&Path>, env: &Env) -> PathBuf {
        if let Some(p) = explicit {
            return p.to_owned();
        }
        if let Some(p) = &self.database.path {
            return p.clone();
        }
        if let Some(state) = &env.state_directory {
            return state.join("scantrail.db");
        }
        let data = env
            .xdg_data_home
            .clone()
            .or_else(|| env.home.as_ref().map(|h| h.join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        data.join("scantrail").join("scantrail.db")
    }
}

/// An error at a byte offset of the text: line number, the key path and the line itself.
fn invalid_at(text: &str, path: &Path, offset: usize, message: String) -> ConfigError {
    let offset = offset.min(text.len());
    let line_index = text[..offset].matches('\n').count();
    let line_text = text.lines().nth(line_index).unwrap_or("").trim().to_owned();
    let section = text
        .lines()
        .take(line_index + 1)
        .filter_map(|l| {
            let l = l.trim();
            (l.starts_with('[') && l.ends_with(']'))
                .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned())
        })
        .last();
    let key_here = line_text
        .split_once('=')
        .map(|(k, _)| k.trim().to_owned())
        .filter(|k| !k.starts_with('['));
    let key = match (section, key_here) {
        (Some(s), Some(k)) if !line_text.starts_with('[') => format!("{s}.{k}"),
        (Some(s), _) => s,
        (None, Some(k)) => k,
        (None, None) => "(top level)".into(),
    };
    ConfigError::Invalid {
        path: path.to_owned(),
        line: line_index + 1,
        key: escaped(&key),
        text: escaped(&line_text),
        message: escaped(&message),
    }
}

/// Control characters written as escapes: a file that is binary, or holds an escape
/// sequence, is quoted in its error message (a config here, a CSV file in `import`) and must
/// not drive the terminal that shows it.
pub(crate) fn escaped(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// An error about `section.key`, placed at the line that sets it (or line 1 when the file
/// does not set it, as for a rule that two keys break together).
fn invalid_key(text: &str, path: &Path, section: &str, key: &str, message: String) -> ConfigError {
    let mut in_section = false;
    let mut offset = 0;
    let mut found = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t.trim_matches(|c| c == '[' || c == ']').trim() == section;
        } else if in_section && t.split_once('=').map(|(k, _)| k.trim()) == Some(key) {
            found = Some(offset);
            break;
        }
        offset += line.len();
    }
    match found {
        Some(at) => invalid_at(text, path, at, message),
        None => ConfigError::Invalid {
            path: path.to_owned(),
            line: 1,
            key: format!("{section}.{key}"),
            text: String::new(),
            message: escaped(&message),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, String> {
        Config::parse(text, Path::new("test.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn shipped_config_toml_equals_the_defaults() {
        let text = include_str!("../config.toml");
        assert_eq!(parse(text), Ok(Config::default()));
    }

    #[test]
    fn the_sync_section_and_its_mistakes() {
        let config = parse(
            "[sync]\nurl = \"postgresql://wh.dock1@central.example/wh?sslmode=require\"\npassword_file = \"/etc/scantrail/central.password\"\n",
        )
        .unwrap();
        assert_eq!(config.sync.interval_s, 30);
        assert_eq!(
            config.sync.password_file.as_deref(),
            Some(Path::new("/etc/scantrail/central.password"))
        );
        let err =
            parse("[sync]\nurl = \"postgresql://wh.dock1@central.example/wh\"\n").unwrap_err();
        assert!(
            err.starts_with("test.toml:2: sync.url:") && err.contains("without TLS"),
            "{err}"
        );
        let err = parse("[sync]\ninterval_s = 0\n").unwrap_err();
        assert!(err.starts_with("test.toml:2: sync.interval_s"), "{err}");
        assert!(parse("[sync]\nurl_typo = \"x\"\n").is_err());
    }

    #[test]
    fn scanner_entries_and_their_mistakes() {
        let ok = parse(
            "[[input.scanners]]\nlabel = \"dock\"\nusb = \"0C2E:0b61\"\nlayout = \"de\"\n\n[[input.scanners]]\nname = \"Zebra*\"\n",
        )
        .map(|c| c.input.scanners);
        let scanners = ok.unwrap_or_default();
        assert_eq!(scanners.len(), 2);
        assert_eq!(
            scanners[0].usb,
            Some(UsbId {
                vendor: 0x0c2e,
                product: Some(0x0b61)
            })
        );
        assert_eq!(scanners[0].layout, Some(Layout::De));
        assert!(scanners[0].usb.is_some_and(|u| u.matches(0x0c2e, 0x0b61)));
        assert!(!scanners[0].usb.is_some_and(|u| u.matches(0x0c2e, 0x0b62)));

        let err = parse("[[input.scanners]]\nlabel = \"x\"\nusb = \"honeywell\"\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("test.toml:3:"), "{err}");
        assert!(err.contains("is not a USB id"), "{err}");
        let err = parse("[[input.scanners]]\nlabel = \"x\"\n")
            .err()
            .unwrap_or_default();
        assert!(err.contains("needs path, name or usb"), "{err}");
        let err = parse("[[input.scanners]]\nusb = \"05e0\"\nvid = 1\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("test.toml:3:"), "{err}");
    }

    #[test]
    fn key_names() {
        let key = |name: &str| name.parse::<Key>().map(Key::code);
        assert_eq!(key("F8"), Ok(KeyCode::KEY_F8));
        assert_eq!(key("f12"), Ok(KeyCode::KEY_F12));
        assert_eq!(key("enter"), Ok(KeyCode::KEY_ENTER));
        assert_eq!(key("KEY_PAUSE"), Ok(KeyCode::KEY_PAUSE));
        assert_eq!(key("pause"), Ok(KeyCode::KEY_PAUSE));
        assert!(key("Hyper").is_err_and(|e| e.contains("'Hyper' is not a key name")));
        assert_eq!(Key::ENTER.to_string(), "Enter");
        assert_eq!("f9".parse::<Key>().map(|k| k.to_string()), Ok("F9".into()));
        assert_eq!("f24".parse::<Key>().map(Key::function_number), Ok(Some(24)));
        assert_eq!(Key::ENTER.function_number(), None);
    }

    /// Every key that has a name is written back, as `config show` writes it, under a name
    /// that reads as the same key.
    #[test]
    fn every_key_name_round_trips() {
        let mut named = 0;
        for code in 0..=0x2ff {
            let Ok(key) = format!("{:?}", KeyCode::new(code)).parse::<Key>() else {
                continue;
            };
            named += 1;
            assert_eq!(key.to_string().parse::<Key>(), Ok(key), "{key}");
            let mut config = Config::default();
            config.input.gs_key = Some(key);
            let written = toml::to_string(&config).unwrap_or_default();
            assert_eq!(parse(&written), Ok(config), "{key}");
        }
        assert!(named > 400, "{named}");
    }

    #[test]
    fn a_bad_key_name_is_reported_at_its_line_however_it_is_written() {
        for (text, line, key) in [
            ("[input]\ngs_key = \"Hyper\"\n", 2, "input.gs_key"),
            (
                "# the scanners\n\ninput.gs_key = \"Hyper\"\n",
                3,
                "input.gs_key",
            ),
            (
                "[station]\nname = \"A\"\n\n[feedback]\nack_key = \"Hyper\"\n",
                5,
                "feedback.ack_key",
            ),
            ("\nfeedback = { ack_key = \"Space\" }\n", 2, "feedback"),
        ] {
            let err = parse(text).err().unwrap_or_default();
            assert!(
                err.starts_with(&format!("test.toml:{line}: {key}: '")),
                "{err}"
            );
        }
    }

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(parse(""), Ok(Config::default()));
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = parse("[station]\nname = \"DOCK-1\"\n\n[receive]\nlocaton = \"A\"\n").err();
        let err = err.unwrap_or_default();
        assert!(
            err.starts_with("test.toml:5: receive.locaton: unknown field 'locaton'"),
            "{err}"
        );
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = parse("[database]\nsynchronous = \"fastest\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("test.toml:2: database.synchronous: unknown variant 'fastest'"),
            "{err}"
        );
        let err = parse("[input]\nmax_scan_len = -3\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("test.toml:2: input.max_scan_len:"), "{err}");
    }

    #[test]
    fn semantic_errors_point_at_their_line() {
        let err = parse("[barcodes]\n\nlocation_prefix = \"CMD-X\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with(
                "test.toml:3: barcodes.location_prefix: 'CMD-X' overlaps barcodes.command_prefix"
            ),
            "{err}"
        );
        let err = parse("[input]\nmax_scan_len = 0\n")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("test.toml:2: input.max_scan_len: must be at least 1"),
            "{err}"
        );
    }

    #[test]
    fn ack_key_must_be_enter_or_a_function_key() {
        let err = parse("[feedback]\nack_key = \"Space\"\n")
            .err()
            .unwrap_or_default();
        assert!(
            err.starts_with("test.toml:2: feedback.ack_key: 'KEY_SPACE' is not a key the kiosk"),
            "{err}"
        );
        assert!(parse("[feedback]\nack_key = \"F9\"\n").is_ok());
    }

    #[test]
    fn broken_toml_is_reported_with_its_line() {
        let err = parse("[station]\nname = \"unterminated\n")
            .err()
            .unwrap_or_default();
        assert!(err.starts_with("test.toml:2: station.name:"), "{err}");
    }

    #[test]
    fn lookup_order() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.toml");
        let cwd_cfg = dir.path().join("config.toml");
        std::fs::write(&a, "[station]\nname = \"FROM-A\"\n").ok();
        std::fs::write(&cwd_cfg, "[station]\nname = \"FROM-CWD\"\n").ok();
        let env = Env {
            cwd: Some(dir.path().to_owned()),
            ..Env::default()
        };
        let name = |r: Result<(Config, ConfigSource), ConfigError>| {
            r.ok().and_then(|(c, _)| c.station.name)
        };
        assert_eq!(
            name(Config::discover(Some(&a), &env)),
            Some("FROM-A".into())
        );
        let env_var = Env {
            scantrail_config: Some(a.clone()),
            ..env.clone()
        };
        assert_eq!(
            name(Config::discover(None, &env_var)),
            Some("FROM-A".into())
        );
        if !Path::new(SYSTEM_CONFIG).exists() {
            assert_eq!(name(Config::discover(None, &env)), Some("FROM-CWD".into()));
            let empty = Env::default();
            assert!(matches!(
                Config::discover(None, &empty),
                Ok((_, ConfigSource::BuiltIn))
            ));
        }
        let missing = dir.path().join("missing.toml");
        assert!(matches!(
            Config::discover(Some(&missing), &env),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn database_path_follows_the_platform() {
        let c = Config::default();
        let systemd = Env {
            state_directory: Some("/var/lib/scantrail".into()),
            home: Some("/home/k".into()),
            ..Env::default()
        };
        assert_eq!(
            c.database_path(None, &systemd),
            PathBuf::from("/var/lib/scantrail/scantrail.db")
        );
        let user = Env {
            home: Some("/home/k".into()),
            ..Env::default()
        };
        assert_eq!(
            c.database_path(None, &user),
            PathBuf::from("/home/k/.local/share/scantrail/scantrail.db")
        );
        let xdg = Env {
            xdg_data_home: Some("/data".into()),
            ..user.clone()
        };
        assert_eq!(
            c.database_path(None, &xdg),
            PathBuf::from("/data/scantrail/scantrail.db")
        );
        assert_eq!(
            c.database_path(Some(Path::new("x.db")), &xdg),
            PathBuf::from("x.db")
        );
    }
}
