//! Fuzz target for the classifier (SPEC §3): any scan, under the default rules and under
//! `gs1_without_prefix = "off"` with `~` as a separator, against the warehouse in memory
//! (so products, serials, locations and documents are found) and against no store, gets
//! exactly one meaning without a panic or a lookup error; a command reads back from its
//! own word; a location, document or operator keeps the text after its prefix.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::barcode::classify::{Classified, Classifier, Command, NoStore, ScanLookup};
use scantrail::config::{BarcodeConfig, Gs1WithoutPrefix};
use scantrail::session::memory::Warehouse;
use std::sync::OnceLock;

fn setup() -> &'static (Vec<(BarcodeConfig, Classifier)>, Warehouse) {
    static SETUP: OnceLock<(Vec<(BarcodeConfig, Classifier)>, Warehouse)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let plain = BarcodeConfig::default();
        let strict = BarcodeConfig {
            gs1_without_prefix: Gs1WithoutPrefix::Off,
            extra_separators: vec!["~".into()],
            ..BarcodeConfig::default()
        };
        let rules = [plain, strict]
            .into_iter()
            .map(|c| {
                let classifier = Classifier::new(&c);
                (c, classifier)
            })
            .collect();
        (rules, Warehouse::demo())
    })
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (rules, warehouse) = setup();
    for (config, classifier) in rules {
        for store in [warehouse as &dyn ScanLookup, &NoStore] {
            let meaning = classifier
                .classify(&text, store)
                .unwrap_or_else(|e| panic!("a store in memory cannot fail: {e}"));
            let _ = meaning.kind();
            check(config, &text, &meaning);
        }
    }
});

fn check(config: &BarcodeConfig, text: &str, meaning: &Classified) {
    match meaning {
        Classified::Command(c) => assert_eq!(Command::parse(&c.word()), Ok(*c)),
        Classified::Location { code, .. } => {
            assert!(text.ends_with(&format!("{}{code}", config.location_prefix)));
        }
        Classified::Operator { code } => {
            assert!(text.ends_with(&format!("{}{code}", config.operator_prefix)));
        }
        Classified::Document { reference, .. } => assert!(text.ends_with(reference.as_str())),
        _ => {}
    }
}
