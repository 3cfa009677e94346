//! A station without a screen: scanners → core → journal, each outcome a line on stderr
//! (the journal under systemd), READY and WATCHDOG for systemd, until a signal. The lines
//! come from the scan reports the core thread sends, one per scan and one per notice.

use super::{Event, Happened, Station, Waited};
use crate::config::Config;
use crate::core::Core;
use crate::session::{Feedback, shown};
use chrono::{DateTime, Local, Utc};

/// Runs the station headless until SIGTERM, SIGINT or SIGHUP.
pub fn run_headless(core: Core, config: &Config) -> std::io::Result<()> {
    let name = core.station().to_owned();
    let mut station = Station::start(core, |_core, now, happened| (now, happened))?;
    station.start_scanners(&config.input);
    eprintln!("scantrail: station {name} running headless; reading scanners");
    station.ready();
    let result = loop {
        match station.wait() {
            Waited::Event(Event::Front((at, happened))) => log(at, &happened),
            Waited::Event(Event::Signal(_)) | Waited::Closed => break Ok(()),
            Waited::Event(Event::Stopped(reason)) => break Err(std::io::Error::other(reason)),
            Waited::Event(Event::Scanners { .. }) | Waited::Tick => {}
        }
    };
    station.stop();
    eprintln!("scantrail: stopped");
    result
}

/// The log lines of what happened: the notices first, then the scan.
fn log(at: DateTime<Utc>, happened: &Happened) {
    let time = at.with_timezone(&Local).format("%H:%M:%S").to_string();
    match happened {
        Happened::Started => {}
        Happened::Scanned(report) => {
            for notice in &report.notices {
                eprintln!("{}", line(&time, "(timer)", notice));
            }
            eprintln!("{}", line(&time, &shown(&report.scan), &report.feedback));
        }
        Happened::Notice(feedback) => eprintln!("{}", line(&time, "(scanner)", feedback)),
        Happened::TimedOut(notices) => {
            for notice in notices {
                eprintln!("{}", line(&time, "(timer)", notice));
            }
        }
    }
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
