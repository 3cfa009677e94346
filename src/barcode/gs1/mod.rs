//! GS1 element strings: reading them from a scan, checking them against the GS1 Barcode
//! Syntax Dictionary, and what they say (GTIN, lot, serial, dates, counts, measures, SSCC).
//!
//! Three written forms arrive here: the raw form a scanner sends (AI digits and values run
//! together, the GS character after every value whose length is not predefined), the
//! bracketed human-readable form `(01)…(10)…`, and GS1 Digital Link URIs
//! ([`digital_link`]). All three become the same [`Gs1Message`], which is only built when
//! every element passed the dictionary's checks: known AI, length, character set, the
//! validation routines of each component ([`lint`]), no AI twice with different values, and
//! the `req`/`ex` pairing rules. Errors name the AI and say what to look at. Raw and
//! bracketed element strings that pass everything but the `req` rules — a lot (10) in a
//! symbol of its own, without its GTIN (01) — read as a [`Gs1Partial`] through
//! [`Gs1Reading`]: valid, but waiting for another scan to supply what it [`needs`].
//!
//! [`needs`]: Gs1Partial::needs
//!
//! Nothing here reads a clock: dates with a two-digit year are placed in a century by the
//! GS1 sliding window around a reference date that the caller passes in.

pub mod codes;
pub mod dictionary;
pub mod digital_link;
pub mod lint;

use crate::barcode::gtin::Gtin;
use chrono::{Datelike, NaiveDate};
use dictionary::{AiSpec, Charset};
use lint::LintProblem;
use std::borrow::Cow;
use std::fmt;

/// The GS1 separator (FNC1 inside a symbol), ASCII 29.
pub const GS: char = '\x1d';

/// Why a scan is not valid GS1 data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Gs1Error {
    #[error("the scan holds no GS1 data")]
    Empty,
    #[error("'{0}' does not start with a known GS1 AI")]
    UnknownAi(String),
    #[error("AI ({ai}) has no value")]
    NoValue { ai: &'static str },
    #[error("AI ({ai}): needs {need} characters, only {found} were scanned")]
    TooShort {
        ai: &'static str,
        need: usize,
        found: usize,
    },
    #[error(
        "AI ({ai}): at most {max} characters, but {found} were scanned (is a separator missing?)"
    )]
    TooLong {
        ai: &'static str,
        max: usize,
        found: usize,
    },
    #[error("AI ({ai}): '{found}' is not allowed here ({allowed})")]
    BadCharacter {
        ai: &'static str,
        found: char,
        allowed: &'static str,
    },
    #[error("AI ({ai}): {problem}")]
    Invalid {
        ai: &'static str,
        problem: LintProblem,
    },
    #[error("AI ({ai}) appears twice with different values")]
    Conflict { ai: &'static str },
    #[error("AI ({ai}) needs {needs} in the same scan")]
    Requires { ai: &'static str, needs: String },
    #[error("AI ({ai}) and AI ({other}) cannot be in the same scan")]
    Excludes {
        ai: &'static str,
        other: &'static str,
    },
    #[error("the bracketed form needs '(AI)' before every value, not '{0}'")]
    Bracketed(String),
    #[error("not a GS1 Digital Link: {0}")]
    DigitalLink(String),
    #[error("AI ({ai}) cannot be given as a Digital Link query (?{ai}=…)")]
    NotDataAttribute { ai: &'static str },
    #[error("AI ({ai}) belongs in the Digital Link path (/{ai}/…), not in its query")]
    BelongsInPath { ai: &'static str },
    #[error("AI ({ai}) appears twice in the Digital Link")]
    Twice { ai: &'static str },
}

/// One AI and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    spec: &'static AiSpec,
    value: String,
}

impl Element {
    /// Checks `value` for `spec`'s components and builds the element.
    pub fn new(spec: &'static AiSpec, value: &str) -> Result<Element, Gs1Error> {
        check_value(spec, value)?;
        Ok(Element {
            spec,
            value: value.to_owned(),
        })
    }

    /// The AI digits, e.g. `"10"`.
    pub fn ai(&self) -> &'static str {
        self.spec.ai
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    /// The dictionary's title, e.g. `"BATCH/LOT"`.
    pub fn title(&self) -> &'static str {
        self.spec.title
    }

    pub fn spec(&self) -> &'static AiSpec {
        self.spec
    }
}

/// A decimal number kept exactly: `units` × 10^-`scale` (AI 3103 `001250` is 1.250 kg).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub units: u64,
    pub scale: u8,
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.scale == 0 {
            return write!(f, "{}", self.units);
        }
        let digits = format!(
            "{:0width$}",
            self.units,
            width = usize::from(self.scale) + 1
        );
        let (whole, frac) = digits.split_at(digits.len() - usize::from(self.scale));
        write!(f, "{whole}.{frac}")
    }
}

/// A trade measure (AIs 310n–369n): what is measured, in which unit (both in the title,
/// e.g. `NET WEIGHT (kg)`), and the amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    pub ai: &'static str,
    pub title: &'static str,
    pub amount: Decimal,
}

/// A complete, valid GS1 message: its elements in the order they were scanned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Message {
    elements: Vec<Element>,
}

impl Gs1Message {
    /// Builds a message from elements, applying the message rules (repeats, `req`, `ex`).
    pub fn from_elements(elements: Vec<Element>) -> Result<Gs1Message, Gs1Error> {
        Gs1Reading::from_elements(elements)?.complete()
    }

    /// Reads the raw form a scanner sends (see [`Gs1Reading::element_string`]); a message
    /// that lacks partner AIs is an error here.
    pub fn parse_element_string(
        data: &str,
        extra_separators: &[char],
    ) -> Result<Gs1Message, Gs1Error> {
        Gs1Reading::element_string(data, extra_separators)?.complete()
    }

    /// Reads the bracketed form (see [`Gs1Reading::bracketed`]); a message that lacks
    /// partner AIs is an error here.
    pub fn parse_bracketed(text: &str) -> Result<Gs1Message, Gs1Error> {
        Gs1Reading::bracketed(text)?.complete()
    }

    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// The value of `ai`, if the message has it.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements
            .iter()
            .find(|e| e.spec.ai == ai)
            .map(|e| e.value.as_str())
    }

    /// The trade item's GTIN, AI (01).
    pub fn gtin(&self) -> Option<Gtin> {
        self.get("01").and_then(|v| Gtin::parse(v).ok())
    }

    /// The batch or lot, AI (10).
    pub fn lot(&self) -> Option<&str> {
        self.get("10")
    }

    /// The serial number, AI (21).
    pub fn serial(&self) -> Option<&str> {
        self.get("21")
    }

    /// The logistic unit's SSCC, AI (00).
    pub fn sscc(&self) -> Option<&str> {
        self.get("00")
    }

    /// The expiry date, AI (17), its century placed around `today`.
    pub fn expiry(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.date("17", today)
    }

    /// The date of a `YYMMDD` AI (11, 12, 13, 15, 16, 17): day `00` is the last day of the
    /// month, and the century is the one GS1's sliding window gives relative to `today`.
    pub fn date(&self, ai: &str, today: NaiveDate) -> Option<NaiveDate> {
        let v = self.get(ai)?;
        if v.len() != 6 || !matches!(ai, "11" | "12" | "13" | "15" | "16" | "17") {
            return None;
        }
        resolve_yymmdd(v, today)
    }

    /// A count of items: AI (37) (trade items in a logistic unit) or else AI (30).
    pub fn count(&self) -> Option<u32> {
        self.get("37")
            .or_else(|| self.get("30"))
            .and_then(|v| v.parse().ok())
    }

    /// The trade measures, AIs 310n–369n, as exact decimals.
    pub fn measures(&self) -> impl Iterator<Item = Measure> + '_ {
        self.elements.iter().filter_map(|e| {
            let b = e.spec.ai.as_bytes();
            let measure = b.len() == 4 && b[0] == b'3' && (b'1'..=b'6').contains(&b[1]);
            let units = e.value.parse::<u64>().ok()?;
            measure.then(|| Measure {
                ai: e.spec.ai,
                title: e.spec.title,
                amount: Decimal {
                    units,
                    scale: b[3] - b'0',
                },
            })
        })
    }

    /// The bracketed human-readable form, `(01)09506000134352(10)ABC`; a `(` inside a
    /// value is written `\(` so that the text reads back the same.
    pub fn hri(&self) -> String {
        let mut s = String::with_capacity(64);
        for e in &self.elements {
            s.push('(');
            s.push_str(e.spec.ai);
            s.push(')');
            for c in e.value.chars() {
                if c == '(' {
                    s.push('\\');
                }
                s.push(c);
            }
        }
        s
    }

    /// The raw form a scanner sends (without the leading FNC1): a GS after every value whose
    /// length is not predefined, except the last.
    pub fn element_string(&self) -> String {
        let mut s = String::with_capacity(64);
        for (i, e) in self.elements.iter().enumerate() {
            s.push_str(e.spec.ai);
            s.push_str(&e.value);
            if !e.spec.predefined_length && i + 1 < self.elements.len() {
                s.push(GS);
            }
        }
        s
    }
}

/// What GS1 element strings read as: a complete message, or a partial one whose elements
/// are all valid but which lacks AIs that the `req` rules of its AIs need — a lot (10) in a
/// symbol of its own, beside the GTIN (01) in another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gs1Reading {
    Complete(Gs1Message),
    Partial(Gs1Partial),
}

impl Gs1Reading {
    /// Applies the message rules to elements: the same AI twice with the same value is kept
    /// once, with different values it is an error; the `ex` rules must hold; the `req`
    /// rules decide between complete and partial.
    pub fn from_elements(elements: Vec<Element>) -> Result<Gs1Reading, Gs1Error> {
        let mut kept: Vec<Element> = Vec::with_capacity(elements.len());
        for e in elements {
            match kept.iter().find(|k| k.spec.ai == e.spec.ai) {
                Some(k) if k.value == e.value => {}
                Some(_) => return Err(Gs1Error::Conflict { ai: e.spec.ai }),
                None => kept.push(e),
            }
        }
        if kept.is_empty() {
            return Err(Gs1Error::Empty);
        }
        check_excludes(&kept, &[])?;
        Ok(match check_requires(&kept) {
            Ok(()) => Gs1Reading::Complete(Gs1Message { elements: kept }),
            Err(requirement) => Gs1Reading::Partial(Gs1Partial {
                needs: missing_partners(&kept),
                elements: Gs1Message { elements: kept },
                requirement,
            }),
        })
    }

    /// Reads the raw form a scanner sends: AIs and values run together, the GS character
    /// (ASCII 29, or one of `extra_separators`) after each value whose length is not
    /// predefined. A leading separator (FNC1 in first position) and a trailing one are fine.
    pub fn element_string(data: &str, extra_separators: &[char]) -> Result<Gs1Reading, Gs1Error> {
        let data: Cow<str> = if !extra_separators.is_empty() && data.contains(extra_separators) {
            Cow::Owned(data.replace(extra_separators, "\x1d"))
        } else {
            Cow::Borrowed(data)
        };
        let mut rest = data.trim_start_matches(GS);
        if rest.is_empty() {
            return Err(Gs1Error::Empty);
        }
        let mut elements = Vec::with_capacity(6);
        while !rest.is_empty() {
            let spec = dictionary::lookup_prefix(rest).ok_or_else(|| unknown_ai(rest))?;
            rest = &rest[spec.ai.len()..];
            let end = if spec.predefined_length {
                let need = spec.max_len();
                let end = rest.char_indices().nth(need).map_or(rest.len(), |(i, _)| i);
                match rest[..end].find(GS) {
                    Some(gs) => gs,
                    None => end,
                }
            } else {
                rest.find(GS).unwrap_or(rest.len())
            };
            let (value, after) = rest.split_at(end);
            elements.push(Element::new(spec, value)?);
            rest = after.trim_start_matches(GS);
        }
        Gs1Reading::from_elements(elements)
    }

    /// Reads the bracketed form `(01)09506000134352(10)ABC`; a `(` inside a value is
    /// written `\(`.
    pub fn bracketed(text: &str) -> Result<Gs1Reading, Gs1Error> {
        let mut rest = text;
        let mut elements = Vec::with_capacity(6);
        if rest.is_empty() {
            return Err(Gs1Error::Empty);
        }
        while !rest.is_empty() {
            let after_open = rest
                .strip_prefix('(')
                .ok_or_else(|| Gs1Error::Bracketed(preview(rest)))?;
            let (ai, after_ai) = after_open
                .split_once(')')
                .ok_or_else(|| Gs1Error::Bracketed(preview(rest)))?;
            let spec = dictionary::lookup(ai).ok_or_else(|| Gs1Error::UnknownAi(ai.to_owned()))?;
            let mut value = String::new();
            let mut chars = after_ai.char_indices().peekable();
            let mut end = after_ai.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if chars.peek().is_some_and(|&(_, n)| n == '(') => {
                        value.push('(');
                        chars.next();
                    }
                    '(' => {
                        end = i;
                        break;
                    }
                    c => value.push(c),
                }
            }
            elements.push(Element::new(spec, &value)?);
            rest = &after_ai[end..];
        }
        Gs1Reading::from_elements(elements)
    }

    /// The complete message; a partial one is the `req` error that names what it lacks.
    pub fn complete(self) -> Result<Gs1Message, Gs1Error> {
        match self {
            Gs1Reading::Complete(message) => Ok(message),
            Gs1Reading::Partial(partial) => Err(partial.requirement()),
        }
    }
}

/// A GS1 message whose element strings are all valid (values, repeats, `ex` rules) but
/// whose `req` rules need AIs that are not in it: another scan has to supply them. It is not
/// a [`Gs1Message`], so nothing takes it for a complete one by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gs1Partial {
    /// The elements; the `req` rules do not hold for them.
    elements: Gs1Message,
    needs: Vec<&'static str>,
    /// The first `req` rule that does not hold, in the words of the complete reading.
    requirement: Gs1Error,
}

impl Gs1Partial {
    pub fn elements(&self) -> &[Element] {
        self.elements.elements()
    }

    /// The AIs that would complete the message: for each `req` rule that does not hold,
    /// the AIs of its first alternative as the dictionary lists it — `["01"]` for a lot
    /// (10), an expiry date (17) or a serial (21) on its own.
    pub fn needs(&self) -> &[&'static str] {
        &self.needs
    }

    /// Whether a GTIN (01) alone completes the message: it needs exactly (01), and no AI
    /// in it excludes (01) or is excluded by it.
    pub fn needs_only_gtin(&self) -> bool {
        self.needs == ["01"] && check_excludes(self.elements(), &["01"]).is_ok()
    }

    /// The AIs it has, as `(17) and (10)`.
    pub fn has(&self) -> String {
        let ais: Vec<String> = self
            .elements()
            .iter()
            .map(|e| format!("({})", e.ai()))
            .collect();
        join_and(&ais)
    }

    /// The AIs it needs, as `(00) and (02)`.
    pub fn lacks(&self) -> String {
        let ais: Vec<String> = self.needs.iter().map(|ai| format!("({ai})")).collect();
        join_and(&ais)
    }

    /// The value of `ai`, if the message has it.
    pub fn get(&self, ai: &str) -> Option<&str> {
        self.elements.get(ai)
    }

    /// The batch or lot, AI (10).
    pub fn lot(&self) -> Option<&str> {
        self.elements.lot()
    }

    /// The serial number, AI (21).
    pub fn serial(&self) -> Option<&str> {
        self.elements.serial()
    }

    /// The expiry date, AI (17), its century placed around `today`.
    pub fn expiry(&self, today: NaiveDate) -> Option<NaiveDate> {
        self.elements.expiry(today)
    }

    /// The date of a `YYMMDD` AI, as [`Gs1Message::date`].
    pub fn date(&self, ai: &str, today: NaiveDate) -> Option<NaiveDate> {
        self.elements.date(ai, today)
    }

    /// A count of items, as [`Gs1Message::count`].
    pub fn count(&self) -> Option<u32> {
        self.elements.count()
    }

    /// The trade measures, as [`Gs1Message::measures`].
    pub fn measures(&self) -> impl Iterator<Item = Measure> + '_ {
        self.elements.measures()
    }

    /// The bracketed human-readable form, as [`Gs1Message::hri`].
    pub fn hri(&self) -> String {
        self.elements.hri()
    }

    /// The `req` error a complete reading gives: "AI (10) needs AI (01), … in the same scan".
    pub fn requirement(&self) -> Gs1Error {
        self.requirement.clone()
    }
}

/// `a`, `a and b`, `a, b and c`.
fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// `YYMMDD` → a date; the century by the GS1 General Specifications' sliding window: a year
/// 51 to 99 years ahead of `today` is in the past century, one 50 to 99 years behind is in
/// the next century, otherwise the current one.
pub fn resolve_yymmdd(v: &str, today: NaiveDate) -> Option<NaiveDate> {
    let yy: i32 = v.get(0..2)?.parse().ok()?;
    let month: u32 = v.get(2..4)?.parse().ok()?;
    let day: u32 = v.get(4..6)?.parse().ok()?;
    let current = today.year();
    let century = current - current.rem_euclid(100);
    let diff = yy - current.rem_euclid(100);
    let year = if diff >= 51 {
        century - 100 + yy
    } else if diff <= -50 {
        century + 100 + yy
    } else {
        century + yy
    };
    if day == 0 {
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)
        };
        next?.pred_opt()
    } else {
        NaiveDate::from_ymd_opt(year, month, day)
    }
}

fn preview(text: &str) -> String {
    let mut s: String = text.chars().take(8).collect();
    if text.chars().nth(8).is_some() {
        s.push('…');
    }
    s
}

fn unknown_ai(rest: &str) -> Gs1Error {
    let mut s: String = rest.chars().take(4).collect();
    if rest.chars().nth(4).is_some() {
        s.push('…');
    }
    Gs1Error::UnknownAi(s)
}

/// Checks one value against its AI's components: length, character set, linters.
fn check_value(spec: &'static AiSpec, value: &str) -> Result<(), Gs1Error> {
    let ai = spec.ai;
    if value.is_empty() {
        return Err(Gs1Error::NoValue { ai });
    }
    let len = value.chars().count();
    if let Some(found) = value.chars().find(|c| !c.is_ascii()) {
        return Err(Gs1Error::BadCharacter {
            ai,
            found,
            allowed: spec.components.first().map_or("", |c| c.charset.describe()),
        });
    }
    if len < spec.min_len() {
        return Err(Gs1Error::TooShort {
            ai,
            need: spec.min_len(),
            found: len,
        });
    }
    if len > spec.max_len() {
        return Err(Gs1Error::TooLong {
            ai,
            max: spec.max_len(),
            found: len,
        });
    }
    let mut pos = 0;
    for c in spec.components {
        let remaining = len - pos;
        if remaining == 0 && c.optional {
            break;
        }
        let take = remaining.min(usize::from(c.max));
        if take < usize::from(c.min) {
            return Err(Gs1Error::TooShort {
                ai,
                need: pos + usize::from(c.min),
                found: len,
            });
        }
        let part = &value[pos..pos + take];
        for (i, b) in part.bytes().enumerate() {
            let padding_ok = c.charset != Charset::Cset64
                || b != b'='
                || part.bytes().skip(i).all(|r| r == b'=');
            if !c.charset.allows(b) || !padding_ok {
                return Err(Gs1Error::BadCharacter {
                    ai,
                    found: char::from(b),
                    allowed: c.charset.describe(),
                });
            }
        }
        for &linter in c.linters {
            lint::check(linter, part).map_err(|problem| Gs1Error::Invalid { ai, problem })?;
        }
        pos += take;
    }
    Ok(())
}

/// The `ex` rules between the elements and `extra` AIs that another scan would add.
fn check_excludes(elements: &[Element], extra: &[&'static str]) -> Result<(), Gs1Error> {
    let specs: Vec<&'static AiSpec> = elements
        .iter()
        .map(|e| e.spec)
        .chain(extra.iter().filter_map(|ai| dictionary::lookup(ai)))
        .collect();
    for spec in &specs {
        for &pattern in spec.excludes {
            if let Some(other) = specs
                .iter()
                .find(|o| o.ai != spec.ai && dictionary::matches_pattern(o.ai, pattern))
            {
                return Err(Gs1Error::Excludes {
                    ai: spec.ai,
                    other: other.ai,
                });
            }
        }
    }
    Ok(())
}

/// The `req` rules of the elements.
fn check_requires(elements: &[Element]) -> Result<(), Gs1Error> {
    let has = |pattern: &str| {
        elements
            .iter()
            .any(|e| dictionary::matches_pattern(e.spec.ai, pattern))
    };
    for e in elements {
        for &group in e.spec.requires {
            let holds = group.iter().any(|alt| alt.iter().all(|p| has(p)));
            if !holds {
                return Err(Gs1Error::Requires {
                    ai: e.spec.ai,
                    needs: describe_requirement(group, &has),
                });
            }
        }
    }
    Ok(())
}

/// What would make every `req` rule hold: for each rule that does not, the missing AIs of
/// its first alternative (counting those already named for an earlier rule).
fn missing_partners(elements: &[Element]) -> Vec<&'static str> {
    let mut needs: Vec<&'static str> = Vec::new();
    for e in elements {
        for &group in e.spec.requires {
            let has = |pattern: &str, needs: &[&str]| {
                needs.contains(&pattern)
                    || elements
                        .iter()
                        .any(|e| dictionary::matches_pattern(e.spec.ai, pattern))
            };
            let holds = group.iter().any(|alt| alt.iter().all(|p| has(p, &needs)));
            if holds {
                continue;
            }
            if let Some(first) = group.first() {
                for &p in *first {
                    if !has(p, &needs) {
                        needs.push(p);
                    }
                }
            }
        }
    }
    needs
}

/// "AI (01)", "AI (01) or AI (02)", "AI (01) with AI (21), or AI (8006)"; for an
/// alternative that is partly there, only what is missing is named.
fn describe_requirement(group: &[&[&str]], has: &dyn Fn(&str) -> bool) -> String {
    let alternatives: Vec<String> = group
        .iter()
        .map(|alt| {
            let missing: Vec<&str> = alt.iter().copied().filter(|p| !has(p)).collect();
            let names: Vec<String> = missing.iter().map(|p| format!("AI ({p})")).collect();
            names.join(" with ")
        })
        .collect();
    match alternatives.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => {
            let sep = if alternatives.iter().any(|a| a.contains(" with ")) {
                ", or "
            } else {
                " or "
            };
            format!("{}{sep}{last}", init.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn reads_raw_element_strings() {
        let m = Gs1Message::parse_element_string(
            "\x1d010950600013435217261231\x1d10ABC123\x1d21SN-7",
            &[],
        );
        let m = m.as_ref().map_err(|e| e.to_string());
        assert_eq!(
            m.map(|m| m.hri()),
            Ok("(01)09506000134352(17)261231(10)ABC123(21)SN-7".into())
        );
    }

    #[test]
    fn sliding_window_for_two_digit_years() {
        let today = day(2026, 11, 24);
        assert_eq!(resolve_yymmdd("261231", today), Some(day(2026, 12, 31)));
        assert_eq!(resolve_yymmdd("760101", today), Some(day(2076, 1, 1)));
        assert_eq!(resolve_yymmdd("770101", today), Some(day(1977, 1, 1)));
        assert_eq!(resolve_yymmdd("270200", today), Some(day(2027, 2, 28)));
        assert_eq!(resolve_yymmdd("280200", today), Some(day(2028, 2, 29)));
        let late = day(2090, 6, 1);
        assert_eq!(resolve_yymmdd("400101", late), Some(day(2140, 1, 1)));
        assert_eq!(resolve_yymmdd("390101", late), Some(day(2139, 1, 1)));
        assert_eq!(resolve_yymmdd("410101", late), Some(day(2041, 1, 1)));
    }

    #[test]
    fn decimals_are_exact() {
        assert_eq!(
            Decimal {
                units: 1250,
                scale: 3
            }
            .to_string(),
            "1.250"
        );
        assert_eq!(Decimal { units: 5, scale: 3 }.to_string(), "0.005");
        assert_eq!(
            Decimal {
                units: 42,
                scale: 0
            }
            .to_string(),
            "42"
        );
    }

    #[test]
    fn requirement_wording() {
        let none = |_: &str| false;
        assert_eq!(describe_requirement(&[&["01"]], &none), "AI (01)");
        assert_eq!(
            describe_requirement(&[&["01"], &["02"], &["8006"]], &none),
            "AI (01), AI (02) or AI (8006)"
        );
        let has_01 = |p: &str| p == "01";
        assert_eq!(
            describe_requirement(&[&["01", "21"], &["8006", "21"]], &has_01),
            "AI (21), or AI (8006) with AI (21)"
        );
    }
}
