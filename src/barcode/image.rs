//! Barcodes in a picture: the bytes of a PNG or JPEG file (a photo of a label, a scanned
//! sheet) in, the scans a scanner would have sent out, each with where it is in the picture.
//!
//! rxing finds and decodes the symbols (Code 128, GS1-128, EAN/UPC, DataBar, Data Matrix, QR
//! and the other linear codes it reads), several per picture. Each scan is given the AIM
//! symbology identifier a scanner set up to transmit them would put in front of it (`]d2`,
//! `]C1`, `]Q1`, `]E0`…), so the text goes through the same classification as a scan from the
//! kiosk (SPEC §3). Code 128 is read with rxing's `AssumeGs1`: without it every FNC1 is
//! dropped, and a GS1-128 symbol would lose both its `]C1` and the separators between its
//! variable-length fields. Pure: no file is read here, the caller hands over the bytes.

use rxing::{
    BarcodeFormat, DecodeHints, Exceptions, RXingResult, RXingResultMetadataType,
    RXingResultMetadataValue,
};

/// The GS separator, as a scanner sends it for FNC1 inside a GS1 message.
const GS: char = '\x1d';

/// The kinds of symbol looked for: what warehouse labels carry. Left out: Telepen and the
/// film-edge code, never on a warehouse label (and rxing 0.9.3's Telepen reader panics, an
/// integer overflow, on grainy pictures); UPC-E, whose six digits rxing found in the grain
/// of a noisy test photo where there was none (its product is read by its UPC-A or EAN-13).
const READ: [BarcodeFormat; 12] = [
    BarcodeFormat::CODE_128,
    BarcodeFormat::CODE_39,
    BarcodeFormat::CODE_93,
    BarcodeFormat::CODABAR,
    BarcodeFormat::ITF,
    BarcodeFormat::EAN_13,
    BarcodeFormat::EAN_8,
    BarcodeFormat::UPC_A,
    BarcodeFormat::RSS_14,
    BarcodeFormat::RSS_EXPANDED,
    BarcodeFormat::DATA_MATRIX,
    BarcodeFormat::QR_CODE,
];

/// Where a barcode is in the picture: the box around the points rxing found, in pixels from
/// the top left corner (a linear code's box is the line it was read on, so it may be flat).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Position {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// One barcode found in a picture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSymbol {
    /// The scan as a scanner would send it: symbology identifier, then the data, with GS for
    /// every FNC1 that separates GS1 fields.
    pub scan: String,
    /// The kind of symbol, as rxing names it (`code 128`, `data matrix`, `qrcode`…).
    pub format: String,
    pub position: Position,
}

/// A picture that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("not a PNG or JPEG picture that can be read ({0})")]
    Unreadable(String),
    #[error("the barcode reader failed: {0}")]
    Reader(String),
}

/// Every barcode in the picture, in reading order (top to bottom, then left to right). An
/// empty list: the picture was read and holds no barcode that could be decoded.
pub fn find_symbols(bytes: &[u8]) -> Result<Vec<FoundSymbol>, PictureError> {
    let picture =
        image::load_from_memory(bytes).map_err(|e| PictureError::Unreadable(e.to_string()))?;
    let grey = picture.into_luma8();
    let (width, height) = grey.dimensions();
    if width == 0 || height == 0 {
        return Ok(Vec::new());
    }
    let mut hints = DecodeHints {
        PossibleFormats: Some(READ.iter().copied().collect()),
        TryHarder: Some(true),
        AssumeGs1: Some(true),
        AlsoInverted: Some(true),
        ..DecodeHints::default()
    };
    let pixels = grey.into_raw();
    // A reader that trips over a picture must not take the whole run down with it (the
    // hints and pixels are moved in and dropped with it, nothing is seen half-changed).
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        rxing::helpers::detect_multiple_in_luma_with_hints(pixels, width, height, &mut hints)
    }));
    let results = match read {
        Ok(Ok(results)) => results,
        Ok(Err(Exceptions::NotFoundException(_))) => Vec::new(),
        Ok(Err(e)) => return Err(PictureError::Reader(e.to_string())),
        Err(_) => {
            return Err(PictureError::Reader(
                "it stopped on this picture; try a sharper or smaller one".to_owned(),
            ));
        }
    };
    let mut found: Vec<FoundSymbol> = results.iter().map(found_symbol).collect();
    found.sort_by_key(|s| (s.position.y, s.position.x));
    Ok(found)
}

fn found_symbol(result: &RXingResult) -> FoundSymbol {
    let identifier = match result
        .getRXingResultMetadata()
        .get(&RXingResultMetadataType::SYMBOLOGY_IDENTIFIER)
    {
        Some(RXingResultMetadataValue::SymbologyIdentifier(id)) => Some(id.as_str()),
        _ => None,
    };
    FoundSymbol {
        scan: scan_text(identifier, result.getBarcodeFormat(), result.getText()),
        format: result.getBarcodeFormat().to_string(),
        position: position(result),
    }
}

/// The scan a scanner would send for a symbol with this identifier and decoded text.
///
/// rxing's Code 128 reader with `AssumeGs1` already writes `]C1` in front of a GS1-128
/// symbol's text: it is not written twice. A symbol whose reader gives no identifier gets
/// the one of its kind (ISO/IEC 15424), without the options byte.
pub fn scan_text(identifier: Option<&str>, format: &BarcodeFormat, text: &str) -> String {
    let identifier = identifier
        .map(str::to_owned)
        .or_else(|| default_identifier(format).map(str::to_owned));
    match identifier {
        Some(id) => {
            let data = text.strip_prefix(id.as_str()).unwrap_or(text);
            // rxing's Code 128 reader with `AssumeGs1` also turns a check character of
            // value 102 (the code of FNC1) into a trailing GS, in plain Code 128 as well:
            // `CMD-QTY-6` came back as `CMD-QTY-6<GS>`. No data ends in an FNC1.
            let data = if id.starts_with("]C") || id == "]e0" || id == "]d2" || id == "]Q3" {
                data.trim_end_matches(GS)
            } else {
                data
            };
            format!("{id}{data}")
        }
        None => text.to_owned(),
    }
}

/// The symbology identifier with modifier 0 for the kinds of symbol rxing reads.
fn default_identifier(format: &BarcodeFormat) -> Option<&'static str> {
    Some(match format {
        BarcodeFormat::CODE_128 => "]C0",
        BarcodeFormat::CODE_39 => "]A0",
        BarcodeFormat::CODE_93 => "]G0",
        BarcodeFormat::CODABAR => "]F0",
        BarcodeFormat::ITF => "]I0",
        BarcodeFormat::EAN_13 | BarcodeFormat::UPC_A | BarcodeFormat::UPC_E => "]E0",
        BarcodeFormat::EAN_8 => "]E4",
        BarcodeFormat::RSS_14 | BarcodeFormat::RSS_EXPANDED => "]e0",
        BarcodeFormat::DATA_MATRIX => "]d1",
        BarcodeFormat::QR_CODE => "]Q1",
        _ => return None,
    })
}

/// The box around the points of a result, in whole pixels.
fn position(result: &RXingResult) -> Position {
    let points = result.getPoints();
    let xs = points.iter().map(|p| p.x).filter(|v| v.is_finite());
    let ys = points.iter().map(|p| p.y).filter(|v| v.is_finite());
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    Position {
        x: pixel(x0),
        y: pixel(y0),
        width: pixel(x1 - x0),
        height: pixel(y1 - y0),
    }
}

fn bounds(values: impl Iterator<Item = f32>) -> (f32, f32) {
    values.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// A coordinate as whole pixels; nothing found (infinite) or off the picture is 0.
fn pixel(v: f32) -> u32 {
    if v.is_finite() && v > 0.0 {
        // Saturating float-to-int conversion: pictures are far smaller than u32::MAX.
        v.round() as u32
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_128_from_rxing_keeps_one_identifier() {
        assert_eq!(
            scan_text(
                Some("]C1"),
                &BarcodeFormat::CODE_128,
                "]C10109506000134352\x1d"
            ),
            "]C10109506000134352"
        );
        assert_eq!(
            scan_text(Some("]C0"), &BarcodeFormat::CODE_128, "LOC-A-01"),
            "]C0LOC-A-01"
        );
        // A check character of 102 read as FNC1 (rxing's reader), in plain Code 128 too.
        assert_eq!(
            scan_text(None, &BarcodeFormat::CODE_128, "CMD-QTY-6\x1d"),
            "]C0CMD-QTY-6"
        );
    }

    #[test]
    fn identifiers_go_in_front() {
        assert_eq!(
            scan_text(Some("]d2"), &BarcodeFormat::DATA_MATRIX, "0109506000134352"),
            "]d20109506000134352"
        );
        assert_eq!(
            scan_text(None, &BarcodeFormat::EAN_13, "9506000134352"),
            "]E09506000134352"
        );
        assert_eq!(
            scan_text(None, &BarcodeFormat::AZTEC, "x"),
            "x",
            "an unknown kind keeps its text"
        );
    }

    #[test]
    fn a_file_that_is_no_picture_is_unreadable() {
        assert!(matches!(
            find_symbols(b"not a picture"),
            Err(PictureError::Unreadable(_))
        ));
    }
}
