//! AIM symbology identifiers: the three characters (`]C1`, `]d2`, `]E0`, …) that a scanner
//! set up to transmit them puts in front of the data, telling which kind of symbol was read.
//!
//! The five GS1 identifiers (`]C1` GS1-128, `]e0` GS1 DataBar, `]d2` GS1 DataMatrix, `]Q3`
//! GS1 QR Code, `]J1` GS1 DotCode) say that the data is a GS1 element string; every other
//! identifier is only stripped so that the rest can be classified.

use std::fmt;

/// A symbology identifier: `]`, the symbology character and a modifier character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Symbology {
    code: u8,
    modifier: u8,
}

impl Symbology {
    /// Splits a scan into its symbology identifier (if it starts with one) and the data.
    pub fn split(scan: &str) -> (Option<Symbology>, &str) {
        let b = scan.as_bytes();
        match b {
            [b']', code, modifier, ..]
                if code.is_ascii_alphabetic() && modifier.is_ascii_alphanumeric() =>
            {
                let symbology = Symbology {
                    code: *code,
                    modifier: *modifier,
                };
                (Some(symbology), &scan[3..])
            }
            _ => (None, scan),
        }
    }

    /// Whether the identifier says the data is GS1 element strings.
    pub fn is_gs1(self) -> bool {
        matches!(
            (self.code, self.modifier),
            (b'C', b'1') | (b'e', b'0') | (b'd', b'2') | (b'Q', b'3') | (b'J', b'1')
        )
    }

    /// Whether the identifier is `]E0` (EAN-13, UPC-A or UPC-E), where 8 digits are UPC-E.
    pub fn is_e0(self) -> bool {
        self.code == b'E' && self.modifier == b'0'
    }

    /// The kind of symbol, in words.
    pub fn name(self) -> &'static str {
        match (self.code, self.modifier) {
            (b'C', b'1') => "GS1-128",
            (b'e', b'0') => "GS1 DataBar",
            (b'd', b'2') => "GS1 DataMatrix",
            (b'Q', b'3') => "GS1 QR Code",
            (b'J', b'1') => "GS1 DotCode",
            (b'E', b'4') => "EAN-8",
            (b'E', _) => "EAN/UPC",
            (b'A', _) => "Code 39",
            (b'C', _) => "Code 128",
            (b'd', _) => "Data Matrix",
            (b'e', _) => "GS1 DataBar",
            (b'F', _) => "Codabar",
            (b'G', _) => "Code 93",
            (b'I', _) => "Interleaved 2 of 5",
            (b'J', _) => "DotCode",
            (b'L', _) => "PDF417",
            (b'Q', _) => "QR Code",
            (b'z', _) => "Aztec",
            _ => "other symbology",
        }
    }
}

/// The identifier as scanned, e.g. `]d2`.
impl fmt::Display for Symbology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "]{}{}", char::from(self.code), char::from(self.modifier))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_identifiers_from_data() {
        let (s, rest) = Symbology::split("]d2010950600013435210ABC");
        assert_eq!(s.map(|s| s.to_string()), Some("]d2".into()));
        assert_eq!(rest, "010950600013435210ABC");
        assert!(s.is_some_and(Symbology::is_gs1));
        let (s, rest) = Symbology::split("]C0LOC-A-01");
        assert!(s.is_some_and(|s| !s.is_gs1()));
        assert_eq!(rest, "LOC-A-01");
        assert_eq!(Symbology::split("]x"), (None, "]x"));
        assert_eq!(Symbology::split("]]1abc"), (None, "]]1abc"));
        assert_eq!(Symbology::split("LOC-1").0, None);
    }

    #[test]
    fn the_five_gs1_identifiers() {
        for id in ["]C1", "]e0", "]d2", "]Q3", "]J1"] {
            assert!(
                Symbology::split(id).0.is_some_and(Symbology::is_gs1),
                "{id}"
            );
        }
        for id in ["]C0", "]E0", "]d1", "]Q1", "]e1", "]A0"] {
            assert!(Symbology::split(id).0.is_some_and(|s| !s.is_gs1()), "{id}");
        }
    }
}
