//! Labels as one PNG sheet, drawn at the printer's resolution (one pixel a dot, the dpi in
//! the file's pHYs chunk so it prints at size): 8-bit grey, black on white. The text is the
//! 8×8 bitmap font of `font8x8` (ASCII and Latin-1), scaled by whole pixels.

use super::layout::{LabelGeometry, Sheet};
use super::{Label, LabelError};
use font8x8::UnicodeFonts;

struct Canvas {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32, grey: u8) {
        for row in y.min(self.height)..(y + h).min(self.height) {
            let start = (row * self.width + x.min(self.width)) as usize;
            let end = (row * self.width + (x + w).min(self.width)) as usize;
            self.pixels[start..end].fill(grey);
        }
    }

    fn outline(&mut self, x: u32, y: u32, w: u32, h: u32) {
        self.fill(x, y, w, 1, 200);
        self.fill(x, y + h.saturating_sub(1), w, 1, 200);
        self.fill(x, y, 1, h, 200);
        self.fill(x + w.saturating_sub(1), y, 1, h, 200);
    }

    /// `text` centred on `center`, its 8×8 cells scaled to at most `size` pixels and to fit
    /// `width`; cut with `...` when even 1:1 does not fit.
    fn text(&mut self, text: &str, center: u32, top: u32, size: u32, width: u32) {
        let glyphs: Vec<[u8; 8]> = text
            .chars()
            .map(|c| {
                font8x8::BASIC_FONTS
                    .get(c)
                    .or_else(|| font8x8::LATIN_FONTS.get(c))
            })
            .map(|g| g.unwrap_or([0x3c, 0x42, 0x02, 0x0c, 0x10, 0x00, 0x10, 0x00]))
            .collect();
        let mut scale = (size / 8).max(1);
        while scale > 1 && glyphs.len() as u32 * 8 * scale > width {
            scale -= 1;
        }
        let mut glyphs = glyphs;
        if glyphs.len() as u32 * 8 * scale > width {
            let fits = (width / (8 * scale)).saturating_sub(3) as usize;
            glyphs.truncate(fits);
            let dot = font8x8::BASIC_FONTS.get('.').unwrap_or_default();
            glyphs.extend([dot; 3]);
        }
        let text_w = glyphs.len() as u32 * 8 * scale;
        let left = center.saturating_sub(text_w / 2);
        for (i, glyph) in glyphs.iter().enumerate() {
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..8 {
                    if bits & (1 << gx) != 0 {
                        self.fill(
                            left + (i as u32 * 8 + gx) * scale,
                            top + gy as u32 * scale,
                            scale,
                            scale,
                            0,
                        );
                    }
                }
            }
        }
    }
}

/// All `labels` on one PNG sheet.
pub fn sheet(
    labels: &[Label],
    geometry: &LabelGeometry,
    paper_mm: (f64, f64),
) -> Result<Vec<u8>, LabelError> {
    let sheet = Sheet::all_on_one(geometry, paper_mm, labels.len());
    let mut canvas = Canvas {
        width: sheet.width,
        height: sheet.height,
        pixels: vec![255; (sheet.width * sheet.height) as usize],
    };
    for (i, label) in labels.iter().enumerate() {
        let drawing = label.draw(geometry)?;
        let (ox, oy) = sheet.origin(geometry, i);
        if labels.len() > 1 {
            canvas.outline(ox, oy, drawing.width, drawing.height);
        }
        for r in &drawing.rects {
            canvas.fill(ox + r.x, oy + r.y, r.w, r.h, 0);
        }
        let place = &drawing.place;
        for (n, line) in drawing.lines.iter().enumerate() {
            canvas.text(
                line,
                ox + place.text_center,
                oy + place.text_top + n as u32 * place.text_pitch,
                place.text_size,
                place.text_width,
            );
        }
    }
    encode(&canvas, geometry.dpi)
}

fn encode(canvas: &Canvas, dpi: u32) -> Result<Vec<u8>, LabelError> {
    let mut out = Vec::new();
    let failed = |e: ::png::EncodingError| LabelError::Encode(format!("PNG: {e}"));
    {
        let mut encoder = ::png::Encoder::new(&mut out, canvas.width, canvas.height);
        encoder.set_color(::png::ColorType::Grayscale);
        encoder.set_depth(::png::BitDepth::Eight);
        let per_metre = (f64::from(dpi) / 0.0254).round() as u32;
        encoder.set_pixel_dims(Some(::png::PixelDimensions {
            xppu: per_metre,
            yppu: per_metre,
            unit: ::png::Unit::Meter,
        }));
        let mut writer = encoder.write_header().map_err(failed)?;
        writer.write_image_data(&canvas.pixels).map_err(failed)?;
        writer.finish().map_err(failed)?;
    }
    Ok(out)
}
