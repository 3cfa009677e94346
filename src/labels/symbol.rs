//! The modules of a symbol: the dark and light squares (or bars) that a content becomes.
//! Pure: data in, a grid of modules out, without quiet zones (the layout adds them).
//!
//! Code 128, GS1-128 and QR come from rxing's writers. GS1 DataMatrix comes from the
//! `datamatrix` crate: rxing 0.9.3's Data Matrix writer panics (`assertion failed:
//! setIndex == 2`, `datamatrix/encoder/minimal_encoder.rs`) when a GS falls inside a C40 or
//! Text run (`010950600013435210BATCHNO<GS>21SERIALNO`), and without both
//! `DataMatrixCompact` and `Gs1Format` it silently leaves out the leading FNC1 (`]d1`).

use super::LabelError;
use super::content::{LabelContent, Symbology, code128_input};
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
            .map_err(|e| LabelError::Encode(format!("GS1 DataMatrix: {e:?}")))?;
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
