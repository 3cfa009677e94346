//! The kiosk: the terminal, the core thread and the UI loop.
//!
//! The core thread owns the [`Core`] (and so the database connection); it takes scans from a
//! channel, fires pairing timers at their deadlines, and sends a fresh [`View`] after each
//! change. The UI thread waits on one channel for everything else — keys from the terminal
//! reader thread, views from the core, signals, scanner news — and draws only when something
//! changed, so an idle kiosk sleeps (no polling loop). Keys typed in the terminal are assembled
//! into scans (keyboard-wedge scanners type there too); function keys send command scans.
//! The terminal is restored on exit, on SIGTERM/SIGINT/SIGHUP, and on panic.

use super::draw::{Glyphs, Screen, draw};
use super::keys::{Action, KeyTable};
use super::view::View;
use crate::config::Config;
use crate::core::Core;
use crate::domain::Outcome;
use crate::input::{Assembled, ScanRules, TermKey, WedgeAssembler};
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use std::io::Write;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// What reaches the UI thread.
#[derive(Debug)]
pub enum UiEvent {
    Key(KeyEvent),
    Resize,
    View(Box<View>, Option<Outcome>),
    /// Scanners connected of those configured (from the input layer).
    Scanners(usize, usize),
    Signal(i32),
    /// The core thread stopped: the reason.
    CoreStopped(String),
}

/// What reaches the core thread.
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
    Notice(crate::session::Feedback),
    Quit,
}

/// How the kiosk starts.
#[derive(Debug, Clone, Default)]
pub struct KioskOptions {
    /// Open the demo's barcode sheet at start.
    pub demo: bool,
}

/// The kiosk's handles for other edges (scanner readers) to feed scans and news in.
#[derive(Debug, Clone)]
pub struct Feeds {
    pub scans: Sender<CoreInput>,
    pub ui: Sender<UiEvent>,
}

/// Runs the kiosk until Ctrl+C or a signal. `start_inputs` is called once with the feeds, so
/// scanner readers can send scans and connection news.
pub fn run(
    core: Core,
    config: &Config,
    options: KioskOptions,
    start_inputs: impl FnOnce(Feeds),
) -> std::io::Result<()> {
    let (ui_tx, ui_rx) = mpsc::channel::<UiEvent>();
    let (core_tx, core_rx) = mpsc::channel::<CoreInput>();
    let bells = config.feedback.clone();
    let core_thread = {
        let ui_tx = ui_tx.clone();
        std::thread::Builder::new()
            .name("scantrail-core".into())
            .spawn(move || core_loop(core, core_rx, ui_tx))?
    };
    spawn_signal_thread(ui_tx.clone())?;
    start_inputs(Feeds {
        scans: core_tx.clone(),
        ui: ui_tx.clone(),
    });
    let mut terminal = ratatui::try_init()?;
    spawn_terminal_reader(ui_tx.clone())?;
    let keys = KeyTable::new(config.input.gs_key, config.feedback.ack_key);
    let screen = Screen {
        glyphs: Glyphs::for_term(&std::env::var("TERM").unwrap_or_default()),
        help: keys.help(),
        ack_key: config.feedback.ack_key.to_string(),
    };
    let mut ui = UiState {
        view: View::new(""),
        wedge: WedgeAssembler::new("keyboard", &ScanRules::from_config(&config.input)),
        help_open: options.demo,
        cheat_sheet: if options.demo {
            super::cheat_sheet()
        } else {
            Vec::new()
        },
        scanners: None,
        command_prefix: config.barcodes.command_prefix.clone(),
    };
    let watchdog = crate::notify::watchdog_interval();
    let mut ready = false;
    let mut dirty = true;
    let result = loop {
        if dirty {
            let view = ui.compose();
            if let Err(e) = terminal.draw(|frame| draw(frame, &view, &screen)) {
                break Err(e);
            }
            dirty = false;
            if !ready {
                ready = true;
                let _ = crate::notify::notify("READY=1");
            }
        }
        let event = match wait_for_event(&ui_rx, watchdog) {
            Waited::Event(event) => event,
            Waited::Tick => continue,
            Waited::Closed => break Ok(()),
        };
        match event {
            UiEvent::Key(key) => match ui.key(&key, &keys) {
                KeyOutcome::Nothing => {}
                KeyOutcome::Redraw => dirty = true,
                KeyOutcome::Scan(raw) => {
                    dirty = true;
                    let _ = core_tx.send(CoreInput::Scan {
                        raw,
                        device: Some("keyboard".into()),
                    });
                }
                KeyOutcome::Unreadable(why) => {
                    dirty = true;
                    let _ = core_tx.send(CoreInput::Unreadable {
                        device: "keyboard".into(),
                        why,
                    });
                }
                KeyOutcome::Quit => break Ok(()),
            },
            UiEvent::Resize => dirty = true,
            UiEvent::View(view, outcome) => {
                ui.view = *view;
                dirty = true;
                let ring = match outcome {
                    Some(Outcome::Ok) => bells.bell_on_ok,
                    Some(Outcome::Warn) => bells.bell_on_warn,
                    Some(Outcome::Error) => bells.bell_on_error,
                    _ => false,
                };
                if ring {
                    let mut out = std::io::stdout();
                    let _ = out.write_all(b"\x07").and_then(|()| out.flush());
                }
            }
            UiEvent::Scanners(connected, configured) => {
                ui.scanners = Some((connected, configured));
                dirty = true;
            }
            UiEvent::Signal(_) => break Ok(()),
            UiEvent::CoreStopped(reason) => break Err(std::io::Error::other(reason)),
        }
    };
    let _ = crate::notify::notify("STOPPING=1");
    // Let the core finish the scan it may be writing before the process ends.
    let _ = core_tx.send(CoreInput::Quit);
    let _ = core_thread.join();
    ratatui::restore();
    result
}

/// What waiting for the next event came to.
enum Waited {
    Event(UiEvent),
    /// The watchdog interval passed with nothing to do.
    Tick,
    /// Every sender is gone: time to stop.
    Closed,
}

/// Waits for the next event — under a systemd watchdog at most half its interval — and
/// feeds the watchdog each time the loop comes round, so a stuck loop is restarted.
fn wait_for_event(rx: &Receiver<UiEvent>, watchdog: Option<Duration>) -> Waited {
    let waited = match watchdog {
        Some(every) => match rx.recv_timeout(every) {
            Ok(e) => Waited::Event(e),
            Err(RecvTimeoutError::Timeout) => Waited::Tick,
            Err(RecvTimeoutError::Disconnected) => Waited::Closed,
        },
        None => rx.recv().map_or(Waited::Closed, Waited::Event),
    };
    if watchdog.is_some() {
        let _ = crate::notify::notify("WATCHDOG=1");
    }
    waited
}

/// What a key press comes to.
enum KeyOutcome {
    Nothing,
    Redraw,
    Scan(String),
    /// Typed keys that were not a scan (too long): the reason.
    Unreadable(String),
    Quit,
}

/// The UI thread's own state: what is being typed, the help sheet, the scanners.
struct UiState {
    view: View,
    /// Keys typed in the terminal, cut into scans by the same rules as a scanner's.
    wedge: WedgeAssembler,
    help_open: bool,
    cheat_sheet: Vec<(String, String)>,
    scanners: Option<(usize, usize)>,
    command_prefix: String,
}

impl UiState {
    fn compose(&self) -> View {
        let mut view = self.view.clone();
        view.typing = crate::session::shown(self.wedge.typed());
        view.help_open = self.help_open;
        view.cheat_sheet = self.cheat_sheet.clone();
        view.scanners = self.scanners;
        view
    }

    fn key(&mut self, key: &KeyEvent, keys: &KeyTable) -> KeyOutcome {
        if key.kind == KeyEventKind::Release {
            return KeyOutcome::Nothing;
        }
        if let Some(action) = keys.action(key) {
            return match action {
                Action::Quit => KeyOutcome::Quit,
                Action::ToggleHelp => {
                    self.help_open = !self.help_open;
                    KeyOutcome::Redraw
                }
                Action::Command(command) => {
                    KeyOutcome::Scan(format!("{}{}", self.command_prefix, command.word()))
                }
            };
        }
        let locked = self.view.lock.is_some();
        let ack = format!("{}ACK", self.command_prefix);
        if keys.is_ack(key) && key.code != KeyCode::Enter {
            return if locked {
                KeyOutcome::Scan(ack)
            } else {
                KeyOutcome::Nothing
            };
        }
        if key.code == KeyCode::Esc && self.help_open {
            self.help_open = false;
            return KeyOutcome::Redraw;
        }
        // Enter on an empty line acknowledges an error, where Enter is the ack key.
        if key.code == KeyCode::Enter && self.wedge.typed().is_empty() {
            return if locked && keys.is_ack(key) {
                KeyOutcome::Scan(ack)
            } else {
                KeyOutcome::Nothing
            };
        }
        match self.wedge.feed(std::time::Instant::now(), term_key(key)) {
            Some(Assembled::Scan(scan)) => {
                self.help_open = false;
                KeyOutcome::Scan(scan.text)
            }
            Some(Assembled::Error(e)) => KeyOutcome::Unreadable(e.to_string()),
            None => KeyOutcome::Redraw,
        }
    }
}

/// A crossterm key as the wedge assembler takes it.
fn term_key(key: &KeyEvent) -> TermKey {
    match key.code {
        KeyCode::Char(c) if key.modifiers.contains(KeyModifiers::CONTROL) => TermKey::Ctrl(c),
        KeyCode::Char(c) => TermKey::Char(c),
        KeyCode::Enter => TermKey::Enter,
        KeyCode::Tab => TermKey::Tab,
        KeyCode::Backspace => TermKey::Backspace,
        KeyCode::F(n) => TermKey::F(n),
        _ => TermKey::Other,
    }
}

fn core_loop(mut core: Core, input: Receiver<CoreInput>, ui: Sender<UiEvent>) {
    let mut view = View::new(core.station());
    view.refresh(&core, chrono::Utc::now().date_naive());
    if ui
        .send(UiEvent::View(Box::new(view.clone()), None))
        .is_err()
    {
        return;
    }
    loop {
        let message = match core.next_deadline() {
            Some(deadline) => {
                let wait = (deadline - chrono::Utc::now())
                    .to_std()
                    .unwrap_or(Duration::ZERO);
                match input.recv_timeout(wait) {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => return,
                }
            }
            None => match input.recv() {
                Ok(m) => Some(m),
                Err(_) => return,
            },
        };
        let now = chrono::Utc::now();
        let outcome = match message {
            Some(CoreInput::Quit) => return,
            Some(CoreInput::Scan { raw, device }) => {
                let report = core.scan(now, &raw, device.as_deref());
                view.record(&report, &View::clock(now));
                Some(report.feedback.outcome)
            }
            Some(CoreInput::Unreadable { device, why }) => {
                let report = core.unreadable_scan(now, "(unreadable scan)", Some(&device), &why);
                view.record(&report, &View::clock(now));
                Some(report.feedback.outcome)
            }
            Some(CoreInput::Notice(feedback)) => {
                view.notice(&feedback, "(scanner)", &View::clock(now));
                None
            }
            None => {
                let notices = core.tick(now);
                if notices.is_empty() {
                    continue;
                }
                for n in &notices {
                    view.notice(n, "(timer)", &View::clock(now));
                }
                Some(Outcome::Warn)
            }
        };
        view.refresh(&core, now.date_naive());
        if ui
            .send(UiEvent::View(Box::new(view.clone()), outcome))
            .is_err()
        {
            return;
        }
    }
}

fn spawn_terminal_reader(ui: Sender<UiEvent>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("scantrail-keys".into())
        .spawn(move || {
            loop {
                let sent = match event::read() {
                    Ok(Event::Key(key)) => ui.send(UiEvent::Key(key)),
                    Ok(Event::Resize(..)) => ui.send(UiEvent::Resize),
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let _ = ui.send(UiEvent::CoreStopped(format!(
                            "the terminal cannot be read: {e}"
                        )));
                        return;
                    }
                };
                if sent.is_err() {
                    return;
                }
            }
        })?;
    Ok(())
}

fn spawn_signal_thread(ui: Sender<UiEvent>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGINT, SIGHUP])?;
    std::thread::Builder::new()
        .name("scantrail-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let _ = ui.send(UiEvent::Signal(signal));
            }
        })?;
    Ok(())
}

/// Starts reading the scanners the config selects, on a thread with its own async runtime:
/// scans go to the core, plugging and unplugging to the screen (and the recent list).
pub fn start_scanners(input: &crate::config::InputConfig, feeds: Feeds) {
    let input = input.clone();
    let expected = input.scanners.len();
    let spawned = std::thread::Builder::new()
        .name("scantrail-scanners".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = feeds.scans.send(CoreInput::Notice(warn(
                        "NO SCANNERS",
                        format!("Scanners cannot be read: {e}"),
                    )));
                    return;
                }
            };
            runtime.block_on(forward_scanners(input, expected, feeds));
        });
    if let Err(e) = spawned {
        eprintln!("scantrail: scanners cannot be read: {e}");
    }
}

fn warn(headline: &str, message: String) -> crate::session::Feedback {
    crate::session::Feedback {
        outcome: Outcome::Warn,
        headline: headline.to_owned(),
        message,
    }
}

async fn forward_scanners(input: crate::config::InputConfig, expected: usize, feeds: Feeds) {
    use crate::input::{InputError, InputEvent};
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let _readers = crate::input::spawn_scanners(&input, tx);
    let mut connected = std::collections::BTreeSet::new();
    let _ = feeds.ui.send(UiEvent::Scanners(0, expected));
    while let Some(event) = rx.recv().await {
        let sent = match event {
            InputEvent::Scan(scan) => feeds.scans.send(CoreInput::Scan {
                raw: scan.text,
                device: Some(scan.device_label),
            }),
            InputEvent::InputError(InputError::Scan(e)) => {
                feeds.scans.send(CoreInput::Unreadable {
                    device: e.device().to_owned(),
                    why: e.to_string(),
                })
            }
            InputEvent::InputError(e) => feeds
                .scans
                .send(CoreInput::Notice(warn("SCANNER", e.to_string()))),
            InputEvent::DeviceConnected(info) => {
                connected.insert(info.node.clone());
                let _ = feeds.ui.send(UiEvent::Scanners(connected.len(), expected));
                feeds
                    .scans
                    .send(CoreInput::Notice(crate::session::Feedback {
                        outcome: Outcome::Info,
                        headline: "SCANNER".into(),
                        message: format!("Scanner connected: {info}"),
                    }))
            }
            InputEvent::DeviceDisconnected { scanner, why } => {
                connected.remove(&scanner.node);
                let _ = feeds.ui.send(UiEvent::Scanners(connected.len(), expected));
                feeds.scans.send(CoreInput::Notice(warn(
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

/// A station without a screen: scanners → core → journal, each outcome logged to stderr
/// (the journal under systemd), READY and WATCHDOG for systemd, until a signal.
pub fn run_headless(core: Core, config: &Config) -> std::io::Result<()> {
    let (ui_tx, ui_rx) = mpsc::channel::<UiEvent>();
    let (core_tx, core_rx) = mpsc::channel::<CoreInput>();
    let station = core.station().to_owned();
    let core_thread = {
        let ui_tx = ui_tx.clone();
        std::thread::Builder::new()
            .name("scantrail-core".into())
            .spawn(move || core_loop(core, core_rx, ui_tx))?
    };
    spawn_signal_thread(ui_tx.clone())?;
    start_scanners(
        &config.input,
        Feeds {
            scans: core_tx.clone(),
            ui: ui_tx.clone(),
        },
    );
    eprintln!("scantrail: station {station} running headless; reading scanners");
    let _ = crate::notify::notify("READY=1");
    let watchdog = crate::notify::watchdog_interval();
    let mut last_seen = 0u64;
    let glyphs = super::draw::Glyphs::for_term("linux");
    let result = loop {
        let event = match wait_for_event(&ui_rx, watchdog) {
            Waited::Event(event) => Some(event),
            Waited::Tick => None,
            Waited::Closed => break Ok(()),
        };
        match event {
            Some(UiEvent::View(view, _)) => {
                let mut fresh: Vec<_> = view.recent.iter().filter(|r| r.seq > last_seen).collect();
                fresh.reverse();
                for r in fresh {
                    last_seen = r.seq;
                    eprintln!(
                        "{} {} {:<5} {}  {}",
                        r.at,
                        glyphs.of(r.outcome),
                        r.outcome.as_str().to_uppercase(),
                        r.scan,
                        r.message
                    );
                }
            }
            Some(UiEvent::Signal(_)) => break Ok(()),
            Some(UiEvent::CoreStopped(reason)) => break Err(std::io::Error::other(reason)),
            Some(_) | None => {}
        }
    };
    let _ = crate::notify::notify("STOPPING=1");
    let _ = core_tx.send(CoreInput::Quit);
    let _ = core_thread.join();
    eprintln!("scantrail: stopped");
    result
}
