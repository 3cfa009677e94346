//! Input benchmark: how fast key events become scans, and how long a scan takes from its
//! terminator key to the receiving end of the channel the core reads.
//!
//! `cargo bench --bench input`. Plain `std::time::Instant`, no harness. Figures and the
//! machine they were taken on go to docs/benchmarks.md, section "Input".

use scantrail::config::Layout;
use scantrail::input::keymap::strokes_for;
use scantrail::input::{Assembled, InputEvent, KeyAction, KeyAssembler, KeyInput, ScanRules};
use std::time::{Duration, Instant};

/// Scans like a receiving dock's: GS1 with lots, serials, locations, documents.
fn sample_scans() -> Vec<String> {
    let mut scans = Vec::new();
    for i in 0..50 {
        scans.push(format!("]C10100614141000043\x1d10LOT-{i:04}\x1d17270630"));
        scans.push(format!("SN-4471-{i:04}"));
        scans.push(format!("LOC-A-{:02}-{}", i % 20, i % 5));
        scans.push(format!("PO-{}", 1000 + i));
    }
    scans
}

fn key_events(layout: Layout, scans: &[String]) -> Vec<KeyInput> {
    let mut events = Vec::new();
    for scan in scans {
        for (key, down) in strokes_for(layout, scan).unwrap_or_default() {
            let action = if down {
                KeyAction::Press
            } else {
                KeyAction::Release
            };
            events.push(KeyInput::Key(key, action));
        }
        events.push(KeyInput::Key(evdev::KeyCode::KEY_ENTER, KeyAction::Press));
        events.push(KeyInput::Key(evdev::KeyCode::KEY_ENTER, KeyAction::Release));
    }
    events
}

/// Key events decoded per second, best and median of 5 runs (the machine is shared).
fn decode_rate(layout: Layout) {
    let mut rates: Vec<f64> = (0..5).map(|_| decode_once(layout)).collect();
    rates.sort_by(f64::total_cmp);
    println!(
        "decode {layout:?}: median {:.1} M key events/s, best {:.1} M/s (5 runs)",
        rates[2] / 1e6,
        rates[4] / 1e6
    );
}

/// One run; returns key events per second.
fn decode_once(layout: Layout) -> f64 {
    let scans = sample_scans();
    let events = key_events(layout, &scans);
    let rules = ScanRules {
        layout,
        ..ScanRules::default()
    };
    let rounds = 200;
    let t0 = Instant::now();
    let mut now = Instant::now();
    let mut made = 0usize;
    for _ in 0..rounds {
        let mut asm = KeyAssembler::new("bench", rules.clone());
        for e in &events {
            now += Duration::from_micros(100);
            if let Some(Assembled::Scan(_)) = asm.feed(now, e.clone()) {
                made += 1;
            }
        }
    }
    let dt = t0.elapsed();
    assert_eq!(made, rounds * scans.len(), "scans lost in the benchmark");
    (events.len() * rounds) as f64 / dt.as_secs_f64()
}

/// From the terminator key event handed to the assembler to the scan received on the
/// channel by another task, on the current-thread runtime the app uses: what a reader
/// task does after the kernel hands it the Enter key.
fn terminator_to_channel() {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no runtime: {e}");
            return;
        }
    };
    let scans = sample_scans();
    let rules = ScanRules::default();
    let mut latencies = runtime.block_on(async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, InputEvent)>(256);
        let reader = tokio::spawn(async move {
            let mut asm = KeyAssembler::new("bench", rules);
            for _ in 0..20 {
                for scan in &scans {
                    for e in key_events(Layout::Us, std::slice::from_ref(scan)) {
                        let is_enter = matches!(
                            e,
                            KeyInput::Key(evdev::KeyCode::KEY_ENTER, KeyAction::Press)
                        );
                        let t = Instant::now();
                        if let Some(Assembled::Scan(s)) = asm.feed(t, e) {
                            debug_assert!(is_enter);
                            if tx.send((t, InputEvent::Scan(s))).await.is_err() {
                                return;
                            }
                            // Scans come one at a time: let the core take each.
                            tokio::task::yield_now().await;
                        }
                    }
                }
            }
        });
        let mut lat = Vec::new();
        while let Some((t, _)) = rx.recv().await {
            lat.push(t.elapsed());
        }
        let _ = reader.await;
        lat
    });
    latencies.sort();
    let pick = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize];
    println!(
        "terminator -> channel: {} scans, p50 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        latencies.len(),
        pick(0.5).as_secs_f64() * 1e6,
        pick(0.99).as_secs_f64() * 1e6,
        pick(1.0).as_secs_f64() * 1e6
    );
}

fn main() {
    for layout in [Layout::Us, Layout::De, Layout::Fr, Layout::Uk] {
        decode_rate(layout);
    }
    terminator_to_channel();
}
