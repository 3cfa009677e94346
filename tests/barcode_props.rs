//! Property tests: valid GS1 messages built from the dictionary itself survive the trip
//! through every written form, and no input whatsoever makes the barcode layer panic.

use proptest::prelude::*;
use scantrail::barcode::classify::{Classifier, NoStore};
use scantrail::barcode::gs1::dictionary::{self, AiSpec, Charset, Component, Linter};
use scantrail::barcode::gs1::{Element, Gs1Message, digital_link};
use scantrail::barcode::gtin::{Gtin, check_digit, normalize_barcode};
use scantrail::config::BarcodeConfig;

/// Validation routines this generator knows how to satisfy.
fn generatable(linter: Linter) -> bool {
    !matches!(
        linter,
        Linter::CsumAlpha
            | Linter::CouponCode
            | Linter::CouponPositiveOffer
            | Linter::Iban
            | Linter::Latitude
            | Linter::Longitude
            | Linter::Hyphen
            | Linter::ImporterIndex
            | Linter::MediaType
            | Linter::PositionInSequence
            | Linter::PieceOfTotal
            | Linter::Winding
            | Linter::Zero
            | Linter::NoZeroPrefix
            | Linter::HasNonDigit
    )
}

/// AIs that can go with a GTIN alone: every `req` group is met by (01), nothing excludes
/// (01), they are no Digital Link key, and a Digital Link can carry them (as a qualifier of
/// (01) or as a query attribute).
fn companions_of_gtin() -> Vec<&'static AiSpec> {
    let gtin = dictionary::lookup("01");
    dictionary::all()
        .iter()
        .filter(|s| s.ai != "01" && s.ai != "235")
        .filter(|s| {
            s.requires
                .iter()
                .all(|group| group.iter().any(|alt| alt.iter().all(|p| *p == "01")))
        })
        .filter(|s| {
            !s.excludes
                .iter()
                .any(|p| dictionary::matches_pattern("01", p))
        })
        .filter(|s| {
            !gtin.is_some_and(|g| {
                g.excludes
                    .iter()
                    .any(|p| dictionary::matches_pattern(s.ai, p))
            })
        })
        .filter(|s| s.dl_primary_key.is_none())
        .filter(|s| s.dl_attribute || matches!(s.ai, "22" | "10" | "21"))
        .filter(|s| {
            s.components
                .iter()
                .all(|c| c.linters.iter().all(|&l| generatable(l)))
        })
        .collect()
}

const CSET82: &[u8] =
    b"!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";
const CSET39: &[u8] = b"#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const CSET64: &[u8] = b"-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Draws numbers from the seeds proptest gave (so that shrinking works on them).
struct Draw<'a> {
    seeds: &'a [u32],
    at: usize,
}

impl Draw<'_> {
    fn below(&mut self, n: usize) -> usize {
        let seed = self
            .seeds
            .get(self.at % self.seeds.len().max(1))
            .copied()
            .unwrap_or(0);
        self.at += 1;
        (seed as usize) % n.max(1)
    }
    fn pick<'b>(&mut self, from: &[&'b str]) -> &'b str {
        from[self.below(from.len())]
    }
}

fn two(n: usize) -> String {
    format!("{n:02}")
}

/// A value for one component that its character set and validation routines accept.
fn component_value(c: &Component, draw: &mut Draw) -> String {
    let len = usize::from(c.min) + draw.below(usize::from(c.max - c.min) + 1);
    let len = if c.linters.iter().any(|l| matches!(l, Linter::Gcppos1)) {
        len.max(4)
    } else if c.linters.iter().any(|l| matches!(l, Linter::Gcppos2)) {
        len.max(5)
    } else {
        len
    };
    let alphabet = match c.charset {
        Charset::Numeric => &b"0123456789"[..],
        Charset::Cset82 => CSET82,
        Charset::Cset39 => CSET39,
        Charset::Cset64 => CSET64,
    };
    let mut bytes: Vec<u8> = (0..len)
        .map(|_| alphabet[draw.below(alphabet.len())])
        .collect();
    for linter in c.linters {
        let date = |draw: &mut Draw, century: bool, zero: bool| {
            let year = if century {
                format!("{}", 1950 + draw.below(150))
            } else {
                two(draw.below(100))
            };
            let day = if zero && draw.below(4) == 0 {
                0
            } else {
                1 + draw.below(28)
            };
            format!("{year}{}{}", two(1 + draw.below(12)), two(day))
        };
        let whole: Option<String> = match linter {
            Linter::Yymmd0 => Some(date(draw, false, true)),
            Linter::Yymmdd => Some(date(draw, false, false)),
            Linter::Yyyymmd0 => Some(date(draw, true, true)),
            Linter::Yyyymmdd => Some(date(draw, true, false)),
            Linter::Hhmi => Some(format!("{}{}", two(draw.below(24)), two(draw.below(60)))),
            Linter::Hh => Some(two(draw.below(24))),
            Linter::Mi | Linter::Ss => Some(two(draw.below(60))),
            Linter::Iso3166 => Some(draw.pick(&["276", "250", "840", "036", "392"]).into()),
            Linter::Iso3166or999 => Some(draw.pick(&["276", "999", "826"]).into()),
            Linter::Iso3166Alpha2 => Some(draw.pick(&["DE", "FR", "US"]).into()),
            Linter::Iso4217 => Some(draw.pick(&["978", "840", "826"]).into()),
            Linter::YesNo => Some(draw.pick(&["0", "1"]).into()),
            Linter::Iso5218 => Some(draw.pick(&["0", "1", "2", "9"]).into()),
            _ => None,
        };
        if let Some(w) = whole {
            bytes = w.into_bytes();
            continue;
        }
        match linter {
            Linter::Gcppos1 | Linter::Gcppos2 => {
                let from = usize::from(matches!(linter, Linter::Gcppos2));
                for b in bytes.iter_mut().skip(from).take(4) {
                    *b = b'0' + (draw.below(10) as u8);
                }
            }
            Linter::PercentEncoded => {
                for b in bytes.iter_mut().filter(|b| **b == b'%') {
                    *b = b'P';
                }
            }
            Linter::NonZero => {
                if let Some(first) = bytes.first_mut() {
                    *first = b'1';
                }
            }
            _ => {}
        }
    }
    // The check digit goes last, over whatever the other routines settled.
    if c.linters.contains(&Linter::Csum) {
        let digits: Vec<u8> = bytes.iter().map(|b| b - b'0').collect();
        if let Some((_, body)) = digits.split_last() {
            let check = check_digit(body);
            if let Some(last) = bytes.last_mut() {
                *last = b'0' + check;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn ai_value(spec: &AiSpec, draw: &mut Draw) -> String {
    let mut value = String::new();
    for c in spec.components {
        if c.optional && draw.below(2) == 0 {
            break;
        }
        value.push_str(&component_value(c, draw));
    }
    value
}

/// A message of (01) and up to five companions, no two of which exclude each other.
fn message_from(picks: &[usize], seeds: &[u32]) -> Result<Gs1Message, String> {
    let pool = companions_of_gtin();
    let mut draw = Draw { seeds, at: 0 };
    let mut specs: Vec<&'static AiSpec> = dictionary::lookup("01").into_iter().collect();
    for &p in picks {
        let spec = pool[p % pool.len()];
        let clashes = specs.iter().any(|k| {
            k.ai == spec.ai
                || k.excludes
                    .iter()
                    .any(|p| dictionary::matches_pattern(spec.ai, p))
                || spec
                    .excludes
                    .iter()
                    .any(|p| dictionary::matches_pattern(k.ai, p))
        });
        if !clashes {
            specs.push(spec);
        }
    }
    let mut elements = Vec::new();
    for spec in specs {
        let value = ai_value(spec, &mut draw);
        elements.push(Element::new(spec, &value).map_err(|e| format!("{value:?}: {e}"))?);
    }
    Gs1Message::from_elements(elements).map_err(|e| e.to_string())
}

fn sorted(m: &Gs1Message) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = m
        .elements()
        .iter()
        .map(|e| (e.ai().to_owned(), e.value().to_owned()))
        .collect();
    v.sort();
    v
}

#[test]
fn the_pool_is_wide() {
    let pool = companions_of_gtin();
    assert!(pool.len() > 200, "only {} companions", pool.len());
    for ai in ["10", "21", "17", "3103", "30", "422", "7003", "91"] {
        assert!(pool.iter().any(|s| s.ai == ai), "{ai} is not generated");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn valid_messages_round_trip(
        picks in prop::collection::vec(any::<usize>(), 0..6),
        seeds in prop::collection::vec(any::<u32>(), 1..64),
    ) {
        let message = message_from(&picks, &seeds);
        prop_assert!(message.is_ok(), "generated an invalid message: {:?}", message);
        let Ok(message) = message else { return Ok(()) };

        let bracketed = Gs1Message::parse_bracketed(&message.hri());
        prop_assert_eq!(bracketed.as_ref(), Ok(&message), "bracketed {}", message.hri());

        let raw = message.element_string();
        let from_raw = Gs1Message::parse_element_string(&raw, &[]);
        prop_assert_eq!(from_raw.as_ref(), Ok(&message));
        let with_fnc1 = format!("\x1d{raw}\x1d");
        let from_fnc1 = Gs1Message::parse_element_string(&with_fnc1, &[]);
        prop_assert_eq!(from_fnc1.as_ref(), Ok(&message));

        let uri = digital_link::to_digital_link(&message, "https://id.example.com/stem/");
        prop_assert!(uri.is_ok(), "{:?}", uri);
        let uri = uri.unwrap_or_default();
        let back = digital_link::parse(&uri);
        prop_assert_eq!(back.as_ref().map(sorted), Ok(sorted(&message)), "{}", uri);

        // The classifier sees the same message behind a GS1 symbology identifier.
        let classifier = Classifier::new(&BarcodeConfig::default());
        let classified = classifier.classify(&format!("]d2{raw}"), &NoStore);
        prop_assert_eq!(classified.map(|c| c.kind()), Ok("gs1"));
    }

    #[test]
    fn every_gtin_form_normalises_to_one_gtin14(
        body in prop::collection::vec(0u8..10, 13),
        form in prop::sample::select(vec![8usize, 12, 13, 14]),
        wrong in 1u8..10,
    ) {
        // A GTIN of the chosen length: leading zeros make it fit every shorter form.
        let mut digits = body;
        for d in digits.iter_mut().take(14 - form) {
            *d = 0;
        }
        let check = check_digit(&digits);
        let gtin14: String = digits.iter().chain([check].iter()).map(|d| char::from(b'0' + d)).collect();
        let printed = &gtin14[14 - form..];
        prop_assert_eq!(normalize_barcode(printed), gtin14.clone());
        prop_assert_eq!(Gtin::parse(printed).map(|g| g.as_gtin14()), Ok(gtin14.clone()));
        // Any other last digit is refused, and the text stays an alias barcode.
        let bad_check = (check + wrong) % 10;
        let bad = format!("{}{}", &printed[..form - 1], bad_check);
        prop_assert!(Gtin::parse(&bad).is_err());
        prop_assert_eq!(normalize_barcode(&bad), bad.clone());
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn gs1_looking_text_never_panics(
        text in "(\\]d2|\\]C1|https://x/|\\(|01|10|21|17|\\x1d|[0-9]{1,14}|[()%/?=&A-Za-z~]){0,24}"
    ) {
        exercise(&text);
    }
}

fn exercise(text: &str) {
    let _ = Gs1Message::parse_element_string(text, &['~']);
    let _ = Gs1Message::parse_bracketed(text);
    let _ = digital_link::parse(text);
    let config = BarcodeConfig {
        extra_separators: vec!["~".into()],
        ..BarcodeConfig::default()
    };
    let _ = Classifier::new(&config).classify(text, &NoStore);
}
