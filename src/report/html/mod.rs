//! The HTML report (`run --html FILE`, `report RESULT.json --html FILE`): one self-contained
//! file with its CSS and four SVG charts inline, which fetches nothing over the network (no
//! script, no external stylesheet, font or image), so it can be mailed or archived as it is.
//!
//! It reads only the result file, never a worker. Every text taken from the result is
//! HTML-escaped. Every latency shown is a full round trip, never halved. Long runs stay quick
//! to render: time series longer than 1,000 points are thinned by keeping each run
//! of neighbours' lowest and highest points, so no stall disappears from a chart.
//!
//! - `series`: the numbers behind the charts (spectra, gaps, thinning, ticks).
//! - `charts`: the SVG charts, drawn with plotters.
//! - `tables`: the status banner and the tables.

mod charts;
mod series;
pub mod sweep;
mod tables;
#[cfg(test)]
mod tests;

use charts::ChartError;

use charts::Line;

use crate::report::json::RunResult;
use std::fmt::Write;

/// The page's only styling. System fonts only: nothing is fetched.
pub(super) const CSS: &str = r#"
:root { --ok: #1a7f37; --bad: #c62828; --warn: #b26a00; --muted: #8a8a8a; --line: #e3e3e3; }
* { box-sizing: border-box; }
body { margin: 0; background: #f6f7f9; color: #1d1d1f;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 16px 24px 32px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 22px 0 8px; }
.sub { color: #555; margin: 0 0 12px; }
.status { padding: 8px 12px; border-radius: 6px; margin: 6px 0; font-size: 15px; border-left: 6px solid; }
.status.ok { background: #e8f5ec; border-color: var(--ok); }
.status.warn { background: #fff4e0; border-color: var(--warn); }
.status.bad { background: #fdeaea; border-color: var(--bad); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 10px; margin: 12px 0; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
.card .k { color: #555; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .s { color: #666; font-size: 12px; min-height: 1em; }
.card.pass .v { color: var(--ok); } .card.fail .v { color: var(--bad); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 14px; align-items: start; }
.panel.sla { margin-bottom: 12px; } .panel.sla table { width: auto; min-width: 50%; }
.grid.details { grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; font-weight: 600; font-size: 15px; padding: 2px 0 6px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.kv th { color: #555; font-weight: 500; width: 38%; }
table.kv td { word-break: break-word; }
th.row { font-weight: 500; white-space: nowrap; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td small { display: block; color: #888; font-size: 11px; }
td.few { color: var(--muted); background: #f3f3f3; }
td.pass { color: var(--ok); font-weight: 700; } td.fail { color: var(--bad); font-weight: 700; }
.muted { color: var(--muted); }
.note { color: #555; font-size: 12.5px; margin: 6px 0 0; } .note.few { color: var(--muted); }
figure { margin: 0; }
figcaption h3 { font-size: 15px; margin: 0; } figcaption p { margin: 2px 0 4px; color: #555; font-size: 12.5px; }
.keys { display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 12.5px; margin: 2px 0 2px; }
.key { white-space: nowrap; } .key i { display: inline-block; width: 24px; height: 0; margin-right: 6px; vertical-align: middle; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
.chart-error { color: var(--bad); padding: 40px 10px; }
footer { color: #777; font-size: 12px; margin-top: 24px; }
"#;

/// Escapes text for HTML element content and quoted attribute values.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One chart with its title, a line on how to read it and its legend, or the reason it could
/// not be drawn.
pub(super) fn figure(out: &mut String, id: &str, title: &str, how: &str, chart: Result<charts::Chart, ChartError>) {
    let _ = write!(out, r#"<figure class="panel" id="{id}"><figcaption><h3>{title}</h3><p>{how}</p>"#);
    match chart {
        Ok(chart) => {
            out.push_str(r#"<div class="keys">"#);
            for k in &chart.keys {
                let (r, g, b) = k.color;
                let swatch = match k.line {
                    Line::Solid => format!("border-top: 3px solid rgb({r},{g},{b})"),
                    Line::Dashed => format!("border-top: 3px dashed rgb({r},{g},{b})"),
                    Line::Area => {
                        format!(
                            "border-top: 2px solid rgb({r},{g},{b}); background: rgba({r},{g},{b},0.25); height: 8px"
                        )
                    }
                };
                let _ = write!(out, r#"<span class="key"><i style="{swatch}"></i>{}</span>"#, esc(&k.label));
            }
            out.push_str("</div></figcaption>");
            out.push_str(&chart.svg);
        }
        Err(e) => {
            let _ = write!(out, r#"</figcaption><div class="chart-error">{}</div>"#, esc(&e.to_string()));
        }
    }
    out.push_str("</figure>");
}

/// The whole report for `r` as one self-contained HTML document.
pub fn render_html(r: &RunResult) -> String {
    let c = &r.config;
    let (curves, notes) = charts::curves(r);
    let mut out = String::with_capacity(256 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fixblast report: {}</title><style>{CSS}</style></head>
<body><main>
<header><h1>fixblast report: {}</h1><p class="sub">{} {} · started {} · {} · {} session(s) on {} thread(s), {} backend · measured {:.1}s after {:.1}s warm-up</p></header>
"#,
        esc(&c.target),
        esc(&c.target),
        esc(&r.tool.name),
        esc(&r.tool.version),
        tables::utc(r.status.started_at_unix_s.unwrap_or(0.0)),
        esc(&tables::load(r)),
        c.sessions,
        c.threads,
        esc(&c.backend),
        r.throughput.duration_s,
        c.warmup_s,
    );
    out.push_str(&tables::status(r, &notes));
    out.push_str(&tables::headline(r));
    let _ = write!(
        out,
        r#"<div class="panel sla">{}</div><div class="panel">{}</div>"#,
        tables::sla(r),
        tables::percentiles(r)
    );
    out.push_str(r#"<h2>Charts</h2><div class="grid" id="charts">"#);
    figure(
        &mut out,
        "chart-spectrum",
        "Round-trip latency by percentile",
        "Each message type's round trip at every percentile, from the merged histograms. The faint end of a line is where fewer than 10 observations lie beyond.",
        charts::spectrum(&curves),
    );
    figure(
        &mut out,
        "chart-latency",
        "Ack round trip over time",
        "p50, p99 and max of the ack round trip (from intended send) in each interval.",
        charts::latency_over_time(&r.intervals),
    );
    figure(
        &mut out,
        "chart-throughput",
        "Throughput over time",
        if r.intervals.iter().any(|i| i.target_per_s.is_some()) {
            "Orders sent per second in each interval against the rate asked for (dashed)."
        } else {
            "Orders sent per second in each interval (closed loop or no target: no target line)."
        },
        charts::throughput(&r.intervals),
    );
    figure(
        &mut out,
        "chart-errors",
        "Errors over time",
        "Errors counted in each interval: rejects, timeouts, unmatched replies and the rest.",
        charts::errors(&r.intervals),
    );
    if let Some(bars) = crate::report::split::of_result(r) {
        let gateway = match r.gateway.as_ref().map(|g| &g.wire_ns) {
            Some(Some(_)) => {
                " The gateway's part is the built-in gateway's own time, from the read that brought an order to the send of its ack."
            }
            Some(None) => " The gateway's backend took no stamps: its part is not known.",
            None => " No gateway part: an external gateway's insides are not seen.",
        };
        figure(
            &mut out,
            "chart-split",
            "Where the time went",
            &format!(
                "The kernel's stamps split each round trip into client out, wire and client in: {}.{gateway}",
                crate::report::split::CAVEAT
            ),
            charts::split(&bars),
        );
    }
    out.push_str("</div>");
    let _ = write!(
        out,
        r#"<h2>Details</h2><div class="grid details"><div class="panel">{}</div><div class="panel">{}</div><div class="panel">{}</div></div>"#,
        tables::counts(r),
        tables::config(r),
        tables::host(r),
    );
    let runs = tables::runs(r);
    if !runs.is_empty() {
        let _ = write!(out, r#"<h2>Runs</h2><div class="panel">{runs}</div>"#);
    }
    let _ = write!(
        out,
        "<footer>fixblast result schema {} · {} interval(s) · every latency is a full round trip, never halved · this file is self-contained and fetches nothing.</footer>\n</main></body></html>\n",
        r.schema_version,
        r.intervals.len()
    );
    out
}
