//! Every kiosk screen, drawn by the pure draw functions on a `TestBackend` at 80×24 (the
//! smallest kiosk console) and 120×40, pinned as insta snapshots (`tests/snapshots/`), with
//! explicit asserts that each outcome has its colour, its symbol and its word.
//! After a deliberate change: `INSTA_UPDATE=always cargo test --test ui_screens`, then review
//! the snapshot diff before committing it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use scantrail::config::{Config, Key};
use scantrail::core::Core;
use scantrail::store::Store;
use scantrail::ui::draw::{Glyphs, Screen, draw};
use scantrail::ui::keys::KeyTable;
use scantrail::ui::view::View;

struct Kiosk {
    core: Core,
    view: View,
    clock: chrono::DateTime<Utc>,
    dir: tempfile::TempDir,
}

impl Kiosk {
    fn new() -> Kiosk {
        Kiosk::with(|_| {})
    }

    fn with(edit: impl FnOnce(&mut Config)) -> Kiosk {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config {
            database: common::fast_db_config(),
            ..Config::default()
        };
        edit(&mut config);
        let mut store = Store::open(&dir.path().join("k.db"), &config.database).unwrap();
        let loaded = Utc
            .with_ymd_and_hms(2026, 11, 24, 7, 0, 0)
            .single()
            .unwrap();
        scantrail::demo::load(&mut store, &config, "DOCK-1", loaded).unwrap();
        let core = Core::new(store, &config, "DOCK-1".into());
        let mut view = View::new("DOCK-1");
        view.refresh(&core, loaded.date_naive());
        Kiosk {
            core,
            view,
            clock: loaded + Duration::hours(3),
            dir,
        }
    }

    fn scan(&mut self, scans: &str) -> &mut Kiosk {
        for scan in scans.lines().filter(|l| !l.is_empty()) {
            self.clock += Duration::seconds(2);
            let report = self.core.scan(self.clock, scan, Some("test"));
            // A fixed clock text, so snapshots do not depend on the machine's time zone.
            let time = self.clock.format("%H:%M:%S").to_string();
            self.view.record(&report, &time);
            self.view.refresh(&self.core, self.clock.date_naive());
        }
        self
    }

    fn render(&self, width: u16, height: u16, term: &str) -> Buffer {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let screen = Screen {
            glyphs: Glyphs::for_term(term),
            help: KeyTable::new(None, Key::ENTER).help(),
            ack_key: "Enter".into(),
        };
        terminal
            .draw(|frame| draw(frame, &self.view, &screen))
            .unwrap();
        terminal.backend().buffer().clone()
    }
}

fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
            line.trim_end().to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The style of the first cell of `needle` on screen.
fn cell_of(buffer: &Buffer, needle: &str) -> Option<ratatui::buffer::Cell> {
    let area = buffer.area;
    for y in 0..area.height {
        let line: String = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count() as u16;
            return Some(buffer[(x, y)].clone());
        }
    }
    None
}

fn snapshots(name: &str, kiosk: &Kiosk) {
    insta::assert_snapshot!(
        format!("{name}_80x24"),
        text(&kiosk.render(80, 24, "xterm-256color"))
    );
    insta::assert_snapshot!(
        format!("{name}_120x40"),
        text(&kiosk.render(120, 40, "xterm-256color"))
    );
}

const RECEIVE_RUN: &str =
    "OP-maria\nPO-1042\nLOC-A-01-3\n0614141000029\n0614141000029\nSN-4471-0094\n";

#[test]
fn ready() {
    snapshots("ready", &Kiosk::new());
}

#[test]
fn receive_serial_run() {
    let mut k = Kiosk::new();
    k.scan(RECEIVE_RUN);
    snapshots("receive_serial_run", &k);
    let buffer = k.render(80, 24, "xterm");
    let headline = cell_of(&buffer, "✔ RECEIVED").unwrap();
    assert_eq!(headline.bg, Color::Green);
    let text = text(&buffer);
    assert!(text.contains("serials of Laptop X1 Carbon  1/2"));
    assert!(text.contains("PO-1042 Acme Supplies"));
}

#[test]
fn error_lock() {
    let mut k = Kiosk::new();
    k.scan(RECEIVE_RUN).scan("SN-4471-0091\n");
    snapshots("error_lock", &k);
    let buffer = k.render(80, 24, "xterm");
    assert_eq!(cell_of(&buffer, "✘ ERROR").unwrap().bg, Color::Red);
    assert!(text(&buffer).contains("Scan CMD-ACK (or press Enter) to go on."));
    // Acknowledged: the modal is gone, the error stays in the recent list.
    k.scan("CMD-ACK\n");
    let after = text(&k.render(80, 24, "xterm"));
    assert!(!after.contains("to go on."));
    assert!(after.contains("already in stock at A-01-3"));
}

#[test]
fn pick_with_fefo_warning() {
    let mut k = Kiosk::new();
    k.scan("CMD-PICK\nOP-jonas\nSO-7781\nLOC-B-02\nCMD-QTY-2\n0614141000012\nL2026-131\n");
    snapshots("pick_fefo", &k);
    let buffer = k.render(80, 24, "xterm");
    assert_eq!(cell_of(&buffer, "! PICKED, BUT").unwrap().bg, Color::Yellow);
    assert!(text(&buffer).contains("take lot L2026-118 (exp 2027-01-31) at B-02"));
}

#[test]
fn transfer_tote() {
    let mut k = Kiosk::new();
    k.scan("CMD-TRANSFER\nLOC-B-02\nCMD-QTY-5\nCABLE-1M\n0614141000012\nL2026-118\n");
    snapshots("transfer_tote", &k);
}

#[test]
fn lookup_serial_history() {
    let mut k = Kiosk::new();
    k.scan("CMD-LOOKUP\nSN-4471-0093\n");
    snapshots("lookup_serial", &k);
    let buffer = k.render(80, 24, "xterm");
    assert_eq!(cell_of(&buffer, "i LOOKUP").unwrap().bg, Color::Cyan);
    assert!(text(&buffer).contains("shipped to Northwind Clinic on 2026-11-20 with SO-7781"));
}

#[test]
fn lookup_lot_recall() {
    let mut k = Kiosk::new();
    k.scan("CMD-LOOKUP\n0614141000012\nL2026-118\n");
    snapshots("lookup_lot", &k);
}

#[test]
fn lookup_location_contents() {
    let mut k = Kiosk::new();
    k.scan("CMD-LOOKUP\nLOC-B-02\n");
    snapshots("lookup_location", &k);
}

#[test]
fn demo_help_sheet() {
    let mut k = Kiosk::new();
    k.view.help_open = true;
    k.view.cheat_sheet = scantrail::ui::cheat_sheet();
    snapshots("help_sheet", &k);
}

#[test]
fn escape_sequences_are_shown_escaped() {
    let mut k = Kiosk::new();
    k.scan("\u{1b}[2J\u{1b}]0;owned\u{7}\n");
    let screen = text(&k.render(80, 24, "xterm"));
    assert!(!screen.contains('\u{1b}'));
    assert!(screen.contains("\\u{1b}[2J"), "{screen}");
}

#[test]
fn linux_console_has_ascii_symbols_and_words() {
    let mut k = Kiosk::new();
    k.scan(RECEIVE_RUN);
    let buffer = k.render(80, 24, "linux");
    insta::assert_snapshot!("receive_serial_run_linux_80x24", text(&buffer));
    let headline = cell_of(&buffer, "+ RECEIVED").unwrap();
    assert_eq!(headline.bg, Color::Green);
    assert!(!text(&buffer).contains('✔'));
}

#[test]
fn stored_codes_with_escape_sequences_are_shown_escaped() {
    let mut k = Kiosk::new();
    let serial = "HS\u{1b}[2J\u{1b}]0;pwned\u{7}-1";
    k.scan(&format!(
        "OP-\u{1b}[5mmaria\n0614141000050\n{serial}\nCMD-DONE\nCMD-LOOKUP\n{serial}\n"
    ));
    let screen = text(&k.render(120, 40, "xterm"));
    // The lookup's title, its history line (with the operator), and the header.
    assert!(
        screen.contains("HS\\u{1b}[2J\\u{1b}]0;pwned\\u{7}-1  Handheld scanner"),
        "{screen}"
    );
    assert!(screen.contains("DOCK  \\u{1b}[5mmaria"), "{screen}");
    assert!(screen.contains("LOOKUP  \\u{1b}[5mmaria  "), "{screen}");
}

#[test]
fn pick_list_says_where_the_goods_are_when_the_pick_location_has_none() {
    let mut k = Kiosk::new();
    // The pick location stays PACK (pick.location): the goods are on the shelves.
    k.scan("CMD-PICK\nOP-jonas\nSO-7781\n");
    snapshots("pick_list_elsewhere", &k);
    let screen = text(&k.render(120, 40, "xterm"));
    assert!(
        screen.contains("none at PACK: lot L2026-118 (exp 2027-01-31) at B-02"),
        "{screen}"
    );
    assert!(screen.contains("none at PACK: 20 at B-02"), "{screen}");
    k.scan("SO-7782\n");
    let screen = text(&k.render(120, 40, "xterm"));
    assert!(
        screen.contains("none at PACK: SN-4471-0091, SN-4471-0092 at A-01-3"),
        "{screen}"
    );
    assert!(screen.contains("none in stock"), "{screen}");
}

#[test]
fn error_lock_says_a_scan_was_not_taken_and_which_error_waits() {
    let mut k = Kiosk::new();
    k.scan(RECEIVE_RUN).scan("SN-4471-0091\n0614141000012\n");
    snapshots("error_lock_not_taken", &k);
    let screen = text(&k.render(80, 24, "xterm"));
    // The waiting error keeps its own scan and message; the new scan is shown as not taken.
    assert!(screen.contains("✘ ERROR    SN-4471-0091"), "{screen}");
    assert!(screen.contains("already in stock at A-01-3"), "{screen}");
    assert!(screen.contains("✘ NOT TAKEN    0614141000012"), "{screen}");
    assert!(
        screen.contains("Not taken: the error above waits. Acknowledge it, then scan this again."),
        "{screen}"
    );
    assert!(
        screen.contains("Scan CMD-ACK (or press Enter) to go on."),
        "{screen}"
    );
}

#[test]
fn at_80_columns_texts_wrap_at_words_and_the_sheet_fits() {
    let screen = text(&Kiosk::new().render(80, 24, "xterm"));
    assert!(
        screen.contains("No purchase order open: receipts are"),
        "{screen}"
    );
    assert!(screen.contains("│ blind."), "{screen}");
    let mut k = Kiosk::new();
    k.view.help_open = true;
    k.view.cheat_sheet = scantrail::ui::cheat_sheet();
    let sheet = text(&k.render(80, 24, "xterm"));
    for (code, what) in scantrail::ui::cheat_sheet() {
        assert!(
            sheet.contains(&format!("{code:<24}  {what}")),
            "{what}:\n{sheet}"
        );
    }
    assert!(sheet.contains("F10 closes this sheet."), "{sheet}");
}

#[test]
fn pick_hint_passes_over_a_quarantined_lot() {
    let mut k = Kiosk::new();
    // A supervisor quarantines the first-expiring lot from another connection.
    let mut other = Store::open(&k.dir.path().join("k.db"), &common::fast_db_config()).unwrap();
    let aspirin = other.product_by_sku("ASP-500").unwrap().unwrap();
    let quarantined = scantrail::domain::LotStatus::Quarantined;
    other
        .set_lot_status(
            aspirin.id,
            "L2026-118",
            quarantined,
            "recall",
            "DESK",
            k.clock,
        )
        .unwrap();
    k.scan("CMD-PICK\nSO-7781\nLOC-B-02\n");
    let screen = text(&k.render(120, 40, "xterm"));
    assert!(
        screen.contains("take lot L2026-131 (exp 2027-06-30) at B-02"),
        "{screen}"
    );
}

#[test]
fn a_synced_station_shows_its_last_sync_what_waits_and_its_conflicts() {
    use scantrail::ui::view::SyncView;
    let mut kiosk = Kiosk::new();
    kiosk.view.sync = Some(SyncView {
        last_sync: Some("10:42:07".into()),
        pending: 3,
        conflicts: 1,
        online: true,
    });
    let screen = kiosk.render(80, 24, "xterm-256color");
    let header = text(&screen).lines().next().unwrap_or_default().to_owned();
    assert!(
        header.contains("sync 10:42:07 · 3 waiting · 1 conflict(s)"),
        "{header}"
    );
    // An open conflict is something to look at: yellow, like a missing scanner.
    assert_eq!(cell_of(&screen, "sync 10:42").unwrap().fg, Color::Yellow);
    kiosk.view.sync = Some(SyncView {
        last_sync: Some("10:42:07".into()),
        pending: 12,
        conflicts: 0,
        online: false,
    });
    let screen = kiosk.render(80, 24, "xterm-256color");
    let header = text(&screen).lines().next().unwrap_or_default().to_owned();
    assert!(
        header.contains("offline since 10:42:07 · 12 waiting"),
        "{header}"
    );
    // A standalone station shows nothing of sync.
    kiosk.view.sync = None;
    let header = text(&kiosk.render(80, 24, "xterm-256color"));
    assert!(!header.contains("sync") && !header.contains("offline"));
}

/// B-02 counted: cables one short, one aspirin lot, a laptop booked at A-01-3.
const COUNT_B02: &str = "OP-ann\nCMD-COUNT\nLOC-B-02\nCMD-QTY-19\nCABLE-1M\nCMD-QTY-12\n0614141000012\nL2026-118\n0614141000029\nSN-4471-0091\n";

#[test]
fn count_blind_shows_what_was_counted_only() {
    let mut k = Kiosk::new();
    k.scan(COUNT_B02);
    insta::assert_snapshot!(
        "count_counting_80x24",
        text(&k.render(80, 24, "xterm-256color"))
    );
    let text = text(&k.render(80, 24, "xterm"));
    assert!(text.contains("Counted at B-02 (32)"));
    assert!(text.contains("19 × USB-C cable 1 m"));
    assert!(
        !text.contains("books"),
        "a blind count shows no book figure"
    );
}

#[test]
fn count_not_blind_shows_the_books_beside_the_count() {
    let mut k = Kiosk::with(|c| c.count.blind = false);
    k.scan(COUNT_B02);
    insta::assert_snapshot!(
        "count_open_80x24",
        text(&k.render(80, 24, "xterm-256color"))
    );
    let text = text(&k.render(80, 24, "xterm"));
    assert!(text.contains("19 × USB-C cable 1 m (books 20)"));
}

#[test]
fn count_review_names_the_differences_and_the_serials() {
    let mut k = Kiosk::new();
    k.scan(COUNT_B02).scan("CMD-DONE\n");
    insta::assert_snapshot!(
        "count_review_80x24",
        text(&k.render(80, 24, "xterm-256color"))
    );
    let buffer = k.render(80, 24, "xterm");
    let text = text(&buffer);
    assert!(text.contains("Differences at B-02"));
    assert!(text.contains("booked at A-01-3"));
    assert!(text.contains("booked, 0 counted (-12)"));
    let shortage = cell_of(&buffer, "! USB-C").unwrap();
    assert_eq!(shortage.fg, Color::Yellow);
}
