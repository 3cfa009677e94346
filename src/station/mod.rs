//! The station runtime: the threads that bring scans to the [`Core`] and take its news to
//! whoever shows them — the kiosk screen (`ui::kiosk`) or the headless log
//! ([`run_headless`]).
//!
//! One thread owns the core (and so the database connection) and waits on one channel of
//! [`CoreInput`]s: every edge that has something for the core — the terminal's keys, the
//! scanner thread, and next the sync task — holds a clone of [`Station::inputs`]. After
//! each change the core thread hands what [`Happened`] to the front end's `picture`
//! function (run on the core thread, so it may read the core) and sends the picture on the
//! second channel, of [`Event`]s, where the front end's loop waits with the signals, the
//! scanner count and its own threads' news. [`Station::wait`] feeds the systemd watchdog
//! each time that loop comes round, so a stuck loop is restarted.

mod core_thread;
mod headless;
mod scanners;
mod sync;

pub use headless::run_headless;
pub use sync::SyncNews;

use crate::config::{Config, InputConfig};
use crate::core::{Core, ScanReport};
use crate::session::Feedback;
use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::Notify;

/// What reaches the core thread: the one place where its inputs are gathered.
#[derive(Debug)]
pub enum CoreInput {
    Scan {
        raw: String,
        device: Option<String>,
    },
    /// A scan the input layer could not read whole: logged as an error.
    Unreadable {
        device: String,
        why: String,
    },
    /// News for the recent list (a scanner plugged in or out, one that cannot be opened).
    Notice(Feedback),
    /// A sync round ended (from the sync task).
    Synced(SyncNews),
    /// Finish the scan being written, then stop.
    Quit,
}

/// What the core thread did, for the front end's picture of the station.
#[derive(Debug, Clone, PartialEq)]
pub enum Happened {
    /// The core thread has started: the station as it is before any scan.
    Started,
    /// A scan (or an unreadable one) was recorded or refused; its report.
    Scanned(Box<ScanReport>),
    /// News from the scanner thread, passed through.
    Notice(Feedback),
    /// Pending pairings dropped by their deadlines, with no scan.
    TimedOut(Vec<Feedback>),
    /// A sync round ended: where the station stands with the centre.
    Synced(SyncNews),
}

/// What the loop of the front end waits for.
#[derive(Debug)]
pub enum Event<T> {
    /// The front end's own news: the picture the core thread made after something happened,
    /// or what the front end's threads send (the terminal's keys).
    Front(T),
    /// Scanners connected of those configured (from the scanner thread).
    Scanners { connected: usize, configured: usize },
    /// SIGTERM, SIGINT or SIGHUP.
    Signal(i32),
    /// A part of the station stopped and the station cannot go on: the reason.
    Stopped(String),
}

/// What waiting for the next event came to.
#[derive(Debug)]
pub enum Waited<T> {
    Event(Event<T>),
    /// The watchdog interval passed with nothing to do.
    Tick,
    /// Every sender is gone: time to stop.
    Closed,
}

/// A running station: the core thread and the signal thread, with the two channels.
pub struct Station<T> {
    inputs: Sender<CoreInput>,
    events: Sender<Event<T>>,
    news: Receiver<Event<T>>,
    core: JoinHandle<()>,
    /// Rung by the core thread after each scan, so the sync task pushes it soon.
    nudge: Arc<Notify>,
    watchdog: Option<Duration>,
    ready: bool,
}

impl<T> std::fmt::Debug for Station<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Station")
            .field("watchdog", &self.watchdog)
            .finish()
    }
}

impl<T: Send + 'static> Station<T> {
    /// Starts the core thread on `core` and the signal thread. `picture` runs on the core
    /// thread after each change and makes what the front end's loop gets as
    /// [`Event::Front`].
    pub fn start(
        core: Core,
        picture: impl FnMut(&Core, DateTime<Utc>, Happened) -> T + Send + 'static,
    ) -> std::io::Result<Station<T>> {
        let (inputs, input_rx) = mpsc::channel::<CoreInput>();
        let (events, news) = mpsc::channel::<Event<T>>();
        let nudge = Arc::new(Notify::new());
        let core = core_thread::spawn(core, input_rx, picture, events.clone(), nudge.clone())?;
        spawn_signal_thread(events.clone())?;
        Ok(Station {
            inputs,
            events,
            news,
            core,
            nudge,
            watchdog: crate::notify::watchdog_interval(),
            ready: false,
        })
    }

    /// A handle for an edge that feeds the core thread.
    pub fn inputs(&self) -> Sender<CoreInput> {
        self.inputs.clone()
    }

    /// A handle for a thread of the front end that has news for its loop.
    pub fn events(&self) -> Sender<Event<T>> {
        self.events.clone()
    }

    /// Starts reading the scanners the config selects, on a thread of their own.
    pub fn start_scanners(&self, input: &InputConfig) {
        scanners::start(input, self.inputs(), self.events());
    }

    /// Starts the sync task when `[sync] url` is set (SPEC §7): rounds with the centre in
    /// the background, their news to the core thread. `db` is the station's database file.
    pub fn start_sync(&self, config: &Config, db: &Path) -> std::io::Result<bool> {
        let Some(url) = config.sync.url.clone() else {
            return Ok(false);
        };
        let task = sync::SyncTask {
            db: db.to_owned(),
            database: config.database.clone(),
            sync: config.sync.clone(),
            station: config.station_name(),
            url,
        };
        sync::start(task, self.inputs(), self.nudge.clone())?;
        Ok(true)
    }

    /// Tells systemd the station is ready (once).
    pub fn ready(&mut self) {
        if !self.ready {
            self.ready = true;
            let _ = crate::notify::notify("READY=1");
        }
    }

    /// Waits for the next event — under a systemd watchdog at most half its interval — and
    /// feeds the watchdog each time the loop comes round, so a stuck loop is restarted.
    pub fn wait(&self) -> Waited<T> {
        let waited = match self.watchdog {
            Some(every) => match self.news.recv_timeout(every) {
                Ok(e) => Waited::Event(e),
                Err(RecvTimeoutError::Timeout) => Waited::Tick,
                Err(RecvTimeoutError::Disconnected) => Waited::Closed,
            },
            None => self.news.recv().map_or(Waited::Closed, Waited::Event),
        };
        if self.watchdog.is_some() {
            let _ = crate::notify::notify("WATCHDOG=1");
        }
        waited
    }

    /// Stops the station: the core finishes the scan it may be writing before this returns.
    pub fn stop(self) {
        let _ = crate::notify::notify("STOPPING=1");
        let _ = self.inputs.send(CoreInput::Quit);
        let _ = self.core.join();
    }
}

fn spawn_signal_thread<T: Send + 'static>(events: Sender<Event<T>>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    std::thread::Builder::new()
        .name("scantrail-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = events.send(Event::Signal(signal));
            }
        })?;
    Ok(())
}
