//! Labels as a PDF: pages of A4 or Letter (or of the label's own size when it is larger)
//! filled with labels, bars and modules as filled rectangles (vector, so they print sharp
//! at any resolution), the text in the base-14 Helvetica with WinAnsi encoding: no font is
//! embedded, and the text is centred with Helvetica's own character widths.

use super::layout::{LabelGeometry, Sheet};
use super::{Label, LabelError};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

/// Helvetica's advance widths (1/1000 em) for ASCII 32…126, from its font metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278,
    278, // ' '…'/'
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584,
    556, // '0'…'?'
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722,
    778, // '@'…'O'
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, // 'P'…'_'
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556,
    556, // '`'…'o'
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // 'p'…'~'
];

/// A character in WinAnsi (Latin-1 for the letters that matter), `?` for the rest.
fn win_ansi(c: char) -> u8 {
    match c as u32 {
        0x20..=0x7e | 0xa0..=0xff => c as u32 as u8,
        _ => b'?',
    }
}

fn width_em(bytes: &[u8]) -> f32 {
    bytes
        .iter()
        .map(|&b| match b {
            0x20..=0x7e => f32::from(HELVETICA[usize::from(b - 0x20)]),
            _ => 556.0,
        })
        .sum::<f32>()
        / 1000.0
}

/// The text in WinAnsi and the font size it fits `width` with (at most `size`): smaller
/// down to 60 %, then cut with an ellipsis.
pub(super) fn fit(text: &str, size: f32, width: f32) -> (Vec<u8>, f32) {
    let mut bytes: Vec<u8> = text.chars().map(win_ansi).collect();
    let min = size * 0.6;
    let natural = width_em(&bytes) * size;
    if natural <= width {
        return (bytes, size);
    }
    let shrunk = width / width_em(&bytes);
    if shrunk >= min {
        return (bytes, shrunk);
    }
    while !bytes.is_empty() && (width_em(&bytes) + width_em(b"...")) * min > width {
        bytes.pop();
    }
    bytes.extend_from_slice(b"...");
    (bytes, min)
}

/// Pages of labels on paper of `paper_mm`.
pub fn document(
    labels: &[Label],
    geometry: &LabelGeometry,
    paper_mm: (f64, f64),
) -> Result<Vec<u8>, LabelError> {
    let sheet = Sheet::pages(geometry, paper_mm);
    let pt = 72.0 / geometry.dpi as f32;
    let page_h = sheet.height as f32 * pt;
    let pages = labels.chunks(sheet.per_page().max(1)).collect::<Vec<_>>();
    let pages = if pages.is_empty() {
        vec![&labels[..0]]
    } else {
        pages
    };
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let font = Ref::new(3);
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(4 + 2 * i as i32))
        .collect();
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    pdf.type1_font(font)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    for (p, on_page) in pages.iter().enumerate() {
        let mut content = Content::new();
        for (i, label) in on_page.iter().enumerate() {
            let drawing = label.draw(geometry)?;
            let (ox, oy) = sheet.origin(geometry, i);
            // The cut line around the label, light grey.
            content.set_stroke_gray(0.8).set_line_width(0.3);
            content.rect(
                ox as f32 * pt,
                page_h - (oy + drawing.height) as f32 * pt,
                drawing.width as f32 * pt,
                drawing.height as f32 * pt,
            );
            content.stroke();
            content.set_fill_gray(0.0);
            for r in &drawing.rects {
                content.rect(
                    (ox + r.x) as f32 * pt,
                    page_h - (oy + r.y + r.h) as f32 * pt,
                    r.w as f32 * pt,
                    r.h as f32 * pt,
                );
            }
            content.fill_nonzero();
            let place = &drawing.place;
            for (n, line) in drawing.lines.iter().enumerate() {
                let (bytes, size) = fit(
                    line,
                    place.text_size as f32 * pt,
                    place.text_width as f32 * pt,
                );
                let width = width_em(&bytes) * size;
                let baseline = oy + place.text_top + n as u32 * place.text_pitch;
                let x = (ox + place.text_center) as f32 * pt - width / 2.0;
                let y = page_h - baseline as f32 * pt - size * 0.8;
                content.begin_text();
                content.set_font(Name(b"F1"), size);
                content.next_line(x, y);
                content.show(Str(&bytes));
                content.end_text();
            }
        }
        let content_id = Ref::new(5 + 2 * p as i32);
        let mut page = pdf.page(page_ids[p]);
        page.parent(tree)
            .media_box(Rect::new(
                0.0,
                0.0,
                sheet.width as f32 * pt,
                sheet.height as f32 * pt,
            ))
            .contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), font);
        drop(page);
        pdf.stream(content_id, &content.finish());
    }
    Ok(pdf.finish())
}
