//! Labels as one SVG sheet: every label in a grid as wide as the paper allows, dimensions in
//! millimetres, one dot of the printer one user unit; bars as rectangles, the text centred
//! in Helvetica (or the sans-serif the viewer has).

use super::layout::{LabelGeometry, Sheet};
use super::{Label, LabelError};
use std::fmt::Write as _;

fn escape(text: &str) -> String {
    let mut s = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => s.push_str("&amp;"),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '"' => s.push_str("&quot;"),
            c if c.is_control() => {}
            c => s.push(c),
        }
    }
    s
}

/// All `labels` on one SVG sheet.
pub fn sheet(
    labels: &[Label],
    geometry: &LabelGeometry,
    paper_mm: (f64, f64),
) -> Result<Vec<u8>, LabelError> {
    let sheet = Sheet::all_on_one(geometry, paper_mm, labels.len());
    let mm = 25.4 / f64::from(geometry.dpi);
    let mut s = String::with_capacity(labels.len() * 4000 + 300);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{:.2}mm\" height=\"{:.2}mm\" viewBox=\"0 0 {} {}\">\n\
         <rect width=\"{}\" height=\"{}\" fill=\"#fff\"/>\n",
        f64::from(sheet.width) * mm,
        f64::from(sheet.height) * mm,
        sheet.width,
        sheet.height,
        sheet.width,
        sheet.height
    );
    for (i, label) in labels.iter().enumerate() {
        let drawing = label.draw(geometry)?;
        let (ox, oy) = sheet.origin(geometry, i);
        let _ = writeln!(s, "<g transform=\"translate({ox} {oy})\">");
        if labels.len() > 1 {
            let _ = writeln!(
                s,
                "<rect width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#ccc\"/>",
                drawing.width, drawing.height
            );
        }
        s.push_str("<path fill=\"#000\" d=\"");
        for r in &drawing.rects {
            let _ = write!(s, "M{} {}h{}v{}h-{}z", r.x, r.y, r.w, r.h, r.w);
        }
        s.push_str("\"/>\n");
        let place = &drawing.place;
        for (n, line) in drawing.lines.iter().enumerate() {
            let (fitted, size) =
                super::pdf::fit(line, place.text_size as f32, place.text_width as f32);
            let text: String = if fitted.ends_with(b"...") && !line.ends_with("...") {
                let kept = fitted.len() - 3;
                format!("{}...", line.chars().take(kept).collect::<String>())
            } else {
                line.clone()
            };
            let baseline = place.text_top as f32 + n as f32 * place.text_pitch as f32 + size * 0.8;
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{baseline:.1}\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"{size:.1}\" text-anchor=\"middle\">{}</text>",
                place.text_center,
                escape(&text)
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    Ok(s.into_bytes())
}
