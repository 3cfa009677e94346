//! GTIN check digits, normalisation to GTIN-14, and UPC-E expansion.
//!
//! A GTIN is 8, 12, 13 or 14 digits whose last digit is the GS1 mod-10 check digit. The store
//! keeps every GTIN as 14 digits (left-padded with zeros), which is also how GS1 AI (01)
//! carries it, so one comparison finds a product whichever form was printed or scanned.

use std::fmt;

/// A valid GTIN, held in its 14-digit form.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin([u8; 14]);

/// Why a text is not a GTIN.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GtinError {
    #[error("a GTIN has 8, 12, 13 or 14 digits, not {0}")]
    Length(usize),
    #[error("a GTIN has only digits; '{0}' is not one")]
    NotDigit(char),
    #[error("check digit should be {expected}, not {found}")]
    CheckDigit { expected: u8, found: u8 },
    #[error("'{0}' is not a UPC-E code (8 digits starting with 0 or 1)")]
    NotUpcE(String),
}

/// The GS1 mod-10 check digit for `digits` (all digits but the check digit), each `0..=9`.
///
/// Weights 3 and 1 alternate from the rightmost digit, as GS1 General Specifications §7.9.1
/// says; the result is what must follow to make the sum a multiple of ten.
pub fn check_digit(digits: &[u8]) -> u8 {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| u32::from(d) * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Whether the last digit of an all-digit text is its GS1 check digit. Empty and non-digit
/// texts are not valid.
pub fn has_valid_check_digit(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || !bytes.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
    let (body, last) = digits.split_at(digits.len() - 1);
    check_digit(body) == last[0]
}

impl Gtin {
    /// Parses a GTIN-8, -12, -13 or -14 and checks its check digit.
    pub fn parse(text: &str) -> Result<Gtin, GtinError> {
        let len = text.chars().count();
        if let Some(c) = text.chars().find(|c| !c.is_ascii_digit()) {
            return Err(GtinError::NotDigit(c));
        }
        if !matches!(len, 8 | 12 | 13 | 14) {
            return Err(GtinError::Length(len));
        }
        let mut out = [0u8; 14];
        for (slot, b) in out[14 - len..].iter_mut().zip(text.bytes()) {
            *slot = b - b'0';
        }
        let expected = check_digit(&out[..13]);
        if expected != out[13] {
            return Err(GtinError::CheckDigit {
                expected,
                found: out[13],
            });
        }
        Ok(Gtin(out))
    }

    /// Expands an 8-digit UPC-E code (number system 0 or 1) to its GTIN, checking the check
    /// digit against the expanded UPC-A.
    pub fn from_upc_e(text: &str) -> Result<Gtin, GtinError> {
        let b = text.as_bytes();
        if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) || !matches!(b[0], b'0' | b'1') {
            return Err(GtinError::NotUpcE(text.to_owned()));
        }
        let d: Vec<u8> = b.iter().map(|c| c - b'0').collect();
        let (ns, m, check) = (d[0], &d[1..7], d[7]);
        // Manufacturer (5 digits) and item (5 digits) from the six middle digits, by the
        // last of them (GS1 General Specifications, UPC-E zero suppression).
        let (manufacturer, item): ([u8; 5], [u8; 5]) = match m[5] {
            0..=2 => ([m[0], m[1], m[5], 0, 0], [0, 0, m[2], m[3], m[4]]),
            3 => ([m[0], m[1], m[2], 0, 0], [0, 0, 0, m[3], m[4]]),
            4 => ([m[0], m[1], m[2], m[3], 0], [0, 0, 0, 0, m[4]]),
            _ => ([m[0], m[1], m[2], m[3], m[4]], [0, 0, 0, 0, m[5]]),
        };
        let mut out = [0u8; 14];
        out[2] = ns;
        out[3..8].copy_from_slice(&manufacturer);
        out[8..13].copy_from_slice(&item);
        out[13] = check;
        let expected = check_digit(&out[..13]);
        if expected != check {
            return Err(GtinError::CheckDigit {
                expected,
                found: check,
            });
        }
        Ok(Gtin(out))
    }

    /// The 14-digit form, as AI (01) carries it and the store keeps it.
    pub fn as_gtin14(&self) -> String {
        self.0.iter().map(|d| char::from(b'0' + d)).collect()
    }

    /// The shortest printed form: GTIN-8, GTIN-12 (UPC-A), GTIN-13 or GTIN-14, by leading
    /// zeros. GTIN-8 is only chosen for the six leading zeros of a GTIN-8 in GTIN-14 form.
    pub fn short_form(&self) -> String {
        let s = self.as_gtin14();
        let zeros = self.0.iter().take_while(|&&d| d == 0).count();
        let keep = match zeros {
            6.. => 8,
            2..=5 => 12,
            1 => 13,
            0 => 14,
        };
        s[14 - keep..].to_owned()
    }
}

impl fmt::Display for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_gtin14())
    }
}

impl fmt::Debug for Gtin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gtin({})", self.as_gtin14())
    }
}

/// Normalises a barcode text for storage and lookup: a valid GTIN (8, 12, 13 or 14 digits)
/// becomes its GTIN-14; any other text is kept exactly as it is (an alias barcode).
pub fn normalize_barcode(text: &str) -> String {
    match Gtin::parse(text) {
        Ok(gtin) => gtin.as_gtin14(),
        Err(_) => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_of_known_codes() {
        // EAN-13 of a real-looking product, UPC-A, EAN-8 and a GTIN-14.
        assert_eq!(
            Gtin::parse("4006381333931").map(|g| g.short_form()),
            Ok("4006381333931".into())
        );
        assert!(Gtin::parse("036000291452").is_ok());
        assert!(Gtin::parse("96385074").is_ok());
        assert!(Gtin::parse("10614141000415").is_ok());
        assert_eq!(
            Gtin::parse("4006381333932"),
            Err(GtinError::CheckDigit {
                expected: 1,
                found: 2
            })
        );
    }

    #[test]
    fn a_check_digit_needs_a_digit_before_it() {
        // One digit has nothing to check it against, even "0" (whose check would be 0).
        for text in ["", "0", "7", "1a7", "a1", "17 "] {
            assert!(!has_valid_check_digit(text), "{text:?}");
        }
        // The shortest texts that carry a check: 1 × 3 = 3, so 7; 0 gives 0.
        for text in ["00", "17", "4006381333931"] {
            assert!(has_valid_check_digit(text), "{text:?}");
        }
        assert!(!has_valid_check_digit("18"));
    }

    #[test]
    fn normalises_to_gtin14() {
        assert_eq!(normalize_barcode("036000291452"), "00036000291452");
        assert_eq!(normalize_barcode("96385074"), "00000096385074");
        assert_eq!(normalize_barcode("4006381333931"), "04006381333931");
        assert_eq!(normalize_barcode("ALIAS-42"), "ALIAS-42");
        // A 13-digit text with a wrong check digit is an alias, not a GTIN.
        assert_eq!(normalize_barcode("4006381333932"), "4006381333932");
    }

    #[test]
    fn rejects_bad_lengths_and_characters() {
        assert_eq!(Gtin::parse("12345"), Err(GtinError::Length(5)));
        assert_eq!(Gtin::parse("40063813339a1"), Err(GtinError::NotDigit('a')));
    }

    #[test]
    fn expands_upc_e() {
        // 04252614 → UPC-A 042100005264 (last middle digit 2: manufacturer 421, item 526).
        assert_eq!(
            Gtin::from_upc_e("04252614").map(|g| g.short_form()),
            Ok("042100005264".into())
        );
        // 04182635 → 041800000265 (last middle digit 3: manufacturer 418, item 26).
        assert_eq!(
            Gtin::from_upc_e("04182635").map(|g| g.short_form()),
            Ok("041800000265".into())
        );
        // 01234543 → 012340000053 (last middle digit 4: manufacturer 1234, item 5).
        assert_eq!(
            Gtin::from_upc_e("01234543").map(|g| g.short_form()),
            Ok("012340000053".into())
        );
        // 01234565 → 012345000065 (last middle digit 6: five manufacturer digits).
        assert_eq!(
            Gtin::from_upc_e("01234565").map(|g| g.short_form()),
            Ok("012345000065".into())
        );
        assert!(Gtin::from_upc_e("21234565").is_err());
        assert!(matches!(
            Gtin::from_upc_e("01234566"),
            Err(GtinError::CheckDigit { .. })
        ));
    }

    #[test]
    fn shown_and_debugged_as_gtin_14() {
        // Test failures and logs print a GTIN by its Debug form: it must say which one.
        let g = Gtin::parse("4006381333931").expect("valid");
        assert_eq!(g.to_string(), "04006381333931");
        assert_eq!(format!("{g:?}"), "Gtin(04006381333931)");
    }

    #[test]
    fn short_forms() {
        let g = Gtin::parse("00000096385074").ok();
        assert_eq!(g.map(|g| g.short_form()), Some("96385074".into()));
    }
}
