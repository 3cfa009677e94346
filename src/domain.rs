//! The warehouse nouns that every part of scantrail speaks: tracking modes, movement kinds,
//! serial states, lot states, document kinds and scan outcomes.
//!
//! Each is an enum with one text form, used alike in `config.toml`, CSV files, the database
//! and JSON output, so a word means one thing wherever a person or a program reads it.

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
    /// Where a serial-tracked unit stands.
    SerialStatus, "serial status" {
        InStock => "in_stock",
        Shipped => "shipped",
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
    fn unknown_word_lists_the_choices() {
        let err = "batch".parse::<Tracking>().err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("'batch' is not a tracking mode; use one of: none, lot, serial")
        );
    }
}
