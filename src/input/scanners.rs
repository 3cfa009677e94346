//! Scanners read through evdev: one tokio reader task, one key state per device, the device
//! grabbed (EVIOCGRAB) so its scans reach no console and no other program, and hot-plug.
//!
//! Hot-plug is a poll of sysfs every [`POLL_INTERVAL`] rather than inotify on `/dev/input`:
//! it needs no further crate, it costs one directory read, and it rides out the race where
//! a new node exists before udev has given it to the `scantrail` group (an inotify watcher
//! would need IN_ATTRIB handling and retries to do the same). A scanner plugged in again is
//! read within half a second plus the time to open it. A device that fails to open is
//! reported once, with the likely cause, and tried again quietly until it works or goes.
//! Everything leaves as an [`InputEvent`] on the channel the caller gave.

use super::assembler::{
    Assembled, AssembledScan, KeyAction, KeyAssembler, KeyInput, ScanError, ScanRules,
};
use super::select::{Chosen, DeviceInfo, Selection, discover};
use crate::config::InputConfig;
use evdev::raw_stream::RawDevice;
use evdev::{EventType, KeyCode, LedCode, SynchronizationCode};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// How often the device list is looked at for scanners plugged in or out.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// How long a scanner whose reading failed (not unplugged) is left alone before it is
/// opened again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(5);

/// What input tells the core and the UI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputEvent {
    /// A scan, assembled.
    Scan(AssembledScan),
    /// A scanner is being read (after it was grabbed, when grabbing is on).
    DeviceConnected(ScannerInfo),
    /// A scanner is no longer read: unplugged, or its reading failed.
    DeviceDisconnected { scanner: ScannerInfo, why: String },
    /// A scan was refused, or a scanner cannot be used. Show it; reading goes on.
    InputError(InputError),
}

/// A scanner as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerInfo {
    pub label: String,
    pub node: PathBuf,
    pub name: String,
    /// `vvvv:pppp`.
    pub usb_id: String,
    pub grabbed: bool,
}

impl std::fmt::Display for ScannerInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} — {} ({}, {})",
            self.label,
            self.node.display(),
            self.name,
            self.usb_id
        )
    }
}

/// What can go wrong with scanner input, in the words of the kiosk and the installer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Scan(#[from] ScanError),
    #[error(
        "scanner {label} ({node}) cannot be opened: permission denied. Install udev/70-scantrail-scanners.rules and add this user to the scantrail group (see udev/README.md), then plug the scanner in again"
    )]
    Permission { label: String, node: PathBuf },
    #[error(
        "scanner {label} ({node}) is busy: another program has taken it for itself (a second scantrail, evtest --grab, a remapper). Stop that program; scantrail tries again by itself"
    )]
    Busy { label: String, node: PathBuf },
    #[error("scanner {label} ({node}) cannot be used: {message}")]
    Device {
        label: String,
        node: PathBuf,
        message: String,
    },
}

impl InputError {
    fn from_io(label: &str, node: &Path, what: &str, e: &io::Error) -> InputError {
        let (label, node) = (label.to_string(), node.to_path_buf());
        match e.raw_os_error() {
            Some(EACCES | EPERM) => InputError::Permission { label, node },
            Some(EBUSY) => InputError::Busy { label, node },
            _ => InputError::Device {
                label,
                node,
                message: format!("{what}: {e}"),
            },
        }
    }
}

// errno values (the same on every Linux architecture we run on).
const EPERM: i32 = 1;
const EACCES: i32 = 13;
const EBUSY: i32 = 16;
const ENODEV: i32 = 19;

/// Starts reading every scanner the config selects, now and as they come and go; events
/// go to `tx`. The task ends when `tx`'s receiver is dropped.
pub fn spawn_scanners(input: &InputConfig, tx: mpsc::Sender<InputEvent>) -> JoinHandle<()> {
    spawn_selected(Selection::from_config(input), input, tx)
}

/// Like [`spawn_scanners`] with an explicit selection (`devices --watch --device PATH`).
pub fn spawn_selected(
    selection: Selection,
    input: &InputConfig,
    tx: mpsc::Sender<InputEvent>,
) -> JoinHandle<()> {
    let rules = ScanRules::from_config(input);
    let grab = input.grab;
    tokio::spawn(watch(selection, rules, grab, tx))
}

/// Open failures per device node, so that each is said once: only when it happens on two
/// looks in a row (a node udev has not yet given its group fails once, harmlessly), and not
/// again while it stays the same.
#[derive(Debug, Default)]
struct OpenFailures {
    seen: HashMap<PathBuf, (InputError, bool)>,
}

impl OpenFailures {
    /// Records a failure; gives the error when it is time to say it.
    fn failed(&mut self, node: &Path, error: InputError) -> Option<InputError> {
        match self.seen.get_mut(node) {
            Some((previous, said)) if *previous == error => {
                if *said {
                    None
                } else {
                    *said = true;
                    Some(error)
                }
            }
            _ => {
                self.seen.insert(node.to_path_buf(), (error, false));
                None
            }
        }
    }

    /// The device opened: a later failure is news again.
    fn opened(&mut self, node: &Path) {
        self.seen.remove(node);
    }

    /// Forgets devices that are gone.
    fn keep_only(&mut self, present: &[DeviceInfo]) {
        self.seen
            .retain(|node, _| present.iter().any(|d| d.node == *node));
    }
}

async fn watch(selection: Selection, rules: ScanRules, grab: bool, tx: mpsc::Sender<InputEvent>) {
    let mut readers: HashMap<PathBuf, JoinHandle<()>> = HashMap::new();
    let mut failures = OpenFailures::default();
    let mut labels: HashMap<PathBuf, String> = HashMap::new();
    let mut tick = tokio::time::interval(POLL_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    'watching: loop {
        tick.tick().await;
        if tx.is_closed() {
            break;
        }
        readers.retain(|_, h| !h.is_finished());
        labels.retain(|node, _| readers.contains_key(node));
        let devices = discover();
        failures.keep_only(&devices);
        for device in devices {
            if readers.contains_key(&device.node) {
                continue;
            }
            let Some(mut chosen) = selection.choose(&device) else {
                continue;
            };
            // Two scanners of one model under one entry: tell them apart on screen and in
            // the scan log by their node.
            if labels
                .iter()
                .any(|(node, label)| *label == chosen.label && readers.contains_key(node))
            {
                let event = device
                    .node
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned());
                chosen.label = format!("{} ({})", chosen.label, event.unwrap_or_default());
            }
            match open_scanner(&device, grab) {
                Ok(raw) => {
                    failures.opened(&device.node);
                    let node = device.node.clone();
                    labels.insert(node.clone(), chosen.label.clone());
                    let reader = tokio::spawn(read_scanner(
                        raw,
                        device,
                        chosen,
                        rules.clone(),
                        grab,
                        tx.clone(),
                    ));
                    readers.insert(node, reader);
                }
                // Gone between the listing and the open: nothing to say.
                Err((_, e))
                    if e.raw_os_error() == Some(ENODEV) || e.kind() == io::ErrorKind::NotFound => {}
                Err((what, e)) => {
                    let error = InputError::from_io(&chosen.label, &device.node, what, &e);
                    if let Some(error) = failures.failed(&device.node, error)
                        && tx.send(InputEvent::InputError(error)).await.is_err()
                    {
                        break 'watching;
                    }
                }
            }
        }
    }
    for (_, reader) in readers {
        reader.abort();
    }
}

/// Opens and (if asked) grabs a device.
/// Opens and (if asked) grabs a device; the error says which of the two failed.
fn open_scanner(device: &DeviceInfo, grab: bool) -> Result<RawDevice, (&'static str, io::Error)> {
    let mut raw = RawDevice::open(&device.node).map_err(|e| ("open", e))?;
    if grab {
        raw.grab().map_err(|e| ("grab", e))?;
    }
    Ok(raw)
}

/// The `Instant` an event happened, from its kernel timestamp, so that a reader that was
/// late by a few milliseconds still measures the idle gap between keys right.
fn event_instant(stamp: SystemTime, now_wall: SystemTime, now: Instant) -> Instant {
    match now_wall.duration_since(stamp) {
        Ok(age) if age < Duration::from_secs(5) => now.checked_sub(age).unwrap_or(now),
        _ => now,
    }
}

/// Reads one scanner until it goes away or the receiver is dropped.
async fn read_scanner(
    raw: RawDevice,
    device: DeviceInfo,
    chosen: Chosen,
    rules: ScanRules,
    grabbed: bool,
    tx: mpsc::Sender<InputEvent>,
) {
    let info = ScannerInfo {
        label: chosen.label.clone(),
        node: device.node.clone(),
        name: device.name.clone(),
        usb_id: device.usb_id(),
        grabbed,
    };
    let mut assembler = KeyAssembler::new(
        &chosen.label,
        ScanRules {
            layout: chosen.layout,
            ..rules
        },
    );
    if let Ok(leds) = raw.get_led_state() {
        assembler.set_caps_lock(leds.contains(LedCode::LED_CAPSL));
    }
    let mut stream = match raw.into_event_stream() {
        Ok(s) => s,
        Err(e) => {
            let error = InputError::from_io(&chosen.label, &device.node, "read", &e);
            let _ = tx.send(InputEvent::InputError(error)).await;
            return;
        }
    };
    if tx
        .send(InputEvent::DeviceConnected(info.clone()))
        .await
        .is_err()
    {
        return;
    }
    let mut resyncing = false;
    let (why, failed) = loop {
        let deadline = assembler.deadline();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        let out = tokio::select! {
            biased;
            event = stream.next_event() => match event {
                Ok(event) => {
                    let now = event_instant(event.timestamp(), SystemTime::now(), Instant::now());
                    match classify(&event, &mut resyncing) {
                        Step::Feed(input) => assembler.feed(now, input),
                        Step::Resynced => {
                            let held = stream.device().get_key_state().map(|keys| keys.iter().collect()).unwrap_or_default();
                            assembler.feed(now, KeyInput::Resync(held))
                        }
                        Step::Skip => None,
                    }
                }
                Err(e) if e.raw_os_error() == Some(ENODEV) => break ("unplugged".to_string(), false),
                Err(e) => {
                    let error = InputError::from_io(&chosen.label, &device.node, "read", &e);
                    let why = error.to_string();
                    let _ = tx.send(InputEvent::InputError(error)).await;
                    break (why, true);
                }
            },
            () = sleep => assembler.on_deadline(Instant::now()),
            // Nobody listens any more: let the device go now, not at its next key.
            () = tx.closed() => return,
        };
        let sent = match out {
            Some(Assembled::Scan(scan)) => tx.send(InputEvent::Scan(scan)).await,
            Some(Assembled::Error(e)) => tx.send(InputEvent::InputError(e.into())).await,
            None => Ok(()),
        };
        if sent.is_err() {
            return;
        }
    };
    drop(stream);
    let _ = tx
        .send(InputEvent::DeviceDisconnected { scanner: info, why })
        .await;
    if failed {
        // The watcher opens the device again once this task has ended: wait, so that a
        // device that keeps failing is reported every few seconds, not twice a second.
        tokio::time::sleep(RETRY_AFTER_FAILURE).await;
    }
}

/// What a raw event means for the assembler.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Feed(KeyInput),
    /// The report after a drop is over: the held keys must be asked for.
    Resynced,
    Skip,
}

/// Sorts a raw event: keys go to the assembler; a `SYN_DROPPED` too, after which events
/// are ignored up to and including the next `SYN_REPORT` (as the kernel's evdev
/// documentation asks), and then the held keys are asked for.
fn classify(event: &evdev::InputEvent, resyncing: &mut bool) -> Step {
    let ty = event.event_type();
    if ty == EventType::SYNCHRONIZATION {
        let code = SynchronizationCode(event.code());
        if code == SynchronizationCode::SYN_DROPPED {
            *resyncing = true;
            return Step::Feed(KeyInput::Dropped);
        }
        if code == SynchronizationCode::SYN_REPORT && *resyncing {
            *resyncing = false;
            return Step::Resynced;
        }
        return Step::Skip;
    }
    if *resyncing || ty != EventType::KEY {
        return Step::Skip;
    }
    match KeyAction::from_value(event.value()) {
        Some(action) => Step::Feed(KeyInput::Key(KeyCode::new(event.code()), action)),
        None => Step::Skip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(ty: EventType, code: u16, value: i32) -> evdev::InputEvent {
        evdev::InputEvent::new(ty.0, code, value)
    }

    #[test]
    fn a_drop_skips_to_the_next_report_then_resyncs() {
        let mut resyncing = false;
        let steps: Vec<Step> = [
            ev(EventType::KEY, KeyCode::KEY_A.code(), 1),
            ev(
                EventType::SYNCHRONIZATION,
                SynchronizationCode::SYN_REPORT.0,
                0,
            ),
            ev(EventType::MISC, 4, 0x70004),
            ev(
                EventType::SYNCHRONIZATION,
                SynchronizationCode::SYN_DROPPED.0,
                0,
            ),
            ev(EventType::KEY, KeyCode::KEY_B.code(), 1),
            ev(
                EventType::SYNCHRONIZATION,
                SynchronizationCode::SYN_REPORT.0,
                0,
            ),
            ev(EventType::KEY, KeyCode::KEY_C.code(), 2),
        ]
        .iter()
        .map(|e| classify(e, &mut resyncing))
        .collect();
        assert_eq!(
            steps,
            [
                Step::Feed(KeyInput::Key(KeyCode::KEY_A, KeyAction::Press)),
                Step::Skip,
                Step::Skip,
                Step::Feed(KeyInput::Dropped),
                Step::Skip,
                Step::Resynced,
                Step::Feed(KeyInput::Key(KeyCode::KEY_C, KeyAction::Repeat)),
            ]
        );
    }

    #[test]
    fn open_errors_name_the_cause() {
        let node = Path::new("/dev/input/event7");
        let denied = InputError::from_io("dock", node, "open", &io::Error::from_raw_os_error(13));
        assert!(matches!(denied, InputError::Permission { .. }));
        assert!(
            denied
                .to_string()
                .contains("udev/70-scantrail-scanners.rules"),
            "{denied}"
        );
        let busy = InputError::from_io("dock", node, "grab", &io::Error::from_raw_os_error(16));
        assert!(busy.to_string().contains("another program"), "{busy}");
        let other = InputError::from_io("dock", node, "read", &io::Error::from_raw_os_error(5));
        assert!(other.to_string().contains("/dev/input/event7"), "{other}");
    }

    #[test]
    fn an_open_failure_is_said_once_and_only_if_it_lasts() {
        let node = Path::new("/dev/input/event9");
        let denied = || InputError::Permission {
            label: "dock".into(),
            node: node.to_path_buf(),
        };
        let busy = InputError::Busy {
            label: "dock".into(),
            node: node.to_path_buf(),
        };
        let mut f = OpenFailures::default();
        // udev's race: fails once, then opens. Nothing said.
        assert_eq!(f.failed(node, denied()), None);
        f.opened(node);
        // A lasting failure: said on the second look, then not again.
        assert_eq!(f.failed(node, denied()), None);
        assert_eq!(f.failed(node, denied()), Some(denied()));
        assert_eq!(f.failed(node, denied()), None);
        // A different cause is news (after it lasts too).
        assert_eq!(f.failed(node, busy.clone()), None);
        assert_eq!(f.failed(node, busy.clone()), Some(busy));
        // Unplugged: forgotten.
        f.keep_only(&[]);
        assert_eq!(f.failed(node, denied()), None);
    }

    #[test]
    fn event_times_come_from_the_kernel_stamp() {
        let now = Instant::now();
        let wall = SystemTime::now();
        let stamp = wall - Duration::from_millis(30);
        assert_eq!(
            event_instant(stamp, wall, now),
            now - Duration::from_millis(30)
        );
        // A clock step (stamp in the future, or far past) falls back to now.
        assert_eq!(event_instant(wall + Duration::from_secs(1), wall, now), now);
        assert_eq!(
            event_instant(wall - Duration::from_secs(60), wall, now),
            now
        );
    }
}
