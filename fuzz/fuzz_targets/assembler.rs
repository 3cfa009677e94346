//! Fuzz target for the keystroke assemblers (SPEC §2): any stream of key events — presses,
//! releases and repeats of any key code, dropped events, resyncs, pauses of any length —
//! through a scanner's `KeyAssembler` with rules drawn from the first bytes, and any
//! terminal input through the `WedgeAssembler`. Neither panics; no scan is longer than the
//! limit; a scan's start is not after its end; a deadline never fires early, and a scan or
//! error only comes from a deadline that has passed.

#![no_main]

use evdev::KeyCode;
use libfuzzer_sys::fuzz_target;
use scantrail::config::{Key, Layout, Terminator};
use scantrail::input::wedge::{TermKey, WedgeAssembler};
use scantrail::input::{Assembled, KeyAction, KeyAssembler, KeyInput, ScanRules};
use std::time::{Duration, Instant};

fuzz_target!(|data: &[u8]| {
    let Some((&setup, events)) = data.split_first() else {
        return;
    };
    let rules = ScanRules {
        terminator: [Terminator::Enter, Terminator::Tab, Terminator::Idle][usize::from(setup % 3)],
        layout: [Layout::Us, Layout::Uk, Layout::De, Layout::Fr][usize::from((setup >> 2) % 4)],
        max_len: 4 + usize::from(setup >> 4) * 3,
        gs_key: (setup & 0x40 != 0)
            .then(|| "F8".parse::<Key>().ok())
            .flatten(),
        ..ScanRules::default()
    };
    let start = Instant::now();
    let mut now = start;
    let mut scanner = KeyAssembler::new("fuzz", rules.clone());
    let mut terminal = WedgeAssembler::new("terminal", &rules);
    for pair in events.chunks_exact(2) {
        let (code, how) = (pair[0], pair[1]);
        now += Duration::from_millis(u64::from(how >> 2) * 7);
        if let Some(due) = scanner.deadline() {
            assert!(scanner.on_deadline(due - Duration::from_nanos(1)).is_none());
            if due <= now {
                let out = scanner.on_deadline(now);
                check(&rules, out.as_ref());
            }
        }
        let input = match how & 3 {
            0 => KeyInput::Key(KeyCode::new(u16::from(code)), KeyAction::Release),
            1 => KeyInput::Key(KeyCode::new(u16::from(code)), KeyAction::Press),
            2 => KeyInput::Key(KeyCode::new(u16::from(code)), KeyAction::Repeat),
            _ if code & 1 == 0 => KeyInput::Dropped,
            _ => KeyInput::Resync(vec![KeyCode::new(u16::from(code >> 1))]),
        };
        check(&rules, scanner.feed(now, input).as_ref());
        let key = match how & 7 {
            0 => TermKey::Ctrl(char::from(code)),
            1 => TermKey::Enter,
            2 => TermKey::Backspace,
            3 => TermKey::F(code % 25),
            4 => TermKey::Tab,
            _ => TermKey::Char(char::from(code)),
        };
        check(&rules, terminal.feed(now, key).as_ref());
        assert!(terminal.typed().chars().count() <= rules.max_len);
    }
    let text = String::from_utf8_lossy(events);
    for out in terminal.feed_str(now, &text) {
        check(&rules, Some(&out));
    }
});

fn check(rules: &ScanRules, out: Option<&Assembled>) {
    match out {
        Some(Assembled::Scan(scan)) => {
            assert!(
                scan.text.chars().count() <= rules.max_len,
                "a scan of {} characters passed a limit of {}",
                scan.text.chars().count(),
                rules.max_len
            );
            assert!(scan.started <= scan.ended);
        }
        Some(Assembled::Error(e)) => assert!(!e.to_string().is_empty()),
        None => {}
    }
}
