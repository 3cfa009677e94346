//! Properties of key decoding over generated inputs, through the public `input` API: any
//! text a scanner can type on its layout comes back exactly; two scanners interleaved in
//! any order never mix; an over-long scan is one error and never a scan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use evdev::KeyCode;
use proptest::prelude::*;
use scantrail::config::Layout;
use scantrail::input::keymap::strokes_for;
use scantrail::input::{Assembled, KeyAction, KeyAssembler, KeyInput, ScanRules};
use std::time::{Duration, Instant};

fn layout() -> impl Strategy<Value = Layout> {
    prop_oneof![
        Just(Layout::Us),
        Just(Layout::Uk),
        Just(Layout::De),
        Just(Layout::Fr)
    ]
}

/// Scan text: printable ASCII with GS, RS and EOT among it (what GS1 and ISO 15434
/// barcodes hold), not starting or ending with a space.
fn scan_text() -> impl Strategy<Value = String> {
    let printable = (0x21u8..0x7f).prop_map(char::from);
    let control = prop_oneof![Just('\x1d'), Just('\x1e'), Just('\x04'), Just(' ')];
    prop::collection::vec(prop_oneof![8 => printable, 1 => control], 1..120).prop_map(|v| {
        let s: String = v.into_iter().collect();
        let t = s.trim().to_string();
        if t.is_empty() { "X".to_string() } else { t }
    })
}

fn events(layout: Layout, text: &str) -> Vec<KeyInput> {
    let mut out: Vec<KeyInput> = strokes_for(layout, text)
        .expect("typable")
        .into_iter()
        .map(|(k, down)| {
            KeyInput::Key(
                k,
                if down {
                    KeyAction::Press
                } else {
                    KeyAction::Release
                },
            )
        })
        .collect();
    out.push(KeyInput::Key(KeyCode::KEY_ENTER, KeyAction::Press));
    out.push(KeyInput::Key(KeyCode::KEY_ENTER, KeyAction::Release));
    out
}

fn rules(layout: Layout) -> ScanRules {
    ScanRules {
        layout,
        ..ScanRules::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn typed_text_comes_back_exactly(layout in layout(), text in scan_text()) {
        let mut asm = KeyAssembler::new("dock", rules(layout));
        let mut now = Instant::now();
        let mut out = Vec::new();
        for e in events(layout, &text) {
            now += Duration::from_millis(2);
            out.extend(asm.feed(now, e));
        }
        prop_assert_eq!(out.len(), 1);
        match &out[0] {
            Assembled::Scan(s) => prop_assert_eq!(&s.text, &text),
            Assembled::Error(e) => prop_assert!(false, "error {}", e),
        }
    }

    #[test]
    fn two_scanners_in_any_interleaving_never_mix(
        la in layout(), lb in layout(),
        a in scan_text(), b in scan_text(),
        order in prop::collection::vec(any::<bool>(), 0..600),
    ) {
        let mut asm_a = KeyAssembler::new("a", rules(la));
        let mut asm_b = KeyAssembler::new("b", rules(lb));
        let mut ea = events(la, &a).into_iter();
        let mut eb = events(lb, &b).into_iter();
        let mut choices = order.into_iter();
        let mut now = Instant::now();
        let mut out = Vec::new();
        loop {
            now += Duration::from_millis(1);
            let take_a = |ea: &mut std::vec::IntoIter<KeyInput>| ea.next().map(|e| (0, e));
            let take_b = |eb: &mut std::vec::IntoIter<KeyInput>| eb.next().map(|e| (1, e));
            // The generated order says whose key comes next; when one is done, the other.
            let step = if choices.next().unwrap_or(true) {
                take_a(&mut ea).or_else(|| take_b(&mut eb))
            } else {
                take_b(&mut eb).or_else(|| take_a(&mut ea))
            };
            let Some((which, e)) = step else { break };
            let asm = if which == 0 { &mut asm_a } else { &mut asm_b };
            out.extend(asm.feed(now, e));
        }
        let mut scans: Vec<(String, String)> = out
            .into_iter()
            .map(|x| match x {
                Assembled::Scan(s) => (s.device_label, s.text),
                Assembled::Error(e) => ("error".into(), e.to_string()),
            })
            .collect();
        scans.sort();
        prop_assert_eq!(scans, vec![("a".to_string(), a), ("b".to_string(), b)]);
    }

    #[test]
    fn an_over_long_scan_is_one_error_then_the_next_scan_is_read(
        layout in layout(), limit in 1usize..40, extra in 1usize..40, next in scan_text(),
    ) {
        let long: String = "A1-".chars().cycle().take(limit + extra).collect();
        let mut asm = KeyAssembler::new("dock", ScanRules { max_len: limit, ..rules(layout) });
        let mut now = Instant::now();
        let mut out = Vec::new();
        let next = next.chars().take(limit).collect::<String>().trim().to_string();
        let next = if next.is_empty() { "Z".to_string() } else { next };
        for e in events(layout, &long).into_iter().chain(events(layout, &next)) {
            now += Duration::from_millis(2);
            out.extend(asm.feed(now, e));
        }
        prop_assert_eq!(out.len(), 2, "{:?}", out);
        prop_assert!(matches!(&out[0], Assembled::Error(_)));
        prop_assert!(matches!(&out[1], Assembled::Scan(s) if s.text == next));
    }
}
