//! The scanner thread: a small tokio runtime with one reader task per scanner
//! (`input::spawn_scanners`). Scans and unreadable scans go to the core thread like typed
//! ones; plugging and unplugging go to the core as notices (for the recent list) and to the
//! front end's loop as the scanner count.

use super::{CoreInput, Event};
use crate::config::InputConfig;
use crate::domain::Outcome;
use crate::input::{InputError, InputEvent};
use crate::session::Feedback;
use std::sync::mpsc::Sender;

/// Starts reading the scanners `input` selects, on a thread with its own async runtime.
pub(super) fn start<T: Send + 'static>(
    input: &InputConfig,
    inputs: Sender<CoreInput>,
    events: Sender<Event<T>>,
) {
    let input = input.clone();
    let spawned = std::thread::Builder::new()
        .name("scantrail-scanners".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = inputs.send(CoreInput::Notice(warn(
                        "NO SCANNERS",
                        format!("Scanners cannot be read: {e}"),
                    )));
                    return;
                }
            };
            runtime.block_on(forward(input, inputs, events));
        });
    if let Err(e) = spawned {
        eprintln!("scantrail: scanners cannot be read: {e}");
    }
}

fn warn(headline: &str, message: String) -> Feedback {
    Feedback {
        outcome: Outcome::Warn,
        headline: headline.to_owned(),
        message,
    }
}

async fn forward<T>(input: InputConfig, inputs: Sender<CoreInput>, events: Sender<Event<T>>) {
    let configured = input.scanners.len();
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _readers = crate::input::spawn_scanners(&input, tx);
    let mut connected = std::collections::BTreeSet::new();
    let count = |connected: usize| Event::Scanners {
        connected,
        configured,
    };
    let _ = events.send(count(0));
    while let Some(event) = rx.recv().await {
        let sent = match event {
            InputEvent::Scan(scan) => inputs.send(CoreInput::Scan {
                raw: scan.text,
                device: Some(scan.device_label),
            }),
            InputEvent::InputError(InputError::Scan(e)) => inputs.send(CoreInput::Unreadable {
                device: e.device().to_owned(),
                why: e.to_string(),
            }),
            InputEvent::InputError(e) => {
                inputs.send(CoreInput::Notice(warn("SCANNER", e.to_string())))
            }
            InputEvent::DeviceConnected(info) => {
                connected.insert(info.node.clone());
                let _ = events.send(count(connected.len()));
                inputs.send(CoreInput::Notice(Feedback {
                    outcome: Outcome::Info,
                    headline: "SCANNER".into(),
                    message: format!("Scanner connected: {info}"),
                }))
            }
            InputEvent::DeviceDisconnected { scanner, why } => {
                connected.remove(&scanner.node);
                let _ = events.send(count(connected.len()));
                inputs.send(CoreInput::Notice(warn(
                    "SCANNER",
                    format!("Scanner {} is gone: {why}", scanner.label),
                )))
            }
        };
        if sent.is_err() {
            return;
        }
    }
}
