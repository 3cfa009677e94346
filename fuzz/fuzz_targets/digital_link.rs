//! Fuzz target for GS1 Digital Link URIs: any text either parses or is an error (bad
//! percent-escapes, unknown AIs, a mixed-case scheme); a URI that parses is written again
//! under another stem and reads back to the same elements; percent-encoding is undone by
//! percent-decoding for any text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::barcode::gs1::{Gs1Message, digital_link};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert_eq!(
        digital_link::percent_decode(&digital_link::percent_encode(&text)).as_deref(),
        Some(&*text)
    );
    let _ = digital_link::percent_decode(&text);
    let _ = digital_link::is_digital_link(&text);
    let Ok(message) = digital_link::parse(&text) else {
        return;
    };
    let uri = digital_link::to_digital_link(&message, "https://id.example.com/stem")
        .unwrap_or_else(|e| panic!("a parsed Digital Link cannot be written again: {e}"));
    let again = digital_link::parse(&uri)
        .unwrap_or_else(|e| panic!("{uri} (written from {text:?}) does not parse: {e}"));
    assert_eq!(sorted(&again), sorted(&message), "{text:?} → {uri}");
});

fn sorted(message: &Gs1Message) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = message
        .elements()
        .iter()
        .map(|e| (e.ai().to_owned(), e.value().to_owned()))
        .collect();
    v.sort();
    v
}
