//! Printed labels (SPEC §8): serial, lot, location and product labels and the sheet of
//! command barcodes, as PNG, SVG, PDF or ZPL II, and sending ZPL to a label printer.
//!
//! A label goes through three pure steps: its content ([`content`]: the symbol's data and the
//! text under it, from the catalog's facts), its symbol's modules ([`symbol`], drawn by
//! rxing and the `datamatrix` crate), and its layout in printer dots ([`layout`]). Each
//! format then writes the same drawing: PDF with vector bars and base-14 Helvetica, SVG,
//! PNG at the printer's resolution with an 8×8 bitmap font, or ZPL with the printer's own
//! barcode commands (the printer draws those bars itself). Only [`printer`] does I/O.

pub mod content;
pub mod layout;
pub mod pdf;
pub mod png;
pub mod printer;
pub mod svg;
pub mod symbol;
pub mod zpl;

use content::LabelContent;
use layout::{LabelGeometry, Placement, SymbolSize};
use symbol::Modules;

/// What can go wrong making a label, in the words of the person printing it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LabelError {
    #[error("not valid GS1 data for a label: {0}")]
    Gs1(String),
    #[error("'{0}' cannot be printed as Code 128: only ASCII letters, digits and signs")]
    NotPrintable(String),
    #[error("product {0} has no barcode to print: import one for it (products.csv, barcodes)")]
    NoBarcode(String),
    #[error("the barcode cannot be drawn: {0}")]
    Encode(String),
    #[error(
        "the barcode of '{data}' does not fit on a {width_mm} × {height_mm} mm label at {dpi} \
         dpi: choose a larger [labels] size, a higher dpi, or a shorter text"
    )]
    TooSmall {
        data: String,
        width_mm: f64,
        height_mm: f64,
        dpi: u32,
    },
}

impl LabelError {
    /// The error with the label's data named in it.
    pub fn about(self, data: &str) -> LabelError {
        match self {
            LabelError::TooSmall {
                width_mm,
                height_mm,
                dpi,
                ..
            } => LabelError::TooSmall {
                data: data.replace(crate::barcode::gs1::GS, "<GS>"),
                width_mm,
                height_mm,
                dpi,
            },
            other => other,
        }
    }
}

/// The output formats of `scantrail labels`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
    Pdf,
    Zpl,
}

/// A label ready to draw: its content, its symbol's size, and its modules once encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub content: LabelContent,
    /// The symbol's size in modules: what the layout fits, and all that ZPL needs.
    pub size: SymbolSize,
    /// The symbol's modules; `None` for a label made by [`Label::for_zpl`], whose printer
    /// draws the symbol itself ([`Label::draw`] then encodes it).
    modules: Option<Modules>,
}

impl Label {
    /// A label with its symbol encoded, for every format.
    pub fn new(content: LabelContent) -> Result<Label, LabelError> {
        let modules = symbol::encode(&content)?;
        Ok(Label {
            content,
            size: modules.size(),
            modules: Some(modules),
        })
    }

    /// A label for ZPL alone: a GS1 DataMatrix is sized without being encoded when its data
    /// tells its size ([`symbol::size`]), since the printer draws it (`^BX`); the same ZPL
    /// as [`Label::new`] gives, several times faster.
    pub fn for_zpl(content: LabelContent) -> Result<Label, LabelError> {
        if content.symbology != content::Symbology::Gs1DataMatrix {
            return Label::new(content);
        }
        let size = symbol::size(&content)?;
        Ok(Label {
            content,
            size,
            modules: None,
        })
    }

    /// A label for `format`: [`Label::for_zpl`] for ZPL, else [`Label::new`].
    pub fn for_format(content: LabelContent, format: Format) -> Result<Label, LabelError> {
        match format {
            Format::Zpl => Label::for_zpl(content),
            Format::Png | Format::Svg | Format::Pdf => Label::new(content),
        }
    }

    /// The label drawn in dots: its bars and modules as rectangles, and its text lines.
    pub fn draw(&self, geometry: &LabelGeometry) -> Result<Drawing, LabelError> {
        let place = layout::place(geometry, self.size, self.content.lines.len())
            .map_err(|e| e.about(&self.content.data))?;
        let encoded;
        let m = match &self.modules {
            Some(m) => m,
            None => {
                encoded = symbol::encode(&self.content)?;
                &encoded
            }
        };
        let mut rects = Vec::new();
        for y in 0..m.height {
            for (x, len) in m.runs(y) {
                rects.push(Rect {
                    x: place.symbol_x + x as u32 * place.module,
                    y: place.symbol_y + y as u32 * place.row_height,
                    w: len as u32 * place.module,
                    h: place.row_height,
                });
            }
        }
        Ok(Drawing {
            width: geometry.width(),
            height: geometry.height(),
            rects,
            lines: self.content.lines.clone(),
            place,
        })
    }
}

/// A dark rectangle, in dots from the label's top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

/// One label as drawn: what every format but ZPL writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawing {
    pub width: u32,
    pub height: u32,
    pub rects: Vec<Rect>,
    pub lines: Vec<String>,
    pub place: Placement,
}

/// The label size and resolution of a `[labels]` section.
pub fn geometry(config: &crate::config::LabelsConfig) -> LabelGeometry {
    let (width_mm, height_mm) = config.size_mm();
    LabelGeometry {
        width_mm,
        height_mm,
        dpi: config.dpi,
    }
}

/// The paper of a `[labels]` section, in millimetres.
pub fn paper_mm(config: &crate::config::LabelsConfig) -> (f64, f64) {
    match config.paper {
        crate::config::Paper::A4 => (210.0, 297.0),
        crate::config::Paper::Letter => (215.9, 279.4),
    }
}

/// Writes `labels` in `format`: ZPL one `^XA…^XZ` per label, PDF pages of labels on
/// `paper_mm`, one SVG or one PNG sheet with all of them.
pub fn render(
    labels: &[Label],
    format: Format,
    geometry: &LabelGeometry,
    paper_mm: (f64, f64),
) -> Result<Vec<u8>, LabelError> {
    match format {
        Format::Zpl => {
            let mut out = Vec::with_capacity(labels.len() * 400);
            for label in labels {
                zpl::write_label(&mut out, label, geometry)?;
            }
            Ok(out)
        }
        Format::Pdf => pdf::document(labels, geometry, paper_mm),
        Format::Svg => svg::sheet(labels, geometry, paper_mm),
        Format::Png => png::sheet(labels, geometry, paper_mm),
    }
}
