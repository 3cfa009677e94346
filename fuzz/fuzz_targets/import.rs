//! Fuzz target for the catalog CSV readers (SPEC §6): any bytes as `products.csv`,
//! `locations.csv` or `orders.csv` either give rows or one error that names the file;
//! rows come with increasing line numbers past the header, a product or order row has its
//! required fields, a location code has no space or control character, and no error
//! message carries a raw control character to the terminal it is printed on.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::config::BarcodeConfig;
use scantrail::import::{CsvError, read_locations, read_orders, read_products};

fuzz_target!(|data: &[u8]| {
    match read_products("p.csv", data) {
        Ok(rows) => {
            lines_increase(rows.iter().map(|r| r.line));
            for r in &rows {
                assert!(!r.sku.is_empty() && !r.name.is_empty());
                assert!(
                    r.barcodes
                        .iter()
                        .all(|(code, units)| !code.is_empty() && *units >= 1)
                );
            }
        }
        Err(e) => error(&e),
    }
    match read_locations("l.csv", data) {
        Ok(rows) => {
            lines_increase(rows.iter().map(|r| r.line));
            for r in &rows {
                assert!(!r.code.is_empty());
                assert!(!r.code.chars().any(|c| c.is_whitespace() || c.is_control()));
            }
        }
        Err(e) => error(&e),
    }
    match read_orders("o.csv", data, &BarcodeConfig::default()) {
        Ok(rows) => {
            lines_increase(rows.iter().map(|r| r.line));
            assert!(rows.iter().all(|r| r.qty >= 1 && !r.sku.is_empty()));
        }
        Err(e) => error(&e),
    }
});

fn lines_increase(lines: impl Iterator<Item = u64>) {
    let mut last = 1;
    for line in lines {
        assert!(line > last, "line {line} after line {last}");
        last = line;
    }
}

fn error(e: &CsvError) {
    let text = e.to_string();
    assert!(text.starts_with(&e.file));
    assert!(
        !text.chars().any(|c| c.is_control() && c != '\n'),
        "a raw control character in {text:?}"
    );
}
