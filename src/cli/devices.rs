//! `scantrail devices`: what an installer uses to set up a scanner. The list shows every
//! device that can type, with its node, name, USB ids, stable link, whether this user may
//! read it and whether the config selects it as a scanner — then says what to do next.
//! `--watch` reads the selected scanners exactly as the kiosk would (grabbed, decoded with
//! their layout) and prints each scan with its device, control characters made visible.

use super::Context;
use crate::input::select::{DeviceInfo, Selection, discover};
use crate::input::{Assembled, InputEvent, scanners};
use anyhow::Context as _;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct DevicesArgs {
    /// Read the selected scanners and print each scan as it comes (Ctrl+C to stop).
    #[arg(long)]
    pub watch: bool,
    /// With --watch: read only this device (node or /dev/input/by-id link), whatever the
    /// config selects.
    #[arg(long, value_name = "PATH", requires = "watch")]
    pub device: Option<PathBuf>,
    /// With --watch: also read scans typed into this terminal (keyboard-wedge mode, e.g.
    /// over SSH or from a scanner that cannot be grabbed), ended by Enter.
    #[arg(long, requires = "watch")]
    pub terminal: bool,
    /// With --watch: stop after this many scans.
    #[arg(long, value_name = "N", requires = "watch")]
    pub count: Option<usize>,
    /// List every input device, not only those that can type.
    #[arg(long)]
    pub all: bool,
    /// JSON: the list as one document; with --watch, one JSON object per line and event.
    #[arg(long)]
    pub json: bool,
}

pub fn run(ctx: &Context, args: &DevicesArgs) -> anyhow::Result<ExitCode> {
    if args.watch {
        watch(ctx, args)
    } else {
        list(ctx, args)
    }
}

/// Whether this user may open the node for reading, in words.
fn readable(device: &DeviceInfo) -> (bool, String) {
    match std::fs::File::open(&device.node) {
        Ok(_) => (true, "yes".into()),
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            (false, "no: permission denied".into())
        }
        Err(e) => (false, format!("no: {e}")),
    }
}

fn list(ctx: &Context, args: &DevicesArgs) -> anyhow::Result<ExitCode> {
    let selection = Selection::from_config(&ctx.config.input);
    let devices: Vec<DeviceInfo> = discover()
        .into_iter()
        .filter(|d| args.all || d.can_type)
        .collect();
    let rows: Vec<_> = devices
        .iter()
        .map(|d| (d, readable(d), selection.choose(d)))
        .collect();
    if args.json {
        let doc: Vec<_> = rows
            .iter()
            .map(|(d, (ok, why), chosen)| {
                json!({
                    "path": d.node,
                    "name": d.name,
                    "usb": (d.bustype == crate::input::select::BUS_USB).then(|| d.usb_id()),
                    "by_id": d.by_id(),
                    "links": d.links,
                    "can_type": d.can_type,
                    "readable": ok,
                    "readable_why": why,
                    "scanner": chosen.as_ref().map(|c| json!({"label": c.label, "because": c.because})),
                })
            })
            .collect();
        super::print_json(&doc)?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if rows.is_empty() {
        writeln!(
            out,
            "No input device{} found in /sys/class/input.",
            if args.all { "" } else { " that can type" }
        )?;
    }
    for (d, (_, why), chosen) in &rows {
        let bus = if d.bustype == crate::input::select::BUS_USB {
            format!("USB {}", d.usb_id())
        } else {
            format!("bus {:02x}, id {}", d.bustype, d.usb_id())
        };
        writeln!(out, "{}  {}  ({bus})", d.node.display(), d.name)?;
        if let Some(link) = d.by_id() {
            writeln!(out, "    link      {}", link.display())?;
        }
        writeln!(out, "    readable  {why}")?;
        match chosen {
            Some(c) => writeln!(out, "    scanner   yes, as \"{}\" ({})", c.label, c.because)?,
            None => writeln!(out, "    scanner   no")?,
        }
    }
    writeln!(out)?;
    let chosen: Vec<_> = rows.iter().filter(|(_, _, c)| c.is_some()).collect();
    let source = ctx.source.to_string();
    match chosen.len() {
        0 if selection.is_default() => writeln!(
            out,
            "No scanner found. With no [[input.scanners]] in the config ({source}), only devices\n\
             of known scanner makers are taken (Zebra 05e0, Honeywell 0c2e, Datalogic 05f9,\n\
             Newland 1eab, Intermec 067e). Plug the scanner in and run this again; if it is\n\
             listed above but not taken, add it to the config, e.g.\n\n\
             [[input.scanners]]\n\
             label = \"dock-1\"\n\
             usb = \"vvvv:pppp\"      # the USB id shown above\n"
        )?,
        0 => writeln!(
            out,
            "No device matches [[input.scanners]] in {source}. Compare the entries with the\n\
             names, USB ids and links above."
        )?,
        n => writeln!(
            out,
            "{n} scanner{} selected. Check one with: scantrail devices --watch",
            if n == 1 { "" } else { "s" }
        )?,
    }
    if chosen.iter().any(|(_, (ok, _), _)| !ok) {
        writeln!(
            out,
            "A selected scanner cannot be read by this user: install udev/70-scantrail-scanners.rules\n\
             and add the user to the scantrail group (see udev/README.md)."
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

fn watch(ctx: &Context, args: &DevicesArgs) -> anyhow::Result<ExitCode> {
    let input = &ctx.config.input;
    let selection = match &args.device {
        Some(path) => Selection::only(path, input.layout),
        None => Selection::from_config(input),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the input reader")?;
    let json = args.json;
    let count = args.count;
    let rules = crate::input::ScanRules::from_config(input);
    let mut wedge = args
        .terminal
        .then(|| crate::input::WedgeAssembler::new("terminal", &rules));
    runtime.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel(256);
        let watcher = scanners::spawn_selected(selection, input, tx);
        let mut typed = match wedge {
            Some(_) => terminal_lines(),
            None => tokio::sync::mpsc::channel(1).1,
        };
        if !json {
            eprintln!(
                "Waiting for scanners{}… scan a barcode to see what scantrail reads{}; Ctrl+C to stop.",
                if input.grab { " (they are grabbed: their scans go nowhere else)" } else { "" },
                if wedge.is_some() { ", or scan into this terminal" } else { "" }
            );
        }
        let mut scans = 0usize;
        // Say so when no scanner turns up, rather than wait in silence.
        let hint = tokio::time::sleep(std::time::Duration::from_secs(3));
        tokio::pin!(hint);
        let mut hinted = json || wedge.is_some();
        loop {
            tokio::select! {
                Some(line) = typed.recv(), if wedge.is_some() => {
                    let assembled = wedge
                        .as_mut()
                        .map(|w| w.feed_str(std::time::Instant::now(), &line))
                        .unwrap_or_default();
                    for a in assembled {
                        let event = match a {
                            Assembled::Scan(scan) => {
                                scans += 1;
                                InputEvent::Scan(scan)
                            }
                            Assembled::Error(e) => InputEvent::InputError(e.into()),
                        };
                        print_event(&event, json)?;
                    }
                    if count.is_some_and(|n| scans >= n) {
                        break;
                    }
                }
                event = rx.recv() => {
                    let Some(event) = event else { break };
                    print_event(&event, json)?;
                    match event {
                        InputEvent::DeviceConnected(_) => hinted = true,
                        InputEvent::Scan(_) => {
                            scans += 1;
                            if count.is_some_and(|n| scans >= n) {
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                () = &mut hint, if !hinted => {
                    hinted = true;
                    eprintln!(
                        "No scanner yet. Plug one in (it is picked up within a second), or run \
                         `scantrail devices` to see what is there and whether the config selects it."
                    );
                }
            }
        }
        watcher.abort();
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Lines typed into the terminal (or piped in), read on a thread of their own since stdin
/// cannot be read asynchronously without taking it over. The channel closes at end of input.
fn terminal_lines() -> tokio::sync::mpsc::Receiver<String> {
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    std::thread::spawn(move || {
        let stdin = std::io::stdin();
        let mut line = String::new();
        while matches!(stdin.read_line(&mut line), Ok(n) if n > 0) {
            if tx.blocking_send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    rx
}

fn print_event(event: &InputEvent, json: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let line = match event {
            InputEvent::Scan(s) => json!({
                "event": "scan",
                "device": s.device_label,
                "text": s.text,
                "ms": s.ended.duration_since(s.started).as_millis(),
                // From the terminator's kernel timestamp to this line: the reader, the
                // assembler and the channel, as the core would see it.
                "lag_us": s.ended.elapsed().as_micros(),
            }),
            InputEvent::DeviceConnected(d) => json!({
                "event": "connected", "device": d.label, "path": d.node,
                "name": d.name, "usb": d.usb_id, "grabbed": d.grabbed,
            }),
            InputEvent::DeviceDisconnected { scanner, why } => json!({
                "event": "disconnected", "device": scanner.label, "path": scanner.node, "why": why,
            }),
            InputEvent::InputError(e) => json!({"event": "error", "message": e.to_string()}),
        };
        super::json_to_writer(&mut out, &line)?;
        writeln!(out)?;
    } else {
        match event {
            InputEvent::Scan(s) => writeln!(out, "{}  {}", s.device_label, visible(&s.text))?,
            InputEvent::DeviceConnected(d) => writeln!(
                out,
                "+ connected     {d}{}",
                if d.grabbed { ", grabbed" } else { "" }
            )?,
            InputEvent::DeviceDisconnected { scanner, why } => {
                writeln!(out, "- disconnected  {scanner}: {why}")?
            }
            InputEvent::InputError(e) => writeln!(out, "! {e}")?,
        }
    }
    out.flush()?;
    Ok(())
}

/// The scan with control characters named, as a scanner manual names them: `<GS>`.
pub fn visible(text: &str) -> String {
    const NAMES: [&str; 32] = [
        "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF",
        "CR", "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM",
        "SUB", "ESC", "FS", "GS", "RS", "US",
    ];
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\0'..='\x1f' => {
                out.push('<');
                out.push_str(NAMES[c as usize]);
                out.push('>');
            }
            '\x7f' => out.push_str("<DEL>"),
            '<' => out.push_str("<<"),
            c if c.is_control() => out.push_str(&format!("<U+{:04X}>", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_named() {
        assert_eq!(visible("[)>\x1e06\x1d10AB\x04"), "[)><RS>06<GS>10AB<EOT>");
        assert_eq!(visible("a\tb\x7f\u{85}"), "a<TAB>b<DEL><U+0085>");
        // A literal '<' is doubled so it cannot pass for a control character's name.
        assert_eq!(visible("<GS>\x1d"), "<<GS><GS>");
    }
}
