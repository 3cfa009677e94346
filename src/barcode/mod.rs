//! Pure text → meaning: what a scanned barcode says, with no I/O and no clock.
//!
//! `gtin` knows the GS1 check digit, the GTIN-8/12/13/14 forms and UPC-E; it normalises every
//! GTIN to the 14-digit form that the store keeps, so that a product labelled with an EAN-13
//! is found whether the scanner reports it as 13 digits, as a GTIN-14, or inside a GS1 string.
//! `gs1` reads GS1 element strings (raw, bracketed, Digital Link) against the GS1 Barcode
//! Syntax Dictionary; `aim` reads the symbology identifier a scanner may put in front of
//! the data; `classify` puts it together in SPEC §3's order, asking the store only through a
//! read-only trait. `image` finds the barcodes in the bytes of a picture (a photo, a scanned
//! sheet) and gives each as the scan a scanner would have sent.

pub mod aim;
pub mod classify;
pub mod gs1;
pub mod gtin;
pub mod image;
