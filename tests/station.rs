//! The station runtime without a screen: inputs on the one channel reach the core thread,
//! and what happened comes back as the front end's picture, in order; stopping waits for
//! the core.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use scantrail::config::Config;
use scantrail::core::Core;
use scantrail::domain::Outcome;
use scantrail::session::{Feedback, Mode};
use scantrail::station::{CoreInput, Event, Happened, Station, Waited};
use scantrail::store::Store;

fn next<T: std::fmt::Debug + Send + 'static>(station: &Station<T>) -> T {
    match station.wait() {
        Waited::Event(Event::Front(picture)) => picture,
        other => panic!("expected the core's news, got {other:?}"),
    }
}

#[test]
fn inputs_reach_the_core_and_come_back_as_pictures() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        database: common::fast_db_config(),
        ..Config::default()
    };
    let mut store = Store::open(&dir.path().join("s.db"), &config.database).unwrap();
    scantrail::demo::load(&mut store, &config, "DOCK-1", chrono::Utc::now()).unwrap();
    let core = Core::new(store, &config, "DOCK-1".into());
    // The picture: what happened, and the mode the core is in after it.
    let station = Station::start(core, |core, _now, happened| {
        (happened, core.session().state().mode)
    })
    .unwrap();
    assert_eq!(next(&station), (Happened::Started, Mode::Receive));

    let inputs = station.inputs();
    inputs
        .send(CoreInput::Scan {
            raw: "CMD-PICK".into(),
            device: Some("test".into()),
        })
        .unwrap();
    match next(&station) {
        (Happened::Scanned(report), Mode::Pick) => {
            assert_eq!(report.scan, "CMD-PICK");
            assert_eq!(report.feedback.outcome, Outcome::Ok);
        }
        other => panic!("{other:?}"),
    }

    inputs
        .send(CoreInput::Unreadable {
            device: "test".into(),
            why: "Keys were lost".into(),
        })
        .unwrap();
    match next(&station) {
        (Happened::Scanned(report), _) => assert_eq!(report.feedback.outcome, Outcome::Error),
        other => panic!("{other:?}"),
    }

    let notice = Feedback {
        outcome: Outcome::Info,
        headline: "SCANNER".into(),
        message: "Scanner connected".into(),
    };
    inputs.send(CoreInput::Notice(notice.clone())).unwrap();
    assert_eq!(next(&station).0, Happened::Notice(notice));

    // Stopping waits for the core thread; its channel is closed after.
    station.stop();
    assert!(
        inputs
            .send(CoreInput::Scan {
                raw: "CMD-RECEIVE".into(),
                device: None,
            })
            .is_err()
    );
}

/// `run --headless` whose log reader goes away (a closed pipe) goes on and stops cleanly on
/// SIGTERM: a log line it cannot write is no reason to panic (exit 101).
#[test]
fn a_headless_station_outlives_its_log_reader() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("s.db");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[station]\nname = \"DOCK-1\"\n\n[database]\nsynchronous = \"off\"\n",
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_scantrail");
    let init = Command::new(bin)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .args(["init", "--demo"])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let mut child = Command::new(bin)
        .args([
            "--config",
            config.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ])
        .args(["run", "--headless"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut log = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut first = String::new();
    log.read_line(&mut first).unwrap();
    assert!(first.contains("running headless"), "{first}");
    drop(log);
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "headless after its log reader went: {status}"
    );
}
