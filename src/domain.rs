//! The warehouse nouns that every part of scantrail speaks: tracking modes, movement kinds,
//! serial states, lot states, document kinds and scan outcomes, and a lot as a movement
//! names it.
//!
//! Each is an enum with one text form, used alike in `config.toml`, CSV files, the database
//! and JSON output, so a word means one thing wherever a person or a program reads it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The one text form of this value.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownWord;
            fn from_str(s: &str) -> Result<Self, UnknownWord> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(UnknownWord {
                        what: $what,
                        found: s.to_owned(),
                        expected: &[$($text),+],
                    }),
                }
            }
        }
    };
}

/// A text that is not one of the words a field allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{found}' is not a {what}; use one of: {}", expected.join(", "))]
pub struct UnknownWord {
    pub what: &'static str,
    pub found: String,
    pub expected: &'static [&'static str],
}

text_enum!(
    /// How a product is followed: not at all, by lot (batch), or unit by unit by serial.
    Tracking, "tracking mode" {
        None => "none",
        Lot => "lot",
        Serial => "serial",
    }
);

text_enum!(
    /// What a journal movement records.
    MovementKind, "movement kind" {
        Receive => "receive",
        Transfer => "transfer",
        Ship => "ship",
        Return => "return",
        Adjust => "adjust",
        Reversal => "reversal",
    }
);

text_enum!(
    /// Where a serial-tracked unit stands: in stock at a location, shipped to a customer, or
    /// missing since a count did not find it where the books had it.
    SerialStatus, "serial status" {
        InStock => "in_stock",
        Shipped => "shipped",
        Missing => "missing",
    }
);

text_enum!(
    /// Whether a lot may be picked and transferred.
    LotStatus, "lot status" {
        Active => "active",
        Quarantined => "quarantined",
    }
);

text_enum!(
    /// The three kinds of document scantrail works against.
    DocumentKind, "document kind" {
        Purchase => "purchase",
        Sale => "sale",
        Return => "return",
    }
);

text_enum!(
    /// Whether a document still takes scans.
    DocumentStatus, "document status" {
        Open => "open",
        Closed => "closed",
    }
);

text_enum!(
    /// The one outcome every scan gets (SPEC §5).
    Outcome, "scan outcome" {
        Ok => "ok",
        Warn => "warn",
        Error => "error",
        Info => "info",
    }
);

/// A lot as a movement names it: by its code, with the expiry a scan carried (AI 17), if
/// any. The session proposes it and the journal records it (creating the lot on its first
/// receipt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LotSpec {
    pub code: String,
    pub expiry: Option<NaiveDate>,
}

impl Outcome {
    /// The outcome's symbol in plain ASCII (`+ ! X i`), for the Linux console, whose font
    /// lacks ✔ and ✘, and for logs.
    pub fn ascii_symbol(self) -> &'static str {
        match self {
            Outcome::Ok => "+",
            Outcome::Warn => "!",
            Outcome::Error => "X",
            Outcome::Info => "i",
        }
    }
}

/// A product's serial-number pattern, in the words of a label: `#` a digit, `@` a letter,
/// `?` any one character, `*` any run of characters (also none); every other character
/// stands for itself. `SN-####-####` accepts `SN-4471-0093`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SerialPattern(String);

/// A serial pattern that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the serial pattern '{0}' is empty or too long (at most 64 characters)")]
pub struct BadSerialPattern(pub String);

impl SerialPattern {
    /// Checks a pattern's size; every character is meaningful, so nothing else can be wrong.
    pub fn new(pattern: &str) -> Result<SerialPattern, BadSerialPattern> {
        if pattern.is_empty() || pattern.chars().count() > 64 {
            return Err(BadSerialPattern(pattern.to_owned()));
        }
        Ok(SerialPattern(pattern.to_owned()))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a serial fits the pattern.
    pub fn matches(&self, serial: &str) -> bool {
        let p: Vec<char> = self.0.chars().collect();
        let s: Vec<char> = serial.chars().collect();
        // Iterative wildcard match with one backtrack point for the last `*`.
        let (mut pi, mut si) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while si < s.len() {
            let one = |pc: char, sc: char| match pc {
                '#' => sc.is_ascii_digit(),
                '@' => sc.is_alphabetic(),
                '?' => true,
                '*' => false,
                other => other == sc,
            };
            if pi < p.len() && p[pi] == '*' {
                star = Some((pi, si));
                pi += 1;
            } else if pi < p.len() && one(p[pi], s[si]) {
                pi += 1;
                si += 1;
            } else if let Some((sp, ss)) = star {
                pi = sp + 1;
                si = ss + 1;
                star = Some((sp, ss + 1));
            } else {
                return false;
            }
        }
        p[pi..].iter().all(|&c| c == '*')
    }
}

macro_rules! local_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);
    };
}

local_id!(
    /// A product's id in this station's database (its natural key is the SKU).
    ProductId
);
local_id!(
    /// A location's id in this station's database (its natural key is the code).
    LocationId
);
local_id!(
    /// A partner's (supplier's or customer's) id in this station's database.
    PartnerId
);
local_id!(
    /// A document's id in this station's database (its natural key is the reference).
    DocumentId
);
local_id!(
    /// A lot's id in this station's database (its natural key is product + lot code).
    LotId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for kind in MovementKind::ALL {
            assert_eq!(kind.as_str().parse::<MovementKind>(), Ok(*kind));
        }
        assert_eq!(
            "in_stock".parse::<SerialStatus>(),
            Ok(SerialStatus::InStock)
        );
    }

    #[test]
    fn serial_patterns() {
        let p = SerialPattern::new("SN-####-####").unwrap();
        assert!(p.matches("SN-4471-0093"));
        assert!(!p.matches("SN-4471-009"));
        assert!(!p.matches("SN-4471-00934"));
        assert!(!p.matches("SN-447A-0093"));
        let q = SerialPattern::new("@@*-?").unwrap();
        assert!(q.matches("AB-x"));
        assert!(q.matches("ABcdef-x"));
        assert!(!q.matches("A1-x"));
        assert!(SerialPattern::new("").is_err());
    }

    #[test]
    fn unknown_word_lists_the_choices() {
        let err = "batch".parse::<Tracking>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("'batch' is not a tracking mode; use one of: none, lot, serial")
        );
    }
}
