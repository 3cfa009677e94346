//! The validation routines ("linters") that the GS1 Barcode Syntax Dictionary names for the
//! components of an AI: check digits, dates and times, company prefixes, country and
//! currency codes, and the small format rules.
//!
//! Each takes the text of one component (already checked for length and character set) and
//! says what is wrong with it in words a person at the kiosk can act on. Routines that
//! scantrail does not check in depth (`packagetype`, `couponcode`, `couponposoffer`) accept
//! any text of the right character set; `docs/barcodes.md` lists them.

use super::codes;
use super::dictionary::Linter;
use crate::barcode::gtin::check_digit;

/// What a validation routine found wrong with a component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LintProblem {
    #[error("check digit should be {expected}, not {found}")]
    CheckDigit { expected: u8, found: u8 },
    #[error("check characters should be {expected}, not {found}")]
    CheckCharacters { expected: String, found: String },
    #[error("'{0}' cannot start with a GS1 Company Prefix (it needs 4 digits there)")]
    CompanyPrefix(String),
    #[error("month {0} does not exist")]
    Month(u8),
    #[error("day {day} does not exist in month {month}")]
    Day { day: u8, month: u8 },
    #[error("hour {0} does not exist")]
    Hour(u8),
    #[error("minute {0} does not exist")]
    Minute(u8),
    #[error("second {0} does not exist")]
    Second(u8),
    #[error("'{0}' is not an ISO 3166 country code")]
    Country(String),
    #[error("'{0}' is not an ISO 4217 currency code")]
    Currency(String),
    #[error("'{0}' is not a sex code (0, 1, 2 or 9)")]
    Sex(String),
    #[error("'%' must be followed by two hexadecimal digits")]
    PercentEncoding,
    #[error("latitude {0} is beyond ±90 degrees")]
    Latitude(String),
    #[error("longitude {0} is beyond ±180 degrees")]
    Longitude(String),
    #[error("'{0}' is neither 0 (no) nor 1 (yes)")]
    YesNo(String),
    #[error("'{0}' should be '-'")]
    Hyphen(String),
    #[error("'{0}' is not an importer index")]
    ImporterIndex(String),
    #[error("'{0}' is not an AIDC media type")]
    MediaType(String),
    #[error("'{0}' is not a position in a sequence such as 1/2")]
    PositionInSequence(String),
    #[error("'{0}' cannot be all zeros")]
    AllZeros(String),
    #[error("'{0}' is not a winding direction (0, 1 or 9)")]
    Winding(String),
    #[error("'{0}' should be 0")]
    Zero(String),
    #[error("piece {piece} of {total} is not possible")]
    PieceOfTotal { piece: u32, total: u32 },
    #[error("'{0}' is not a valid IBAN")]
    Iban(String),
    #[error("'{0}' cannot start with 0")]
    ZeroPrefix(String),
    #[error("'{0}' needs at least one character that is not a digit")]
    OnlyDigits(String),
}

/// Runs one validation routine on one component's text.
pub fn check(linter: Linter, text: &str) -> Result<(), LintProblem> {
    match linter {
        Linter::Csum => mod10(text),
        Linter::CsumAlpha => check_pair(text),
        Linter::Gcppos1 => company_prefix(text, 0),
        Linter::Gcppos2 => company_prefix(text, 1),
        Linter::Yymmd0 => date(text, 2, true),
        Linter::Yymmdd => date(text, 2, false),
        Linter::Yyyymmd0 => date(text, 4, true),
        Linter::Yyyymmdd => date(text, 4, false),
        Linter::Hhmi => {
            hour(text.get(..2).unwrap_or(text))?;
            minute(text.get(2..).unwrap_or_default())
        }
        Linter::Hh => hour(text),
        Linter::Mi => minute(text),
        Linter::Ss => match number(text) {
            Some(s) if s <= 59 => Ok(()),
            _ => Err(LintProblem::Second(small(text))),
        },
        Linter::Iso3166 => country(text, false),
        Linter::Iso3166or999 => country(text, true),
        Linter::Iso3166Alpha2 => {
            if codes::is_country_alpha2(text) {
                Ok(())
            } else {
                Err(LintProblem::Country(text.to_owned()))
            }
        }
        Linter::Iso4217 => {
            if codes::is_currency_numeric(text) {
                Ok(())
            } else {
                Err(LintProblem::Currency(text.to_owned()))
            }
        }
        Linter::Iso5218 => one_of(text, &["0", "1", "2", "9"], LintProblem::Sex),
        Linter::PercentEncoded => percent_encoded(text),
        Linter::Latitude => within(text, 1_800_000_000, LintProblem::Latitude),
        Linter::Longitude => within(text, 3_600_000_000, LintProblem::Longitude),
        Linter::YesNo => one_of(text, &["0", "1"], LintProblem::YesNo),
        Linter::Hyphen => one_of(text, &["-"], LintProblem::Hyphen),
        Linter::ImporterIndex => {
            let ok = text.len() == 1
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if ok {
                Ok(())
            } else {
                Err(LintProblem::ImporterIndex(text.to_owned()))
            }
        }
        Linter::MediaType => match number(text) {
            Some(1..=10 | 80..=99) if text.len() == 2 => Ok(()),
            _ => Err(LintProblem::MediaType(text.to_owned())),
        },
        Linter::PositionInSequence => position_in_sequence(text),
        Linter::NonZero => {
            if text.bytes().all(|b| b == b'0') {
                Err(LintProblem::AllZeros(text.to_owned()))
            } else {
                Ok(())
            }
        }
        Linter::Winding => one_of(text, &["0", "1", "9"], LintProblem::Winding),
        Linter::Zero => one_of(text, &["0"], LintProblem::Zero),
        Linter::PieceOfTotal => piece_of_total(text),
        Linter::Iban => iban(text),
        Linter::NoZeroPrefix => {
            if text.len() > 1 && text.starts_with('0') {
                Err(LintProblem::ZeroPrefix(text.to_owned()))
            } else {
                Ok(())
            }
        }
        Linter::HasNonDigit => {
            if text.bytes().all(|b| b.is_ascii_digit()) {
                Err(LintProblem::OnlyDigits(text.to_owned()))
            } else {
                Ok(())
            }
        }
        // Accepted as text of the right character set; see docs/barcodes.md.
        Linter::PackageType | Linter::CouponCode | Linter::CouponPositiveOffer => Ok(()),
    }
}

/// The value of an all-digit text of at most 18 digits.
fn number(text: &str) -> Option<u64> {
    if text.is_empty() || text.len() > 18 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.bytes().fold(0u64, |n, d| n * 10 + u64::from(d - b'0')))
}

/// A two-digit field's value for a message; 99 stands for anything unreadable.
fn small(text: &str) -> u8 {
    number(text)
        .and_then(|n| u8::try_from(n).ok())
        .unwrap_or(99)
}

fn one_of(
    text: &str,
    allowed: &[&str],
    problem: fn(String) -> LintProblem,
) -> Result<(), LintProblem> {
    if allowed.contains(&text) {
        Ok(())
    } else {
        Err(problem(text.to_owned()))
    }
}

fn within(text: &str, max: u64, problem: fn(String) -> LintProblem) -> Result<(), LintProblem> {
    match number(text) {
        Some(n) if n <= max => Ok(()),
        _ => Err(problem(text.to_owned())),
    }
}

fn mod10(text: &str) -> Result<(), LintProblem> {
    let digits: Vec<u8> = text.bytes().map(|b| b.wrapping_sub(b'0')).collect();
    let Some((&found, body)) = digits.split_last() else {
        return Ok(());
    };
    let expected = check_digit(body);
    if expected == found {
        Ok(())
    } else {
        Err(LintProblem::CheckDigit { expected, found })
    }
}

/// The CSET 82 characters in value order (GS1 General Specifications, figure 7.11-1).
const CSET82: &[u8; 82] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
/// The CSET 32 characters used for the check character pair.
const CSET32: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
/// Weights for the check character pair, the first applying to the last data character.
const PRIMES: [u32; 23] = [
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83,
];

/// The alphanumeric check character pair of a GMN (GS1 General Specifications §7.9.5).
fn check_pair(text: &str) -> Result<(), LintProblem> {
    let bytes = text.as_bytes();
    if bytes.len() < 2 || bytes.len() - 2 > PRIMES.len() {
        return Err(LintProblem::CheckCharacters {
            expected: "two check characters".into(),
            found: text.to_owned(),
        });
    }
    let (body, pair) = bytes.split_at(bytes.len() - 2);
    let mut sum = 0u32;
    for (weight, b) in PRIMES.iter().zip(body.iter().rev()) {
        let value = CSET82.iter().position(|c| c == b).unwrap_or(0);
        sum += weight * value as u32;
    }
    sum %= 1021;
    let expected = [CSET32[(sum >> 5) as usize], CSET32[(sum & 31) as usize]];
    if expected == pair {
        Ok(())
    } else {
        Err(LintProblem::CheckCharacters {
            expected: String::from_utf8_lossy(&expected).into_owned(),
            found: String::from_utf8_lossy(pair).into_owned(),
        })
    }
}

/// A GS1 Company Prefix starts at `offset`: at least four digits are there.
fn company_prefix(text: &str, offset: usize) -> Result<(), LintProblem> {
    match text.get(offset..offset + 4) {
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(LintProblem::CompanyPrefix(text.to_owned())),
    }
}

/// Days in a month; `year` is the full year, or a two-digit year (leap when divisible by 4,
/// which holds for every year of the GS1 window around today).
pub fn days_in_month(year: u32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = year.is_multiple_of(4)
                && (year < 100 || !year.is_multiple_of(100) || year.is_multiple_of(400));
            if leap { 29 } else { 28 }
        }
    }
}

/// `YYMMDD` or `YYYYMMDD`; with `day_zero`, day `00` stands for the month's last day.
fn date(text: &str, year_digits: usize, day_zero: bool) -> Result<(), LintProblem> {
    let field = |from: usize, len: usize| {
        text.get(from..from + len)
            .and_then(number)
            .and_then(|n| u32::try_from(n).ok())
    };
    let (Some(year), Some(month), Some(day)) = (
        field(0, year_digits),
        field(year_digits, 2),
        field(year_digits + 2, 2),
    ) else {
        return Err(LintProblem::Month(99));
    };
    let (month, day) = (month as u8, day as u8);
    if !(1..=12).contains(&month) {
        return Err(LintProblem::Month(month));
    }
    if (day == 0 && !day_zero) || day > days_in_month(year, month) {
        return Err(LintProblem::Day { day, month });
    }
    Ok(())
}

fn hour(text: &str) -> Result<(), LintProblem> {
    match number(text) {
        Some(h) if h <= 23 => Ok(()),
        _ => Err(LintProblem::Hour(small(text))),
    }
}

fn minute(text: &str) -> Result<(), LintProblem> {
    match number(text) {
        Some(m) if m <= 59 => Ok(()),
        _ => Err(LintProblem::Minute(small(text))),
    }
}

fn country(text: &str, or_999: bool) -> Result<(), LintProblem> {
    if codes::is_country_numeric(text) || (or_999 && text == "999") {
        Ok(())
    } else {
        Err(LintProblem::Country(text.to_owned()))
    }
}

fn percent_encoded(text: &str) -> Result<(), LintProblem> {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3);
            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                return Err(LintProblem::PercentEncoding);
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    Ok(())
}

fn position_in_sequence(text: &str) -> Result<(), LintProblem> {
    let bad = || LintProblem::PositionInSequence(text.to_owned());
    let (pos, of) = text.split_once('/').ok_or_else(bad)?;
    let plain = |s: &str| !s.starts_with('0');
    match (number(pos), number(of)) {
        (Some(p), Some(t)) if p >= 1 && p <= t && plain(pos) && plain(of) => Ok(()),
        _ => Err(bad()),
    }
}

fn piece_of_total(text: &str) -> Result<(), LintProblem> {
    let half = text.len() / 2;
    let (piece, total) = (
        text.get(..half).and_then(number).unwrap_or(0) as u32,
        text.get(half..).and_then(number).unwrap_or(0) as u32,
    );
    if text.len().is_multiple_of(2) && piece >= 1 && total >= 1 && piece <= total {
        Ok(())
    } else {
        Err(LintProblem::PieceOfTotal { piece, total })
    }
}

/// ISO 13616: country, two check digits, then letters and digits; mod 97 of the rearranged
/// number is 1.
fn iban(text: &str) -> Result<(), LintProblem> {
    let bad = || LintProblem::Iban(text.to_owned());
    let b = text.as_bytes();
    if b.len() < 5
        || !codes::is_country_alpha2(text.get(..2).unwrap_or_default())
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b[4..]
            .iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        return Err(bad());
    }
    let mut rest = 0u32;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rest = if v >= 10 {
            (rest * 100 + v) % 97
        } else {
            (rest * 10 + v) % 97
        };
    }
    if rest == 1 { Ok(()) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits() {
        assert_eq!(check(Linter::Csum, "09506000134352"), Ok(()));
        assert_eq!(
            check(Linter::Csum, "09506000134353"),
            Err(LintProblem::CheckDigit {
                expected: 2,
                found: 3
            })
        );
        // The GMN example of the GS1 General Specifications.
        assert_eq!(
            check(Linter::CsumAlpha, "1987654Ad4X4bL5ttr2310c2K"),
            Ok(())
        );
        assert!(matches!(
            check(Linter::CsumAlpha, "1987654Ad4X4bL5ttr2310c3K"),
            Err(LintProblem::CheckCharacters { .. })
        ));
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(check(Linter::Yymmd0, "261200"), Ok(()));
        assert_eq!(check(Linter::Yymmd0, "261300"), Err(LintProblem::Month(13)));
        assert_eq!(
            check(Linter::Yymmdd, "261200"),
            Err(LintProblem::Day { day: 0, month: 12 })
        );
        assert_eq!(check(Linter::Yymmdd, "240229"), Ok(()));
        assert_eq!(
            check(Linter::Yymmdd, "250229"),
            Err(LintProblem::Day { day: 29, month: 2 })
        );
        assert_eq!(
            check(Linter::Yymmdd, "260431"),
            Err(LintProblem::Day { day: 31, month: 4 })
        );
        assert_eq!(check(Linter::Yyyymmdd, "20000229"), Ok(()));
        assert_eq!(
            check(Linter::Yyyymmdd, "21000229"),
            Err(LintProblem::Day { day: 29, month: 2 })
        );
        assert_eq!(check(Linter::Yyyymmd0, "20260200"), Ok(()));
        assert_eq!(check(Linter::Hhmi, "2359"), Ok(()));
        assert_eq!(check(Linter::Hhmi, "2400"), Err(LintProblem::Hour(24)));
        assert_eq!(check(Linter::Hhmi, "1260"), Err(LintProblem::Minute(60)));
        assert_eq!(check(Linter::Ss, "60"), Err(LintProblem::Second(60)));
        assert_eq!(check(Linter::Hh, "07"), Ok(()));
    }

    #[test]
    fn codes_and_small_rules() {
        assert_eq!(check(Linter::Iso3166, "276"), Ok(()));
        assert!(check(Linter::Iso3166, "999").is_err());
        assert_eq!(check(Linter::Iso3166or999, "999"), Ok(()));
        assert_eq!(check(Linter::Iso3166Alpha2, "FR"), Ok(()));
        assert_eq!(check(Linter::Iso4217, "978"), Ok(()));
        assert_eq!(
            check(Linter::Iso4217, "001"),
            Err(LintProblem::Currency("001".into()))
        );
        assert!(check(Linter::Gcppos1, "12A4").is_err());
        assert_eq!(check(Linter::Gcppos2, "01234"), Ok(()));
        assert!(check(Linter::Gcppos2, "0123").is_err());
        assert_eq!(check(Linter::PercentEncoded, "a%20b"), Ok(()));
        assert_eq!(
            check(Linter::PercentEncoded, "a%2"),
            Err(LintProblem::PercentEncoding)
        );
        assert_eq!(check(Linter::Latitude, "1800000000"), Ok(()));
        assert!(check(Linter::Latitude, "1800000001").is_err());
        assert_eq!(check(Linter::PieceOfTotal, "0102"), Ok(()));
        assert!(check(Linter::PieceOfTotal, "0301").is_err());
        assert!(check(Linter::PieceOfTotal, "0002").is_err());
        assert_eq!(check(Linter::PositionInSequence, "1/2"), Ok(()));
        assert!(check(Linter::PositionInSequence, "3/2").is_err());
        assert_eq!(check(Linter::Iban, "GB82WEST12345698765432"), Ok(()));
        assert!(check(Linter::Iban, "GB82WEST12345698765433").is_err());
        assert_eq!(check(Linter::MediaType, "10"), Ok(()));
        assert!(check(Linter::MediaType, "11").is_err());
        assert!(check(Linter::NoZeroPrefix, "012").is_err());
        assert_eq!(check(Linter::NoZeroPrefix, "0"), Ok(()));
        assert!(check(Linter::HasNonDigit, "123").is_err());
        assert!(check(Linter::NonZero, "0000").is_err());
        assert_eq!(check(Linter::ImporterIndex, "_"), Ok(()));
        assert!(check(Linter::ImporterIndex, "=").is_err());
    }
}
