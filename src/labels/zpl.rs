//! Labels in ZPL II, the language of Zebra and compatible label printers: one `^XA…^XZ` per
//! label, sized in the printer's dots (`^PW`, `^LL`), UTF-8 text (`^CI28`), and the printer's
//! own barcode commands, so the printer draws the bars at its own resolution:
//!
//! - Code 128 and GS1-128: `^BC` in mode N with the subsets spelt out (`>;` start C, `>:`
//!   start B, `>5`/`>6` switch, `>8` FNC1), digits in pairs in subset C; GS1-128 is FNC1
//!   first and an FNC1 for every GS between fields.
//! - GS1 DataMatrix: `^BX` at ECC 200 with `_` as its escape character, set explicitly:
//!   `_1` is FNC1 (first, and between fields), `__` a literal `_`.
//! - QR: `^BQ` model 2, `QA,` (error correction Q, automatic data mode) before the data.
//!
//! The same layout as the other formats places the symbol and the text (`^FB` centres it).

use super::content::Symbology;
use super::layout::{LabelGeometry, SymbolSize, place};
use super::{Label, LabelError};
use crate::barcode::gs1::GS;
use std::fmt::Write as _;

/// Text for a `^FH\` field: the three characters ZPL reads as commands become hex.
fn field(text: &str) -> String {
    let mut s = String::with_capacity(text.len() + 4);
    for c in text.chars() {
        match c {
            '\\' => s.push_str("\\5C"),
            '^' => s.push_str("\\5E"),
            '~' => s.push_str("\\7E"),
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    s
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Subset {
    B,
    C,
}

/// The `^BC` field data for `data` (GS = FNC1; FNC1 first when `gs1`), and the number of
/// symbol characters it makes with the start and check characters.
pub fn code128_field(data: &str, gs1: bool) -> (String, usize) {
    let bytes = data.as_bytes();
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut count = 2; // start and check character
    let mut set: Option<Subset> = None;
    let digits_from = |i: usize| bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let enter = |out: &mut String, set: &mut Option<Subset>, want: Subset, count: &mut usize| {
        if *set == Some(want) {
            return;
        }
        out.push_str(match (*set, want) {
            (None, Subset::C) => ">;",
            (None, Subset::B) => ">:",
            (Some(_), Subset::C) => ">5",
            (Some(_), Subset::B) => ">6",
        });
        if set.is_some() {
            *count += 1;
        }
        *set = Some(want);
    };
    if gs1 {
        let want = if digits_from(0) >= 2 {
            Subset::C
        } else {
            Subset::B
        };
        enter(&mut out, &mut set, want, &mut count);
        out.push_str(">8");
        count += 1;
    }
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if char::from(b) == GS {
            if set.is_none() {
                enter(&mut out, &mut set, Subset::B, &mut count);
            }
            out.push_str(">8");
            count += 1;
            i += 1;
            continue;
        }
        let run = digits_from(i);
        if set == Some(Subset::C) && run >= 2 {
            out.push(char::from(b));
            out.push(char::from(bytes[i + 1]));
            count += 1;
            i += 2;
            continue;
        }
        if run >= 4 || (set.is_none() && run == bytes.len() && run % 2 == 0) {
            enter(&mut out, &mut set, Subset::C, &mut count);
            continue;
        }
        enter(&mut out, &mut set, Subset::B, &mut count);
        match b {
            b'>' => out.push_str(">0"),
            _ => out.push_str(&field(&char::from(b).to_string())),
        }
        count += 1;
        i += 1;
    }
    (out, count)
}

/// The `^BX` field data: `_1` (FNC1) first and for every GS, `__` for a `_`.
pub fn datamatrix_field(data: &str) -> String {
    let mut s = String::with_capacity(data.len() + 4);
    s.push_str("_1");
    for c in data.chars() {
        match c {
            GS => s.push_str("_1"),
            '_' => s.push_str("__"),
            c => s.push(c),
        }
    }
    s
}

/// Appends one label.
pub fn write_label(
    out: &mut Vec<u8>,
    label: &Label,
    geometry: &LabelGeometry,
) -> Result<(), LabelError> {
    let content = &label.content;
    let mut s = String::with_capacity(400);
    let (symbol_field, size) = match content.symbology {
        Symbology::Code128 | Symbology::Gs1_128 => {
            let (fd, chars) = code128_field(&content.data, content.symbology == Symbology::Gs1_128);
            let size = SymbolSize {
                columns: 11 * chars as u32 + 2,
                rows: 1,
                quiet: 10,
            };
            (fd, size)
        }
        Symbology::Gs1DataMatrix => (datamatrix_field(&content.data), label.size),
        Symbology::QrCode => (format!("QA,{}", field(&content.data)), label.size),
    };
    let p = place(geometry, size, content.lines.len()).map_err(|e| e.about(&content.data))?;
    let _ = write!(
        s,
        "^XA\n^CI28\n^PW{}\n^LL{}\n^LH0,0\n",
        geometry.width(),
        geometry.height()
    );
    let _ = match content.symbology {
        Symbology::Code128 | Symbology::Gs1_128 => writeln!(
            s,
            "^FO{},{}^BY{}^BCN,{},N,N,N,N^FH\\^FD{symbol_field}^FS",
            p.symbol_x, p.symbol_y, p.module, p.row_height
        ),
        Symbology::Gs1DataMatrix => writeln!(
            s,
            "^FO{},{}^BXN,{},200,,,,_^FD{symbol_field}^FS",
            p.symbol_x, p.symbol_y, p.module
        ),
        Symbology::QrCode => writeln!(
            s,
            "^FO{},{}^BQN,2,{}^FH\\^FD{symbol_field}^FS",
            p.symbol_x,
            p.symbol_y,
            p.module.min(10)
        ),
    };
    let left = p.text_center - p.text_width / 2;
    for (n, line) in content.lines.iter().enumerate() {
        let _ = writeln!(
            s,
            "^FO{left},{}^A0N,{},{}^FB{},1,0,C^FH\\^FD{}^FS",
            p.text_top + n as u32 * p.text_pitch,
            p.text_size,
            p.text_size,
            p.text_width,
            field(line)
        );
    }
    s.push_str("^XZ\n");
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_128_in_subsets() {
        let (fd, n) = code128_field("010950600013435210LOT7\u{1d}21SN42", true);
        // The AI (10) is two more digits for subset C.
        assert_eq!(fd, ">;>8010950600013435210>6LOT7>821SN42");
        // start, FNC1, 9 pairs, CODE B, 4 characters, FNC1, 6 characters, check.
        assert_eq!(n, 1 + 1 + 9 + 1 + 4 + 1 + 6 + 1);
        let (fd, _) = code128_field("CMD-QTY-10", false);
        assert_eq!(fd, ">:CMD-QTY-10");
        let (fd, _) = code128_field("LOC-A>1^", false);
        assert_eq!(fd, ">:LOC-A>01\\5E");
    }

    #[test]
    fn datamatrix_escapes() {
        assert_eq!(datamatrix_field("0109\u{1d}21A_B"), "_10109_121A__B");
    }
}
