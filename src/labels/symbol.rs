//! The modules of a symbol: the dark and light squares (or bars) that a content becomes.
//! Pure: data in, a grid of modules out, without quiet zones (the layout adds them).
//!
//! Code 128, GS1-128 and QR come from rxing's writers. GS1 DataMatrix comes from the
//! `datamatrix` crate: rxing 0.9.3's Data Matrix writer panics (`assertion failed:
//! setIndex == 2`, `datamatrix/encoder/minimal_encoder.rs`) when a GS falls inside a C40 or
//! Text run (`010950600013435210BATCHNO<GS>21SERIALNO`), and without both
//! `DataMatrixCompact` and `Gs1Format` it silently leaves out the leading FNC1 (`]d1`).
//!
//! A ZPL label needs only the GS1 DataMatrix's size (the printer draws the symbol), and the
//! `datamatrix` crate's encodation planner is nearly all the cost of encoding one (its
//! Reed–Solomon and bitmap are a few percent), so [`size`] brackets the number
//! of data codewords instead: no encoding can use fewer than a lower bound over the modes
//! (each character at its cheapest rate, a latch into every run), and the crate's optimal
//! plan uses no more than plain ASCII does. When both give the same ECC 200 square size,
//! that is the size; otherwise (about a third of random GS1 strings; none of the
//! `(01)(17)(10)(21)` serial labels of the benchmark) the symbol is encoded in full.

use super::LabelError;
use super::content::{LabelContent, Symbology, code128_input};
use super::layout::SymbolSize;
use datamatrix::{DataMatrix, SymbolList};
use rxing::{BarcodeFormat, EncodeHints, Writer};

/// A symbol's modules, row by row: `height` rows of `width`, `true` dark. A linear symbol
/// has one row (its bars), drawn as tall as the label allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub width: usize,
    pub height: usize,
    pub dark: Vec<bool>,
    /// Light modules needed around the symbol on each side (its quiet zone).
    pub quiet: usize,
}

impl Modules {
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.dark[y * self.width + x]
    }

    /// The size the layout fits.
    pub fn size(&self) -> SymbolSize {
        SymbolSize {
            columns: self.width as u32,
            rows: self.height as u32,
            quiet: self.quiet as u32,
        }
    }

    /// Is this a linear symbol (bars), to be drawn tall?
    pub fn is_linear(&self) -> bool {
        self.height == 1
    }

    /// The dark runs of row `y` as `(start, length)` in modules: one rectangle each.
    pub fn runs(&self, y: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        let row = &self.dark[y * self.width..(y + 1) * self.width];
        let mut x = 0;
        std::iter::from_fn(move || {
            while x < row.len() && !row[x] {
                x += 1;
            }
            if x >= row.len() {
                return None;
            }
            let start = x;
            while x < row.len() && row[x] {
                x += 1;
            }
            Some((start, x - start))
        })
    }
}

/// Why the `datamatrix` crate refused a GS1 DataMatrix, in words a user can act on: it
/// refuses only data that no square symbol (at most 144 × 144 modules) can hold.
fn datamatrix_refusal(e: &datamatrix::data::DataEncodingError, characters: usize) -> String {
    use datamatrix::data::DataEncodingError as E;
    match e {
        E::SymbolListEmpty | E::TooMuchOrIllegalData => format!(
            "{characters} characters are more than one GS1 DataMatrix holds: print a shorter \
             serial or lot"
        ),
    }
}

/// Encodes a label's symbol.
pub fn encode(content: &LabelContent) -> Result<Modules, LabelError> {
    match content.symbology {
        Symbology::Code128 | Symbology::Gs1_128 => {
            rxing_modules(&code128_input(content), BarcodeFormat::CODE_128, 10)
        }
        Symbology::QrCode => rxing_modules(&content.data, BarcodeFormat::QR_CODE, 4),
        Symbology::Gs1DataMatrix => {
            let symbol = DataMatrix::encode_gs1(
                content.data.as_bytes(),
                SymbolList::default().enforce_square(),
            )
            .map_err(|e| LabelError::Encode(datamatrix_refusal(&e, content.data.len())))?;
            let bitmap = symbol.bitmap();
            let (width, height) = (bitmap.width(), bitmap.height());
            let mut dark = vec![false; width * height];
            for (x, y) in bitmap.pixels() {
                dark[y * width + x] = true;
            }
            Ok(Modules {
                width,
                height,
                dark,
                quiet: 1,
            })
        }
    }
}

/// The square ECC 200 sizes (the only ones `encode` allows): modules on a side and data
/// codewords held (ISO/IEC 16022, table 7), smallest first.
const SQUARE_SIZES: [(u32, usize); 24] = [
    (10, 3),
    (12, 5),
    (14, 8),
    (16, 12),
    (18, 18),
    (20, 22),
    (22, 30),
    (24, 36),
    (26, 44),
    (32, 62),
    (36, 86),
    (40, 114),
    (44, 144),
    (48, 174),
    (52, 204),
    (64, 280),
    (72, 368),
    (80, 456),
    (88, 576),
    (96, 696),
    (104, 816),
    (120, 1050),
    (132, 1304),
    (144, 1558),
];

/// The most bytes the `datamatrix` crate encodes in a square symbol: what 144 × 144 holds
/// in Base 256 (it checks the length before planning, whatever the bytes are).
const LONGEST: usize = 1555;

/// The side of the smallest square symbol holding `codewords` data codewords.
fn square_side(codewords: usize) -> Option<u32> {
    SQUARE_SIZES
        .iter()
        .find(|&&(_, held)| held >= codewords)
        .map(|&(side, _)| side)
}

/// The data codewords of `data` in ASCII alone, after the FNC1: two digits in one, any other
/// character below 128 in one, one above in two (Upper Shift).
fn ascii_codewords(data: &[u8]) -> usize {
    let mut count = 1;
    let mut i = 0;
    while let Some(&c) = data.get(i) {
        if c.is_ascii_digit() && data.get(i + 1).is_some_and(u8::is_ascii_digit) {
            count += 1;
            i += 2;
        } else {
            count += if c < 128 { 1 } else { 2 };
            i += 1;
        }
    }
    count
}

/// The fewest data codewords any ECC 200 encodation of `data` after the FNC1 can take, or
/// fewer: in twelfths of a codeword, each character at its mode's cheapest rate (an ASCII
/// digit ½, a C40, Text or X12 value ⅔, an EDIFACT value ¾, a shifted C40 or Text value
/// 4⁄3, a Base 256 byte 1), a latch from ASCII into a run (one codeword, two for Base 256
/// with its length), a return to ASCII free. Every real encodation costs at least that.
fn least_codewords(data: &[u8]) -> usize {
    const NO: u32 = u32::MAX / 4;
    // Modes: ASCII, C40, Text, X12, EDIFACT, Base 256.
    const LATCH: [u32; 6] = [0, 12, 12, 12, 12, 24];
    let mut cost = LATCH;
    for &c in data {
        let basic = c == b' ' || c.is_ascii_digit();
        let rate = [
            if c.is_ascii_digit() {
                6
            } else if c < 128 {
                12
            } else {
                24
            },
            if basic || c.is_ascii_uppercase() {
                8
            } else if c < 128 {
                16
            } else {
                24
            },
            if basic || c.is_ascii_lowercase() {
                8
            } else if c < 128 {
                16
            } else {
                24
            },
            if basic || c.is_ascii_uppercase() || matches!(c, b'\r' | b'*' | b'>') {
                8
            } else {
                NO
            },
            if (32..=94).contains(&c) { 9 } else { NO },
            12,
        ];
        let least = cost.iter().copied().min().unwrap_or(0);
        for mode in 0..6 {
            let enter = if mode == 0 {
                least
            } else {
                cost[mode].min(least + LATCH[mode])
            };
            cost[mode] = (enter + rate[mode]).min(NO);
        }
    }
    let least = cost.iter().copied().min().unwrap_or(0) as usize;
    1 + least.div_ceil(12)
}

/// The side of the GS1 DataMatrix of `data` when the bounds of its codeword count agree.
fn bracketed_side(data: &[u8]) -> Option<u32> {
    // `[)>RS05GS…RS EOT` may become a macro codeword, which the bounds do not know; and the
    // crate refuses more bytes than the largest square holds in Base 256, even digits.
    if data.ends_with(b"\x1e\x04") || data.len() > LONGEST {
        return None;
    }
    let most = square_side(ascii_codewords(data))?;
    (square_side(least_codewords(data)) == Some(most)).then_some(most)
}

/// The size of a label's symbol as the layout needs it, encoding a GS1 DataMatrix only when
/// its size cannot be told from its data alone (see the module's notes); the same size as
/// [`encode`] gives.
pub fn size(content: &LabelContent) -> Result<SymbolSize, LabelError> {
    if content.symbology == Symbology::Gs1DataMatrix
        && let Some(side) = bracketed_side(content.data.as_bytes())
    {
        return Ok(SymbolSize {
            columns: side,
            rows: side,
            quiet: 1,
        });
    }
    encode(content).map(|m| m.size())
}

fn rxing_modules(text: &str, format: BarcodeFormat, quiet: usize) -> Result<Modules, LabelError> {
    let hints = EncodeHints {
        Margin: Some("0".to_owned()),
        ErrorCorrection: matches!(format, BarcodeFormat::QR_CODE).then(|| "M".to_owned()),
        ..EncodeHints::default()
    };
    let writer = rxing::MultiFormatWriter;
    let matrix = writer
        .encode_with_hints(text, &format, 0, 0, &hints)
        .map_err(|e| LabelError::Encode(format!("{format}: {e}")))?;
    let (w, h) = (matrix.getWidth(), matrix.getHeight());
    // A linear writer repeats its one row down the matrix; one row is enough.
    let rows = if matches!(format, BarcodeFormat::CODE_128) {
        1
    } else {
        h
    };
    let mut dark = Vec::with_capacity((w * rows) as usize);
    for y in 0..rows {
        for x in 0..w {
            dark.push(matrix.get(x, y));
        }
    }
    Ok(Modules {
        width: w as usize,
        height: rows as usize,
        dark,
        quiet,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn gs1(data: &str) -> LabelContent {
        LabelContent {
            symbology: Symbology::Gs1DataMatrix,
            data: data.to_owned(),
            lines: Vec::new(),
        }
    }

    /// The size of the symbol encoded in full, as every format but ZPL draws it.
    fn encoded(data: &str) -> Result<SymbolSize, LabelError> {
        encode(&gs1(data)).map(|m| m.size())
    }

    #[test]
    fn the_size_table_is_the_crates() {
        // Digits take one codeword a pair, after the FNC1: a symbol filled exactly, then one
        // codeword more, which needs the next size.
        // Beyond LONGEST bytes the crate refuses the data, and so does `size`.
        for (n, &(side, held)) in SQUARE_SIZES.iter().enumerate() {
            let full = "0".repeat(2 * (held - 1));
            assert_eq!(ascii_codewords(full.as_bytes()), held);
            let over = format!("{full}00");
            assert_eq!(size(&gs1(&full)), encoded(&full), "{held} codewords");
            assert_eq!(
                size(&gs1(&over)),
                encoded(&over),
                "{held} codewords and one"
            );
            if full.len() > LONGEST {
                assert!(encoded(&full).is_err(), "{} digits", full.len());
                continue;
            }
            let size = encoded(&full).expect("fits");
            assert_eq!((size.columns, size.rows), (side, side), "{held} codewords");
            match SQUARE_SIZES.get(n + 1) {
                Some(&(next, _)) if over.len() <= LONGEST => {
                    assert_eq!(encoded(&over).expect("fits").columns, next);
                }
                _ => assert!(encoded(&over).is_err(), "{} digits", over.len()),
            }
        }
        // The longest data the crate takes, and one byte more.
        let longest = "0".repeat(LONGEST);
        assert_eq!(encoded(&longest).map(|s| s.columns), Ok(104));
        assert!(encoded(&format!("{longest}0")).is_err());
    }

    #[test]
    fn data_too_long_for_any_symbol_is_refused_in_words() {
        let data = "0".repeat(LONGEST + 1);
        let Err(LabelError::Encode(why)) = encode(&gs1(&data)) else {
            panic!("{} characters were encoded", data.len());
        };
        assert_eq!(
            why,
            "1556 characters are more than one GS1 DataMatrix holds: print a shorter serial or lot"
        );
    }

    #[test]
    fn serial_labels_are_sized_without_encoding() {
        // The shape of every serial label with a GTIN, an expiry and a lot: the bounds agree,
        // so `size` does not fall back to encoding (else ZPL gains nothing).
        for serial in ["SN-4471-000000", "SN-4471-987654", "A1", "sn/7&a"] {
            let data = format!("01006141410000291727013110L2026-118\u{1d}21{serial}");
            let side = bracketed_side(data.as_bytes());
            assert!(side.is_some(), "{data:?} needs the planner");
            let size = encoded(&data).expect("encodes");
            assert_eq!(side, Some(size.columns), "{data:?}");
        }
    }

    /// A character of GS1's 82 (ISO/IEC 646 subset of the General Specifications).
    const CSET82: &str = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_\
                          abcdefghijklmnopqrstuvwxyz";

    /// One element string: fixed-length AIs with their digits, variable-length ones with
    /// text drawn from one class (digits; C40's, Text's or X12's letters; EDIFACT's range;
    /// GS1's 82), so that runs for every encodation mode come up. `true` when it needs a GS after it.
    fn element() -> impl Strategy<Value = (String, bool)> {
        let text = prop_oneof![
            "[0-9]{1,20}",
            "[A-Z0-9]{1,20}",
            "[a-z0-9 ]{1,20}",
            "[A-Z0-9*>]{1,20}",
            "[!-^]{1,20}",
            proptest::collection::vec(proptest::sample::select(CSET82.as_bytes()), 1..20)
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        ];
        prop_oneof![
            "01[0-9]{14}".prop_map(|s| (s, false)),
            "1[157][0-9]{6}".prop_map(|s| (s, false)),
            (
                prop_oneof![Just("10"), Just("21"), Just("240"), Just("400")],
                text
            )
                .prop_map(|(ai, t)| (format!("{ai}{t}"), true)),
            "30[0-9]{1,8}".prop_map(|s| (s, true)),
        ]
    }

    fn message() -> impl Strategy<Value = String> {
        proptest::collection::vec(element(), 1..8).prop_map(|elements| {
            let mut data = String::new();
            let mut separate = false;
            for (text, variable) in elements {
                if separate {
                    data.push(crate::barcode::gs1::GS);
                }
                data.push_str(&text);
                separate = variable;
            }
            data
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The size told from the data is the size of the symbol encoded in full, whether
        /// the bounds agreed or `size` fell back to encoding.
        #[test]
        fn sized_is_encoded(data in message()) {
            let content = gs1(&data);
            match encode(&content) {
                Ok(modules) => {
                    prop_assert_eq!(size(&content), Ok(modules.size()));
                    // The bounds hold on every input, also where they do not agree.
                    let side = modules.size().columns;
                    let least = square_side(least_codewords(data.as_bytes()));
                    prop_assert!(least.is_some_and(|l| l <= side), "least {:?}", least);
                    let most = square_side(ascii_codewords(data.as_bytes()));
                    prop_assert!(most.is_none_or(|m| m >= side), "most {:?}", most);
                }
                Err(e) => prop_assert_eq!(size(&content), Err(e)),
            }
        }
    }
}
