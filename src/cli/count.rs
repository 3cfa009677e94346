//! `scantrail count report [--since DATE] [--json]`: the cycle counts booked at this station
//! (its own and those pulled from other stations), what each changed and whether it was
//! undone, for the supervisor.

use super::Context;
use super::outln;
use super::{print_json, print_table};
use chrono::NaiveDate;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum CountCommand {
    /// The counts booked, their differences and value in units.
    Report(ReportArgs),
}

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Only counts booked on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// One JSON document: [{"reference","location","at","station","operator","differences",
    /// "gained","lost","moved","undone"}].
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, cmd: &CountCommand) -> anyhow::Result<ExitCode> {
    let CountCommand::Report(args) = cmd;
    if let Some(since) = &args.since
        && NaiveDate::parse_from_str(since, "%Y-%m-%d").is_err()
    {
        anyhow::bail!("--since takes a day as YYYY-MM-DD, not '{since}'");
    }
    let store = ctx.open_store()?;
    let rows = store.count_report(args.since.as_deref())?;
    if args.json {
        print_json(&rows)?;
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        outln!("no counts booked")?;
        return Ok(ExitCode::SUCCESS);
    }
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.reference.clone(),
                r.location.clone(),
                r.at.get(..16).unwrap_or(&r.at).replace('T', " "),
                r.station.clone(),
                r.operator.clone().unwrap_or_else(|| "—".into()),
                r.differences.to_string(),
                format!("+{}", r.gained),
                format!("-{}", r.lost),
                r.moved.to_string(),
                if r.undone { "undone" } else { "" }.to_owned(),
            ]
        })
        .collect();
    print_table(
        &[
            "COUNT", "LOCATION", "BOOKED", "STATION", "OPERATOR", "DIFFS", "GAINED", "LOST",
            "MOVED", "",
        ],
        &table,
    )?;
    let gained: i64 = rows.iter().filter(|r| !r.undone).map(|r| r.gained).sum();
    let lost: i64 = rows.iter().filter(|r| !r.undone).map(|r| r.lost).sum();
    outln!(
        "{} count(s); not undone: {gained} unit(s) gained, {lost} lost, net {:+}",
        rows.len(),
        gained - lost
    )?;
    Ok(ExitCode::SUCCESS)
}
