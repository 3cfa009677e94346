//! The core thread: it owns the [`Core`], waits for an input or the next pairing deadline,
//! and after each change sends the front end's picture of the station.

use super::{CoreInput, Event, Happened};
use crate::core::Core;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::Notify;

/// Starts the core thread.
pub(super) fn spawn<T: Send + 'static>(
    core: Core,
    inputs: Receiver<CoreInput>,
    picture: impl FnMut(&Core, DateTime<Utc>, Happened) -> T + Send + 'static,
    events: Sender<Event<T>>,
    nudge: Arc<Notify>,
) -> std::io::Result<JoinHandle<()>> {
    std::thread::Builder::new()
        .name("scantrail-core".into())
        .spawn(move || run(core, &inputs, picture, &events, &nudge))
}

/// The next input, or `None` when the next deadline comes first; `Err` when every sender
/// is gone.
fn next_input(core: &Core, inputs: &Receiver<CoreInput>) -> Result<Option<CoreInput>, ()> {
    match core.next_deadline() {
        Some(deadline) => {
            let wait = (deadline - Utc::now()).to_std().unwrap_or(Duration::ZERO);
            match inputs.recv_timeout(wait) {
                Ok(input) => Ok(Some(input)),
                Err(RecvTimeoutError::Timeout) => Ok(None),
                Err(RecvTimeoutError::Disconnected) => Err(()),
            }
        }
        None => inputs.recv().map(Some).map_err(|_| ()),
    }
}

fn run<T>(
    mut core: Core,
    inputs: &Receiver<CoreInput>,
    mut picture: impl FnMut(&Core, DateTime<Utc>, Happened) -> T,
    events: &Sender<Event<T>>,
    nudge: &Notify,
) {
    let started = picture(&core, Utc::now(), Happened::Started);
    if events.send(Event::Front(started)).is_err() {
        return;
    }
    while let Ok(input) = next_input(&core, inputs) {
        let now = Utc::now();
        let happened = match input {
            Some(CoreInput::Quit) => return,
            Some(CoreInput::Scan { raw, device }) => {
                Happened::Scanned(Box::new(core.scan(now, &raw, device.as_deref())))
            }
            Some(CoreInput::Unreadable { device, why }) => Happened::Scanned(Box::new(
                core.unreadable_scan(now, "(unreadable scan)", Some(&device), &why),
            )),
            Some(CoreInput::Notice(feedback)) => Happened::Notice(feedback),
            Some(CoreInput::Synced(news)) => Happened::Synced(news),
            None => {
                let notices = core.tick(now);
                if notices.is_empty() {
                    continue;
                }
                Happened::TimedOut(notices)
            }
        };
        let scanned = matches!(happened, Happened::Scanned(_));
        if events
            .send(Event::Front(picture(&core, now, happened)))
            .is_err()
        {
            return;
        }
        if scanned {
            // The outcome is on its way to the screen: now the WAL may be checkpointed, and
            // the sync task (if any) may send the scan to the centre.
            core.after_scan();
            nudge.notify_one();
        }
    }
}
