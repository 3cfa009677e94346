//! Keyboard-wedge mode: scans typed into the terminal (a scanner that cannot be grabbed, or
//! a station used over SSH) are cut into scans by the same rules as evdev devices — the same
//! length limit, GS forms and terminators — from terminal keys instead of key codes.
//!
//! It knows nothing of the UI or of crossterm: the UI turns its key events into [`TermKey`]s.
//! The terminal has already applied the keyboard layout, so there is no keymap here. Enter
//! always ends a scan, Tab too when `terminator = "tab"`; the idle-gap terminator is not
//! applied to the terminal (network jitter over SSH would split scans), and there is no
//! abandon timer — a person may type a code by hand, slowly, and correct it with Backspace.

use super::assembler::{Assembled, ScanBuffer, ScanRules};
use crate::config::{Key, Terminator};
use std::time::Instant;

/// A key as the terminal reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKey {
    /// A character (a raw control character such as `\x1d` is taken as typed).
    Char(char),
    /// Ctrl held with a character key. Terminals report Ctrl+] both as `Ctrl(']')` and,
    /// from the raw byte 0x1d, as `Ctrl('5')`: both are GS.
    Ctrl(char),
    Enter,
    Tab,
    Backspace,
    /// A function key, F1…F24.
    F(u8),
    /// Anything else (arrows, Esc, …): ignored.
    Other,
}

/// The scan being typed into the terminal.
#[derive(Debug, Clone)]
pub struct WedgeAssembler {
    buffer: ScanBuffer,
    tab_ends_scan: bool,
    gs_f_key: Option<u8>,
}

impl WedgeAssembler {
    /// An assembler for the terminal, called `label` in scans (e.g. "terminal").
    pub fn new(label: &str, rules: &ScanRules) -> WedgeAssembler {
        let gs_f_key = rules.gs_key.and_then(Key::function_number);
        WedgeAssembler {
            buffer: ScanBuffer::new(label, rules.max_len),
            tab_ends_scan: rules.terminator == Terminator::Tab,
            gs_f_key,
        }
    }

    /// Feeds one terminal key; gives a scan or an error when one is complete.
    pub fn feed(&mut self, now: Instant, key: TermKey) -> Option<Assembled> {
        match key {
            TermKey::Enter => self.buffer.finish(now),
            TermKey::Tab if self.tab_ends_scan => self.buffer.finish(now),
            TermKey::Tab => self.buffer.push(now, '\t'),
            TermKey::Backspace => {
                self.buffer.pop();
                None
            }
            TermKey::F(n) if Some(n) == self.gs_f_key => self.buffer.push(now, '\x1d'),
            TermKey::F(_) | TermKey::Other => None,
            TermKey::Ctrl(c) => control(c).and_then(|c| self.buffer.push(now, c)),
            TermKey::Char('\r' | '\n') => self.buffer.finish(now),
            TermKey::Char('\t') => self.feed(now, TermKey::Tab),
            TermKey::Char(c) => self.buffer.push(now, c),
        }
    }

    /// Feeds text as a plain character stream (a pipe, a test): `\r`/`\n` are Enter.
    pub fn feed_str(&mut self, now: Instant, text: &str) -> Vec<Assembled> {
        text.chars()
            .filter_map(|c| self.feed(now, TermKey::Char(c)))
            .collect()
    }

    /// What has been typed of the next scan (for a UI that shows it).
    pub fn typed(&self) -> &str {
        self.buffer.text()
    }

    /// Whether a scan is being typed (for a UI that shows it).
    pub fn is_typing(&self) -> bool {
        self.buffer.is_open()
    }
}

/// The control character of Ctrl + `c`, as terminals encode it.
fn control(c: char) -> Option<char> {
    let c = c.to_ascii_lowercase();
    match c {
        'a'..='z' => char::from_u32(u32::from(c) - u32::from('a') + 1),
        '[' | '3' => Some('\x1b'),
        '\\' | '4' => Some('\x1c'),
        ']' | '5' => Some('\x1d'),
        '^' | '6' => Some('\x1e'),
        '_' | '7' | '-' => Some('\x1f'),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn texts(out: &[Assembled]) -> Vec<String> {
        out.iter()
            .map(|a| match a {
                Assembled::Scan(s) => format!("{}: {}", s.device_label, s.text),
                Assembled::Error(e) => format!("ERR {e}"),
            })
            .collect()
    }

    #[test]
    fn enter_ends_a_scan_and_every_gs_form_is_x1d() {
        let rules = ScanRules {
            gs_key: "F8".parse().ok(),
            ..ScanRules::default()
        };
        let mut w = WedgeAssembler::new("terminal", &rules);
        let now = Instant::now();
        let mut out = Vec::new();
        for gs in [
            TermKey::Ctrl(']'),
            TermKey::Ctrl('5'),
            TermKey::Char('\x1d'),
            TermKey::F(8),
        ] {
            out.extend(w.feed_str(now, "0109506000134352"));
            out.extend(w.feed(now, gs));
            out.extend(w.feed_str(now, "10AB\r"));
        }
        assert_eq!(texts(&out), vec!["terminal: 0109506000134352\x1d10AB"; 4]);
        // F8 is not GS unless configured.
        let mut plain = WedgeAssembler::new("terminal", &ScanRules::default());
        plain.feed(now, TermKey::F(8));
        assert_eq!(texts(&plain.feed_str(now, "X\n")), vec!["terminal: X"]);
    }

    #[test]
    fn backspace_corrects_a_typed_code_and_tab_follows_the_config() {
        let now = Instant::now();
        let mut w = WedgeAssembler::new("terminal", &ScanRules::default());
        w.feed_str(now, "LOC-A9");
        w.feed(now, TermKey::Backspace);
        w.feed(now, TermKey::Tab);
        assert!(w.is_typing());
        let out = w.feed_str(now, "1\n");
        assert_eq!(texts(&out), vec!["terminal: LOC-A\t1"]);
        assert!(!w.is_typing());

        let tab = ScanRules {
            terminator: Terminator::Tab,
            ..ScanRules::default()
        };
        let mut w = WedgeAssembler::new("terminal", &tab);
        let out = w.feed_str(now, "A\tB\n");
        assert_eq!(texts(&out), vec!["terminal: A", "terminal: B"]);
    }

    #[test]
    fn an_over_long_scan_is_refused_once_like_a_device_scan() {
        let rules = ScanRules {
            max_len: 4,
            ..ScanRules::default()
        };
        let mut w = WedgeAssembler::new("terminal", &rules);
        let now = Instant::now();
        let out = w.feed_str(now, "ABCDEFGH\nOK\n");
        let t = texts(&out);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].contains("longer than 4 characters"), "{t:?}");
        assert_eq!(t[1], "terminal: OK");
    }

    #[test]
    fn no_idle_end_in_the_terminal() {
        let rules = ScanRules {
            terminator: Terminator::Idle,
            ..ScanRules::default()
        };
        let mut w = WedgeAssembler::new("terminal", &rules);
        let t0 = Instant::now();
        assert!(w.feed_str(t0, "AB").is_empty());
        let out = w.feed_str(t0 + Duration::from_secs(5), "C\n");
        assert_eq!(texts(&out), vec!["terminal: ABC"]);
    }
}
