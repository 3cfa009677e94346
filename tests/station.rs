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
