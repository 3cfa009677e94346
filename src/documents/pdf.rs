//! A printed document as PDF: pages of A4 (the default) or US Letter with a head on every
//! page (form, reference, partner, date, station), a table of lines with the lots, serials and
//! locations of each listed under it, and "page N of M" at the foot. A line and its first
//! note are kept together; a long document breaks onto new pages with the head and the
//! table's column titles repeated.
//!
//! The page layout ([`layout`]) is pure: it places texts and rules on pages in points, and
//! [`write`] turns those into PDF with `pdf-writer`. The text is set in Helvetica, one of the
//! PDF base-14 fonts (no font is embedded), in the WinAnsi encoding: Latin letters, digits
//! and the usual signs print as they are, and a character outside WinAnsi (Greek, CJK, most
//! symbols) prints as `?`. Widths come from Helvetica's metrics, so numbers right-align and a
//! product name too long for its column is cut with "...".

use super::{PrintedDocument, notes};
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// 8.5 × 11 in.
    Letter,
}

impl Paper {
    /// Width and height in points.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    /// Text whose baseline starts at (x, y).
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A horizontal rule at y from x1 to x2.
    Rule { x1: f32, x2: f32, y: f32 },
}

/// One page: what is drawn on it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub marks: Vec<Mark>,
}

impl Page {
    /// The texts of the page, in the order drawn.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        self.marks.iter().filter_map(|m| match m {
            Mark::Text { text, .. } => Some(text.as_str()),
            Mark::Rule { .. } => None,
        })
    }
}

const MARGIN: f32 = 42.0;
const FOOT: f32 = 40.0;
const ROW: f32 = 13.0;
const NOTE: f32 = 11.0;
const BODY: f32 = 9.0;
const SMALL: f32 = 8.0;

/// Helvetica's advance widths (in thousandths of the font size) for the WinAnsi codes
/// 32..=126; other codes use [`WIDE`], an upper bound for cutting text to a column.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, // 0..9
    278, 278, 584, 584, 584, 556, 1015, // :..@
    667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, // A..M
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, // N..Z
    278, 278, 278, 469, 556, 333, // [..`
    556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, // a..m
    556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, // n..z
    334, 260, 334, 584, // {..~
];
const WIDE: u16 = 778;

/// The WinAnsi code of a character, or `?` for one that WinAnsi lacks.
pub fn win_ansi(c: char) -> u8 {
    let code = u32::from(c);
    match code {
        0x20..=0x7e | 0xa0..=0xff => code as u8,
        _ => match c {
            '€' => 0x80,
            '‚' => 0x82,
            'ƒ' => 0x83,
            '„' => 0x84,
            '…' => 0x85,
            '†' => 0x86,
            '‡' => 0x87,
            'ˆ' => 0x88,
            '‰' => 0x89,
            'Š' => 0x8a,
            '‹' => 0x8b,
            'Œ' => 0x8c,
            'Ž' => 0x8e,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            '˜' => 0x98,
            '™' => 0x99,
            'š' => 0x9a,
            '›' => 0x9b,
            'œ' => 0x9c,
            'ž' => 0x9e,
            'Ÿ' => 0x9f,
            _ => b'?',
        },
    }
}

/// The text in WinAnsi bytes.
pub fn encode(text: &str) -> Vec<u8> {
    text.chars().map(win_ansi).collect()
}

/// The width of a text in points at `size` (bold Helvetica is taken as 6 % wider, which
/// is at least its width for the texts a document holds).
pub fn width(text: &str, size: f32, bold: bool) -> f32 {
    let units: u32 = encode(text)
        .iter()
        .map(|b| {
            u32::from(match b {
                32..=126 => HELVETICA[usize::from(b - 32)],
                _ => WIDE,
            })
        })
        .sum();
    let w = units as f32 * size / 1000.0;
    if bold { w * 1.06 } else { w }
}

/// The text cut to fit `room` points, ending in "..." when cut.
fn fit(text: &str, size: f32, room: f32) -> String {
    if width(text, size, false) <= room {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        let next = format!("{out}{c}...");
        if width(&next, size, false) > room {
            break;
        }
        out.push(c);
    }
    format!("{out}...")
}

/// Where the columns of the table start (left-aligned) or end (right-aligned), in points.
struct Columns {
    line: f32,
    sku: f32,
    product: f32,
    ordered: f32,
    done: f32,
    open: f32,
}

impl Columns {
    fn for_page(page_width: f32) -> Columns {
        let right = page_width - MARGIN;
        Columns {
            line: MARGIN,
            sku: MARGIN + 34.0,
            product: MARGIN + 130.0,
            ordered: right - 110.0,
            done: right - 55.0,
            open: right,
        }
    }
}

/// The pages of a document on `paper`.
pub fn layout(doc: &PrintedDocument, paper: Paper) -> Vec<Page> {
    let (w, h) = paper.size();
    let cols = Columns::for_page(w);
    let text = |x: f32, y: f32, size: f32, bold: bool, t: String| Mark::Text {
        x,
        y,
        size,
        bold,
        text: t,
    };
    let right = |x: f32, y: f32, size: f32, bold: bool, t: String| Mark::Text {
        x: x - width(&t, size, bold),
        y,
        size,
        bold,
        text: t,
    };
    let form = doc.form;
    // The head and the column titles, on every page; returns where the rows start.
    let head = |page: &mut Page| -> f32 {
        let mut y = h - MARGIN - 14.0;
        page.marks.push(text(
            MARGIN,
            y,
            16.0,
            true,
            format!("{}  {}", form.title(), doc.reference),
        ));
        page.marks.push(right(
            w - MARGIN,
            y,
            BODY,
            false,
            format!("{} ({})", kind_word(doc), doc.status),
        ));
        y -= 20.0;
        let partner_word = match doc.kind {
            crate::domain::DocumentKind::Purchase => "Supplier",
            _ => "Customer",
        };
        page.marks.push(text(
            MARGIN,
            y,
            10.0,
            false,
            format!("{partner_word}: {}", doc.partner),
        ));
        page.marks.push(right(
            w - MARGIN,
            y,
            10.0,
            false,
            format!("Date: {}   Station: {}", doc.date, doc.station),
        ));
        y -= 22.0;
        page.marks
            .push(text(cols.line, y, BODY, true, "Line".into()));
        page.marks.push(text(cols.sku, y, BODY, true, "SKU".into()));
        page.marks
            .push(text(cols.product, y, BODY, true, "Product".into()));
        page.marks
            .push(right(cols.ordered, y, BODY, true, "Ordered".into()));
        page.marks
            .push(right(cols.done, y, BODY, true, capital(form.done_word())));
        page.marks
            .push(right(cols.open, y, BODY, true, capital(form.open_word())));
        y -= 4.0;
        page.marks.push(Mark::Rule {
            x1: MARGIN,
            x2: w - MARGIN,
            y,
        });
        y - ROW
    };
    let bottom = FOOT + 18.0;
    let mut pages = vec![Page::default()];
    let mut y = head(&mut pages[0]);
    let product_room = cols.ordered - 50.0 - cols.product;
    let note_room = w - MARGIN - cols.product - 12.0;
    for line in &doc.lines {
        let line_notes = notes(form, line);
        let first_note = if line_notes.is_empty() { 0.0 } else { NOTE };
        if y - first_note < bottom {
            pages.push(Page::default());
            y = pages.last_mut().map_or(y, head);
        }
        let Some(page) = pages.last_mut() else { break };
        let number = line.line.map_or_else(|| "-".to_owned(), |n| n.to_string());
        page.marks.push(text(cols.line, y, BODY, false, number));
        page.marks
            .push(text(cols.sku, y, BODY, false, fit(&line.sku, BODY, 92.0)));
        page.marks.push(text(
            cols.product,
            y,
            BODY,
            false,
            fit(&line.name, BODY, product_room),
        ));
        page.marks.push(right(
            cols.ordered,
            y,
            BODY,
            false,
            line.ordered.to_string(),
        ));
        page.marks
            .push(right(cols.done, y, BODY, false, line.done.to_string()));
        page.marks
            .push(right(cols.open, y, BODY, false, line.open.to_string()));
        y -= NOTE;
        for note in line_notes {
            if y < bottom {
                pages.push(Page::default());
                y = pages.last_mut().map_or(y, head);
            }
            if let Some(page) = pages.last_mut() {
                page.marks.push(text(
                    cols.product + 12.0,
                    y,
                    SMALL,
                    false,
                    fit(&note, SMALL, note_room),
                ));
            }
            y -= NOTE;
        }
        y -= ROW - NOTE;
    }
    let total = pages.len();
    for (i, page) in pages.iter_mut().enumerate() {
        page.marks.push(text(
            MARGIN,
            FOOT,
            SMALL,
            false,
            format!("{} {}", form.title(), doc.reference),
        ));
        page.marks.push(right(
            w - MARGIN,
            FOOT,
            SMALL,
            false,
            format!("Page {} of {total}", i + 1),
        ));
    }
    pages
}

fn kind_word(doc: &PrintedDocument) -> &'static str {
    match doc.kind {
        crate::domain::DocumentKind::Purchase => "Purchase order",
        crate::domain::DocumentKind::Sale => "Sales order",
        crate::domain::DocumentKind::Return => "Return",
    }
}

fn capital(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The document as the bytes of a PDF file.
pub fn write(doc: &PrintedDocument, paper: Paper) -> Vec<u8> {
    let pages = layout(doc, paper);
    let (w, h) = paper.size();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first = 6;
    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    let page_refs: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first + 2 * i32::try_from(i).unwrap_or(i32::MAX / 4)))
        .collect();
    pdf.pages(tree)
        .kids(page_refs.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(i32::MAX));
    for (font, name) in [(regular, "Helvetica"), (bold, "Helvetica-Bold")] {
        pdf.type1_font(font)
            .base_font(Name(name.as_bytes()))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    let title = format!("{} {}", doc.form.title(), doc.reference);
    pdf.document_info(info)
        .title(pdf_writer::TextStr(&title))
        .producer(pdf_writer::TextStr("scantrail"));
    for (page, id) in pages.iter().zip(&page_refs) {
        let content_id = Ref::new(id.get() + 1);
        let mut p = pdf.page(*id);
        p.media_box(Rect::new(0.0, 0.0, w, h));
        p.parent(tree);
        p.contents(content_id);
        p.resources()
            .fonts()
            .pair(Name(b"F1"), regular)
            .pair(Name(b"F2"), bold);
        p.finish();
        let mut c = Content::new();
        c.set_line_width(0.5);
        for mark in &page.marks {
            match mark {
                Mark::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                } => {
                    let font = if *bold { Name(b"F2") } else { Name(b"F1") };
                    c.begin_text();
                    c.set_font(font, *size);
                    c.next_line(*x, *y);
                    c.show(Str(&encode(text)));
                    c.end_text();
                }
                Mark::Rule { x1, x2, y } => {
                    c.move_to(*x1, *y);
                    c.line_to(*x2, *y);
                    c.stroke();
                }
            }
        }
        pdf.stream(content_id, &c.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::documents::{Form, Line};
    use crate::domain::{DocumentKind, DocumentStatus, Tracking};

    fn doc(lines: usize) -> PrintedDocument {
        PrintedDocument {
            reference: "SO-1".into(),
            kind: DocumentKind::Sale,
            form: Form::PackingSlip,
            status: DocumentStatus::Open,
            partner: "Zoë's Ωmega".into(),
            date: "2026-12-02".into(),
            station: "PACK-1".into(),
            lines: (1..=lines)
                .map(|n| Line {
                    line: Some(u32::try_from(n).unwrap()),
                    sku: format!("SKU-{n}"),
                    name: "A product with a name much too long to fit into the column of products on the page".into(),
                    tracking: Tracking::None,
                    ordered: 1,
                    done: 1,
                    open: 0,
                    items: Vec::new(),
                    returned: Vec::new(),
                    take: Vec::new(),
                    short: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn characters_outside_win_ansi_become_question_marks() {
        assert_eq!(encode("Zoë ×12 €5 Ω"), b"Zo\xeb \xd712 \x805 ?");
    }

    #[test]
    fn long_documents_break_into_pages_each_with_the_head_and_its_number() {
        let pages = layout(&doc(300), Paper::A4);
        assert!(pages.len() >= 5, "{} pages", pages.len());
        let n = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let texts: Vec<&str> = page.texts().collect();
            assert!(texts.contains(&"Packing slip  SO-1"), "page {i}: {texts:?}");
            assert!(texts.contains(&"Product"));
            assert!(texts.contains(&format!("Page {} of {n}", i + 1).as_str()));
        }
        // Every line once, in order.
        let skus: Vec<String> = pages
            .iter()
            .flat_map(|p| {
                p.texts()
                    .filter(|t| t.starts_with("SKU-"))
                    .map(str::to_owned)
            })
            .collect();
        assert_eq!(skus.len(), 300);
        assert_eq!(skus[299], "SKU-300");
    }

    #[test]
    fn nothing_is_drawn_below_the_foot_or_past_the_right_margin() {
        for paper in [Paper::A4, Paper::Letter] {
            let (w, _) = paper.size();
            for page in layout(&doc(80), paper) {
                for m in &page.marks {
                    if let Mark::Text {
                        x,
                        y,
                        size,
                        text,
                        bold,
                    } = m
                    {
                        assert!(*y >= FOOT, "{text} at {y}");
                        assert!(x + width(text, *size, *bold) <= w - MARGIN + 0.01, "{text}");
                    }
                }
            }
        }
    }
}
