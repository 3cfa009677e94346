//! A printed document for a terminal: a head (form, reference, partner, date, station), a
//! table of lines with aligned columns (quantities right-aligned, as `stock` and `count
//! report` print them) and, under each line, its notes — lots, serials, where to take them,
//! what is short. Every stored text is escaped ([`crate::session::shown`]), so none can drive
//! the terminal.

use super::{Form, PrintedDocument, notes};
use crate::session::shown;

/// The document as lines of text, each ending in a newline.
pub fn render(doc: &PrintedDocument) -> String {
    let form = doc.form;
    let mut out = String::new();
    out.push_str(&format!(
        "{}  {}  {}\n",
        form.title().to_uppercase(),
        shown(&doc.reference),
        shown(&doc.partner)
    ));
    out.push_str(&format!(
        "{}, {} · printed {} at {}\n\n",
        match doc.kind {
            crate::domain::DocumentKind::Purchase => "purchase order",
            crate::domain::DocumentKind::Sale => "sales order",
            crate::domain::DocumentKind::Return => "return",
        },
        doc.status,
        doc.date,
        shown(&doc.station)
    ));
    let header = [
        "LINE".to_owned(),
        "SKU".to_owned(),
        "PRODUCT".to_owned(),
        "ORDERED".to_owned(),
        form.done_word().to_uppercase(),
        form.open_word().to_uppercase(),
    ];
    let rows: Vec<[String; 6]> = doc
        .lines
        .iter()
        .map(|l| {
            [
                l.line.map_or_else(|| "—".to_owned(), |n| n.to_string()),
                shown(&l.sku),
                shown(&l.name),
                l.ordered.to_string(),
                l.done.to_string(),
                l.open.to_string(),
            ]
        })
        .collect();
    let mut widths = header.clone().map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String; 6]| -> String {
        let text: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i >= 3 {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect();
        format!("{}\n", text.join("  "))
    };
    out.push_str(&line(&header));
    // Notes start under the product column.
    let indent = " ".repeat(widths[0] + 2 + widths[1] + 2);
    for (l, row) in doc.lines.iter().zip(&rows) {
        out.push_str(&line(row));
        for note in notes(form, l) {
            out.push_str(&format!("{indent}{}\n", shown(&note)));
        }
    }
    let open: i64 = doc.lines.iter().map(|l| l.open).sum();
    let short: i64 = doc.lines.iter().map(|l| l.short).sum();
    out.push('\n');
    out.push_str(&match form {
        Form::PickList if short > 0 => format!(
            "{} line(s), {open} unit(s) to pick, {short} of them short\n",
            doc.lines.len()
        ),
        Form::PickList => format!("{} line(s), {open} unit(s) to pick\n", doc.lines.len()),
        _ => {
            let done: i64 = doc.lines.iter().map(|l| l.done).sum();
            format!(
                "{} line(s), {done} unit(s) {}, {open} {}\n",
                doc.lines.len(),
                form.done_word(),
                form.open_word()
            )
        }
    });
    out
}
