//! A station without a screen: scanners → core → journal, each outcome a line on stderr
//! (the journal under systemd), READY and WATCHDOG for systemd, until a signal. The lines
//! come from the scan reports the core thread sends, one per scan and one per notice.

use super::{Event, Happened, Station, SyncNews, Waited};
use crate::config::Config;
use crate::core::Core;
use crate::session::{Feedback, shown};
use chrono::{DateTime, Local, Utc};

/// One log line on stderr. A log that cannot be written — its reader gone: a closed pipe, a
/// log collector restarting — must not stop the station (`eprintln!` would panic): the
/// journal is the record, the log only its echo.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Runs the station headless until SIGTERM, SIGINT or SIGHUP.
pub fn run_headless(core: Core, config: &Config) -> std::io::Result<()> {
    let name = core.station().to_owned();
    let db = core.store().path().to_owned();
    let mut station = Station::start(core, |_core, now, happened| (now, happened))?;
    station.start_scanners(&config.input);
    let syncing = station.start_sync(config, &db)?;
    say!(
        "scantrail: station {name} running headless; reading scanners{}",
        if syncing {
            "; syncing with the centre"
        } else {
            ""
        }
    );
    station.ready();
    let mut sync_state = None;
    let result = loop {
        match station.wait() {
            Waited::Event(Event::Front((at, Happened::Synced(news)))) => {
                if let Some(line) = sync_change(&mut sync_state, &news) {
                    let time = at.with_timezone(&Local).format("%H:%M:%S");
                    say!("{time} sync: {line}");
                }
            }
            Waited::Event(Event::Front((at, happened))) => log(at, &happened),
            Waited::Event(Event::Signal(_)) | Waited::Closed => break Ok(()),
            Waited::Event(Event::Stopped(reason)) => break Err(std::io::Error::other(reason)),
            Waited::Event(Event::Scanners { .. }) | Waited::Tick => {}
        }
    };
    station.stop();
    say!("scantrail: stopped");
    result
}

/// The log lines of what happened: the notices first, then the scan.
fn log(at: DateTime<Utc>, happened: &Happened) {
    let time = at.with_timezone(&Local).format("%H:%M:%S").to_string();
    match happened {
        Happened::Started => {}
        Happened::Scanned(report) => {
            for notice in &report.notices {
                say!("{}", line(&time, "(timer)", notice));
            }
            say!("{}", line(&time, &shown(&report.scan), &report.feedback));
        }
        Happened::Notice(feedback) => say!("{}", line(&time, "(scanner)", feedback)),
        Happened::Synced(_) => {}
        Happened::TimedOut(notices) => {
            for notice in notices {
                say!("{}", line(&time, "(timer)", notice));
            }
        }
    }
}

/// What the log says of a sync round: only a change — the centre reached or lost, or the
/// count of open conflicts moved — so a station that syncs every half minute does not fill
/// the journal. `state` is what was said last: reached, and the open conflicts.
fn sync_change(state: &mut Option<(bool, u64)>, news: &SyncNews) -> Option<String> {
    let conflicts = news.status.as_ref().map_or(0, |s| s.open_conflicts);
    let now = (news.round.is_ok(), conflicts);
    if *state == Some(now) {
        return None;
    }
    let before = state.replace(now);
    Some(match &news.round {
        Err(why) => format!("{}; the station goes on alone", shown(why)),
        Ok(_) if before.is_some_and(|(ok, _)| !ok) || before.is_none() => {
            format!("in touch with the centre; {conflicts} open conflict(s)")
        }
        Ok(_) => format!("{conflicts} open conflict(s)"),
    })
}

/// `10:42:13 + OK    SN-4471-0093  Laptop X1 Carbon SN-4471-0093 — serial 1 of 1 — into A-01-3`
fn line(time: &str, scan: &str, feedback: &Feedback) -> String {
    format!(
        "{time} {} {:<5} {scan}  {}",
        feedback.outcome.ascii_symbol(),
        feedback.outcome.as_str().to_uppercase(),
        feedback.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Outcome;
    use crate::store::SyncStatus;
    use crate::sync::round::Round;

    fn news(round: Result<Round, String>, open_conflicts: u64) -> SyncNews {
        SyncNews {
            at: Utc::now(),
            round,
            status: Some(SyncStatus {
                last_sync: None,
                last_error: None,
                pending: 0,
                open_conflicts,
                gseq: 0,
            }),
        }
    }

    #[test]
    fn the_log_says_what_changed_in_sync_and_nothing_else() {
        let mut state = None;
        let ok = || Ok(Round::default());
        assert_eq!(
            sync_change(&mut state, &news(ok(), 0)).as_deref(),
            Some("in touch with the centre; 0 open conflict(s)")
        );
        assert_eq!(sync_change(&mut state, &news(ok(), 0)), None);
        assert_eq!(
            sync_change(&mut state, &news(ok(), 1)).as_deref(),
            Some("1 open conflict(s)")
        );
        let gone = news(
            Err("the central database at c1 cannot be reached".into()),
            1,
        );
        assert_eq!(
            sync_change(&mut state, &gone).as_deref(),
            Some("the central database at c1 cannot be reached; the station goes on alone")
        );
        assert_eq!(sync_change(&mut state, &gone), None);
        assert_eq!(
            sync_change(&mut state, &news(ok(), 1)).as_deref(),
            Some("in touch with the centre; 1 open conflict(s)")
        );
    }

    #[test]
    fn a_log_line_has_the_time_the_symbol_the_word_the_scan_and_the_message() {
        let feedback = Feedback {
            outcome: Outcome::Error,
            headline: "ERROR".into(),
            message: "Serial SN-1 is already in stock at DOCK".into(),
        };
        assert_eq!(
            line("10:00:00", "SN-1", &feedback),
            "10:00:00 X ERROR SN-1  Serial SN-1 is already in stock at DOCK"
        );
    }
}
