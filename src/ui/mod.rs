//! The kiosk screen: a view model built from the core, pure draw functions, the key table,
//! and the terminal loop on the station runtime (`crate::station`).

pub mod draw;
pub mod keys;
pub mod kiosk;
pub mod view;

/// Barcodes a newcomer can type at the demo kiosk to try every mode.
pub fn cheat_sheet() -> Vec<(String, String)> {
    [
        ("OP-maria", "log in as maria"),
        ("PO-1042", "receive: open a purchase order"),
        (
            "0614141000029",
            "Laptop X1 Carbon; serials like SN-4471-0094",
        ),
        ("0614141000012", "Aspirin ×12; then a lot like L2026-140"),
        ("CABLE-1M", "USB-C cable, untracked"),
        ("LOC-A-01-3  LOC-B-02", "locations"),
        ("CMD-PICK  SO-7781", "pick: open a sales order"),
        ("CMD-TRANSFER", "then a source, items, a destination"),
        ("CMD-LOOKUP  SN-4471-0093", "the history of a serial"),
        ("CMD-QTY-5", "the next line counts 5"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect()
}
