//! The GS1 AI table, generated at build time from the GS1 Barcode Syntax Dictionary shipped
//! in `data/gs1/` (see `build.rs`), and the questions asked of it.
//!
//! Every AI of the dictionary is one [`AiSpec`]: its title, whether it has a predefined
//! length (no separator needed after it), whether it may be a Digital Link data attribute,
//! its data components (character set, length, validation routines), its `req` and `ex`
//! pairing rules and its Digital Link key qualifiers. Nothing here is typed by hand; a test
//! checks the table against the dictionary text.

/// Which characters a component may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Digits only (`N`).
    Numeric,
    /// GS1 AI encodable character set 82 (`X`): `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`.
    Cset82,
    /// GS1 AI encodable character set 39 (`Y`): `#-/0-9A-Z`.
    Cset39,
    /// File-safe / URI-safe base64 (`Z`): `-0-9A-Z_a-z`, with `=` padding only at the end.
    Cset64,
}

impl Charset {
    /// How the character set is named to a person.
    pub fn describe(self) -> &'static str {
        match self {
            Charset::Numeric => "digits only",
            Charset::Cset82 => "letters, digits and the GS1 punctuation (CSET 82)",
            Charset::Cset39 => "capital letters, digits, '#', '-' and '/' (CSET 39)",
            Charset::Cset64 => "base64url characters (CSET 64)",
        }
    }

    /// Whether `b` belongs to the set; `=` is checked separately for CSET 64.
    pub fn allows(self, b: u8) -> bool {
        match self {
            Charset::Numeric => b.is_ascii_digit(),
            Charset::Cset82 => is_cset82(b),
            Charset::Cset39 => b.is_ascii_digit() || b.is_ascii_uppercase() || b"#-/".contains(&b),
            Charset::Cset64 => b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=',
        }
    }
}

/// GS1 CSET 82: the printable ASCII characters that GS1 element strings may carry.
pub fn is_cset82(b: u8) -> bool {
    matches!(b, b'!' | b'"' | b'%'..=b'?' | b'A'..=b'Z' | b'_' | b'a'..=b'z')
}

/// A validation routine ("linter") that the dictionary names for a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Linter {
    Csum,
    CsumAlpha,
    Gcppos1,
    Gcppos2,
    Yymmd0,
    Yymmdd,
    Yyyymmd0,
    Yyyymmdd,
    Hhmi,
    Hh,
    Mi,
    Ss,
    Iso3166,
    Iso3166or999,
    Iso3166Alpha2,
    Iso4217,
    Iso5218,
    PercentEncoded,
    Latitude,
    Longitude,
    YesNo,
    Hyphen,
    ImporterIndex,
    PackageType,
    MediaType,
    PositionInSequence,
    NonZero,
    Winding,
    Zero,
    PieceOfTotal,
    Iban,
    NoZeroPrefix,
    HasNonDigit,
    CouponCode,
    CouponPositiveOffer,
}

/// One data component of an AI's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub charset: Charset,
    pub min: u8,
    pub max: u8,
    /// May be left out once the data is exhausted.
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// One Application Identifier as the dictionary describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiSpec {
    pub ai: &'static str,
    /// The dictionary's short title, e.g. `BATCH/LOT`.
    pub title: &'static str,
    /// The value always has the same length and needs no separator after it (flag `*`).
    pub predefined_length: bool,
    /// May appear in the query of a GS1 Digital Link URI (flag `?`).
    pub dl_attribute: bool,
    pub components: &'static [Component],
    /// Every group must hold; a group holds when one of its alternatives does; an
    /// alternative holds when each AI or pattern in it is in the message.
    pub requires: &'static [&'static [&'static [&'static str]]],
    /// AIs or patterns (`310n`, `35nn`) that may not appear with this AI.
    pub excludes: &'static [&'static str],
    /// A Digital Link primary key, with its allowed sequences of key qualifiers.
    pub dl_primary_key: Option<&'static [&'static [&'static str]]>,
}

impl AiSpec {
    /// The shortest value the components allow.
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum()
    }

    /// The longest value the components allow.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }
}

include!(concat!(env!("OUT_DIR"), "/gs1_ai_table.rs"));

/// The AI whose digits `ai` are exactly, if the dictionary has one.
pub fn lookup(ai: &str) -> Option<&'static AiSpec> {
    let b = ai.as_bytes();
    if !(2..=4).contains(&b.len()) || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = b.iter().fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
    let slot = match b.len() {
        2 => n,
        3 => 100 + n,
        _ => 1100 + n,
    };
    let i = usize::from(*AI_INDEX.get(slot)?);
    i.checked_sub(1).and_then(|i| AIS.get(i))
}

/// The AI that `data` begins with. The dictionary is prefix-free (the build checks it), so
/// at most one of the 2-, 3- and 4-digit beginnings is an AI.
pub fn lookup_prefix(data: &str) -> Option<&'static AiSpec> {
    (2..=4).filter_map(|n| data.get(..n)).find_map(lookup)
}

/// Whether the AI `ai` matches `pattern`, where `n` in the pattern stands for any digit.
pub fn matches_pattern(ai: &str, pattern: &str) -> bool {
    ai.len() == pattern.len()
        && ai
            .bytes()
            .zip(pattern.bytes())
            .all(|(a, p)| a == p || (p == b'n' && a.is_ascii_digit()))
}

/// Every AI in the table, in AI order.
pub fn all() -> &'static [AiSpec] {
    AIS
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = include_str!("../../../data/gs1/gs1-syntax-dictionary.txt");

    #[test]
    fn every_dictionary_line_is_in_the_table() {
        let mut expected = 0;
        for line in TEXT
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let ais = line.split_whitespace().next().unwrap_or_default();
            let (a, b) = ais.split_once('-').unwrap_or((ais, ais));
            let (lo, hi): (u32, u32) = (a.parse().unwrap_or(1), b.parse().unwrap_or(0));
            for n in lo..=hi {
                let ai = format!("{n:0width$}", width = a.len());
                assert!(lookup(&ai).is_some(), "AI {ai} is missing from the table");
                expected += 1;
            }
        }
        assert_eq!(AIS.len(), expected);
        assert!(expected > 500, "only {expected} AIs");
    }

    #[test]
    fn entries_carry_the_dictionary_details() {
        let gtin = lookup("01");
        assert_eq!(gtin.map(|s| s.title), Some("GTIN"));
        assert_eq!(gtin.map(|s| s.predefined_length), Some(true));
        assert_eq!(
            gtin.and_then(|s| s.dl_primary_key),
            Some(&[&["22", "10", "21"][..], &["235"][..]][..])
        );
        let lot = lookup("10");
        assert_eq!(lot.map(|s| (s.min_len(), s.max_len())), Some((1, 20)));
        assert_eq!(lot.map(|s| s.predefined_length), Some(false));
        let secondary_serial = lookup("250");
        assert_eq!(
            secondary_serial.map(|s| s.requires),
            Some(&[&[&["01"][..], &["8006"][..]][..], &[&["21"][..]][..]][..])
        );
        assert_eq!(lookup("3103").map(|s| s.excludes), Some(&["310n"][..]));
        assert_eq!(lookup("3106"), None);
        assert_eq!(lookup("99").map(|s| s.title), Some("INTERNAL"));
        let grai = lookup("8003");
        assert_eq!(grai.map(|s| (s.min_len(), s.max_len())), Some((14, 30)));
    }

    #[test]
    fn finds_the_ai_a_string_starts_with() {
        assert_eq!(lookup_prefix("0109506000134352").map(|s| s.ai), Some("01"));
        assert_eq!(lookup_prefix("3103000123").map(|s| s.ai), Some("3103"));
        assert_eq!(lookup_prefix("400PO-1").map(|s| s.ai), Some("400"));
        assert_eq!(lookup_prefix("23"), None);
        assert_eq!(lookup_prefix("0"), None);
    }

    #[test]
    fn patterns_stand_for_digits() {
        assert!(matches_pattern("3102", "310n"));
        assert!(matches_pattern("3512", "35nn"));
        assert!(!matches_pattern("3112", "310n"));
        assert!(!matches_pattern("310", "310n"));
        assert!(matches_pattern("01", "01"));
    }
}
