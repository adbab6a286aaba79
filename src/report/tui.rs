//! The full-screen live view of `fixblast run --tui`.
//!
//! This module owns one thing: drawing a [`TuiFrame`] (plain numbers the reporter has already
//! computed) on the terminal, and putting the terminal back as it was afterwards. It takes no
//! crate-internal type, so the layout can be tested on its own with ratatui's `TestBackend`.
//!
//! What it must not do:
//! - touch a worker, a histogram or any shared counter: it runs on the reporter thread only,
//!   once per interval, and everything it shows arrives in the [`TuiFrame`];
//! - write to stdout (scripts may pipe it): it draws on **stderr**;
//! - enable raw mode: Ctrl-C has to keep delivering SIGINT to the program's own handler, which
//!   writes the report. It uses the alternate screen and hides the cursor, nothing more;
//! - replace the program's panic hook: [`Tui::start`] chains a hook that leaves the alternate
//!   screen (so the panic message is readable) and then calls the hook that was there before.
//!
//! The terminal is restored by [`Tui::finish`], by `Drop` (also when unwinding from a panic on the
//! reporter thread), and by the chained panic hook for a panic on any other thread; whichever
//! comes first does it, the others do nothing.

use super::{fmt_count, fmt_ns};
use std::io::{self, BufWriter, IsTerminal, Stderr, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Gauge, Padding, Paragraph, Row, Sparkline, Table};

/// One latency distribution, as the screen shows it. Nanoseconds; `None` = nothing measured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    pub count: u64,
    pub p50: Option<u64>,
    pub p99: Option<u64>,
    pub p99_9: Option<u64>,
    pub max: Option<u64>,
}

/// Everything one screen shows. Latencies are round trips in nanoseconds.
#[derive(Clone, Debug, Default)]
pub struct TuiFrame {
    /// E.g. "fixblast → 127.0.0.1:9878 (built-in gateway), 4 sessions, 1 thread, uring".
    pub title: String,
    /// "warm-up", "measuring", "draining".
    pub phase: &'static str,
    pub elapsed_s: f64,
    /// Warm-up + duration, for the progress gauge.
    pub total_s: f64,
    /// Orders/s the profile asks for this interval (`None` in closed loop).
    pub target_rate: Option<f64>,
    /// Orders/s achieved this interval.
    pub rate: f64,
    pub rate_cumulative: f64,
    /// This interval's ack latency.
    pub interval: Figures,
    /// Ack latency since warm-up ended.
    pub cumulative: Figures,
    /// Extra message types: (name, interval, cumulative), e.g. `("cancel", ..)`. May be empty.
    pub by_type: Vec<(&'static str, Figures, Figures)>,
    /// Errors this interval, only the non-zero kinds.
    pub errors_interval: Vec<(&'static str, u64)>,
    /// Errors since the start, only the non-zero kinds.
    pub errors_total: Vec<(&'static str, u64)>,
    pub sent_total: u64,
    pub acked_total: u64,
    pub in_flight: u64,
    /// Schedule lag (actual - intended send time) this interval; `p99_9` may be `None`.
    pub lag: Figures,
    /// Ack p99 of each completed interval, oldest first; the sparkline shows the last that fit.
    pub p99_history: Vec<u64>,
    /// Shown near the top in red and bold, e.g. "TARGET RATE NOT REACHED".
    pub warnings: Vec<String>,
    /// "Where the time went" (`--wire-timestamps`), since warm-up ended: per percentile
    /// ("p50" …), its parts in ns (client out, wire less gateway, gateway, client in; `None`
    /// when not known), each part its own percentile. Empty without the wire split.
    pub split: Vec<(&'static str, [Option<u64>; 4])>,
}

/// The parts of a "where the time went" bar: short name, and the colour drawn.
const SPLIT_PARTS: [(&str, Color); 4] =
    [("out", Color::Blue), ("wire", Color::Yellow), ("gateway", Color::Red), ("in", Color::Green)];

/// Orders per second, rounded: `49,812/s`; `-` when not a number.
fn fmt_rate(rate: f64) -> String {
    if rate.is_finite() && rate >= 0.0 {
        // Saturating cast; rates never come near u64::MAX.
        format!("{}/s", fmt_count(rate.round() as u64))
    } else {
        "-".to_string()
    }
}

fn fmt_opt(v: Option<u64>) -> String {
    v.map_or_else(|| "-".to_string(), fmt_ns)
}

fn fmt_secs(s: f64) -> String {
    if s.is_finite() { format!("{:.1}s", s.max(0.0)) } else { "-".to_string() }
}

const RED_BOLD: Style = Style::new().fg(Color::Red).add_modifier(Modifier::BOLD);
const DIM: Style = Style::new().fg(Color::DarkGray);
const LABEL: Style = Style::new().add_modifier(Modifier::BOLD);

/// Cuts `h` rows off the top of `rest` (fewer if there are not that many left).
fn take(rest: &mut Rect, h: u16) -> Rect {
    let h = h.min(rest.height);
    let top = Rect { height: h, ..*rest };
    rest.y = rest.y.saturating_add(h);
    rest.height -= h;
    top
}

/// Lays one [`TuiFrame`] out on the whole frame. Pure: draws into the frame's buffer only.
///
/// Top to bottom, in order of importance, so a short terminal loses the bottom first: title,
/// warnings, phase and progress, rates, the latency table, totals, errors, and the p99
/// sparkline, which takes whatever height is left. Any size works, down to 0x0.
pub fn render(f: &mut ratatui::Frame, data: &TuiFrame) {
    let mut rest = f.area();

    // Title.
    let title = Paragraph::new(Line::from(Span::styled(data.title.as_str(), LABEL.fg(Color::Cyan))));
    f.render_widget(title, take(&mut rest, 1));

    // Warnings, prominently.
    if !data.warnings.is_empty() {
        let lines: Vec<Line> =
            data.warnings.iter().map(|w| Line::from(Span::styled(format!("! {w}"), RED_BOLD))).collect();
        let h = u16::try_from(lines.len()).unwrap_or(u16::MAX);
        f.render_widget(Paragraph::new(lines), take(&mut rest, h));
    }

    // Phase and progress.
    let progress = take(&mut rest, 1);
    let [phase_area, gauge_area] = Layout::horizontal([Constraint::Length(11), Constraint::Fill(1)]).areas(progress);
    let phase_style = match data.phase {
        "warm-up" => Style::new().fg(Color::Yellow),
        "measuring" => Style::new().fg(Color::Green),
        _ => Style::new().fg(Color::Cyan),
    }
    .add_modifier(Modifier::BOLD);
    f.render_widget(Paragraph::new(Span::styled(data.phase, phase_style)), phase_area);
    let ratio = if data.total_s > 0.0 { data.elapsed_s / data.total_s } else { 0.0 };
    let ratio = if ratio.is_finite() { ratio.clamp(0.0, 1.0) } else { 0.0 };
    let pct = format!("{:.0}%", ratio * 100.0);
    let full = format!("{} / {} ({pct})", fmt_secs(data.elapsed_s), fmt_secs(data.total_s));
    // A label the gauge would clip ("12.0s / 7") is worse than a shorter one.
    let label = [full, pct].into_iter().find(|l| l.chars().count() <= usize::from(gauge_area.width));
    let gauge = Gauge::default()
        .ratio(ratio)
        .label(label.unwrap_or_default())
        .gauge_style(Style::new().fg(Color::Blue).bg(Color::Black))
        .use_unicode(true);
    f.render_widget(gauge, gauge_area);

    // Rates.
    let area = take(&mut rest, 1);
    let mut rate = vec![vec![Span::styled("rate      ", LABEL)]];
    match data.target_rate {
        Some(target) => {
            let short = target > 0.0 && data.rate < 0.99 * target;
            let style = if short { RED_BOLD } else { Style::new().fg(Color::Green) };
            let pct = if target > 0.0 { data.rate / target * 100.0 } else { 0.0 };
            rate.push(vec![Span::raw("interval "), Span::styled(fmt_rate(data.rate), style)]);
            rate.push(vec![Span::raw(format!(" of {} target", fmt_rate(target)))]);
            rate.push(vec![Span::styled(format!(" ({pct:.1}%)"), style)]);
        }
        None => rate.push(vec![Span::raw(format!("interval {}", fmt_rate(data.rate)))]),
    }
    rate.push(vec![Span::raw(format!("   cumulative {}", fmt_rate(data.rate_cumulative)))]);
    if data.target_rate.is_none() {
        rate.push(vec![Span::styled("   (closed loop)", DIM)]);
    }
    f.render_widget(Paragraph::new(fit(rate, area.width)), area);

    // Latency table.
    let area = take(&mut rest, table_rows(data).saturating_add(3));
    f.render_widget(latency_table(data, area.width), area);

    // Totals.
    let area = take(&mut rest, 1);
    let totals = vec![
        vec![Span::styled("orders    ", LABEL)],
        vec![Span::raw(format!("sent {}", fmt_count(data.sent_total)))],
        vec![Span::raw(format!("   acked {}", fmt_count(data.acked_total)))],
        vec![Span::raw(format!("   in flight {}", fmt_count(data.in_flight)))],
    ];
    f.render_widget(Paragraph::new(fit(totals, area.width)), area);

    // Errors.
    let area = take(&mut rest, 1);
    let mut errors = vec![vec![Span::styled("errors    ", LABEL)]];
    for (what, errs, bad) in [
        ("interval: ", &data.errors_interval, RED_BOLD),
        ("   total: ", &data.errors_total, Style::new().fg(Color::Yellow)),
    ] {
        if errs.is_empty() {
            errors.push(vec![Span::raw(what), Span::styled("none", DIM)]);
        }
        for (i, (kind, n)) in errs.iter().enumerate() {
            let kind = Span::styled(format!("{kind} {}", fmt_count(*n)), bad);
            errors.push(if i == 0 { vec![Span::raw(what), kind] } else { vec![Span::raw(", "), kind] });
        }
    }
    f.render_widget(Paragraph::new(fit(errors, area.width)), area);

    // Where the time went, when the run splits it.
    if !data.split.is_empty() {
        let area = take(&mut rest, u16::try_from(data.split.len() + 2).unwrap_or(u16::MAX));
        render_split(f, &data.split, area);
    }

    // p99 history: the last intervals that fit, with their max.
    if rest.height == 0 {
        return;
    }
    let room = usize::from(rest.width.saturating_sub(2));
    let shown = &data.p99_history[data.p99_history.len().saturating_sub(room)..];
    let mut title = vec![vec![Span::raw(" ack p99, round trip")]];
    match (shown.iter().max(), shown.last()) {
        (Some(max), Some(last)) => {
            title.push(vec![Span::raw(": "), Span::styled(format!("max {}", fmt_ns(*max)), LABEL)]);
            title.push(vec![Span::raw(format!(", last {}", fmt_ns(*last)))]);
            title.push(vec![Span::raw(format!(", {} intervals ", shown.len()))]);
        }
        _ => title.push(vec![Span::raw(": no interval yet ")]),
    }
    let spark = Sparkline::default()
        .block(Block::bordered().title(fit(title, rest.width.saturating_sub(2))))
        .data(shown.iter().copied())
        .style(Style::new().fg(Color::Magenta));
    f.render_widget(spark, rest);
}

/// One stacked bar per percentile, on one scale (the longest bar fills its room), each part
/// at least one cell when above 0, then its figures: client out, wire less gateway, gateway
/// (when known), client in.
fn render_split(f: &mut ratatui::Frame, bars: &[(&'static str, [Option<u64>; 4])], area: Rect) {
    let inner = usize::from(area.width.saturating_sub(4));
    let room = (inner * 2 / 5).max(8);
    let total = |parts: &[Option<u64>; 4]| parts.iter().flatten().sum::<u64>();
    let longest = bars.iter().map(|(_, p)| total(p)).max().unwrap_or(0).max(1);
    let lines: Vec<Line> = bars
        .iter()
        .map(|(label, parts)| {
            let mut spans = vec![Span::styled(format!("{label:<6}"), LABEL)];
            let mut used = 0;
            for (v, (_, color)) in parts.iter().zip(SPLIT_PARTS) {
                let cells = v.map_or(0, |v| ((v as u128 * room as u128) / longest as u128) as usize);
                let cells = if v.is_some_and(|v| v > 0) { cells.max(1) } else { cells };
                used += cells;
                spans.push(Span::styled("█".repeat(cells), Style::new().fg(color)));
            }
            spans.push(Span::raw(" ".repeat(room.saturating_sub(used) + 1)));
            let mut chunks = vec![spans];
            for (i, (v, (name, color))) in parts.iter().zip(SPLIT_PARTS).enumerate() {
                if i == 2 && v.is_none() {
                    continue;
                }
                let gap = if i == 0 { "" } else { "  " };
                chunks.push(vec![
                    Span::raw(gap),
                    Span::styled(format!("{name} {}", fmt_opt(*v)), Style::new().fg(color)),
                ]);
            }
            fit(chunks, area.width.saturating_sub(4))
        })
        .collect();
    let title = " where the time went: each part's own percentile (they do not add up to one order's) ";
    let block = Block::bordered()
        .padding(Padding::horizontal(1))
        .title(fit(vec![vec![Span::raw(title)]], area.width.saturating_sub(2)));
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// Rows of the latency table below its header: ack (interval and cumulative), two per extra
/// type, and the schedule lag. The box adds a header row and two borders.
fn table_rows(data: &TuiFrame) -> u16 {
    u16::try_from(3 + 2 * data.by_type.len()).unwrap_or(u16::MAX)
}

/// The latency table for a box `width` columns wide. Its columns are as wide as their widest
/// value, and when they do not all fit the least telling ones go (count, p99.9, p50, max; p99
/// stays last), so a right-aligned number is never cut on its left ("1.23ms" read as "23ms").
fn latency_table(data: &TuiFrame, width: u16) -> Table<'static> {
    let mut rows: Vec<(String, Figures)> =
        vec![("ack (interval)".into(), data.interval), ("ack (cumulative)".into(), data.cumulative)];
    for (name, interval, cumulative) in &data.by_type {
        rows.push((format!("{name} (interval)"), *interval));
        rows.push((format!("{name} (cumulative)"), *cumulative));
    }
    rows.push(("schedule lag".into(), data.lag));
    let header = ["", "count", "p50", "p99", "p99.9", "max"];
    let cells: Vec<[String; 6]> = rows
        .into_iter()
        .map(|(name, l)| [name, fmt_count(l.count), fmt_opt(l.p50), fmt_opt(l.p99), fmt_opt(l.p99_9), fmt_opt(l.max)])
        .collect();
    let col_w: Vec<usize> = (0..6)
        .map(|c| cells.iter().map(|r| r[c].chars().count()).chain([header[c].chars().count()]).max().unwrap_or(0))
        .collect();

    // Borders and padding take 4 columns; each kept number column takes its width plus a gap.
    let inner = usize::from(width).saturating_sub(4);
    let label_min = col_w[0].min(10);
    let mut keep = [true; 6];
    let need = |keep: &[bool; 6]| label_min + (1..6).filter(|&c| keep[c]).map(|c| col_w[c] + 1).sum::<usize>();
    for c in [1, 4, 2, 5, 3] {
        if need(&keep) <= inner {
            break;
        }
        keep[c] = false;
    }
    let numbers: usize = (1..6).filter(|&c| keep[c]).map(|c| col_w[c] + 1).sum();
    let label_w = col_w[0].min(inner.saturating_sub(numbers)).max(label_min);
    let to_u16 = |w: usize| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX));
    let widths: Vec<Constraint> =
        (0..6).filter(|&c| keep[c]).map(|c| to_u16(if c == 0 { label_w } else { col_w[c] })).collect();

    let row = |r: [String; 6]| {
        let cells = r
            .into_iter()
            .enumerate()
            .filter(|&(c, _)| keep[c])
            .map(|(c, s)| if c == 0 { Cell::from(s) } else { Cell::from(Line::from(s).right_aligned()) });
        Row::new(cells.collect::<Vec<_>>())
    };
    let body: Vec<Row> = cells.into_iter().map(row).collect();
    Table::new(body, widths)
        .header(row(header.map(String::from)).style(LABEL))
        .block(Block::bordered().padding(Padding::horizontal(1)).title(" latency, round trip (not halved) "))
}

/// Joins whole chunks while they fit in `width`, so a number is never cut short ("45,123/s" read
/// as "45,1"), and ends with "…" when something was left off.
fn fit(chunks: Vec<Vec<Span<'static>>>, width: u16) -> Line<'static> {
    let width = usize::from(width);
    let mut used = 0;
    let mut out = Vec::new();
    for chunk in chunks {
        let w: usize = chunk.iter().map(Span::width).sum();
        if used + w > width {
            if used < width {
                out.push(Span::styled("…", DIM));
            }
            break;
        }
        used += w;
        out.extend(chunk);
    }
    Line::from(out)
}

/// Set while a [`Tui`] has the terminal in the alternate screen; whoever clears it restores.
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Leaves the alternate screen and shows the cursor on `w`.
fn leave(w: &mut impl Write) -> io::Result<()> {
    execute!(w, terminal::LeaveAlternateScreen, cursor::Show)
}

/// Chains a panic hook (once per process) that restores the terminal if a [`Tui`] is up, so a
/// panic on any thread prints its message on the normal screen, then runs the previous hook.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if ACTIVE.swap(false, Ordering::AcqRel) {
                let _ = leave(&mut io::stderr());
            }
            previous(info);
        }));
    });
}

/// The live view on stderr: the alternate screen, no raw mode. See the module doc.
pub struct Tui {
    terminal: Terminal<CrosstermBackend<BufWriter<Stderr>>>,
    restored: bool,
}

impl Tui {
    /// Takes the terminal: enters the alternate screen on stderr and hides the cursor.
    ///
    /// Fails, leaving the terminal untouched, when stderr is not a terminal or another [`Tui`]
    /// is up.
    pub fn start() -> io::Result<Tui> {
        if !io::stderr().is_terminal() {
            return Err(io::Error::other("stderr is not a terminal"));
        }
        if ACTIVE.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_err() {
            return Err(io::Error::other("the live view is already up"));
        }
        install_panic_hook();
        let mut err = io::stderr();
        // Cleared too, for terminals without an alternate screen.
        let entered =
            execute!(err, terminal::EnterAlternateScreen, terminal::Clear(terminal::ClearType::All), cursor::Hide);
        // A whole frame goes out in one write rather than one per escape sequence.
        let terminal = entered
            .and_then(|()| Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(1 << 16, io::stderr()))));
        match terminal {
            Ok(terminal) => Ok(Tui { terminal, restored: false }),
            Err(e) => {
                if ACTIVE.swap(false, Ordering::AcqRel) {
                    let _ = leave(&mut err);
                }
                Err(e)
            }
        }
    }

    /// Draws one frame (only the cells that changed since the last one go out).
    ///
    /// Fails once the terminal has been restored, e.g. by the panic hook after a panic on
    /// another thread: the caller should drop the live view then.
    pub fn draw(&mut self, data: &TuiFrame) -> io::Result<()> {
        if self.restored || !ACTIVE.load(Ordering::Acquire) {
            self.restored = true;
            return Err(io::Error::other("the terminal was already restored"));
        }
        self.terminal.draw(|f| render(f, data)).map(|_| ())
    }

    /// Gives the terminal back: leaves the alternate screen and shows the cursor. Call it before
    /// printing the final report, so the report lands on the normal screen.
    pub fn finish(mut self) -> io::Result<()> {
        self.restore()
    }

    fn restore(&mut self) -> io::Result<()> {
        if self.restored {
            return Ok(());
        }
        self.restored = true;
        // The panic hook may have restored already: then there is nothing left to do.
        if !ACTIVE.swap(false, Ordering::AcqRel) {
            return Ok(());
        }
        let flushed = self.terminal.backend_mut().flush();
        let left = leave(self.terminal.backend_mut());
        // Keeps ratatui's own Drop from showing the cursor a second time.
        let _ = self.terminal.show_cursor();
        flushed.and(left)
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.restore();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::buffer::Buffer;

    fn lat(count: u64, p50: u64, p99: u64, p99_9: Option<u64>, max: u64) -> Figures {
        Figures { count, p50: Some(p50), p99: Some(p99), p99_9, max: Some(max) }
    }

    fn realistic() -> TuiFrame {
        TuiFrame {
            title: "fixblast → 127.0.0.1:9878 (built-in gateway), 4 sessions, 1 thread, uring".into(),
            phase: "measuring",
            elapsed_s: 12.0,
            total_s: 70.0,
            target_rate: Some(50_000.0),
            rate: 45_123.0,
            rate_cumulative: 49_876.4,
            interval: lat(45_123, 12_345, 45_678, Some(123_456), 1_234_567),
            cumulative: lat(498_764, 12_000, 44_000, Some(120_000), 2_345_678),
            by_type: vec![("cancel", lat(4_512, 13_000, 51_200, Some(99_000), 300_000), Figures::default())],
            errors_interval: vec![("reject", 3)],
            errors_total: vec![("reject", 17), ("timeout", 2)],
            sent_total: 1_234_567,
            acked_total: 1_234_560,
            in_flight: 7,
            lag: Figures { count: 45_123, p50: Some(800), p99: Some(5_100), p99_9: None, max: Some(88_000) },
            p99_history: vec![40_000, 41_000, 7_770_000, 45_678],
            warnings: vec!["TARGET RATE NOT REACHED".into(), "session 2 lost: connection reset".into()],
            split: Vec::new(),
        }
    }

    fn draw(w: u16, h: u16, data: &TuiFrame) -> Buffer {
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| render(f, data)).unwrap();
        t.backend().buffer().clone()
    }

    fn lines(b: &Buffer) -> Vec<String> {
        let w = usize::from(b.area.width);
        if w == 0 {
            return Vec::new();
        }
        b.content.chunks(w).map(|row| row.iter().map(|c| c.symbol()).collect()).collect()
    }

    /// The row index and column (in cells) where `needle` first appears.
    fn find(b: &Buffer, needle: &str) -> Option<(usize, usize)> {
        lines(b).iter().enumerate().find_map(|(y, l)| l.find(needle).map(|byte| (y, l[..byte].chars().count())))
    }

    fn cell_at(b: &Buffer, (y, x): (usize, usize)) -> &ratatui::buffer::Cell {
        &b.content[y * usize::from(b.area.width) + x]
    }

    #[test]
    fn shows_the_key_labels_and_values() {
        let b = draw(100, 30, &realistic());
        let screen = lines(&b).join("\n");
        for needle in [
            "fixblast → 127.0.0.1:9878",
            "measuring",
            "12.0s / 70.0s (17%)",
            "45,123/s of 50,000/s target (90.2%)",
            "cumulative 49,876/s",
            "round trip",
            "ack (interval)",
            "ack (cumulative)",
            "cancel (interval)",
            "cancel (cumulative)",
            "schedule lag",
            "p99.9",
            "45.7us",
            "1.23ms",
            "123us",
            "sent 1,234,567   acked 1,234,560   in flight 7",
            "interval: reject 3",
            "total: reject 17, timeout 2",
            "! TARGET RATE NOT REACHED",
            "! session 2 lost: connection reset",
            "max 7.77ms, last 45.7us, 4 intervals",
        ] {
            assert!(screen.contains(needle), "{needle:?} not on screen:\n{screen}");
        }
        // The ack (interval) row carries its own numbers, in column order.
        let row = &lines(&b)[find(&b, "ack (interval)").unwrap().0];
        let cols: Vec<&str> = row.split(|c: char| c.is_whitespace() || c == '│').filter(|c| !c.is_empty()).collect();
        let at = cols.iter().position(|c| *c == "45,123").expect(row);
        assert_eq!(&cols[at..at + 5], ["45,123", "12.3us", "45.7us", "123us", "1.23ms"], "{row}");
        // A missing percentile reads "-", not 0.
        let lag = &lines(&b)[find(&b, "schedule lag").unwrap().0];
        assert!(lag.split_whitespace().any(|c| c == "-"), "{lag}");
        // Never labelled as one-way.
        assert!(!screen.contains("one-way") && !screen.contains("/2"));
    }

    #[test]
    fn where_the_time_went_stacks_a_bar_per_percentile_only_when_given() {
        let plain = lines(&draw(100, 40, &realistic())).join("\n");
        assert!(!plain.contains("where the time went"), "{plain}");
        let us = |v: u64| Some(v * 1_000);
        let data = TuiFrame {
            split: vec![
                ("p50", [us(2), us(6), us(9), us(3)]),
                ("p99", [us(5), us(30), us(40), us(8)]),
                ("p99.9", [us(9), us(50), None, us(20)]),
            ],
            ..realistic()
        };
        let b = draw(120, 40, &data);
        let screen = lines(&b).join("\n");
        assert!(screen.contains("where the time went"), "{screen}");
        assert!(screen.contains("do not add up"), "{screen}");
        let row = &lines(&b)[find(&b, "│ p50   ").unwrap().0];
        assert!(row.contains("out 2.00us  wire 6.00us  gateway 9.00us  in 3.00us"), "{row}");
        // The longest bar fills the room; each part is drawn in its own colour.
        let (y, x) = find(&b, "│ p99   ").unwrap();
        let colours: Vec<Color> =
            (x + 8..x + 60).map(|x| cell_at(&b, (y, x))).filter(|c| c.symbol() == "█").map(|c| c.fg).collect();
        assert_eq!(colours.first(), Some(&Color::Blue));
        assert_eq!(colours.last(), Some(&Color::Green));
        assert!(colours.contains(&Color::Yellow) && colours.contains(&Color::Red));
        // No gateway figure where it is not known.
        let row = &lines(&b)[find(&b, "│ p99.9 ").unwrap().0];
        assert!(row.contains("wire 50.0us  in 20.0us") && !row.contains("gateway"), "{row}");
    }

    #[test]
    fn warnings_and_a_missed_target_are_red() {
        let b = draw(100, 30, &realistic());
        let w = find(&b, "TARGET RATE NOT REACHED").unwrap();
        assert_eq!(cell_at(&b, w).fg, Color::Red);
        assert!(cell_at(&b, w).modifier.contains(Modifier::BOLD));
        let r = find(&b, "45,123/s").unwrap();
        assert_eq!(cell_at(&b, r).fg, Color::Red);

        let mut ok = realistic();
        ok.rate = 49_600.0; // 99.2% of target
        ok.warnings.clear();
        let b = draw(100, 30, &ok);
        assert_eq!(cell_at(&b, find(&b, "49,600/s").unwrap()).fg, Color::Green);
        assert!(find(&b, "! ").is_none());
    }

    #[test]
    fn closed_loop_has_no_target() {
        let mut d = realistic();
        d.target_rate = None;
        let screen = lines(&draw(100, 30, &d)).join("\n");
        assert!(screen.contains("(closed loop)"), "{screen}");
        assert!(!screen.contains("target"), "{screen}");
    }

    #[test]
    fn sparkline_labels_the_max_of_what_fits() {
        let mut d = realistic();
        // The spike is older than the 78 intervals an 80-wide box shows.
        d.p99_history = std::iter::once(9_990_000).chain((0..200).map(|i| 40_000 + i * 10)).collect();
        let screen = lines(&draw(80, 24, &d)).join("\n");
        assert!(screen.contains("max 42.0us, last 42.0us, 78 intervals"), "{screen}");
        assert!(!screen.contains("9.99ms"), "{screen}");
    }

    #[test]
    fn fits_80x24() {
        let b = draw(80, 24, &realistic());
        let screen = lines(&b).join("\n");
        for needle in [
            "schedule lag",
            "in flight 7",
            "total: reject 17",
            "TARGET RATE NOT REACHED",
            "ack p99, round trip: max 7.77ms",
        ] {
            assert!(screen.contains(needle), "{needle:?} not on screen:\n{screen}");
        }
    }

    #[test]
    fn tiny_and_odd_terminals_do_not_panic() {
        let mut odd = realistic();
        odd.elapsed_s = f64::NAN;
        odd.total_s = 0.0;
        odd.rate = f64::INFINITY;
        odd.target_rate = Some(0.0);
        odd.interval = lat(u64::MAX, u64::MAX, u64::MAX, Some(u64::MAX), u64::MAX);
        odd.warnings = (0..100).map(|i| format!("warning {i}")).collect();
        for d in [realistic(), TuiFrame::default(), odd] {
            for (w, h) in [(0, 0), (1, 1), (10, 3), (20, 5), (3, 40), (200, 2)] {
                draw(w, h, &d);
            }
            for w in [0, 1, 2, 3, 5, 8, 13, 20, 30, 40, 60, 80] {
                for h in 0..=16 {
                    draw(w, h, &d);
                }
            }
        }
        // At 20x5 what fits is the top of the screen: title first.
        let b = draw(20, 5, &realistic());
        assert!(lines(&b)[0].starts_with("fixblast →"), "{:?}", lines(&b));
        assert!(lines(&b)[1].contains("! TARGET RATE"), "{:?}", lines(&b));
    }

    #[test]
    fn narrow_terminals_drop_whole_values_never_cut_ones() {
        let d = realistic();
        for w in [24, 30, 40, 50, 60] {
            let b = draw(w, 30, &d);
            let screen = lines(&b).join("\n");
            // The table keeps p99 longest, and any value shown is whole.
            let row = &lines(&b)[find(&b, "ack (int").expect(&screen).0];
            let cols: Vec<&str> = row.split(['│', ' ']).filter(|c| !c.is_empty()).skip(2).collect();
            let whole = ["45,123", "12.3us", "45.7us", "123us", "1.23ms"];
            assert!(cols.iter().all(|c| whole.contains(c)), "w={w} {cols:?}\n{screen}");
            if w >= 30 {
                assert!(cols.contains(&"45.7us"), "w={w}\n{screen}");
            }
            // Lines too long end in "…" after a whole value, never in half a number.
            let rate = &lines(&b)[find(&b, "rate ").expect(&screen).0];
            let last = rate.trim_end().rsplit(' ').next().unwrap();
            assert!(
                ["…", "45,123/s", "target", "(90.2%)", "49,876/s"].iter().any(|end| last.ends_with(end)),
                "w={w} {rate:?}"
            );
        }
        // The gauge label shrinks to the percentage rather than being clipped.
        let b = draw(24, 30, &d);
        assert!(lines(&b)[3].contains("17%") && !lines(&b)[3].contains("12.0s"), "{:?}", lines(&b)[3]);
    }

    #[test]
    fn counts_and_rates_read_naturally() {
        assert_eq!(fmt_count(0), "0");
        assert_eq!(fmt_count(999), "999");
        assert_eq!(fmt_count(1_000), "1,000");
        assert_eq!(fmt_count(1_234_567), "1,234,567");
        assert_eq!(fmt_rate(49_999.6), "50,000/s");
        assert_eq!(fmt_rate(f64::NAN), "-");
    }

    #[test]
    fn start_fails_cleanly_without_a_terminal() {
        // Only checkable where stderr is not a terminal (CI, a pipe); never takes over a real one.
        if !io::stderr().is_terminal() {
            let e = Tui::start().err().expect("no terminal, no live view");
            assert!(e.to_string().contains("not a terminal"), "{e}");
            assert!(!ACTIVE.load(Ordering::Acquire));
        }
    }
}
