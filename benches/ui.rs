//! The kiosk screen's costs: drawing a frame, a scan to the frame that shows it, the start
//! to the first frame on a large database, and resident memory.
//!
//! `cargo bench --bench ui` — with `SCANTRAIL_BIG_DB=/path/to/journal.db` (a database made by
//! the journal generator) it also times the start on that database; without, it says so.
//! Frames are drawn into ratatui's `TestBackend`: the cost of building the frame, not of a
//! particular terminal's output.

use chrono::{Duration, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scantrail::config::{Config, Key};
use scantrail::core::Core;
use scantrail::store::Store;
use scantrail::ui::draw::{Glyphs, Screen, draw};
use scantrail::ui::keys::KeyTable;
use scantrail::ui::view::View;
use std::time::Instant;

fn percentiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| v[((v.len() as f64 - 1.0) * p).round() as usize];
    (v.iter().sum::<f64>() / v.len() as f64, at(0.5), at(0.99))
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn screen() -> Screen {
    Screen {
        glyphs: Glyphs::for_term("xterm"),
        help: KeyTable::new(None, Key::ENTER).help(),
        ack_key: "Enter".into(),
    }
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = Config::default();
    let mut store = Store::open(&dir.path().join("ui.db"), &config.database)?;
    scantrail::demo::load(&mut store, &config, "BENCH", Utc::now() - Duration::days(1))?;
    let mut core = Core::new(store, &config, "BENCH".into());
    let mut view = View::new("BENCH");
    let mut clock = Utc::now();
    // A busy screen: a pick against an order with a FEFO hint, a full recent list.
    for scan in ["CMD-PICK", "OP-jonas", "SO-7781", "LOC-B-02"] {
        let r = core.scan(clock, scan, None);
        view.record(&r, "10:00:00");
    }
    for i in 0..60 {
        clock += Duration::seconds(1);
        let r = core.scan(
            clock,
            if i % 2 == 0 {
                "CMD-QTY-1"
            } else {
                "CMD-CANCEL"
            },
            None,
        );
        view.record(&r, "10:00:01");
    }
    view.refresh(&core, clock.date_naive());
    let screen = screen();

    println!("| what | n | mean µs | p50 µs | p99 µs |");
    println!("| --- | ---: | ---: | ---: | ---: |");
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h))?;
        for _ in 0..200 {
            terminal.draw(|f| draw(f, &view, &screen))?;
        }
        let mut samples = Vec::with_capacity(2000);
        for _ in 0..2000 {
            let t0 = Instant::now();
            terminal.draw(|f| draw(f, &view, &screen))?;
            samples.push(t0.elapsed().as_secs_f64() * 1e6);
        }
        let (mean, p50, p99) = percentiles(samples);
        println!(
            "| frame {w}×{h} (pick list, 50 recent) | 2000 | {mean:.0} | {p50:.0} | {p99:.0} |"
        );
    }

    // A scan to the frame that shows it: core (durable commit at FULL) + view + draw.
    let mut terminal = Terminal::new(TestBackend::new(80, 24))?;
    let mut samples = Vec::with_capacity(500);
    let mut core_only = Vec::with_capacity(500);
    core.scan(clock, "CMD-RECEIVE", None);
    for _ in 0..500 {
        clock += Duration::seconds(1);
        let t0 = Instant::now();
        let report = core.scan(clock, "CABLE-1M", Some("bench"));
        let t1 = Instant::now();
        view.record(&report, "10:00:02");
        view.refresh(&core, clock.date_naive());
        terminal.draw(|f| draw(f, &view, &screen))?;
        samples.push(t0.elapsed().as_secs_f64() * 1e6);
        core_only.push((t1 - t0).as_secs_f64() * 1e6);
    }
    let (mean, p50, p99) = percentiles(samples);
    println!(
        "| scan → frame 80×24 (receipt, durable commit at FULL) | 500 | {mean:.0} | {p50:.0} | {p99:.0} |"
    );
    let (mean, p50, p99) = percentiles(core_only);
    println!(
        "| … of which the core (scan to durable record) | 500 | {mean:.0} | {p50:.0} | {p99:.0} |"
    );
    println!();
    println!(
        "resident memory of this process after the above: {} KiB",
        rss_kib().unwrap_or(0)
    );

    match std::env::var_os("SCANTRAIL_BIG_DB") {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let t0 = Instant::now();
            let store = Store::open_existing(&path, &config.database)?;
            let core = Core::new(store, &config, "BENCH".into());
            let mut view = View::new("BENCH");
            view.refresh(&core, Utc::now().date_naive());
            let mut terminal = Terminal::new(TestBackend::new(80, 24))?;
            terminal.draw(|f| draw(f, &view, &screen))?;
            let first = t0.elapsed();
            let movements: i64 = rusqlite::Connection::open(&path)?.query_row(
                "SELECT count(*) FROM movements",
                [],
                |r| r.get(0),
            )?;
            println!(
                "start to first frame on {} ({movements} movements): {:.1} ms; resident memory then {} KiB",
                path.display(),
                first.as_secs_f64() * 1e3,
                rss_kib().unwrap_or(0)
            );
        }
        None => println!(
            "start on a large database: set SCANTRAIL_BIG_DB to a generated journal to time it"
        ),
    }
    Ok(())
}
