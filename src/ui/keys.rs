//! The kiosk's keys: one table that both dispatches a key and builds the help bar, so the bar
//! can never promise a key that does something else. Function keys mirror the command
//! barcodes; everything typed in between is a scan (keyboard-wedge scanners type too).

use crate::barcode::classify::Command;
use crate::config::Key;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// What a key does at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send this command scan, as if its barcode were scanned.
    Command(Command),
    /// Open or close the help and barcode sheet.
    ToggleHelp,
    /// Leave the kiosk (Ctrl+C).
    Quit,
}

/// One row of the key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub key: KeyCode,
    pub label: &'static str,
    pub what: &'static str,
    action: Action,
}

/// The function keys, in help-bar order.
pub const BINDINGS: &[Binding] = &[
    Binding {
        key: KeyCode::F(1),
        label: "F1",
        what: "Receive",
        action: Action::Command(Command::Receive),
    },
    Binding {
        key: KeyCode::F(2),
        label: "F2",
        what: "Transfer",
        action: Action::Command(Command::Transfer),
    },
    Binding {
        key: KeyCode::F(3),
        label: "F3",
        what: "Pick",
        action: Action::Command(Command::Pick),
    },
    Binding {
        key: KeyCode::F(4),
        label: "F4",
        what: "Return",
        action: Action::Command(Command::Return),
    },
    Binding {
        key: KeyCode::F(5),
        label: "F5",
        what: "Lookup",
        action: Action::Command(Command::Lookup),
    },
    Binding {
        key: KeyCode::F(6),
        label: "F6",
        what: "Done",
        action: Action::Command(Command::Done),
    },
    Binding {
        key: KeyCode::F(7),
        label: "F7",
        what: "Cancel",
        action: Action::Command(Command::Cancel),
    },
    Binding {
        key: KeyCode::F(8),
        label: "F8",
        what: "Undo",
        action: Action::Command(Command::Undo),
    },
    Binding {
        key: KeyCode::F(9),
        label: "F9",
        what: "Count",
        action: Action::Command(Command::Count),
    },
    Binding {
        key: KeyCode::F(10),
        label: "F10",
        what: "Help",
        action: Action::ToggleHelp,
    },
];

/// The key table of a station: [`BINDINGS`] less a key the scanners use as the GS separator
/// (`input.gs_key`, e.g. "F8" on some Honeywell settings).
#[derive(Debug, Clone)]
pub struct KeyTable {
    bindings: Vec<Binding>,
    ack_key: KeyCode,
}

impl KeyTable {
    pub fn new(gs_key: Option<Key>, ack_key: Key) -> KeyTable {
        let gs_key = gs_key.and_then(Key::function_number).map(KeyCode::F);
        // The config takes for `ack_key` only Enter and the function keys.
        let ack_key = ack_key.function_number().map_or(KeyCode::Enter, KeyCode::F);
        KeyTable {
            bindings: BINDINGS
                .iter()
                .copied()
                .filter(|b| Some(b.key) != gs_key && b.key != ack_key)
                .collect(),
            ack_key,
        }
    }

    /// Whether the key acknowledges an error (Enter counts only on an empty line; the
    /// caller knows whether anything is typed).
    pub fn is_ack(&self, key: &KeyEvent) -> bool {
        key.code == self.ack_key
    }

    /// The action of a key press, if it has one.
    pub fn action(&self, key: &KeyEvent) -> Option<Action> {
        if key.kind == KeyEventKind::Release {
            return None;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Some(Action::Quit);
        }
        self.bindings
            .iter()
            .find(|b| b.key == key.code)
            .map(|b| b.action)
    }

    /// The help bar: the same rows that dispatch, plus Ctrl+C.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &str)> = self
            .bindings
            .iter()
            .map(|b| (b.label.to_owned(), b.what))
            .collect();
        if let KeyCode::F(n) = self.ack_key {
            out.push((format!("F{n}"), "Ack"));
        }
        out.push(("Ctrl+C".to_owned(), "Quit"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(name: &str) -> Key {
        name.parse().unwrap_or(Key::ENTER)
    }

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn help_bar_and_dispatch_come_from_one_table() {
        let table = KeyTable::new(None, Key::ENTER);
        for (label, what) in table.help() {
            if label == "Ctrl+C" {
                continue;
            }
            let n: u8 = label[1..].parse().unwrap_or(0);
            let action = table.action(&press(KeyCode::F(n)));
            match what {
                "Help" => assert_eq!(action, Some(Action::ToggleHelp)),
                _ => assert_eq!(
                    action,
                    Some(Action::Command(
                        Command::parse(&what.to_ascii_uppercase()).unwrap_or(Command::Ack)
                    ))
                ),
            }
        }
        assert_eq!(table.action(&press(KeyCode::F(11))), None);
    }

    #[test]
    fn a_function_ack_key_takes_its_place_in_the_bar() {
        let table = KeyTable::new(None, key("F9"));
        assert!(table.is_ack(&press(KeyCode::F(9))));
        assert!(!table.is_ack(&press(KeyCode::Enter)));
        assert!(table.help().iter().any(|(l, w)| l == "F9" && *w == "Ack"));
        assert!(KeyTable::new(None, Key::ENTER).is_ack(&press(KeyCode::Enter)));
    }

    #[test]
    fn a_gs_key_leaves_the_table() {
        let table = KeyTable::new(Some(key("F8")), Key::ENTER);
        assert_eq!(table.action(&press(KeyCode::F(8))), None);
        assert!(!table.help().iter().any(|(l, _)| l == "F8"));
        let plain = KeyTable::new(None, Key::ENTER);
        assert_eq!(
            plain.action(&press(KeyCode::F(8))),
            Some(Action::Command(Command::Undo))
        );
    }
}
