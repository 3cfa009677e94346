//! Keyboard layouts: which character a key gives with the modifiers held, for the layouts a
//! scanner can be set to (`us`, `uk`, `de`, `fr`).
//!
//! A scanner in keyboard mode sends *key positions* (Linux key codes), not characters: it
//! presses the key where the character sits on the layout it was configured for. To get the
//! scanned text back we must undo that with the same layout. The tables here are written for
//! exactly that purpose — the printable keys of a 105-key PC keyboard at three levels (plain,
//! Shift, AltGr) — rather than asking libxkbcommon: a kiosk may have no XKB data installed,
//! the console has no compositor, and a table of forty keys per layout is easy to review and
//! to test character by character. Dead keys (`^` and `´` on `de`, `^` and `¨` on `fr`) are
//! marked with the combining character of their accent and composed by [`compose`].

use crate::config::Layout;
use evdev::KeyCode;

/// The level a key is read at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Plain,
    Shift,
    AltGr,
}

/// What a key gives at a level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySym {
    /// A character that goes into the scan.
    Char(char),
    /// A dead key: the accent waits for the next character.
    Dead(char),
}

/// One row of the keyboard: the key codes left to right and, for each level, a string with
/// one character per key (`\0` = nothing at that level; a combining mark = a dead key).
struct Row {
    keys: &'static [KeyCode],
    plain: &'static str,
    shift: &'static str,
    altgr: &'static str,
}

const ROW_NUMBERS: &[KeyCode] = &[
    KeyCode::KEY_GRAVE,
    KeyCode::KEY_1,
    KeyCode::KEY_2,
    KeyCode::KEY_3,
    KeyCode::KEY_4,
    KeyCode::KEY_5,
    KeyCode::KEY_6,
    KeyCode::KEY_7,
    KeyCode::KEY_8,
    KeyCode::KEY_9,
    KeyCode::KEY_0,
    KeyCode::KEY_MINUS,
    KeyCode::KEY_EQUAL,
];
const ROW_TOP: &[KeyCode] = &[
    KeyCode::KEY_Q,
    KeyCode::KEY_W,
    KeyCode::KEY_E,
    KeyCode::KEY_R,
    KeyCode::KEY_T,
    KeyCode::KEY_Y,
    KeyCode::KEY_U,
    KeyCode::KEY_I,
    KeyCode::KEY_O,
    KeyCode::KEY_P,
    KeyCode::KEY_LEFTBRACE,
    KeyCode::KEY_RIGHTBRACE,
];
const ROW_HOME: &[KeyCode] = &[
    KeyCode::KEY_A,
    KeyCode::KEY_S,
    KeyCode::KEY_D,
    KeyCode::KEY_F,
    KeyCode::KEY_G,
    KeyCode::KEY_H,
    KeyCode::KEY_J,
    KeyCode::KEY_K,
    KeyCode::KEY_L,
    KeyCode::KEY_SEMICOLON,
    KeyCode::KEY_APOSTROPHE,
    KeyCode::KEY_BACKSLASH,
];
const ROW_BOTTOM: &[KeyCode] = &[
    KeyCode::KEY_102ND,
    KeyCode::KEY_Z,
    KeyCode::KEY_X,
    KeyCode::KEY_C,
    KeyCode::KEY_V,
    KeyCode::KEY_B,
    KeyCode::KEY_N,
    KeyCode::KEY_M,
    KeyCode::KEY_COMMA,
    KeyCode::KEY_DOT,
    KeyCode::KEY_SLASH,
];

// Combining marks used to denote dead keys in the tables.
const DEAD_GRAVE: char = '\u{300}';
const DEAD_ACUTE: char = '\u{301}';
const DEAD_CIRCUMFLEX: char = '\u{302}';
const DEAD_TILDE: char = '\u{303}';
const DEAD_DIAERESIS: char = '\u{308}';

const US: [Row; 4] = [
    Row {
        keys: ROW_NUMBERS,
        plain: "`1234567890-=",
        shift: "~!@#$%^&*()_+",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_TOP,
        plain: "qwertyuiop[]",
        shift: "QWERTYUIOP{}",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_HOME,
        plain: "asdfghjkl;'\\",
        shift: "ASDFGHJKL:\"|",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_BOTTOM,
        plain: "\\zxcvbnm,./",
        shift: "|ZXCVBNM<>?",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0",
    },
];

const UK: [Row; 4] = [
    Row {
        keys: ROW_NUMBERS,
        plain: "`1234567890-=",
        shift: "¬!\"£$%^&*()_+",
        altgr: "¦\0\0\0€\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_TOP,
        plain: "qwertyuiop[]",
        shift: "QWERTYUIOP{}",
        altgr: "\0\0é\0\0\0ú\0ó\0\0\0",
    },
    Row {
        keys: ROW_HOME,
        plain: "asdfghjkl;'#",
        shift: "ASDFGHJKL:@~",
        altgr: "á\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_BOTTOM,
        plain: "\\zxcvbnm,./",
        shift: "|ZXCVBNM<>?",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0",
    },
];

const DE: [Row; 4] = [
    Row {
        keys: ROW_NUMBERS,
        plain: "\u{302}1234567890ß\u{301}",
        shift: "°!\"§$%&/()=?\u{300}",
        altgr: "′\0²³\0\0\0{[]}\\\0",
    },
    Row {
        keys: ROW_TOP,
        plain: "qwertzuiopü+",
        shift: "QWERTZUIOPÜ*",
        altgr: "@\0€\0\0\0\0\0\0\0\0~",
    },
    Row {
        keys: ROW_HOME,
        plain: "asdfghjklöä#",
        shift: "ASDFGHJKLÖÄ'",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_BOTTOM,
        plain: "<yxcvbnm,.-",
        shift: ">YXCVBNM;:_",
        altgr: "|\0\0\0\0\0\0µ\0\0\0",
    },
];

const FR: [Row; 4] = [
    Row {
        keys: ROW_NUMBERS,
        plain: "²&é\"'(-è_çà)=",
        shift: "\u{0}1234567890°+",
        altgr: "\0\0\u{303}#{[|\u{300}\\^@]}",
    },
    Row {
        keys: ROW_TOP,
        plain: "azertyuiop\u{302}$",
        shift: "AZERTYUIOP\u{308}£",
        altgr: "\0\0€\0\0\0\0\0\0\0\0¤",
    },
    Row {
        keys: ROW_HOME,
        plain: "qsdfghjklmù*",
        shift: "QSDFGHJKLM%µ",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0\0",
    },
    Row {
        keys: ROW_BOTTOM,
        plain: "<wxcvbn,;:!",
        shift: ">WXCVBN?./§",
        altgr: "\0\0\0\0\0\0\0\0\0\0\0",
    },
];

fn rows(layout: Layout) -> &'static [Row; 4] {
    match layout {
        Layout::Us => &US,
        Layout::Uk => &UK,
        Layout::De => &DE,
        Layout::Fr => &FR,
    }
}

fn is_dead(c: char) -> bool {
    matches!(
        c,
        DEAD_GRAVE | DEAD_ACUTE | DEAD_CIRCUMFLEX | DEAD_TILDE | DEAD_DIAERESIS
    )
}

/// Whether the layout has an AltGr level (right Alt); on `us` right Alt is a plain Alt.
pub fn has_altgr(layout: Layout) -> bool {
    !matches!(layout, Layout::Us)
}

/// The symbol a key gives on `layout` at `level`, or `None` for keys that type nothing
/// (modifiers, function keys) or a level the key has nothing on. The space bar and the
/// keypad are the same on every layout (the keypad is read as if Num Lock were on, which is
/// how scanners that "type on the keypad" expect it).
pub fn lookup(layout: Layout, key: KeyCode, level: Level) -> Option<KeySym> {
    if key == KeyCode::KEY_SPACE {
        return Some(KeySym::Char(' '));
    }
    if let Some(c) = keypad_char(key) {
        return Some(KeySym::Char(c));
    }
    for row in rows(layout) {
        if let Some(i) = row.keys.iter().position(|k| *k == key) {
            let text = match level {
                Level::Plain => row.plain,
                Level::Shift => row.shift,
                Level::AltGr => row.altgr,
            };
            return match text.chars().nth(i) {
                None | Some('\0') => None,
                Some(c) if is_dead(c) => Some(KeySym::Dead(c)),
                Some(c) => Some(KeySym::Char(c)),
            };
        }
    }
    None
}

/// The character of a keypad key (Num Lock on).
pub fn keypad_char(key: KeyCode) -> Option<char> {
    keypad_digit(key)
        .and_then(|d| char::from_digit(u32::from(d), 10))
        .or(match key {
            KeyCode::KEY_KPSLASH => Some('/'),
            KeyCode::KEY_KPASTERISK => Some('*'),
            KeyCode::KEY_KPMINUS => Some('-'),
            KeyCode::KEY_KPPLUS => Some('+'),
            KeyCode::KEY_KPDOT => Some('.'),
            _ => None,
        })
}

/// The digit of a keypad digit key, used for Alt+numpad codes.
pub fn keypad_digit(key: KeyCode) -> Option<u8> {
    Some(match key {
        KeyCode::KEY_KP0 => 0,
        KeyCode::KEY_KP1 => 1,
        KeyCode::KEY_KP2 => 2,
        KeyCode::KEY_KP3 => 3,
        KeyCode::KEY_KP4 => 4,
        KeyCode::KEY_KP5 => 5,
        KeyCode::KEY_KP6 => 6,
        KeyCode::KEY_KP7 => 7,
        KeyCode::KEY_KP8 => 8,
        KeyCode::KEY_KP9 => 9,
        _ => return None,
    })
}

/// The control character that Ctrl + `key` gives, following the ASCII rule (Ctrl clears
/// the top bits): Ctrl+letter → 0x01–0x1A (the letter as the layout places it), and by key
/// position, as scanners send them whatever the layout: Ctrl+[ → ESC, Ctrl+\ → FS,
/// Ctrl+] → GS, Ctrl+6 (^) → RS, Ctrl+- (_) → US, Ctrl+2 (@) → NUL is not accepted.
pub fn control_char(layout: Layout, key: KeyCode) -> Option<char> {
    match key {
        KeyCode::KEY_LEFTBRACE => return Some('\x1b'),
        KeyCode::KEY_BACKSLASH => return Some('\x1c'),
        KeyCode::KEY_RIGHTBRACE => return Some('\x1d'),
        KeyCode::KEY_6 => return Some('\x1e'),
        KeyCode::KEY_MINUS => return Some('\x1f'),
        _ => {}
    }
    match lookup(layout, key, Level::Plain) {
        Some(KeySym::Char(c)) if c.is_ascii_lowercase() => {
            char::from_u32(u32::from(c) - u32::from('a') + 1)
        }
        _ => None,
    }
}

/// The character a dead key's accent and the next character make: the precomposed letter
/// when there is one, the spacing accent when the next key is the space bar, else `None`
/// (the caller then keeps both: the spacing accent, then the character).
pub fn compose(accent: char, next: char) -> Option<char> {
    if next == ' ' {
        return Some(spacing(accent));
    }
    let table: &[(char, char)] = match accent {
        DEAD_CIRCUMFLEX => &[
            ('a', 'â'),
            ('e', 'ê'),
            ('i', 'î'),
            ('o', 'ô'),
            ('u', 'û'),
            ('A', 'Â'),
            ('E', 'Ê'),
            ('I', 'Î'),
            ('O', 'Ô'),
            ('U', 'Û'),
        ],
        DEAD_GRAVE => &[
            ('a', 'à'),
            ('e', 'è'),
            ('i', 'ì'),
            ('o', 'ò'),
            ('u', 'ù'),
            ('A', 'À'),
            ('E', 'È'),
            ('I', 'Ì'),
            ('O', 'Ò'),
            ('U', 'Ù'),
        ],
        DEAD_ACUTE => &[
            ('a', 'á'),
            ('e', 'é'),
            ('i', 'í'),
            ('o', 'ó'),
            ('u', 'ú'),
            ('y', 'ý'),
            ('A', 'Á'),
            ('E', 'É'),
            ('I', 'Í'),
            ('O', 'Ó'),
            ('U', 'Ú'),
            ('Y', 'Ý'),
        ],
        DEAD_DIAERESIS => &[
            ('a', 'ä'),
            ('e', 'ë'),
            ('i', 'ï'),
            ('o', 'ö'),
            ('u', 'ü'),
            ('y', 'ÿ'),
            ('A', 'Ä'),
            ('E', 'Ë'),
            ('I', 'Ï'),
            ('O', 'Ö'),
            ('U', 'Ü'),
        ],
        DEAD_TILDE => &[
            ('a', 'ã'),
            ('n', 'ñ'),
            ('o', 'õ'),
            ('A', 'Ã'),
            ('N', 'Ñ'),
            ('O', 'Õ'),
        ],
        _ => &[],
    };
    table.iter().find(|(c, _)| *c == next).map(|(_, r)| *r)
}

/// The spacing form of a dead key's accent (what the dead key then the space bar types).
pub fn spacing(accent: char) -> char {
    match accent {
        DEAD_CIRCUMFLEX => '^',
        DEAD_GRAVE => '`',
        DEAD_ACUTE => '´',
        DEAD_DIAERESIS => '¨',
        DEAD_TILDE => '~',
        other => other,
    }
}

/// The character an Alt+numpad code names, as Windows and the scanners that imitate it
/// mean it: with a leading 0 the number is a Windows-1252 code, without one an IBM
/// code page 437 code; both agree with ASCII below 128 (so Alt+29 and Alt+0029 are both GS).
/// Numbers above 255 are taken as Unicode code points. `None` for 0 and for a Unicode
/// number that names no character.
pub fn alt_code_char(value: u32, leading_zero: bool) -> Option<char> {
    match value {
        0 => None,
        1..=127 => char::from_u32(value),
        128..=255 if leading_zero => Some(cp1252(value as u8)),
        128..=255 => CP437_HIGH.chars().nth(value as usize - 128),
        _ => char::from_u32(value),
    }
}

fn cp1252(byte: u8) -> char {
    const HIGH_C1: &str = "€\u{81}‚ƒ„…†‡ˆ‰Š‹Œ\u{8d}Ž\u{8f}\u{90}‘’“”•–—˜™š›œ\u{9d}žŸ";
    if (0x80..0xa0).contains(&byte) {
        HIGH_C1
            .chars()
            .nth(usize::from(byte - 0x80))
            .unwrap_or(char::from(byte))
    } else {
        char::from(byte)
    }
}

const CP437_HIGH: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";

/// The key strokes a scanner set to `layout` sends to type `text`: for each character the
/// key and the modifiers (Shift, AltGr; a dead key then space for a spacing accent;
/// Ctrl+] for GS; Ctrl+letter for the other control characters). `None` if a character
/// cannot be typed on that layout. Used by tests, the benchmark and the VM test's host side.
pub fn strokes_for(layout: Layout, text: &str) -> Option<Vec<(KeyCode, bool)>> {
    let mut out = Vec::new();
    let tap = |out: &mut Vec<(KeyCode, bool)>, mods: &[KeyCode], key: KeyCode| {
        for m in mods {
            out.push((*m, true));
        }
        out.push((key, true));
        out.push((key, false));
        for m in mods.iter().rev() {
            out.push((*m, false));
        }
    };
    for c in text.chars() {
        if c == ' ' {
            tap(&mut out, &[], KeyCode::KEY_SPACE);
            continue;
        }
        if c.is_ascii_control() {
            let key = (0..=KeyCode::KEY_102ND.code())
                .map(KeyCode::new)
                .find(|k| control_char(layout, *k) == Some(c))?;
            tap(&mut out, &[KeyCode::KEY_LEFTCTRL], key);
            continue;
        }
        let mut found = None;
        'search: for level in [Level::Plain, Level::Shift, Level::AltGr] {
            for row in rows(layout) {
                for key in row.keys {
                    match lookup(layout, *key, level) {
                        Some(KeySym::Char(x)) if x == c => {
                            found = Some((*key, level, false));
                            break 'search;
                        }
                        Some(KeySym::Dead(a)) if spacing(a) == c => {
                            found = Some((*key, level, true));
                        }
                        _ => {}
                    }
                }
            }
        }
        let (key, level, dead) = found?;
        let mods: &[KeyCode] = match level {
            Level::Plain => &[],
            Level::Shift => &[KeyCode::KEY_LEFTSHIFT],
            Level::AltGr => &[KeyCode::KEY_RIGHTALT],
        };
        tap(&mut out, mods, key);
        if dead {
            tap(&mut out, &[], KeyCode::KEY_SPACE);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Layout; 4] = [Layout::Us, Layout::Uk, Layout::De, Layout::Fr];

    #[test]
    fn every_row_string_has_one_character_per_key() {
        for layout in ALL {
            for row in rows(layout) {
                for text in [row.plain, row.shift, row.altgr] {
                    assert_eq!(text.chars().count(), row.keys.len(), "{layout:?}: {text:?}");
                }
            }
        }
        assert_eq!(CP437_HIGH.chars().count(), 128);
    }

    #[test]
    fn every_printable_ascii_character_can_be_typed_on_every_layout() {
        // A scanner can only send what its layout can type: make sure each of ours covers
        // the ASCII a barcode can hold, with at most one dead key (then space).
        for layout in ALL {
            for c in (0x20u8..0x7f).map(char::from) {
                let found = rows(layout).iter().any(|row| {
                    row.keys.iter().any(|k| {
                        [Level::Plain, Level::Shift, Level::AltGr].into_iter().any(
                            |l| match lookup(layout, *k, l) {
                                Some(KeySym::Char(x)) => x == c,
                                Some(KeySym::Dead(a)) => spacing(a) == c,
                                None => false,
                            },
                        )
                    })
                }) || c == ' ';
                assert!(found, "{layout:?} cannot type {c:?}");
            }
        }
    }

    #[test]
    fn letters_sit_where_each_layout_puts_them() {
        let cases = [
            (Layout::Us, KeyCode::KEY_Y, 'y'),
            (Layout::De, KeyCode::KEY_Y, 'z'),
            (Layout::De, KeyCode::KEY_Z, 'y'),
            (Layout::Fr, KeyCode::KEY_Q, 'a'),
            (Layout::Fr, KeyCode::KEY_SEMICOLON, 'm'),
            (Layout::Uk, KeyCode::KEY_BACKSLASH, '#'),
        ];
        for (layout, key, want) in cases {
            assert_eq!(
                lookup(layout, key, Level::Plain),
                Some(KeySym::Char(want)),
                "{layout:?} {key:?}"
            );
        }
        assert_eq!(
            lookup(Layout::Fr, KeyCode::KEY_1, Level::Shift),
            Some(KeySym::Char('1'))
        );
        assert_eq!(
            lookup(Layout::De, KeyCode::KEY_Q, Level::AltGr),
            Some(KeySym::Char('@'))
        );
        assert_eq!(
            lookup(Layout::Uk, KeyCode::KEY_2, Level::Shift),
            Some(KeySym::Char('"'))
        );
        assert_eq!(
            lookup(Layout::De, KeyCode::KEY_GRAVE, Level::Plain),
            Some(KeySym::Dead(DEAD_CIRCUMFLEX))
        );
        assert_eq!(lookup(Layout::Us, KeyCode::KEY_F8, Level::Plain), None);
    }

    #[test]
    fn dead_keys_compose_or_fall_back() {
        assert_eq!(compose(DEAD_CIRCUMFLEX, 'e'), Some('ê'));
        assert_eq!(compose(DEAD_CIRCUMFLEX, ' '), Some('^'));
        assert_eq!(compose(DEAD_DIAERESIS, 'U'), Some('Ü'));
        assert_eq!(compose(DEAD_ACUTE, 'x'), None);
    }

    #[test]
    fn alt_codes_follow_the_windows_code_pages() {
        assert_eq!(alt_code_char(29, true), Some('\x1d'));
        assert_eq!(alt_code_char(29, false), Some('\x1d'));
        assert_eq!(alt_code_char(65, false), Some('A'));
        assert_eq!(alt_code_char(128, true), Some('€'));
        assert_eq!(alt_code_char(128, false), Some('Ç'));
        assert_eq!(alt_code_char(233, true), Some('é'));
        assert_eq!(alt_code_char(130, false), Some('é'));
        assert_eq!(alt_code_char(0x20ac, false), Some('€'));
        assert_eq!(alt_code_char(0, true), None);
        assert_eq!(alt_code_char(0xd800, false), None);
    }

    #[test]
    fn control_characters_by_the_ascii_rule() {
        assert_eq!(
            control_char(Layout::Us, KeyCode::KEY_RIGHTBRACE),
            Some('\x1d')
        );
        assert_eq!(
            control_char(Layout::De, KeyCode::KEY_RIGHTBRACE),
            Some('\x1d')
        );
        assert_eq!(control_char(Layout::Us, KeyCode::KEY_D), Some('\x04'));
        // On AZERTY the A is where QWERTY has Q: Ctrl+A is that key.
        assert_eq!(control_char(Layout::Fr, KeyCode::KEY_Q), Some('\x01'));
        assert_eq!(control_char(Layout::Us, KeyCode::KEY_1), None);
    }
}
