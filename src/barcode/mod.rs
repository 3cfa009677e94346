//! Pure text → meaning: what a scanned barcode says, with no I/O and no clock.
//!
//! `gtin` knows the GS1 check digit, the GTIN-8/12/13/14 forms and UPC-E; it normalises every
//! GTIN to the 14-digit form that the store keeps, so that a product labelled with an EAN-13
//! is found whether the scanner reports it as 13 digits, as a GTIN-14, or inside a GS1 string.

pub mod gtin;
