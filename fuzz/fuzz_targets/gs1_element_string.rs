//! Fuzz target for the GS1 element-string parser (SPEC §3): any text, read as the data of a
//! GS1 symbol with GS and `~` as separators, either parses or is an error; a complete
//! message reads back identically from its bracketed form and from its own element string,
//! and a partial reading (one that lacks a required companion) says what it lacks.

#![no_main]

use libfuzzer_sys::fuzz_target;
use scantrail::barcode::gs1::{Gs1Message, Gs1Reading};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match Gs1Reading::element_string(&text, &['~']) {
        Ok(Gs1Reading::Complete(message)) => round_trip(&message),
        Ok(Gs1Reading::Partial(partial)) => {
            assert!(
                !partial.needs().is_empty(),
                "a partial reading lacks nothing"
            );
            assert!(!partial.lacks().is_empty());
            let _ = partial.hri();
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    if let Ok(message) = Gs1Message::parse_bracketed(&text) {
        round_trip(&message);
    }
});

fn round_trip(message: &Gs1Message) {
    assert_eq!(
        Gs1Message::parse_bracketed(&message.hri()).as_ref(),
        Ok(message)
    );
    assert_eq!(
        Gs1Message::parse_element_string(&message.element_string(), &[]).as_ref(),
        Ok(message)
    );
}
