//! Pure draw functions: a [`View`] in, a frame out. No state, no I/O, so every screen can be
//! snapshot-tested on a `TestBackend`.
//!
//! Layout (80×24 and up, after SCREENS.md): a header line (station, mode, document, location,
//! operator, scanners); the last outcome in its colour with its symbol and word; then either
//! "Waiting for" beside the document or tote, or a lookup's view; the recent scans; the help
//! bar from the key table. An error waiting for `CMD-ACK` is a modal over all of it. Colour
//! never speaks alone: every outcome also has a symbol and a word, and on the Linux console
//! (16 colours, a small font) the symbols are plain ASCII.

use super::view::{DocumentView, LockView, View};
use crate::core::LookupView;
use crate::domain::Outcome;
use crate::session::{Mode, shown};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Wrap};

/// The symbols that go with the outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glyphs {
    pub ok: &'static str,
    pub warn: &'static str,
    pub error: &'static str,
    pub info: &'static str,
    pub arrow: &'static str,
}

impl Glyphs {
    /// Unicode symbols for terminal emulators; ASCII on the Linux console, whose font lacks
    /// them (`TERM=linux`).
    pub fn for_term(term: &str) -> Glyphs {
        if term == "linux" {
            Glyphs {
                ok: Outcome::Ok.ascii_symbol(),
                warn: Outcome::Warn.ascii_symbol(),
                error: Outcome::Error.ascii_symbol(),
                info: Outcome::Info.ascii_symbol(),
                arrow: "->",
            }
        } else {
            Glyphs {
                ok: "✔",
                warn: "!",
                error: "✘",
                info: "i",
                arrow: "→",
            }
        }
    }

    pub fn of(&self, outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Ok => self.ok,
            Outcome::Warn => self.warn,
            Outcome::Error => self.error,
            Outcome::Info => self.info,
        }
    }
}

/// The colour of an outcome: one of the 16 the Linux console has.
pub fn colour(outcome: Outcome) -> Color {
    match outcome {
        Outcome::Ok => Color::Green,
        Outcome::Warn => Color::Yellow,
        Outcome::Error => Color::Red,
        Outcome::Info => Color::Cyan,
    }
}

/// What the draw functions need besides the view.
#[derive(Debug, Clone)]
pub struct Screen {
    pub glyphs: Glyphs,
    /// The help bar: key label and what it does, from the key table.
    pub help: Vec<(String, &'static str)>,
    /// How the error lock says to acknowledge: "Enter" or the configured function key.
    pub ack_key: String,
}

/// Draws the whole kiosk screen.
pub fn draw(frame: &mut Frame, view: &View, screen: &Screen) {
    let area = frame.area();
    // The outcome box fits its message, wrapped at words inside the box's border and
    // padding: one to three lines of it (four from 30 rows up).
    let message_width = area.width.saturating_sub(4) as usize;
    let message_lines = view
        .last
        .as_ref()
        .map_or(1, |l| wrap(&l.message, message_width).len());
    let most = if area.height >= 30 { 4 } else { 3 };
    let outcome_height = 3 + message_lines.clamp(1, most) as u16;
    let [header, outcome, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(outcome_height),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_header(frame, header, view, screen);
    draw_outcome(frame, outcome, view, screen);
    let [middle, recent] = Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(body);
    match (&view.lookup, view.mode) {
        (Some(lookup), Mode::Lookup) => draw_lookup(frame, middle, lookup, screen),
        // The pick list takes the whole width (its hints are long); what the station waits
        // for goes on its bottom border.
        _ if view.mode == Mode::Pick && view.document.is_some() => {
            draw_document(frame, middle, view, screen)
        }
        _ => {
            let left_width = if area.width >= 120 {
                area.width * 2 / 5
            } else {
                36
            };
            let [left, right] =
                Layout::horizontal([Constraint::Length(left_width), Constraint::Fill(1)])
                    .areas(middle);
            draw_waiting(frame, left, view);
            if view.mode == Mode::Transfer {
                draw_tote(frame, right, view, screen);
            } else if view.mode == Mode::Count {
                draw_count(frame, right, view, screen);
            } else {
                draw_document(frame, right, view, screen);
            }
        }
    }
    draw_recent(frame, recent, view, screen);
    draw_help(frame, help, view, screen);
    if let Some(lock) = &view.lock {
        draw_lock(frame, area, lock, screen);
    } else if view.help_open {
        draw_help_sheet(frame, area, view);
    }
}

fn draw_header(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut left = vec![
        Span::styled(" scantrail ", Style::new().add_modifier(Modifier::REVERSED)),
        Span::raw(" "),
        Span::styled(view.station.clone(), bold),
        Span::raw("  "),
        Span::styled(view.mode.as_str(), bold.fg(Color::Cyan)),
    ];
    if let Some(doc) = &view.document {
        left.push(Span::raw(format!("  {} {}", doc.reference, doc.partner)));
    }
    if let Some(loc) = &view.location {
        let sign = match view.mode {
            Mode::Transfer | Mode::Pick => "from",
            _ => screen.glyphs.arrow,
        };
        left.push(Span::raw(format!("  {sign} {loc}")));
    }
    if let Some(op) = &view.operator {
        left.push(Span::raw(format!("  {op}")));
    }
    // "scanners 1/2" against the scanners the config names; "scanners 1" when scanners are
    // found by maker; "keyboard" while none is read.
    let right = match view.scanners {
        Some((connected, configured)) if configured > 0 => {
            format!("scanners {connected}/{configured} ")
        }
        Some((connected, _)) if connected > 0 => format!("scanners {connected} "),
        _ => "keyboard ".to_owned(),
    };
    // "sync 10:42 · 3 waiting · 1 conflict", "offline · 12 waiting" for a synced station.
    let sync = view.sync.as_ref().map(|s| {
        let mut text = match (&s.last_sync, s.online) {
            (Some(at), true) => format!("sync {at}"),
            (None, true) => "sync".to_owned(),
            (Some(at), false) => format!("offline since {at}"),
            (None, false) => "offline".to_owned(),
        };
        if s.pending > 0 {
            text.push_str(&format!(" · {} waiting", s.pending));
        }
        if s.conflicts > 0 {
            text.push_str(&format!(" · {} conflict(s)", s.conflicts));
        }
        text.push_str("  ");
        let style = if !s.online || s.conflicts > 0 {
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        Span::styled(text, style)
    });
    let used: usize = left
        .iter()
        .map(|s| s.content.chars().count())
        .sum::<usize>()
        + sync.as_ref().map_or(0, |s| s.content.chars().count());
    let pad = (area.width as usize).saturating_sub(used + right.chars().count());
    left.push(Span::raw(" ".repeat(pad)));
    left.extend(sync);
    let right_style = match view.scanners {
        Some((c, n)) if c < n => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
        _ => Style::new(),
    };
    left.push(Span::styled(right, right_style));
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

fn draw_outcome(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let Some(last) = &view.last else {
        let block = Block::bordered();
        let text = Text::from(vec![
            Line::from(Span::styled(
                " READY",
                Style::new().add_modifier(Modifier::BOLD),
            )),
            Line::from("  Scan a barcode, or type one and press Enter."),
        ]);
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    };
    let c = colour(last.outcome);
    let block = Block::bordered()
        .border_style(Style::new().fg(c))
        .padding(Padding::horizontal(1));
    let headline = format!(" {} {} ", screen.glyphs.of(last.outcome), last.headline);
    let mut lines = vec![Line::from(vec![
        Span::styled(
            headline,
            Style::new()
                .fg(Color::Black)
                .bg(c)
                .add_modifier(Modifier::BOLD),
        ),
        Span::raw("   "),
        Span::styled(last.scan.clone(), Style::new().add_modifier(Modifier::BOLD)),
    ])];
    let room = area.height.saturating_sub(3) as usize;
    lines.extend(
        fitted(
            wrap(&last.message, area.width.saturating_sub(4) as usize),
            room,
        )
        .into_iter()
        .map(Line::from),
    );
    frame.render_widget(Paragraph::new(Text::from(lines)).block(block), area);
}

fn draw_waiting(frame: &mut Frame, area: Rect, view: &View) {
    let lines: Vec<Line> = view
        .waiting
        .iter()
        .map(|l| Line::from(format!(" {l}")))
        .collect();
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(" Waiting for "))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn document_lines(doc: &DocumentView, width: usize, screen: &Screen) -> Vec<Line<'static>> {
    let name_width = doc
        .lines
        .iter()
        .map(|l| l.name.chars().count())
        .max()
        .unwrap_or(0)
        .min(width / 2);
    doc.lines
        .iter()
        .flat_map(|l| {
            let complete = l.done >= l.ordered;
            let mark = if complete {
                Span::styled(
                    format!("{} ", screen.glyphs.ok),
                    Style::new().fg(Color::Green),
                )
            } else {
                Span::raw("  ")
            };
            let name: String = l.name.chars().take(name_width).collect();
            let progress = if doc.kind == crate::domain::DocumentKind::Sale {
                if complete {
                    "done".to_owned()
                } else {
                    format!("{} left", l.ordered - l.done)
                }
            } else {
                format!("{}/{}", l.done, l.ordered)
            };
            let mut spans = vec![
                mark,
                Span::raw(format!("{name:<name_width$}  {progress:>8}")),
            ];
            if let Some(hint) = &l.hint {
                // A long hint goes on under its own column, broken at words.
                let column = 2 + name_width + 2 + 8 + 2;
                let mut parts = wrap(hint, width.saturating_sub(column)).into_iter();
                spans.push(Span::raw(format!("  {}", parts.next().unwrap_or_default())));
                let mut lines = vec![Line::from(spans)];
                lines.extend(parts.map(|part| Line::from(format!("{:column$}{part}", ""))));
                return lines;
            } else if doc.kind != crate::domain::DocumentKind::Sale
                && l.tracking != crate::domain::Tracking::None
            {
                spans.push(Span::styled(
                    format!("  {}", l.tracking),
                    Style::new().add_modifier(Modifier::DIM),
                ));
            }
            vec![Line::from(spans)]
        })
        .collect()
}

fn draw_document(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let Some(doc) = &view.document else {
        let hint = match view.mode {
            Mode::Receive => "No purchase order open: receipts are blind.",
            Mode::Pick => "Scan a sales order (SO-…) to see its pick list.",
            Mode::Return => "No reference: scan SO-… or RMA-… if there is one.",
            _ => "",
        };
        frame.render_widget(
            Paragraph::new(hint)
                .block(
                    Block::bordered()
                        .title(" Document ")
                        .padding(Padding::horizontal(1)),
                )
                .wrap(Wrap { trim: false }),
            area,
        );
        return;
    };
    let title = if doc.kind == crate::domain::DocumentKind::Sale && view.mode == Mode::Pick {
        format!(" Pick list {} ", doc.reference)
    } else {
        format!(" {} ", doc.reference)
    };
    let lines = document_lines(doc, area.width.saturating_sub(2) as usize, screen);
    let mut block = Block::bordered().title(title);
    if view.mode == Mode::Pick
        && let Some(first) = view.waiting.first()
    {
        block = block.title_bottom(format!(" waiting for {first} "));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_tote(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let title = match &view.location {
        Some(source) => format!(" Tote from {source} ({}) ", view.tote.len()),
        None => " Tote ".to_owned(),
    };
    let lines: Vec<Line> = if view.tote.is_empty() {
        vec![Line::from(" empty")]
    } else {
        view.tote
            .iter()
            .map(|l| Line::from(format!(" {} {l}", screen.glyphs.arrow)))
            .collect()
    };
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(title))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_count(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let Some(count) = &view.count else {
        frame.render_widget(
            Paragraph::new(" scan a location to count it")
                .block(Block::bordered().title(" Count ")),
            area,
        );
        return;
    };
    let title = if count.reviewing {
        format!(" Differences at {} ", count.location)
    } else {
        format!(" Counted at {} ({}) ", count.location, count.units)
    };
    let warn = Style::new().fg(colour(Outcome::Warn));
    let lines: Vec<Line> = if count.lines.is_empty() {
        vec![Line::from(" nothing counted yet")]
    } else {
        // Each line wrapped at words after its mark; what does not fit is counted at the end.
        let rows = area.height.saturating_sub(2) as usize;
        let width = area.width.saturating_sub(5) as usize;
        let mut out: Vec<Line> = Vec::new();
        for (i, (text, shortage)) in count.lines.iter().enumerate() {
            let parts = wrap(text, width);
            let last = i + 1 == count.lines.len();
            let room = if last { rows } else { rows.saturating_sub(1) };
            if out.len() + parts.len() > room {
                out.push(Line::from(format!(" … and {} more", count.lines.len() - i)));
                break;
            }
            for (j, part) in parts.into_iter().enumerate() {
                let mark = match (j, shortage) {
                    (0, true) => screen.glyphs.of(Outcome::Warn),
                    (0, false) => screen.glyphs.arrow,
                    _ => " ",
                };
                let line = format!(" {mark} {part}");
                out.push(if *shortage {
                    Line::styled(line, warn)
                } else {
                    Line::from(line)
                });
            }
        }
        out
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

fn draw_lookup(frame: &mut Frame, area: Rect, lookup: &LookupView, screen: &Screen) {
    let arrow = screen.glyphs.arrow;
    let (title, lines): (String, Vec<Line>) = match lookup {
        LookupView::Serial(t) => {
            let mut lines = vec![
                Line::from(format!(" now      {}", t.whereabouts())),
                Line::from(format!(
                    " lot      {}",
                    shown(t.lot.as_deref().unwrap_or("—"))
                )),
            ];
            for (i, e) in t.history.iter().enumerate() {
                let title = if i == 0 { "history  " } else { "         " };
                lines.push(Line::from(format!(" {title}{}", e.line(arrow, false))));
            }
            (
                format!(" {}  {} ", shown(&t.serial), shown(&t.product.name)),
                lines,
            )
        }
        LookupView::Lot(t) => {
            let on_hand: i64 = t.on_hand.iter().map(|o| o.qty).sum();
            let shipped: i64 = t.shipped.iter().map(|o| o.qty).sum();
            let mut lines = vec![
                Line::from(format!(
                    " expiry    {}",
                    shown(t.expiry.as_deref().unwrap_or("—"))
                )),
                Line::from(vec![
                    Span::raw(" status    "),
                    if t.status == crate::domain::LotStatus::Quarantined {
                        Span::styled(
                            "QUARANTINED",
                            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
                        )
                    } else {
                        Span::raw("active")
                    },
                ]),
                Line::from(format!(" received  {}", t.received)),
                Line::from(format!(" on hand   {on_hand}")),
            ];
            for o in &t.on_hand {
                lines.push(Line::from(format!(
                    "           {:>6}  at {}",
                    o.qty,
                    shown(&o.location)
                )));
            }
            lines.push(Line::from(format!(" shipped   {shipped}")));
            for s in &t.shipped {
                lines.push(Line::from(format!(
                    "           {:>6}  {} {}",
                    s.qty,
                    shown(s.document.as_deref().unwrap_or("(no order)")),
                    shown(s.partner.as_deref().unwrap_or(""))
                )));
            }
            for r in &t.returned {
                lines.push(Line::from(format!(
                    " returned  {:>6}  {} {}",
                    r.qty,
                    shown(r.document.as_deref().unwrap_or("(no order)")),
                    shown(r.partner.as_deref().unwrap_or(""))
                )));
            }
            (
                format!(" Lot {}  {} ", shown(&t.lot), shown(&t.product.name)),
                lines,
            )
        }
        LookupView::Stock { title, rows } => {
            let lines = if rows.is_empty() {
                vec![Line::from(" nothing on hand")]
            } else {
                rows.iter()
                    .map(|r| {
                        Line::from(format!(
                            " {:<12} {:<12} {:<10} {:>6}",
                            shown(&r.sku),
                            shown(r.lot.as_deref().unwrap_or("—")),
                            shown(&r.location),
                            r.qty
                        ))
                    })
                    .collect()
            };
            (format!(" Stock: {} ", shown(title)), lines)
        }
        LookupView::Document(d) => {
            let doc = DocumentView {
                reference: shown(&d.reference),
                kind: d.kind,
                partner: shown(&d.partner),
                lines: d
                    .lines
                    .iter()
                    .map(|l| super::view::DocumentLineView {
                        name: shown(&l.name),
                        tracking: l.tracking,
                        done: l.done,
                        ordered: l.ordered,
                        hint: None,
                    })
                    .collect(),
            };
            (
                format!(" {} {} ({}) ", doc.reference, doc.partner, d.status),
                document_lines(&doc, area.width.saturating_sub(2) as usize, screen),
            )
        }
    };
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title)),
        area,
    );
}

fn draw_recent(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    let rows = area.height.saturating_sub(2) as usize;
    let scan_width = if area.width >= 120 { 24 } else { 14 };
    let lines: Vec<Line> = view
        .recent
        .iter()
        .take(rows)
        .map(|r| {
            let scan = shortened(&r.scan, scan_width);
            // One line a scan: the time, the symbol, the scan, two spaces, the message.
            let room = (area.width as usize).saturating_sub(2 + 10 + 2 + scan_width + 2);
            Line::from(vec![
                Span::raw(format!(" {} ", r.at)),
                Span::styled(
                    format!("{:<2}", screen.glyphs.of(r.outcome)),
                    Style::new()
                        .fg(colour(r.outcome))
                        .add_modifier(Modifier::BOLD),
                ),
                Span::raw(format!(
                    "{scan:<scan_width$}  {}",
                    shortened(&r.message, room)
                )),
            ])
        })
        .collect();
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(" Recent ")),
        area,
    );
}

fn draw_help(frame: &mut Frame, area: Rect, view: &View, screen: &Screen) {
    if !view.typing.is_empty() {
        let line = Line::from(vec![
            Span::styled(" typed ", Style::new().add_modifier(Modifier::REVERSED)),
            Span::raw(format!(" {}_  (Enter to scan it)", shown(&view.typing))),
        ]);
        frame.render_widget(Paragraph::new(line), area);
        return;
    }
    // Under 100 columns the bar is compact (key labels reversed, no gap, no Ctrl+C) so that
    // every function key fits in 80; where even that is too wide, the reversed labels alone
    // part one key from the next.
    let compact = area.width < 100;
    let keys = screen
        .help
        .iter()
        .filter(|(key, _)| !key.starts_with("Ctrl"));
    let spaced: usize = keys
        .map(|(key, what)| key.chars().count() + what.chars().count() + 1)
        .sum();
    let gap = if spaced > area.width as usize {
        ""
    } else {
        " "
    };
    let mut spans = Vec::new();
    for (key, what) in &screen.help {
        if compact {
            if key.starts_with("Ctrl") {
                continue;
            }
            spans.push(Span::styled(
                key.to_string(),
                Style::new().add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::raw(format!("{what}{gap}")));
        } else {
            spans.push(Span::styled(
                format!(" {key}"),
                Style::new().add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::raw(format!(" {what} ")));
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

fn draw_lock(frame: &mut Frame, area: Rect, lock: &LockView, screen: &Screen) {
    let width = area.width.saturating_sub(4) as usize;
    let badge = |word: &str| {
        Span::styled(
            format!(" {} {word} ", screen.glyphs.error),
            Style::new()
                .fg(Color::Black)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        )
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(vec![
        badge("ERROR"),
        Span::raw("   "),
        Span::styled(lock.scan.clone(), bold),
    ])];
    lines.extend(wrap(&lock.message, width).into_iter().map(Line::from));
    if !lock.message.contains("Nothing was recorded") {
        lines.push(Line::from("Nothing was recorded."));
    }
    if let Some(refused) = &lock.refused {
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            badge("NOT TAKEN"),
            Span::raw("   "),
            Span::styled(refused.scan.clone(), bold),
        ]));
        lines.extend(
            wrap(
                "Not taken: the error above waits. Acknowledge it, then scan this again.",
                width,
            )
            .into_iter()
            .map(Line::from),
        );
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!("Scan CMD-ACK (or press {}) to go on.", screen.ack_key),
        bold,
    )));
    let modal = Rect {
        y: area.y + 1,
        height: (lines.len() as u16 + 2).min(area.height.saturating_sub(1)),
        ..area
    };
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(Style::new().fg(Color::Red).add_modifier(Modifier::BOLD))
                .padding(Padding::horizontal(1)),
        ),
        modal,
    );
}

fn draw_help_sheet(frame: &mut Frame, area: Rect, view: &View) {
    let commands = [
        (
            "CMD-RECEIVE … CMD-LOOKUP",
            "switch mode (F1–F5; CMD-COUNT F9)",
        ),
        ("CMD-QTY-12", "the next line counts 12"),
        ("CMD-DONE", "finish: close the document, end a run (F6)"),
        ("CMD-CANCEL", "drop what is pending (F7)"),
        ("CMD-UNDO", "undo the last recorded scan (F8)"),
        ("CMD-ACK", "acknowledge an error (Enter)"),
    ];
    let demo = view
        .cheat_sheet
        .iter()
        .map(|(c, w)| (c.as_str(), w.as_str()));
    let code_width = commands
        .iter()
        .copied()
        .chain(demo.clone())
        .map(|(code, _)| code.chars().count())
        .max()
        .unwrap_or(0);
    let modal_width = area.width.saturating_sub(4).min(78);
    // Inside the border: two spaces, the code, two spaces, what it does (wrapped at words).
    let what_width = (modal_width as usize).saturating_sub(2 + 2 + code_width + 2);
    let rows = |code: &str, what: &str| -> Vec<Line<'static>> {
        wrap(what, what_width)
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let code = if i == 0 { code } else { "" };
                Line::from(format!("  {code:<code_width$}  {part}"))
            })
            .collect()
    };
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut lines = vec![Line::from(Span::styled(" Keys and command barcodes", bold))];
    for (code, what) in commands {
        lines.extend(rows(code, what));
    }
    if !view.cheat_sheet.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled(
            " Demo barcodes to type (then Enter)",
            bold,
        )));
        for (code, what) in demo {
            lines.extend(rows(code, what));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(" F10 closes this sheet."));
    let height = (lines.len() as u16 + 2).min(area.height);
    let modal = centered(area, modal_width, height);
    frame.render_widget(Clear, modal);
    frame.render_widget(
        Paragraph::new(lines).block(Block::bordered().border_style(Style::new().fg(Color::Cyan))),
        modal,
    );
}

/// `text` broken into lines of at most `width` characters at spaces; a word longer than a
/// line is broken where the line ends.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        // A word longer than a whole line: whole lines of it first.
        while word.len() > width {
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            let rest = word.split_off(width);
            lines.push(word.into_iter().collect());
            word = rest;
        }
        if used > 0 && used + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if used > 0 {
            line.push(' ');
            used += 1;
        }
        used += word.len();
        line.extend(word);
    }
    if used > 0 || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// At most `rows` of `lines`; when some are left out, the last one shown ends in "…".
fn fitted(mut lines: Vec<String>, rows: usize) -> Vec<String> {
    if lines.len() > rows && rows > 0 {
        let last = lines[rows - 1].clone();
        lines.truncate(rows - 1);
        lines.push(format!("{last}…"));
    }
    lines
}

/// `text` in at most `width` characters: cut at the last space that fits, with "…".
fn shortened(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let keep: String = text.chars().take(width.saturating_sub(1)).collect();
    // The word at the cut is whole when a space follows it.
    if text.chars().nth(width.saturating_sub(1)) == Some(' ') {
        return format!("{}…", keep.trim_end());
    }
    let at_word = match keep.rfind(' ') {
        Some(space) if space > keep.len() / 2 => keep[..space].trim_end(),
        _ => keep.as_str(),
    };
    format!("{at_word}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_long_words_where_the_line_ends() {
        assert_eq!(
            wrap("No purchase order open: receipts are blind.", 20),
            ["No purchase order", "open: receipts are", "blind."]
        );
        assert_eq!(wrap("abcdefghij kl", 4), ["abcd", "efgh", "ij", "kl"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn shortened_ends_at_a_word_with_an_ellipsis() {
        assert_eq!(
            shortened("Serial SN-1 is already in stock", 20),
            "Serial SN-1 is…"
        );
        assert_eq!(shortened("short", 20), "short");
        assert_eq!(
            shortened("in stock at A-01-3 since", 19),
            "in stock at A-01-3…"
        );
        assert_eq!(shortened("abcdefghijklmnop", 8), "abcdefg…");
    }

    #[test]
    fn fitted_marks_what_is_left_out() {
        let lines = vec!["a".to_owned(), "b".to_owned(), "c".to_owned()];
        assert_eq!(fitted(lines.clone(), 2), ["a", "b…"]);
        assert_eq!(fitted(lines, 3), ["a", "b", "c"]);
    }
}
