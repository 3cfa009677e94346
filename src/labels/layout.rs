//! Where things go on a label and labels on a sheet, in printer dots (the `[labels]` dpi):
//! the symbol with its quiet zone at the top, the text lines under it. Pure arithmetic shared
//! by every format, so a PDF, an SVG, a PNG and the ZPL of one label look alike and every
//! bar is a whole number of dots wide, as the printer will print it.

use super::LabelError;

/// Millimetres to dots at `dpi`, rounded.
pub fn dots(mm: f64, dpi: u32) -> u32 {
    (mm * f64::from(dpi) / 25.4).round().max(0.0) as u32
}

/// A label's size and resolution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelGeometry {
    pub width_mm: f64,
    pub height_mm: f64,
    pub dpi: u32,
}

impl LabelGeometry {
    pub fn width(&self) -> u32 {
        dots(self.width_mm, self.dpi)
    }
    pub fn height(&self) -> u32 {
        dots(self.height_mm, self.dpi)
    }
}

/// The symbol's size in modules: what the layout must fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SymbolSize {
    pub columns: u32,
    /// 1 for a linear symbol.
    pub rows: u32,
    /// Light modules on each side.
    pub quiet: u32,
}

/// Where a label's parts go, in dots from its top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// The symbol's top left corner (inside its quiet zone).
    pub symbol_x: u32,
    pub symbol_y: u32,
    /// One module's width (and height for a 2D symbol).
    pub module: u32,
    /// The bars' height of a linear symbol; the module for a 2D one.
    pub row_height: u32,
    /// The text lines: the first's top, the height of a line's letters, the line pitch, and
    /// the width they must fit in, centred on `text_center`.
    pub text_top: u32,
    pub text_size: u32,
    pub text_pitch: u32,
    pub text_width: u32,
    pub text_center: u32,
}

/// Fits a symbol and `lines` lines of text on a label.
pub fn place(
    label: &LabelGeometry,
    symbol: SymbolSize,
    lines: usize,
) -> Result<Placement, LabelError> {
    let dpi = label.dpi;
    let (w, h) = (label.width(), label.height());
    let margin = dots(1.5, dpi).max(2);
    let text_size = dots((label.height_mm * 0.085).clamp(2.0, 5.0), dpi).max(8);
    let text_pitch = text_size * 5 / 4;
    let text_block = text_pitch * lines as u32;
    let gap = dots(0.8, dpi);
    let box_w = w.saturating_sub(2 * margin);
    let box_h = h.saturating_sub(2 * margin + text_block + gap);
    let too_small = || LabelError::TooSmall {
        data: String::new(),
        width_mm: label.width_mm,
        height_mm: label.height_mm,
        dpi,
    };
    let across = symbol.columns + 2 * symbol.quiet;
    let (module, row_height, symbol_h) = if symbol.rows == 1 {
        // Bars no narrower than 0.19 mm (2 dots at 203 and 300 dpi, 4 at 600): a scanner
        // reads a Code 128 of one 0.125 mm dot poorly, and a PDF page scanned back not at all.
        let module = (box_w / across).min(dots(0.5, dpi).max(1));
        if module < dots(0.19, dpi).max(1) {
            return Err(too_small());
        }
        let bars = box_h.min(dots(22.0, dpi));
        if module == 0 || bars < dots(5.0, dpi) {
            return Err(too_small());
        }
        (module, bars, bars)
    } else {
        let down = symbol.rows + 2 * symbol.quiet;
        let module = (box_w / across)
            .min(box_h / down)
            .min(dots(1.2, dpi).max(1));
        if module == 0 {
            return Err(too_small());
        }
        (module, module, module * symbol.rows)
    };
    let symbol_w = module * symbol.columns;
    let symbol_x = (w - symbol_w) / 2;
    let symbol_y = if symbol.rows == 1 {
        margin + (box_h - symbol_h) / 2
    } else {
        let with_quiet = module * (symbol.rows + 2 * symbol.quiet);
        margin + (box_h - with_quiet) / 2 + symbol.quiet * module
    };
    Ok(Placement {
        symbol_x,
        symbol_y,
        module,
        row_height,
        text_top: h - margin - text_block,
        text_size,
        text_pitch,
        text_width: box_w,
        text_center: w / 2,
    })
}

/// Labels laid out on sheets: how many across and down, and where the first one starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sheet {
    pub width: u32,
    pub height: u32,
    pub across: u32,
    pub down: u32,
    pub left: u32,
    pub top: u32,
    /// Space between two labels.
    pub gap: u32,
}

impl Sheet {
    /// Pages of `paper_mm` (A4, Letter) filled with labels; a label larger than the paper
    /// gets a page of its own size.
    pub fn pages(label: &LabelGeometry, paper_mm: (f64, f64)) -> Sheet {
        let dpi = label.dpi;
        let (lw, lh) = (label.width(), label.height());
        let gap = dots(2.0, dpi);
        let edge = dots(8.0, dpi);
        let (pw, ph) = (
            dots(paper_mm.0, dpi).max(lw + 2 * edge),
            dots(paper_mm.1, dpi).max(lh + 2 * edge),
        );
        let across = ((pw - 2 * edge + gap) / (lw + gap)).max(1);
        let down = ((ph - 2 * edge + gap) / (lh + gap)).max(1);
        Sheet {
            width: pw,
            height: ph,
            across,
            down,
            left: (pw - (across * (lw + gap) - gap)) / 2,
            top: (ph - (down * (lh + gap) - gap)) / 2,
            gap,
        }
    }

    /// One sheet with all `count` labels: as many across as fit the paper's width, then as
    /// many rows as they need (a PNG or SVG sheet); one label has no margin around it.
    pub fn all_on_one(label: &LabelGeometry, paper_mm: (f64, f64), count: usize) -> Sheet {
        let (lw, lh) = (label.width(), label.height());
        if count <= 1 {
            return Sheet {
                width: lw,
                height: lh,
                across: 1,
                down: 1,
                left: 0,
                top: 0,
                gap: 0,
            };
        }
        let paged = Sheet::pages(label, paper_mm);
        let across = paged.across.min(count as u32);
        let down = (count as u32).div_ceil(across);
        let gap = paged.gap;
        Sheet {
            width: across * (lw + gap) + gap,
            height: down * (lh + gap) + gap,
            across,
            down,
            left: gap,
            top: gap,
            gap,
        }
    }

    pub fn per_page(&self) -> usize {
        (self.across * self.down) as usize
    }

    /// The top left corner of the `i`th label on its page.
    pub fn origin(&self, label: &LabelGeometry, i: usize) -> (u32, u32) {
        let i = (i % self.per_page()) as u32;
        (
            self.left + (i % self.across) * (label.width() + self.gap),
            self.top + (i / self.across) * (label.height() + self.gap),
        )
    }
}
