//! Fuzz target for the barcode layer: any bytes, taken as a scan, go through the raw,
//! bracketed and Digital Link parsers and the classifier without a panic, and any raw
//! element string that parses reads back identically from the message's bracketed and raw
//! forms. Run from the repository root (docs/reliability.md, "Fuzzing", says how on stable).

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::barcode::classify::{Classifier, NoStore};
use scantrail::barcode::gs1::{Gs1Message, digital_link};
use scantrail::config::BarcodeConfig;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Gs1Message::parse_bracketed(&text);
    let _ = digital_link::parse(&text);
    let config = BarcodeConfig {
        extra_separators: vec!["~".into()],
        ..BarcodeConfig::default()
    };
    let _ = Classifier::new(&config).classify(&text, &NoStore);
    if let Ok(message) = Gs1Message::parse_element_string(&text, &['~']) {
        assert_eq!(
            Gs1Message::parse_bracketed(&message.hri()).as_ref(),
            Ok(&message)
        );
        assert_eq!(
            Gs1Message::parse_element_string(&message.element_string(), &[]).as_ref(),
            Ok(&message)
        );
    }
});
