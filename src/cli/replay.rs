//! `scantrail replay FILE [--station S] [--json]`: feed a file of scans through the very core
//! the kiosk uses, headless. This is how operators and support reproduce a day.
//!
//! The file has one scan per line, as typed (`<GS>` or `\x1d` for the GS separator). Blank
//! lines and lines starting with `#` are skipped. A line `@ 2026-11-03T09:58:00Z` sets the
//! clock (UTC) and `@ +130s` (or `+2m`, `+1h`) moves it on; from the first such line the
//! clock is simulated and every scan moves it on by one second, so a replay is the same every
//! time and pairing timeouts fire as they would have. Without them, the wall clock is used.
//! Every scan is recorded in the database exactly as at the kiosk; a line that is not UTF-8
//! is what a scan the scanner could not send whole is there: an error in the scan log, and
//! the replay goes on.

use super::outln;
use super::{Context, print_json};
use crate::core::{Core, ScanReport};
use crate::domain::Outcome;
use crate::session::{Feedback, shown};
use anyhow::Context as _;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReplayArgs {
    /// The scan file; `-` reads standard input.
    pub file: PathBuf,
    /// The station name to record (else the config's).
    #[arg(long, value_name = "NAME")]
    pub station: Option<String>,
    /// One JSON object per scan: {"line","scan","outcome","message","movements"}.
    #[arg(long)]
    pub json: bool,
}

/// One movement in the JSON output.
#[derive(Debug, Serialize)]
struct MovementJson<'a> {
    kind: &'a str,
    sku: &'a str,
    lot: Option<&'a str>,
    serial: Option<&'a str>,
    qty: u32,
    from: Option<&'a str>,
    to: Option<&'a str>,
    document: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct LineJson<'a> {
    line: usize,
    scan: &'a str,
    outcome: &'a str,
    message: &'a str,
    movements: Vec<MovementJson<'a>>,
}

/// The symbol and word that go with an outcome, never colour alone.
pub fn outcome_mark(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Ok => "✔ OK   ",
        Outcome::Warn => "! WARN ",
        Outcome::Error => "✘ ERROR",
        Outcome::Info => "i INFO ",
    }
}

enum Clock {
    Wall,
    Simulated(DateTime<Utc>),
}

impl Clock {
    fn now(&mut self) -> DateTime<Utc> {
        match self {
            Clock::Wall => Utc::now(),
            Clock::Simulated(t) => {
                let now = *t;
                *t = now + Duration::seconds(1);
                now
            }
        }
    }

    /// `@ TIME` or `@ +N[s|m|h]`.
    fn directive(&mut self, text: &str) -> Result<(), String> {
        let text = text.trim();
        if let Some(step) = text.strip_prefix('+') {
            let (n, unit) = step.split_at(
                step.find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(step.len()),
            );
            let n: i64 = n
                .parse()
                .map_err(|_| format!("'{text}' is not a step like +30s, +2m or +1h"))?;
            let by = match unit {
                "" | "s" => Duration::seconds(n),
                "m" => Duration::minutes(n),
                "h" => Duration::hours(n),
                _ => return Err(format!("'{text}' is not a step like +30s, +2m or +1h")),
            };
            let base = match self {
                Clock::Wall => Utc::now(),
                Clock::Simulated(t) => *t,
            };
            *self = Clock::Simulated(base + by);
            return Ok(());
        }
        let at = DateTime::parse_from_rfc3339(text)
            .map_err(|_| format!("'{text}' is not a time like 2026-11-03T09:58:00Z"))?;
        *self = Clock::Simulated(at.with_timezone(&Utc));
        Ok(())
    }
}

pub fn run(ctx: &Context, args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let input: Box<dyn BufRead> = if args.file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(&args.file)
            .with_context(|| format!("cannot open {}", args.file.display()))?;
        Box::new(std::io::BufReader::new(file))
    };
    let store = ctx.open_store()?;
    let station = args.station.clone().unwrap_or_else(|| ctx.station());
    let mut core = Core::new(store, &ctx.config, station);
    let mut clock = Clock::Wall;
    let label = args.file.display().to_string();
    let mut counts = [0usize; 4];
    for (index, bytes) in input.split(b'\n').enumerate() {
        let number = index + 1;
        let bytes = bytes.with_context(|| format!("{label} line {number}: cannot read"))?;
        let report = match String::from_utf8(bytes) {
            Ok(line) => {
                let line = line.trim_end_matches(['\r', '\n']);
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                if let Some(directive) = line.strip_prefix('@') {
                    clock
                        .directive(directive)
                        .map_err(|e| anyhow::anyhow!("{label} line {number}: {e}"))?;
                    continue;
                }
                core.scan(clock.now(), line, Some("replay"))
            }
            // What a scan the scanner could not send whole is at the kiosk: an error
            // outcome with its scan-log row, and the next line goes on.
            Err(e) => {
                let why = format!(
                    "line {number} of {label} is not UTF-8 text (byte {} of the line)",
                    e.utf8_error().valid_up_to() + 1
                );
                let what = String::from_utf8_lossy(e.as_bytes());
                core.unreadable_scan(clock.now(), what.trim_end(), Some("replay"), &why)
            }
        };
        for notice in &report.notices {
            print_notice(args.json, number, notice)?;
        }
        counts[outcome_index(report.feedback.outcome)] += 1;
        print_report(args.json, number, &report)?;
        core.after_scan();
    }
    if let Clock::Simulated(t) = clock {
        for notice in core.tick(t + Duration::days(1)) {
            print_notice(args.json, 0, &notice)?;
        }
    }
    if !args.json {
        outln!(
            "{} scan(s): {} ok, {} warn, {} error, {} info",
            counts.iter().sum::<usize>(),
            counts[0],
            counts[1],
            counts[2],
            counts[3]
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn outcome_index(outcome: Outcome) -> usize {
    match outcome {
        Outcome::Ok => 0,
        Outcome::Warn => 1,
        Outcome::Error => 2,
        Outcome::Info => 3,
    }
}

fn print_notice(json: bool, line: usize, notice: &Feedback) -> anyhow::Result<()> {
    if json {
        print_json(&LineJson {
            line,
            scan: "",
            outcome: notice.outcome.as_str(),
            message: &notice.message,
            movements: Vec::new(),
        })
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{:>5}  {}  {:<20} {}",
            "",
            outcome_mark(notice.outcome),
            "(timer)",
            notice.message
        )?;
        Ok(())
    }
}

fn print_report(json: bool, line: usize, report: &ScanReport) -> anyhow::Result<()> {
    if json {
        return print_json(&LineJson {
            line,
            scan: &report.scan,
            outcome: report.feedback.outcome.as_str(),
            message: &report.feedback.message,
            movements: report
                .movements
                .iter()
                .map(|m| MovementJson {
                    kind: m.kind.as_str(),
                    sku: &m.sku,
                    lot: m.lot.as_ref().map(|l| l.code.as_str()),
                    serial: m.serial.as_deref(),
                    qty: m.qty,
                    from: m.from.as_deref(),
                    to: m.to.as_deref(),
                    document: m.document.as_deref(),
                })
                .collect(),
        });
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{line:>5}  {}  {:<20} {}",
        outcome_mark(report.feedback.outcome),
        shown(&report.scan),
        report.feedback.message
    )?;
    Ok(())
}
