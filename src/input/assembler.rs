//! From key events to scans, for one device: the key state (Shift, Caps Lock, Ctrl, Alt,
//! AltGr, a pending dead key, an Alt+numpad code being typed) and the text typed so far.
//!
//! The assembler is sans-IO: it owns no clock and no device. The caller passes the time of
//! each event and, when the terminator is an idle gap, asks [`KeyAssembler::deadline`] when
//! to call [`KeyAssembler::on_deadline`]. Its promises, from SPEC §2: a scan is the text
//! between two terminators; GS arrives as Ctrl+], Alt+0029 or the configured key and becomes
//! `\x1d`; a scan longer than the limit, or cut by a `SYN_DROPPED`, is never delivered —
//! the caller gets exactly one error for it, and everything up to the next terminator is
//! discarded so that the tail of a broken scan cannot pass for a scan of its own.

use super::keymap::{self, KeySym, Level};
use crate::config::{InputConfig, Key, Layout, Terminator};
use evdev::KeyCode;
use std::time::{Duration, Instant};

/// How a key event changed the key (the `value` of an `EV_KEY` event).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Release,
    Press,
    Repeat,
}

impl KeyAction {
    /// The kernel's value: 0 release, 1 press, 2 autorepeat.
    pub fn from_value(value: i32) -> Option<KeyAction> {
        match value {
            0 => Some(KeyAction::Release),
            1 => Some(KeyAction::Press),
            2 => Some(KeyAction::Repeat),
            _ => None,
        }
    }
}

/// What a device reader passes to its assembler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyInput {
    /// A key went down, up or repeated.
    Key(KeyCode, KeyAction),
    /// The kernel dropped events (`SYN_DROPPED`): what follows until the next terminator
    /// cannot be trusted.
    Dropped,
    /// After a drop, the keys the kernel says are held now (`EVIOCGKEY`), so that the
    /// modifier state is right again.
    Resync(Vec<KeyCode>),
}

/// The rules every assembler applies, from `[input]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanRules {
    pub terminator: Terminator,
    /// With `Terminator::Idle`, the quiet gap that ends a scan.
    pub idle_end: Duration,
    /// Longest scan accepted, in characters.
    pub max_len: usize,
    pub layout: Layout,
    /// A key that types GS, besides Ctrl+] and Alt+0029.
    pub gs_key: Option<Key>,
    /// A partial scan with no key for this long is abandoned with an error (a scanner
    /// never pauses that long inside a scan; this keeps a lost terminator from gluing two
    /// scans together). `None`: wait for the terminator forever (a person typing).
    pub abandon_after: Option<Duration>,
}

/// A partial scan left this long without a key is abandoned (scanners type a whole scan in
/// a burst; a gap this long means the terminator was lost).
pub const ABANDON_AFTER: Duration = Duration::from_secs(2);

impl ScanRules {
    /// The rules `[input]` sets, for a scanner.
    pub fn from_config(config: &InputConfig) -> ScanRules {
        ScanRules {
            terminator: config.terminator,
            idle_end: Duration::from_millis(u64::from(config.idle_end_ms)),
            max_len: config.max_scan_len as usize,
            layout: config.layout,
            gs_key: config.gs_key,
            abandon_after: Some(ABANDON_AFTER),
        }
    }
}

impl Default for ScanRules {
    fn default() -> Self {
        ScanRules::from_config(&InputConfig::default())
    }
}

/// A scan, assembled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssembledScan {
    /// The label of the device it came from (its config label, else its name).
    pub device_label: String,
    /// The text, GS as `\x1d`.
    pub text: String,
    /// When the first character was typed.
    pub started: Instant,
    /// When the terminator came (or the idle gap ran out).
    pub ended: Instant,
}

/// Why the keys typed since the last terminator are not a scan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error(
        "scan from {device} refused: longer than {limit} characters (input.max_scan_len); scan again or raise the limit"
    )]
    TooLong { device: String, limit: usize },
    #[error(
        "scan from {device} lost: the system dropped key events; scan again (if it keeps happening the machine is overloaded)"
    )]
    Dropped { device: String },
    #[error(
        "unfinished scan from {device} discarded: no end-of-scan key within {after_ms} ms; check that the scanner sends {terminator}"
    )]
    Unfinished {
        device: String,
        after_ms: u128,
        terminator: &'static str,
    },
}

impl ScanError {
    /// The device the error is about.
    pub fn device(&self) -> &str {
        match self {
            ScanError::TooLong { device, .. }
            | ScanError::Dropped { device }
            | ScanError::Unfinished { device, .. } => device,
        }
    }
}

/// What an assembler gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assembled {
    Scan(AssembledScan),
    Error(ScanError),
}

/// Where the text since the last terminator stands.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Collect {
    /// Taking characters.
    Taking,
    /// Refused (too long): the error was given; swallow until the terminator.
    Discarding,
    /// Events were dropped: the error was given; swallow until the terminator or a quiet
    /// gap of [`DROP_SETTLE`] (the terminator itself may be among the lost events).
    DiscardingAfterDrop,
}

/// After dropped events, a gap this long without a key means the cut scan is over, even if
/// its terminator was lost with the dropped events: the next scan is read again. Scanners
/// never pause this long inside a scan; the gap is measured with the kernel's timestamps.
pub const DROP_SETTLE: Duration = Duration::from_millis(250);

/// The text of the scan being typed: shared by the device assembler and the terminal
/// (keyboard-wedge) assembler, so both apply the same length and terminator rules.
#[derive(Debug, Clone)]
pub(crate) struct ScanBuffer {
    label: String,
    max_len: usize,
    text: String,
    chars: usize,
    state: Collect,
    started: Option<Instant>,
    last_key: Option<Instant>,
}

impl ScanBuffer {
    pub(crate) fn new(label: &str, max_len: usize) -> ScanBuffer {
        ScanBuffer {
            label: label.to_string(),
            max_len,
            text: String::new(),
            chars: 0,
            state: Collect::Taking,
            started: None,
            last_key: None,
        }
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    /// Something is pending: characters, or a refused scan waiting for its terminator.
    /// What has been taken of the scan so far.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn is_open(&self) -> bool {
        self.chars > 0 || self.state != Collect::Taking
    }

    /// Whether the scan was cut by dropped events and its tail is being swallowed.
    pub(crate) fn after_drop(&self) -> bool {
        self.state == Collect::DiscardingAfterDrop
    }

    pub(crate) fn touch(&mut self, now: Instant) {
        self.last_key = Some(now);
    }

    pub(crate) fn last_key(&self) -> Option<Instant> {
        self.last_key
    }

    /// Adds a character; gives the error once when the scan becomes too long.
    pub(crate) fn push(&mut self, now: Instant, c: char) -> Option<Assembled> {
        self.last_key = Some(now);
        if self.state != Collect::Taking {
            return None;
        }
        if self.started.is_none() {
            self.started = Some(now);
        }
        if self.chars >= self.max_len {
            self.text.clear();
            self.chars = 0;
            self.state = Collect::Discarding;
            return Some(Assembled::Error(ScanError::TooLong {
                device: self.label.clone(),
                limit: self.max_len,
            }));
        }
        self.text.push(c);
        self.chars += 1;
        None
    }

    /// Removes the last character (a person correcting a typo in the terminal).
    pub(crate) fn pop(&mut self) {
        if self.state == Collect::Taking && self.text.pop().is_some() {
            self.chars -= 1;
        }
    }

    /// The events were not all seen: refuse what was typed and swallow until the
    /// terminator. One error per broken scan.
    pub(crate) fn drop_events(&mut self, now: Instant) -> Option<Assembled> {
        self.last_key = Some(now);
        let was = self.state.clone();
        self.text.clear();
        self.chars = 0;
        self.state = Collect::DiscardingAfterDrop;
        (was == Collect::Taking).then(|| {
            Assembled::Error(ScanError::Dropped {
                device: self.label.clone(),
            })
        })
    }

    /// The terminator came: the scan, or nothing (an empty scan, or the end of a refused
    /// one, whose error was already given).
    pub(crate) fn finish(&mut self, now: Instant) -> Option<Assembled> {
        let state = std::mem::replace(&mut self.state, Collect::Taking);
        let text = std::mem::take(&mut self.text);
        let started = self.started.take();
        self.chars = 0;
        self.last_key = Some(now);
        match (state, started) {
            (Collect::Taking, Some(started)) if !text.is_empty() => {
                Some(Assembled::Scan(AssembledScan {
                    device_label: self.label.clone(),
                    text,
                    started,
                    ended: now,
                }))
            }
            _ => None,
        }
    }

    /// Gives up a partial scan (its terminator never came).
    pub(crate) fn abandon(
        &mut self,
        now: Instant,
        after: Duration,
        terminator: &'static str,
    ) -> Option<Assembled> {
        let had_text = self.state == Collect::Taking && self.chars > 0;
        let _ = self.finish(now);
        had_text.then(|| {
            Assembled::Error(ScanError::Unfinished {
                device: self.label.clone(),
                after_ms: after.as_millis(),
                terminator,
            })
        })
    }
}

/// An Alt+numpad code being typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct AltCode {
    value: u32,
    digits: u8,
    leading_zero: bool,
}

/// The modifiers held, from this device's own key events only.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Modifiers {
    left_shift: bool,
    right_shift: bool,
    left_ctrl: bool,
    right_ctrl: bool,
    left_alt: bool,
    right_alt: bool,
    caps_lock: bool,
}

impl Modifiers {
    fn shift(&self) -> bool {
        self.left_shift || self.right_shift
    }
    fn ctrl(&self) -> bool {
        self.left_ctrl || self.right_ctrl
    }
}

/// One device's key state and partial scan.
#[derive(Debug, Clone)]
pub struct KeyAssembler {
    rules: ScanRules,
    buffer: ScanBuffer,
    mods: Modifiers,
    dead: Option<char>,
    alt_code: Option<AltCode>,
}

impl KeyAssembler {
    /// A fresh assembler for the device called `label`.
    pub fn new(label: &str, rules: ScanRules) -> KeyAssembler {
        let buffer = ScanBuffer::new(label, rules.max_len);
        KeyAssembler {
            rules,
            buffer,
            mods: Modifiers::default(),
            dead: None,
            alt_code: None,
        }
    }

    /// The device's label.
    pub fn label(&self) -> &str {
        self.buffer.label()
    }

    /// Sets Caps Lock as the device's LED shows it when it is opened.
    pub fn set_caps_lock(&mut self, on: bool) {
        self.mods.caps_lock = on;
    }

    /// When the caller must call [`KeyAssembler::on_deadline`] next: the end of the idle
    /// gap (terminator `idle`) or the moment a stalled partial scan is abandoned.
    pub fn deadline(&self) -> Option<Instant> {
        if !self.buffer.is_open() {
            return None;
        }
        let last = self.buffer.last_key()?;
        let due = match self.rules.terminator {
            Terminator::Idle => Some(last + self.rules.idle_end),
            _ => self.rules.abandon_after.map(|a| last + a),
        };
        if self.buffer.after_drop() {
            let settle = last + DROP_SETTLE;
            return Some(due.map_or(settle, |d| d.min(settle)));
        }
        due
    }

    /// The deadline came: ends the scan on an idle gap, or abandons a stalled one.
    pub fn on_deadline(&mut self, now: Instant) -> Option<Assembled> {
        let due = self.deadline()?;
        if now < due {
            return None;
        }
        self.dead = None;
        match self.rules.terminator {
            Terminator::Idle => self.buffer.finish(now),
            Terminator::Enter | Terminator::Tab => {
                let after = self.rules.abandon_after.unwrap_or_default();
                self.buffer
                    .abandon(now, after, terminator_name(self.rules.terminator))
            }
        }
    }

    /// Feeds one input; gives a scan or an error when one is complete.
    pub fn feed(&mut self, now: Instant, input: KeyInput) -> Option<Assembled> {
        match input {
            KeyInput::Dropped => {
                self.mods = Modifiers {
                    caps_lock: self.mods.caps_lock,
                    ..Modifiers::default()
                };
                self.dead = None;
                self.alt_code = None;
                self.buffer.drop_events(now)
            }
            KeyInput::Resync(held) => {
                let caps = self.mods.caps_lock;
                self.mods = Modifiers::default();
                self.mods.caps_lock = caps;
                for key in held {
                    self.set_modifier(key, true);
                }
                None
            }
            KeyInput::Key(key, action) => self.key(now, key, action),
        }
    }

    /// Records a modifier key; false if `key` is no modifier.
    fn set_modifier(&mut self, key: KeyCode, down: bool) -> bool {
        let m = &mut self.mods;
        match key {
            KeyCode::KEY_LEFTSHIFT => m.left_shift = down,
            KeyCode::KEY_RIGHTSHIFT => m.right_shift = down,
            KeyCode::KEY_LEFTCTRL => m.left_ctrl = down,
            KeyCode::KEY_RIGHTCTRL => m.right_ctrl = down,
            KeyCode::KEY_LEFTALT => m.left_alt = down,
            KeyCode::KEY_RIGHTALT => m.right_alt = down,
            _ => return false,
        }
        true
    }

    /// Alt held for an Alt+numpad code: left Alt, or either Alt where there is no AltGr.
    fn alt_for_codes(&self) -> bool {
        self.mods.left_alt || (self.mods.right_alt && !keymap::has_altgr(self.rules.layout))
    }

    fn altgr(&self) -> bool {
        self.mods.right_alt && keymap::has_altgr(self.rules.layout)
    }

    fn key(&mut self, now: Instant, key: KeyCode, action: KeyAction) -> Option<Assembled> {
        let down = action != KeyAction::Release;
        self.buffer.touch(now);
        if self.set_modifier(key, down) {
            if !down && matches!(key, KeyCode::KEY_LEFTALT | KeyCode::KEY_RIGHTALT) {
                return self.finish_alt_code(now);
            }
            return None;
        }
        if key == KeyCode::KEY_CAPSLOCK {
            if action == KeyAction::Press {
                self.mods.caps_lock = !self.mods.caps_lock;
            }
            return None;
        }
        if action == KeyAction::Release {
            return None;
        }
        if self.alt_for_codes()
            && let Some(d) = keymap::keypad_digit(key)
        {
            let code = self.alt_code.get_or_insert(AltCode {
                value: 0,
                digits: 0,
                leading_zero: d == 0,
            });
            if code.digits < 7 {
                code.value = code.value * 10 + u32::from(d);
                code.digits += 1;
            }
            return None;
        }
        if self.rules.gs_key.map(Key::code) == Some(key) {
            return self.push(now, '\x1d');
        }
        match key {
            KeyCode::KEY_ENTER | KeyCode::KEY_KPENTER => return self.terminate(now),
            KeyCode::KEY_TAB if self.rules.terminator == Terminator::Tab => {
                return self.terminate(now);
            }
            KeyCode::KEY_TAB => return self.push(now, '\t'),
            _ => {}
        }
        if self.mods.ctrl() && !self.altgr() {
            return keymap::control_char(self.rules.layout, key).and_then(|c| self.push(now, c));
        }
        if self.alt_for_codes() {
            // Alt with another key is a shortcut, not text.
            return None;
        }
        let level = if self.altgr() {
            Level::AltGr
        } else {
            // Caps Lock shifts the letters that have a capital on the Shift level (not ß).
            let caps_applies = self.mods.caps_lock
                && match (
                    keymap::lookup(self.rules.layout, key, Level::Plain),
                    keymap::lookup(self.rules.layout, key, Level::Shift),
                ) {
                    (Some(KeySym::Char(lower)), Some(KeySym::Char(upper))) => {
                        lower.is_alphabetic() && lower.to_uppercase().eq([upper])
                    }
                    _ => false,
                };
            if self.mods.shift() != caps_applies {
                Level::Shift
            } else {
                Level::Plain
            }
        };
        match keymap::lookup(self.rules.layout, key, level) {
            Some(KeySym::Char(c)) => self.push(now, c),
            Some(KeySym::Dead(accent)) => match self.dead.take() {
                // The same dead key twice types the accent itself.
                Some(previous) => {
                    let first = self.buffer.push(now, keymap::spacing(previous));
                    let second = self.buffer.push(now, keymap::spacing(accent));
                    first.or(second)
                }
                None => {
                    self.dead = Some(accent);
                    None
                }
            },
            None => None,
        }
    }

    /// Adds a character, composing it with a pending dead key.
    fn push(&mut self, now: Instant, c: char) -> Option<Assembled> {
        match self.dead.take() {
            None => self.buffer.push(now, c),
            Some(accent) => match keymap::compose(accent, c) {
                Some(composed) => self.buffer.push(now, composed),
                None => {
                    let first = self.buffer.push(now, keymap::spacing(accent));
                    let second = self.buffer.push(now, c);
                    first.or(second)
                }
            },
        }
    }

    fn finish_alt_code(&mut self, now: Instant) -> Option<Assembled> {
        if self.alt_for_codes() {
            return None;
        }
        let code = self.alt_code.take()?;
        keymap::alt_code_char(code.value, code.leading_zero).and_then(|c| self.push(now, c))
    }

    fn terminate(&mut self, now: Instant) -> Option<Assembled> {
        if let Some(accent) = self.dead.take()
            && let Some(e) = self.buffer.push(now, keymap::spacing(accent))
        {
            return Some(e);
        }
        self.buffer.finish(now)
    }
}

/// The terminator as the scanner's manual calls it.
pub fn terminator_name(t: Terminator) -> &'static str {
    match t {
        Terminator::Enter => "Enter (CR) after each scan",
        Terminator::Tab => "Tab after each scan",
        Terminator::Idle => "nothing after a scan (idle gap)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::keymap::strokes_for;
    use KeyAction::{Press, Release};

    const ALL: [Layout; 4] = [Layout::Us, Layout::Uk, Layout::De, Layout::Fr];

    fn rules(layout: Layout) -> ScanRules {
        ScanRules {
            layout,
            ..ScanRules::default()
        }
    }

    /// Feeds key strokes 1 ms apart; collects what comes out.
    struct Feeder {
        asm: KeyAssembler,
        t0: Instant,
        now: Instant,
        out: Vec<Assembled>,
    }

    impl Feeder {
        fn new(label: &str, rules: ScanRules) -> Feeder {
            let t0 = Instant::now();
            Feeder {
                asm: KeyAssembler::new(label, rules),
                t0,
                now: t0,
                out: Vec::new(),
            }
        }
        fn input(&mut self, input: KeyInput) {
            self.now += Duration::from_millis(1);
            self.out.extend(self.asm.feed(self.now, input));
        }
        fn key(&mut self, key: KeyCode, down: bool) {
            self.input(KeyInput::Key(key, if down { Press } else { Release }));
        }
        fn tap(&mut self, key: KeyCode) {
            self.key(key, true);
            self.key(key, false);
        }
        fn chord(&mut self, mods: &[KeyCode], key: KeyCode) {
            for m in mods {
                self.key(*m, true);
            }
            self.tap(key);
            for m in mods {
                self.key(*m, false);
            }
        }
        fn type_text(&mut self, text: &str) {
            let layout = self.asm.rules.layout;
            let strokes = strokes_for(layout, text).unwrap_or_default();
            assert!(
                !strokes.is_empty() || text.is_empty(),
                "{layout:?}: {text:?}"
            );
            for (k, down) in strokes {
                self.key(k, down);
            }
        }
        fn wait(&mut self, ms: u64) {
            self.now += Duration::from_millis(ms);
            if self.asm.deadline().is_some_and(|d| d <= self.now) {
                self.out.extend(self.asm.on_deadline(self.now));
            }
        }
        fn texts(&self) -> Vec<String> {
            self.out
                .iter()
                .map(|a| match a {
                    Assembled::Scan(s) => s.text.clone(),
                    Assembled::Error(e) => format!("ERR {e}"),
                })
                .collect()
        }
    }

    #[test]
    fn every_layout_round_trips_printable_ascii_and_gs() {
        let text: String = (0x21u8..0x7f).map(char::from).collect();
        let gs1 = "0109506000134352\x1d10AB-12/x\x1d21SN 001";
        for layout in ALL {
            let mut f = Feeder::new("dock", rules(layout));
            f.type_text(&text);
            f.tap(KeyCode::KEY_ENTER);
            f.type_text(gs1);
            f.tap(KeyCode::KEY_KPENTER);
            assert_eq!(f.texts(), vec![text.clone(), gs1.to_string()], "{layout:?}");
        }
    }

    #[test]
    fn the_same_keys_read_differently_on_each_layout() {
        // The keys a US-set scanner presses for "QWERTY-1;" read on the other layouts.
        let keys = [
            (KeyCode::KEY_Q, true),
            (KeyCode::KEY_W, true),
            (KeyCode::KEY_E, true),
            (KeyCode::KEY_R, true),
            (KeyCode::KEY_T, true),
            (KeyCode::KEY_Y, true),
            (KeyCode::KEY_MINUS, false),
            (KeyCode::KEY_1, false),
            (KeyCode::KEY_SEMICOLON, false),
        ];
        let expect = [
            (Layout::Us, "QWERTY-1;"),
            (Layout::Uk, "QWERTY-1;"),
            (Layout::De, "QWERTZß1ö"),
            (Layout::Fr, "AZERTY)&m"),
        ];
        for (layout, want) in expect {
            let mut f = Feeder::new("dock", rules(layout));
            for (k, shifted) in keys {
                if shifted {
                    f.chord(&[KeyCode::KEY_LEFTSHIFT], k);
                } else {
                    f.tap(k);
                }
            }
            f.tap(KeyCode::KEY_ENTER);
            assert_eq!(f.texts(), vec![want.to_string()], "{layout:?}");
        }
    }

    #[test]
    fn caps_lock_inverts_letters_only_and_shift_undoes_it() {
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.tap(KeyCode::KEY_CAPSLOCK);
        f.tap(KeyCode::KEY_A);
        f.tap(KeyCode::KEY_1);
        f.chord(&[KeyCode::KEY_RIGHTSHIFT], KeyCode::KEY_B);
        f.chord(&[KeyCode::KEY_RIGHTSHIFT], KeyCode::KEY_2);
        f.tap(KeyCode::KEY_CAPSLOCK);
        f.tap(KeyCode::KEY_C);
        f.tap(KeyCode::KEY_ENTER);
        // Umlauts are letters too.
        let mut de = Feeder::new("dock", rules(Layout::De));
        de.tap(KeyCode::KEY_CAPSLOCK);
        de.tap(KeyCode::KEY_SEMICOLON);
        de.tap(KeyCode::KEY_MINUS);
        de.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["A1b@c"]);
        assert_eq!(de.texts(), vec!["ÖSS".replace("SS", "ß")]);
    }

    #[test]
    fn caps_lock_from_the_led_at_open() {
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.asm.set_caps_lock(true);
        f.tap(KeyCode::KEY_X);
        f.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["X"]);
    }

    #[test]
    fn every_form_of_gs_becomes_x1d() {
        let gs_rules = ScanRules {
            gs_key: "F8".parse().ok(),
            ..rules(Layout::Us)
        };
        type Form = Box<dyn Fn(&mut Feeder)>;
        let forms: Vec<(&str, Form)> = vec![
            (
                "Ctrl+]",
                Box::new(|f| f.chord(&[KeyCode::KEY_LEFTCTRL], KeyCode::KEY_RIGHTBRACE)),
            ),
            (
                "right Ctrl+]",
                Box::new(|f| f.chord(&[KeyCode::KEY_RIGHTCTRL], KeyCode::KEY_RIGHTBRACE)),
            ),
            (
                "Alt+0029",
                Box::new(|f| {
                    f.key(KeyCode::KEY_LEFTALT, true);
                    for k in [
                        KeyCode::KEY_KP0,
                        KeyCode::KEY_KP0,
                        KeyCode::KEY_KP2,
                        KeyCode::KEY_KP9,
                    ] {
                        f.tap(k);
                    }
                    f.key(KeyCode::KEY_LEFTALT, false);
                }),
            ),
            (
                "Alt+29",
                Box::new(|f| {
                    f.key(KeyCode::KEY_LEFTALT, true);
                    f.tap(KeyCode::KEY_KP2);
                    f.tap(KeyCode::KEY_KP9);
                    f.key(KeyCode::KEY_LEFTALT, false);
                }),
            ),
            ("F8", Box::new(|f| f.tap(KeyCode::KEY_F8))),
        ];
        for (name, gs) in &forms {
            let mut f = Feeder::new("dock", gs_rules.clone());
            f.type_text("0104012345678901");
            gs(&mut f);
            f.type_text("10LOT7");
            f.tap(KeyCode::KEY_ENTER);
            assert_eq!(f.texts(), vec!["0104012345678901\x1d10LOT7"], "{name}");
        }
        // Without gs_key, F8 types nothing.
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.type_text("AB");
        f.tap(KeyCode::KEY_F8);
        f.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["AB"]);
    }

    #[test]
    fn ctrl_rs_and_eot_for_iso_15434_envelopes() {
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.type_text("[)>\x1e06\x1dP12\x1e\x04");
        f.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["[)>\x1e06\x1dP12\x1e\x04"]);
    }

    #[test]
    fn alt_codes_name_characters_and_altgr_is_not_alt() {
        let mut f = Feeder::new("dock", rules(Layout::De));
        // Alt+0233 = é (Windows-1252), Alt+130 = é (CP437).
        for codes in [
            &[
                KeyCode::KEY_KP0,
                KeyCode::KEY_KP2,
                KeyCode::KEY_KP3,
                KeyCode::KEY_KP3,
            ][..],
            &[KeyCode::KEY_KP1, KeyCode::KEY_KP3, KeyCode::KEY_KP0][..],
        ] {
            f.key(KeyCode::KEY_LEFTALT, true);
            for k in codes {
                f.tap(*k);
            }
            f.key(KeyCode::KEY_LEFTALT, false);
        }
        // On de, right Alt is AltGr: AltGr+Q = @, and AltGr + keypad digits are digits.
        f.chord(&[KeyCode::KEY_RIGHTALT], KeyCode::KEY_Q);
        f.chord(&[KeyCode::KEY_RIGHTALT], KeyCode::KEY_KP4);
        f.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["éé@4"]);
        // On us, right Alt is an Alt: it types codes.
        let mut us = Feeder::new("dock", rules(Layout::Us));
        us.key(KeyCode::KEY_RIGHTALT, true);
        us.tap(KeyCode::KEY_KP6);
        us.tap(KeyCode::KEY_KP5);
        us.key(KeyCode::KEY_RIGHTALT, false);
        // Alt with a letter is a shortcut: nothing typed.
        us.chord(&[KeyCode::KEY_LEFTALT], KeyCode::KEY_F);
        us.tap(KeyCode::KEY_ENTER);
        assert_eq!(us.texts(), vec!["A"]);
    }

    #[test]
    fn dead_keys_compose() {
        let mut f = Feeder::new("dock", rules(Layout::Fr));
        f.tap(KeyCode::KEY_LEFTBRACE); // dead ^
        f.tap(KeyCode::KEY_E);
        f.chord(&[KeyCode::KEY_LEFTSHIFT], KeyCode::KEY_LEFTBRACE); // dead ¨
        f.tap(KeyCode::KEY_I);
        f.tap(KeyCode::KEY_LEFTBRACE); // dead ^ then a consonant: both
        f.tap(KeyCode::KEY_X);
        f.tap(KeyCode::KEY_LEFTBRACE); // dead ^ at the end of the scan
        f.tap(KeyCode::KEY_ENTER);
        assert_eq!(f.texts(), vec!["êï^x^"]);
    }

    #[test]
    fn terminators_enter_tab_and_idle() {
        let mut enter = Feeder::new("dock", rules(Layout::Us));
        enter.type_text("A\tB");
        enter.tap(KeyCode::KEY_ENTER);
        enter.tap(KeyCode::KEY_ENTER); // an empty scan is no scan
        assert_eq!(enter.texts(), vec!["A\tB"]);

        let mut tab = Feeder::new(
            "dock",
            ScanRules {
                terminator: Terminator::Tab,
                ..rules(Layout::Us)
            },
        );
        tab.type_text("A");
        tab.tap(KeyCode::KEY_TAB);
        tab.type_text("B");
        tab.tap(KeyCode::KEY_ENTER);
        assert_eq!(tab.texts(), vec!["A", "B"]);

        let idle_rules = ScanRules {
            terminator: Terminator::Idle,
            idle_end: Duration::from_millis(50),
            ..rules(Layout::Us)
        };
        let mut idle = Feeder::new("dock", idle_rules);
        assert_eq!(idle.asm.deadline(), None);
        idle.type_text("LOC-A1");
        let last = idle.now;
        assert_eq!(idle.asm.deadline(), Some(last + Duration::from_millis(50)));
        idle.wait(49);
        assert!(idle.out.is_empty(), "ended before the gap");
        idle.wait(1);
        idle.type_text("LOC-B2");
        idle.wait(60);
        assert_eq!(idle.texts(), vec!["LOC-A1", "LOC-B2"]);
        assert_eq!(idle.asm.deadline(), None);
        if let Some(Assembled::Scan(s)) = idle.out.first() {
            assert!(s.started > idle.t0 && s.ended >= last + Duration::from_millis(50));
        }
    }

    #[test]
    fn a_stalled_scan_is_abandoned_not_glued_to_the_next() {
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.type_text("PO-12");
        f.wait(1999);
        assert!(f.out.is_empty());
        f.wait(1);
        f.type_text("LOC-A");
        f.tap(KeyCode::KEY_ENTER);
        let texts = f.texts();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(
            texts[0].starts_with("ERR unfinished scan from dock"),
            "{texts:?}"
        );
        assert_eq!(texts[1], "LOC-A");
    }

    #[test]
    fn an_over_long_scan_gives_one_error_and_its_tail_is_discarded() {
        let mut f = Feeder::new(
            "dock",
            ScanRules {
                max_len: 8,
                ..rules(Layout::Us)
            },
        );
        f.type_text("12345678");
        f.tap(KeyCode::KEY_ENTER);
        f.type_text("123456789ABCDEFGHIJ");
        f.tap(KeyCode::KEY_ENTER);
        f.type_text("OK");
        f.tap(KeyCode::KEY_ENTER);
        let texts = f.texts();
        assert_eq!(texts.len(), 3, "{texts:?}");
        assert_eq!(texts[0], "12345678");
        assert!(texts[1].contains("longer than 8 characters"), "{texts:?}");
        assert_eq!(texts[2], "OK");
    }

    #[test]
    fn syn_dropped_refuses_the_scan_it_cut() {
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.type_text("SN-1");
        f.key(KeyCode::KEY_LEFTSHIFT, true);
        f.input(KeyInput::Dropped);
        // The kernel says Shift is up again by now; the tail of the cut scan follows.
        f.input(KeyInput::Resync(vec![]));
        f.type_text("234");
        f.tap(KeyCode::KEY_ENTER);
        f.type_text("sn-9");
        f.tap(KeyCode::KEY_ENTER);
        // A drop between scans still refuses the next one: its start may be what was lost.
        f.input(KeyInput::Dropped);
        f.input(KeyInput::Resync(vec![KeyCode::KEY_LEFTSHIFT]));
        f.type_text("x");
        f.tap(KeyCode::KEY_ENTER);
        f.key(KeyCode::KEY_LEFTSHIFT, false);
        f.type_text("y");
        f.tap(KeyCode::KEY_ENTER);
        let texts = f.texts();
        assert_eq!(texts.len(), 4, "{texts:?}");
        assert!(texts[0].contains("dropped key events"), "{texts:?}");
        assert_eq!(texts[1], "sn-9");
        assert!(texts[2].contains("dropped key events"), "{texts:?}");
        assert_eq!(texts[3], "y");
    }

    #[test]
    fn after_a_drop_a_quiet_gap_ends_the_cut_scan_even_without_its_enter() {
        // The kernel dropped the cut scan's Enter with the rest: the discard must not eat
        // the next scan, which comes after a gap (kernel timestamps) no scanner makes.
        let mut f = Feeder::new("dock", rules(Layout::Us));
        f.type_text("OVERFL");
        f.input(KeyInput::Dropped);
        f.input(KeyInput::Resync(vec![]));
        f.type_text("OW-TAIL");
        assert_eq!(
            f.asm.deadline(),
            Some(f.now + DROP_SETTLE),
            "settle gap scheduled"
        );
        f.wait(249);
        f.type_text("-MORE"); // still the cut scan's tail: swallowed
        f.wait(250);
        f.type_text("AFTER-DROP-7");
        f.tap(KeyCode::KEY_ENTER);
        let texts = f.texts();
        assert_eq!(texts.len(), 2, "{texts:?}");
        assert!(texts[0].contains("dropped key events"), "{texts:?}");
        assert_eq!(texts[1], "AFTER-DROP-7");
    }

    #[test]
    fn two_devices_interleaved_key_by_key_never_mix() {
        let mut a = KeyAssembler::new("dock-1", rules(Layout::Us));
        let mut b = KeyAssembler::new("dock-2", rules(Layout::De));
        let sa = strokes_for(Layout::Us, "0101234567890128\x1d10LOT-A").unwrap_or_default();
        let sb = strokes_for(Layout::De, "Zöß-SN_42").unwrap_or_default();
        let mut ia = sa
            .into_iter()
            .chain([(KeyCode::KEY_ENTER, true), (KeyCode::KEY_ENTER, false)]);
        let mut ib = sb
            .into_iter()
            .chain([(KeyCode::KEY_ENTER, true), (KeyCode::KEY_ENTER, false)]);
        let now = Instant::now();
        let mut out = Vec::new();
        loop {
            let na = ia.next();
            let nb = ib.next();
            if na.is_none() && nb.is_none() {
                break;
            }
            for (asm, next) in [(&mut a, na), (&mut b, nb)] {
                if let Some((k, down)) = next {
                    let action = if down { Press } else { Release };
                    out.extend(asm.feed(now, KeyInput::Key(k, action)));
                }
            }
        }
        let got: Vec<(String, String)> = out
            .into_iter()
            .filter_map(|a| match a {
                Assembled::Scan(s) => Some((s.device_label, s.text)),
                Assembled::Error(_) => None,
            })
            .collect();
        assert!(got.contains(&("dock-1".into(), "0101234567890128\x1d10LOT-A".into())));
        assert!(got.contains(&("dock-2".into(), "Zöß-SN_42".into())));
        assert_eq!(got.len(), 2);
    }
}
