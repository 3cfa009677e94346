//! `scantrail decode TEXT… [--json]`: what each scan means, with no side effects.
//!
//! Each TEXT (or, with none, each non-empty line of standard input) is one scan; `<GS>` and
//! `\x1d` written out stand for the GS separator. The scan is classified exactly as the
//! kiosk would (same `[barcodes]` config, same order), against a read-only [`ScanLookup`]:
//! the store when a database is open, [`NoStore`](crate::barcode::classify::NoStore)
//! otherwise, so `product` and `serial` only occur with a database. `--json` prints one
//! JSON object per scan, one per line (SPEC §6 shape, plus `needs` for a partial GS1
//! message: valid element strings that still need partner AIs from another scan); the exit
//! code is 1 when any scan is invalid (bad GS1 data, unknown command).
//!
//! `scantrail decode --image FILE…`: the barcodes in photos or scanned sheets (PNG, JPEG),
//! found by [`crate::barcode::image`], each given its symbology identifier and classified
//! like a typed scan; the text and JSON say which file and where in it. A file that cannot
//! be read, or holds no barcode, is a message on stderr and exit code 1 (after the others
//! are reported).

use super::Cli;
use crate::barcode::aim::Symbology;
use crate::barcode::classify::{Classified, Classifier, ScanLookup, expand_typed_separators};
use crate::barcode::gs1::{Element, Measure};
use crate::barcode::image::{Position, find_symbols};
use crate::config::{Config, Env};
use crate::session::shown;
use chrono::NaiveDate;
use serde::Serialize;
use std::io::{BufRead, Write};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DecodeArgs {
    /// Scans to decode; with none, one scan per line is read from standard input.
    #[arg(
        value_name = "TEXT",
        long_help = "Scans to decode; with none, one scan per line is read from standard \
                     input. Write the GS separator as <GS> or \\x1d."
    )]
    pub texts: Vec<String>,
    /// Read the barcodes in these pictures (PNG or JPEG: photos, scanned sheets) instead.
    #[arg(
        long = "image",
        value_name = "FILE",
        num_args = 1..,
        conflicts_with = "texts",
        long_help = "Read the barcodes in these pictures instead: PNG or JPEG photos of \
                     labels, or scanned sheets. Every barcode found is given the symbology \
                     identifier a scanner would send (]d2, ]C1, ]Q1, ]E0…) and classified as \
                     a typed scan; each is reported with its file and its position (a box in \
                     pixels from the top left). A file that cannot be read or has no barcode \
                     is said on stderr and makes the exit code 1."
    )]
    pub images: Vec<std::path::PathBuf>,
    /// One JSON object per scan, one per line.
    #[arg(long)]
    pub json: bool,
}

/// One element of a GS1 message in the JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElementJson {
    pub ai: String,
    pub value: String,
    pub title: String,
}

/// The GS1 part of the JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gs1Json {
    pub hri: String,
    pub elements: Vec<ElementJson>,
}

/// What `decode --json` prints for one scan (SPEC §6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decoded {
    pub input: String,
    pub kind: &'static str,
    pub symbology: Option<String>,
    pub gtin: Option<String>,
    pub gs1: Option<Gs1Json>,
    pub error: Option<String>,
    /// Only for a partial GS1 message: the AIs another scan has to supply (`["01"]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<Vec<String>>,
}

impl Gs1Json {
    fn new(hri: String, elements: &[Element]) -> Gs1Json {
        Gs1Json {
            hri,
            elements: elements
                .iter()
                .map(|e| ElementJson {
                    ai: e.ai().to_owned(),
                    value: e.value().to_owned(),
                    title: e.title().to_owned(),
                })
                .collect(),
        }
    }
}

/// Classifies one scan and says what it means.
pub fn decode_one(
    classifier: &Classifier,
    lookup: &dyn ScanLookup,
    input: &str,
) -> anyhow::Result<(Decoded, Classified)> {
    let scan = expand_typed_separators(input);
    let classified = classifier.classify(&scan, lookup)?;
    let symbology = Symbology::split(&scan).0;
    let (gtin, gs1, error) = match &classified {
        Classified::Gs1 { message, .. } => (
            message.gtin().map(|g| g.as_gtin14()),
            Some(Gs1Json::new(message.hri(), message.elements())),
            None,
        ),
        Classified::PartialGs1 { message } => (
            None,
            Some(Gs1Json::new(message.hri(), message.elements())),
            None,
        ),
        Classified::InvalidGs1 { error } => (None, None, Some(error.to_string())),
        Classified::BadCommand { text, error } => (None, None, Some(format!("{text}: {error}"))),
        Classified::Product { gtin, .. } => (gtin.map(|g| g.as_gtin14()), None, None),
        Classified::Gtin { gtin, .. } => (Some(gtin.as_gtin14()), None, None),
        _ => (None, None, None),
    };
    let decoded = Decoded {
        input: scan.into_owned(),
        kind: classified.kind(),
        symbology: symbology.map(|s| s.to_string()),
        gtin,
        gs1,
        error,
        needs: match &classified {
            Classified::PartialGs1 { message } => {
                Some(message.needs().iter().map(|ai| (*ai).to_owned()).collect())
            }
            _ => None,
        },
    };
    Ok((decoded, classified))
}

/// The human-readable account of one decoded scan.
pub fn describe(decoded: &Decoded, classified: &Classified, today: NaiveDate) -> String {
    let mut lines = vec![format!("scan:      {}", decoded.input)];
    let kind = match classified {
        Classified::Command(c) => format!("command {}", c.word()),
        Classified::Location { code, known } => match known {
            Some(l) => format!("location {code} ({})", l.name),
            None => format!("location {code}"),
        },
        Classified::Document {
            reference,
            kind,
            known,
        } => match known {
            Some(d) => format!("document {reference} ({kind}, {})", d.status),
            None => format!("document {reference} ({kind})"),
        },
        Classified::Operator { code } => format!("operator {code}"),
        Classified::Product { product, .. } => format!(
            "product {} {} ({} per scan, tracking {})",
            product.sku, product.name, product.units, product.tracking
        ),
        Classified::Serial { serial, units } => {
            let where_: Vec<String> = units
                .iter()
                .map(|u| match &u.location {
                    Some(l) => format!("{} {} at {l}", u.sku, u.status),
                    None => format!("{} {}", u.sku, u.status),
                })
                .collect();
            format!("serial {serial}: {}", where_.join("; "))
        }
        Classified::Gs1 {
            product: Some(p), ..
        } => format!("gs1, product {} {}", p.sku, p.name),
        Classified::PartialGs1 { message } if message.needs_only_gtin() => format!(
            "gs1, valid, but needs {} from another scan (the product scanned before it)",
            message.lacks()
        ),
        Classified::PartialGs1 { message } => format!(
            "gs1, valid, but needs {} from another scan",
            message.lacks()
        ),
        other => other.kind().to_owned(),
    };
    lines.push(format!("kind:      {kind}"));
    if let Some(s) = Symbology::split(&decoded.input).0 {
        lines.push(format!("symbology: {s} ({})", s.name()));
    }
    if let Some(g) = &decoded.gtin {
        lines.push(format!("gtin:      {g}"));
    }
    match classified {
        Classified::Gs1 { message, .. } => element_lines(
            &mut lines,
            &message.hri(),
            message.elements(),
            |ai| message.date(ai, today),
            message.measures(),
        ),
        Classified::PartialGs1 { message } => element_lines(
            &mut lines,
            &message.hri(),
            message.elements(),
            |ai| message.date(ai, today),
            message.measures(),
        ),
        _ => {}
    }
    if let Classified::Text {
        gs1_error: Some(e), ..
    } = classified
    {
        lines.push(format!("note:      not read as GS1 because {e}"));
    }
    if let Some(e) = &decoded.error {
        lines.push(format!("error:     {e}"));
    }
    // Every line quotes the scan or text read from it (a GS1 error names the character it
    // refused): escaped, so no control character or escape sequence reaches the terminal.
    lines
        .iter()
        .map(|l| shown(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bracketed form, each element with its title (dates resolved), and the measures.
fn element_lines(
    lines: &mut Vec<String>,
    hri: &str,
    elements: &[Element],
    date: impl Fn(&str) -> Option<NaiveDate>,
    measures: impl Iterator<Item = Measure>,
) {
    lines.push(format!("hri:       {hri}"));
    for e in elements {
        let date = date(e.ai()).map(|d| format!("  = {d}")).unwrap_or_default();
        let ai = format!("({})", e.ai());
        lines.push(format!("  {ai:<6} {:<24} {}{date}", e.title(), e.value()));
    }
    for m in measures {
        lines.push(format!("  {}: {}", m.title, m.amount));
    }
}

/// Decodes every input, writes the results, and says whether all were valid.
pub fn decode_all(
    inputs: impl Iterator<Item = std::io::Result<String>>,
    classifier: &Classifier,
    lookup: &dyn ScanLookup,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut all_valid = true;
    let mut first = true;
    for input in inputs {
        let input = input?;
        let (decoded, classified) = decode_one(classifier, lookup, &input)?;
        all_valid &= decoded.error.is_none();
        if json {
            writeln!(out, "{}", super::json_line(&decoded)?)?;
        } else {
            if !first {
                writeln!(out)?;
            }
            writeln!(out, "{}", describe(&decoded, &classified, today))?;
        }
        first = false;
    }
    Ok(all_valid)
}

/// What `decode --image --json` prints for one barcode: the file, where it is in the
/// picture, what rxing took it for, then the scan's own fields.
#[derive(Debug, Serialize)]
struct FoundJson<'a> {
    file: String,
    position: Position,
    format: &'a str,
    #[serde(flatten)]
    decoded: &'a Decoded,
}

/// Decodes the barcodes of every picture; says whether every file had barcodes and every
/// scan was valid. A file that cannot be read or holds none is said on `err`.
pub fn decode_images(
    files: &[std::path::PathBuf],
    classifier: &Classifier,
    lookup: &dyn ScanLookup,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut all_good = true;
    let mut first = true;
    for file in files {
        let shown = file.display().to_string();
        let found = match std::fs::read(file) {
            Ok(bytes) => find_symbols(&bytes).map_err(|e| e.to_string()),
            Err(e) => Err(format!("cannot read it: {e}")),
        };
        let found = match found {
            Ok(found) if found.is_empty() => {
                writeln!(
                    err,
                    "scantrail: {shown}: no barcode found; photograph it closer, straight on \
                     and in even light, or scan the sheet at 300 dpi or more"
                )?;
                all_good = false;
                continue;
            }
            Ok(found) => found,
            Err(e) => {
                writeln!(err, "scantrail: {shown}: {e}")?;
                all_good = false;
                continue;
            }
        };
        for symbol in &found {
            let (decoded, classified) = decode_one(classifier, lookup, &symbol.scan)?;
            all_good &= decoded.error.is_none();
            if json {
                let line = FoundJson {
                    file: shown.clone(),
                    position: symbol.position,
                    format: &symbol.format,
                    decoded: &decoded,
                };
                writeln!(out, "{}", super::json_line(&line)?)?;
            } else {
                if !first {
                    writeln!(out)?;
                }
                let p = symbol.position;
                writeln!(out, "file:      {}", crate::session::shown(&shown))?;
                writeln!(
                    out,
                    "position:  x {} y {}, {}×{} px ({})",
                    p.x, p.y, p.width, p.height, symbol.format
                )?;
                writeln!(out, "{}", describe(&decoded, &classified, today))?;
            }
            first = false;
        }
    }
    Ok(all_good)
}

/// Runs `scantrail decode` with the given store lookup.
pub fn run(cli: &Cli, args: &DecodeArgs, lookup: &dyn ScanLookup) -> anyhow::Result<ExitCode> {
    let (config, _) = Config::discover(cli.config.as_deref(), &Env::from_process())?;
    let classifier = Classifier::new(&config.barcodes);
    let today = chrono::Local::now().date_naive();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let all_valid = if !args.images.is_empty() {
        let stderr = std::io::stderr();
        let mut err = stderr.lock();
        decode_images(
            &args.images,
            &classifier,
            lookup,
            args.json,
            today,
            &mut out,
            &mut err,
        )?
    } else if args.texts.is_empty() {
        let scans = std::io::stdin()
            .lock()
            .lines()
            .map(|l| l.map(|l| l.trim_end_matches('\r').to_owned()))
            .filter(|l| l.as_ref().map_or(true, |l| !l.is_empty()));
        decode_all(scans, &classifier, lookup, args.json, today, &mut out)?
    } else {
        let scans = args.texts.iter().cloned().map(Ok);
        decode_all(scans, &classifier, lookup, args.json, today, &mut out)?
    };
    out.flush()?;
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
