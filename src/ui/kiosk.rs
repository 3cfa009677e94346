//! The kiosk: the terminal and the UI loop on a running [`Station`].
//!
//! The station's core thread keeps the kiosk's [`View`] and sends a fresh copy after each
//! change. The UI thread waits on the station's one channel for everything — keys from the
//! terminal reader thread, views from the core, signals, scanner news — and draws only when
//! something changed, so an idle kiosk sleeps (no polling loop). Keys typed in the terminal
//! are assembled into scans (keyboard-wedge scanners type there too); function keys send
//! command scans. The terminal is restored on exit, on SIGTERM/SIGINT/SIGHUP, and on panic.

use super::draw::{Glyphs, Screen, draw};
use super::keys::{Action, KeyTable};
use super::view::View;
use crate::config::Config;
use crate::core::Core;
use crate::domain::Outcome;
use crate::input::{Assembled, ScanRules, TermKey, WedgeAssembler};
use crate::station::{CoreInput, Event, Station, Waited};
use ratatui::crossterm::event::{
    self, Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers,
};
use std::io::Write;
use std::sync::mpsc::Sender;

/// The kiosk's own news on the station's channel.
#[derive(Debug)]
pub enum UiEvent {
    Key(KeyEvent),
    Resize,
    /// The core thread's fresh view, and the outcome to ring the bell for.
    View(Box<View>, Option<Outcome>),
}

/// How the kiosk starts.
#[derive(Debug, Clone, Default)]
pub struct KioskOptions {
    /// Open the demo's barcode sheet at start.
    pub demo: bool,
}

/// Runs the kiosk until Ctrl+C or a signal.
pub fn run(core: Core, config: &Config, options: KioskOptions) -> std::io::Result<()> {
    let mut station_view = View::new(core.station());
    let db = core.store().path().to_owned();
    let mut station = Station::start(core, move |core, now, happened| {
        let outcome = station_view.apply(core, now, &happened);
        UiEvent::View(Box::new(station_view.clone()), outcome)
    })?;
    station.start_scanners(&config.input);
    // The demo warehouse is a scratch database: it is never sent to a centre.
    if !options.demo {
        station.start_sync(config, &db)?;
    }
    let result = ratatui::try_init().and_then(|mut terminal| {
        let shown = spawn_terminal_reader(station.events())
            .and_then(|()| ui_loop(&mut terminal, &mut station, config, &options));
        ratatui::restore();
        shown
    });
    // The core finishes the scan it may be writing before the process ends.
    station.stop();
    result
}

/// Draws and dispatches until the person quits or the station stops.
fn ui_loop(
    terminal: &mut ratatui::DefaultTerminal,
    station: &mut Station<UiEvent>,
    config: &Config,
    options: &KioskOptions,
) -> std::io::Result<()> {
    let inputs = station.inputs();
    let bells = &config.feedback;
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
    let mut dirty = true;
    loop {
        if dirty {
            let view = ui.compose();
            terminal.draw(|frame| draw(frame, &view, &screen))?;
            dirty = false;
            station.ready();
        }
        let event = match station.wait() {
            Waited::Event(event) => event,
            Waited::Tick => continue,
            Waited::Closed => return Ok(()),
        };
        match event {
            Event::Front(UiEvent::Key(key)) => match ui.key(&key, &keys) {
                KeyOutcome::Nothing => {}
                KeyOutcome::Redraw => dirty = true,
                KeyOutcome::Scan(raw) => {
                    dirty = true;
                    let _ = inputs.send(CoreInput::Scan {
                        raw,
                        device: Some("keyboard".into()),
                    });
                }
                KeyOutcome::Unreadable(why) => {
                    dirty = true;
                    let _ = inputs.send(CoreInput::Unreadable {
                        device: "keyboard".into(),
                        why,
                    });
                }
                KeyOutcome::Quit => return Ok(()),
            },
            Event::Front(UiEvent::Resize) => dirty = true,
            Event::Front(UiEvent::View(view, outcome)) => {
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
            Event::Scanners {
                connected,
                configured,
            } => {
                ui.scanners = Some((connected, configured));
                dirty = true;
            }
            Event::Signal(_) => return Ok(()),
            Event::Stopped(reason) => return Err(std::io::Error::other(reason)),
        }
    }
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

fn spawn_terminal_reader(events: Sender<Event<UiEvent>>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("scantrail-keys".into())
        .spawn(move || {
            loop {
                let sent = match event::read() {
                    Ok(TermEvent::Key(key)) => events.send(Event::Front(UiEvent::Key(key))),
                    Ok(TermEvent::Resize(..)) => events.send(Event::Front(UiEvent::Resize)),
                    Ok(_) => Ok(()),
                    Err(e) => {
                        let _ = events
                            .send(Event::Stopped(format!("the terminal cannot be read: {e}")));
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
