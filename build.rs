//! Build step: turns the GS1 Barcode Syntax Dictionary (`data/gs1/gs1-syntax-dictionary.txt`)
//! into the static AI table that `src/barcode/gs1/dictionary.rs` includes.
//!
//! Every entry of the dictionary becomes one `AiSpec` per AI (ranges such as `3100-3105` are
//! expanded), with its components, validation routines, `req`/`ex` pairing rules, Digital
//! Link keys and title, plus a dense index from AI digits to entry. A line this step does
//! not understand, or a validation routine scantrail does not know, stops the build with the
//! line number: a new dictionary release can never be half-read.

use std::error::Error;
use std::fmt::Write as _;
use std::path::PathBuf;

const DICTIONARY: &str = "data/gs1/gs1-syntax-dictionary.txt";

/// Linter names of the dictionary and the `Linter` variants that implement them.
const LINTERS: &[(&str, &str)] = &[
    ("csum", "Csum"),
    ("csumalpha", "CsumAlpha"),
    ("gcppos1", "Gcppos1"),
    ("gcppos2", "Gcppos2"),
    ("yymmd0", "Yymmd0"),
    ("yymmdd", "Yymmdd"),
    ("yyyymmd0", "Yyyymmd0"),
    ("yyyymmdd", "Yyyymmdd"),
    ("hhmi", "Hhmi"),
    ("hh", "Hh"),
    ("mi", "Mi"),
    ("ss", "Ss"),
    ("iso3166", "Iso3166"),
    ("iso3166999", "Iso3166or999"),
    ("iso3166alpha2", "Iso3166Alpha2"),
    ("iso4217", "Iso4217"),
    ("iso5218", "Iso5218"),
    ("pcenc", "PercentEncoded"),
    ("latitude", "Latitude"),
    ("longitude", "Longitude"),
    ("yesno", "YesNo"),
    ("hyphen", "Hyphen"),
    ("importeridx", "ImporterIndex"),
    ("packagetype", "PackageType"),
    ("mediatype", "MediaType"),
    ("posinseqslash", "PositionInSequence"),
    ("nonzero", "NonZero"),
    ("winding", "Winding"),
    ("zero", "Zero"),
    ("pieceoftotal", "PieceOfTotal"),
    ("iban", "Iban"),
    ("nozeroprefix", "NoZeroPrefix"),
    ("hasnondigit", "HasNonDigit"),
    ("couponcode", "CouponCode"),
    ("couponposoffer", "CouponPositiveOffer"),
];

struct Component {
    charset: &'static str,
    min: usize,
    max: usize,
    optional: bool,
    linters: Vec<&'static str>,
}

struct Entry {
    ai: String,
    title: String,
    predefined_length: bool,
    dl_attribute: bool,
    components: Vec<Component>,
    requires: Vec<Vec<Vec<String>>>,
    excludes: Vec<String>,
    dl_primary_key: Option<Vec<Vec<String>>>,
}

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo::rerun-if-changed={DICTIONARY}");
    println!("cargo::rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(DICTIONARY)?;
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed =
            parse_line(line).map_err(|e| format!("{DICTIONARY}:{}: {e}\n    {line}", n + 1))?;
        entries.extend(parsed);
    }
    entries.sort_by(|a, b| a.ai.cmp(&b.ai));
    check_prefix_free(&entries)?;
    let code = generate(&entries)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("gs1_ai_table.rs");
    std::fs::write(out, code)?;
    Ok(())
}

/// One dictionary line: `AIs [Flags] Specification [Attributes...] [# Title]`.
fn parse_line(line: &str) -> Result<Vec<Entry>, String> {
    let (body, title) = match line.split_once('#') {
        Some((body, title)) => (body, title.trim().to_owned()),
        None => (line, String::new()),
    };
    let mut tokens = body.split_whitespace().peekable();
    let ais = tokens.next().ok_or("no AI")?;
    let (first, last) = match ais.split_once('-') {
        Some((a, b)) => (a, b),
        None => (ais, ais),
    };
    if first.len() != last.len()
        || !(2..=4).contains(&first.len())
        || !first
            .bytes()
            .chain(last.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err(format!("'{ais}' is not an AI or a range of AIs"));
    }
    let mut predefined_length = false;
    let mut dl_attribute = false;
    if let Some(flags) = tokens
        .peek()
        .copied()
        .filter(|t| !t.starts_with(['N', 'X', 'Y', 'Z', '[']))
    {
        for f in flags.chars() {
            match f {
                '*' => predefined_length = true,
                '?' => dl_attribute = true,
                other => return Err(format!("unknown flag '{other}'")),
            }
        }
        tokens.next();
    }
    let mut components = Vec::new();
    let mut requires = Vec::new();
    let mut excludes = Vec::new();
    let mut dl_primary_key = None;
    for token in tokens {
        if let Some(list) = token.strip_prefix("req=") {
            requires.push(
                list.split(',')
                    .map(|alt| alt.split('+').map(str::to_owned).collect())
                    .collect(),
            );
        } else if let Some(list) = token.strip_prefix("ex=") {
            excludes.extend(list.split(',').map(str::to_owned));
        } else if token == "dlpkey" {
            dl_primary_key = Some(Vec::new());
        } else if let Some(list) = token.strip_prefix("dlpkey=") {
            dl_primary_key = Some(
                list.split('|')
                    .map(|seq| seq.split(',').map(str::to_owned).collect())
                    .collect(),
            );
        } else if token.contains('=') || token.starts_with(char::is_lowercase) {
            return Err(format!("unknown attribute '{token}'"));
        } else {
            components.push(parse_component(token)?);
        }
    }
    if components.is_empty() {
        return Err("no data components".into());
    }
    let mut seen_optional = false;
    for (i, c) in components.iter().enumerate() {
        if seen_optional && !c.optional {
            return Err("a mandatory component follows an optional one".into());
        }
        seen_optional |= c.optional;
        if c.min != c.max && i + 1 != components.len() {
            return Err("only the last component may have a variable length".into());
        }
    }
    if predefined_length && components.iter().any(|c| c.optional || c.min != c.max) {
        return Err("a predefined-length AI must have fixed-length components".into());
    }
    let width = first.len();
    let (lo, hi): (u32, u32) = (
        first.parse().map_err(|_| "bad AI")?,
        last.parse().map_err(|_| "bad AI")?,
    );
    if lo > hi {
        return Err(format!("empty range '{ais}'"));
    }
    let mut out = Vec::new();
    for n in lo..=hi {
        out.push(Entry {
            ai: format!("{n:0width$}"),
            title: title.clone(),
            predefined_length,
            dl_attribute,
            components: components
                .iter()
                .map(|c| Component {
                    charset: c.charset,
                    min: c.min,
                    max: c.max,
                    optional: c.optional,
                    linters: c.linters.clone(),
                })
                .collect(),
            requires: requires.clone(),
            excludes: excludes.clone(),
            dl_primary_key: dl_primary_key.clone(),
        });
    }
    Ok(out)
}

/// `N6`, `X..20`, `[N3],iso3166`, `N13,csum,gcppos1`.
fn parse_component(token: &str) -> Result<Component, String> {
    let mut parts = token.split(',');
    let mut kind = parts.next().unwrap_or_default();
    let optional = kind.starts_with('[');
    if optional {
        kind = kind
            .strip_prefix('[')
            .and_then(|k| k.strip_suffix(']'))
            .ok_or_else(|| format!("unclosed '[' in '{token}'"))?;
    }
    let charset = match kind.get(..1) {
        Some("N") => "Numeric",
        Some("X") => "Cset82",
        Some("Y") => "Cset39",
        Some("Z") => "Cset64",
        _ => return Err(format!("unknown component type in '{token}'")),
    };
    let length = &kind[1..];
    let (min, max) = match length.strip_prefix("..") {
        Some(max) => (
            1,
            max.parse()
                .map_err(|_| format!("bad length in '{token}'"))?,
        ),
        None => {
            let n = length
                .parse()
                .map_err(|_| format!("bad length in '{token}'"))?;
            (n, n)
        }
    };
    if max == 0 || max > 255 {
        return Err(format!("length out of range in '{token}'"));
    }
    let mut linters = Vec::new();
    for name in parts {
        let variant = LINTERS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .ok_or_else(|| {
                format!("unknown validation routine '{name}': teach scantrail's linters first")
            })?;
        linters.push(variant);
    }
    Ok(Component {
        charset,
        min,
        max,
        optional,
        linters,
    })
}

/// GS1 element strings are read without separators between an AI and its value, so no AI
/// may be the beginning of another.
fn check_prefix_free(entries: &[Entry]) -> Result<(), String> {
    for pair in entries.windows(2) {
        if pair[1].ai.starts_with(&pair[0].ai) || pair[0].ai == pair[1].ai {
            return Err(format!(
                "AI {} and AI {} cannot be told apart",
                pair[0].ai, pair[1].ai
            ));
        }
    }
    Ok(())
}

fn str_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    format!("&[{}]", inner.join(", "))
}

fn generate(entries: &[Entry]) -> Result<String, std::fmt::Error> {
    let mut s = String::new();
    writeln!(
        s,
        "// Generated by build.rs from {DICTIONARY}; do not edit.\n"
    )?;
    writeln!(s, "pub static AIS: &[AiSpec] = &[")?;
    for e in entries {
        writeln!(s, "    AiSpec {{")?;
        writeln!(s, "        ai: {:?},", e.ai)?;
        writeln!(s, "        title: {:?},", e.title)?;
        writeln!(s, "        predefined_length: {},", e.predefined_length)?;
        writeln!(s, "        dl_attribute: {},", e.dl_attribute)?;
        writeln!(s, "        components: &[")?;
        for c in &e.components {
            let linters: Vec<String> = c.linters.iter().map(|l| format!("Linter::{l}")).collect();
            writeln!(
                s,
                "            Component {{ charset: Charset::{}, min: {}, max: {}, optional: {}, linters: &[{}] }},",
                c.charset,
                c.min,
                c.max,
                c.optional,
                linters.join(", ")
            )?;
        }
        writeln!(s, "        ],")?;
        let requires: Vec<String> = e
            .requires
            .iter()
            .map(|group| {
                let alts: Vec<String> = group.iter().map(|alt| str_list(alt)).collect();
                format!("&[{}]", alts.join(", "))
            })
            .collect();
        writeln!(s, "        requires: &[{}],", requires.join(", "))?;
        writeln!(s, "        excludes: {},", str_list(&e.excludes))?;
        match &e.dl_primary_key {
            None => writeln!(s, "        dl_primary_key: None,")?,
            Some(seqs) => {
                let seqs: Vec<String> = seqs.iter().map(|q| str_list(q)).collect();
                writeln!(s, "        dl_primary_key: Some(&[{}]),", seqs.join(", "))?;
            }
        }
        writeln!(s, "    }},")?;
    }
    writeln!(s, "];\n")?;
    // Dense index: 2-digit AIs at 0..100, 3-digit at 100..1100, 4-digit at 1100..11100;
    // 0 means no such AI, otherwise the entry's position + 1.
    let mut index = vec![0u16; 11100];
    for (i, e) in entries.iter().enumerate() {
        let n: usize = e.ai.parse().map_err(|_| std::fmt::Error)?;
        let slot = match e.ai.len() {
            2 => n,
            3 => 100 + n,
            _ => 1100 + n,
        };
        index[slot] = u16::try_from(i + 1).map_err(|_| std::fmt::Error)?;
    }
    writeln!(s, "static AI_INDEX: [u16; 11100] = [")?;
    for chunk in index.chunks(25) {
        let row: Vec<String> = chunk.iter().map(u16::to_string).collect();
        writeln!(s, "    {},", row.join(", "))?;
    }
    writeln!(s, "];")?;
    Ok(s)
}
