//! Unit tests of the HTML report: self-contained, escaped, and complete for results with
//! nothing in them and with an hour of intervals.

use super::render_html;
use crate::metrics::{LatencyKind, histogram};
use crate::report::json::{
    ClosedLoop, Interval, IntervalAck, RunResult, SlaCheck, Stats, decode_histogram, encode_histogram,
};

fn empty() -> RunResult {
    crate::report::json::tests::empty_result()
}

/// A result with `n` observations of ack latency and `intervals` one-second intervals, a
/// 50 ms stall in the middle one.
fn measured(n: u64, intervals: usize) -> RunResult {
    let mut r = empty();
    let mut h = histogram();
    for i in 0..n {
        h.record(20_000 + (i * 7_919) % 80_000).unwrap();
    }
    r.histograms[LatencyKind::Ack] = encode_histogram(&h);
    r.histograms[LatencyKind::AckService] = encode_histogram(&h);
    r.histograms[LatencyKind::Fill] = encode_histogram(&histogram());
    r.latency_ns[LatencyKind::Ack] = Some(Stats::of(&h));
    r.latency_ns[LatencyKind::AckService] = Some(Stats::of(&h));
    r.orders.sent = n;
    r.orders.acked = n;
    r.intervals = (0..intervals)
        .map(|i| {
            let stall = i == intervals / 2;
            Interval {
                t_s: (i + 1) as f64,
                length_s: Some(1.0),
                orders_per_s: 10_000.0 - (i % 7) as f64,
                target_per_s: Some(10_000.0),
                ack: IntervalAck {
                    count: 10_000,
                    p50: Some(21_000 + (i as u64 % 13) * 100),
                    p99: Some(70_000 + (i as u64 % 17) * 1_000),
                    max: Some(if stall { 50_000_000 } else { 1_500_000 }),
                },
                errors: (i % 5 == 0) as u64,
                in_flight: 1,
            }
        })
        .collect();
    r
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn draws_four_inline_svg_charts() {
    let html = render_html(&measured(100_000, 60));
    assert_eq!(count(&html, "<svg"), 4, "one <svg per chart");
    for id in ["chart-spectrum", "chart-latency", "chart-throughput", "chart-errors"] {
        assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("ack from intended send (n=100000)"), "the spectrum has a line for acks");
    assert!(!html.contains("fill from intended send (n="), "an empty fill histogram draws no line");
}

#[test]
fn fetches_nothing_from_the_network() {
    let html = render_html(&measured(10_000, 10)).to_lowercase();
    for fetch in ["src=", "href=", "@import", "url(", "<script", "<link", "<img", "<iframe"] {
        assert_eq!(count(&html, fetch), 0, "{fetch} must not appear");
    }
    // The only URLs are the SVG namespace names, which no browser fetches.
    let urls = count(&html, "http://") + count(&html, "https://");
    assert_eq!(urls, count(&html, r#"xmlns="http://www.w3.org/2000/svg""#), "every URL is an xmlns attribute");
}

#[test]
fn escapes_text_from_the_result() {
    let mut r = measured(1_000, 3);
    r.config.template = "<script>alert('x')</script>".into();
    r.config.target = "gw&co\"<b>".into();
    r.status.sessions_lost = vec!["BLAST2: <img src=x onerror=alert(1)>".into()];
    r.sla = vec![SlaCheck { threshold: "p99<50us".into(), measured: "<1us".into(), pass: true }];
    let html = render_html(&r);
    assert!(!html.contains("<script>"), "a config string must not become markup");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("gw&amp;co&quot;&lt;b&gt;"));
    assert!(!html.contains("<img"));
    assert!(html.contains("p99&lt;50us"));
}

#[test]
fn renders_a_result_with_nothing_in_it() {
    let mut r = empty();
    r.config.closed_loop = Some(ClosedLoop { window: 4 });
    r.config.rate = None;
    r.throughput.target_orders_per_s = None;
    let html = render_html(&r);
    assert_eq!(count(&html, "<svg"), 4);
    assert!(html.contains("no latency recorded"));
    assert!(html.contains("no intervals measured"));
    assert!(html.contains("closed loop, 4 in flight per session"));
    assert!(html.contains("none (closed loop)"));
    assert!(html.contains("no --sla thresholds were given"));
}

#[test]
fn a_bad_histogram_is_reported_not_fatal() {
    let mut r = measured(1_000, 3);
    r.histograms[LatencyKind::Fill] = "not base64!".into();
    assert!(decode_histogram(&r.histograms[LatencyKind::Fill]).is_err());
    let html = render_html(&r);
    assert_eq!(count(&html, "<svg"), 4);
    assert!(html.contains("the fill from intended send histogram is left out of the spectrum"));
}

#[test]
fn intervals_without_acks_break_the_lines() {
    let mut r = measured(1_000, 20);
    for i in &mut r.intervals[5..9] {
        i.ack = IntervalAck { count: 0, p50: None, p99: None, max: None };
        i.target_per_s = None;
    }
    let html = render_html(&r);
    assert_eq!(count(&html, "<svg"), 4);
}

#[test]
fn status_and_lost_sessions_are_shown_prominently() {
    let mut r = measured(1_000, 3);
    r.status.completed = false;
    r.status.failure = Some("logon refused: MsgSeqNum too low".into());
    r.status.sessions_lost = vec!["BLAST2: connection reset".into()];
    let html = render_html(&r);
    assert!(html.contains(r#"<div class="status bad" id="status"><strong>RUN INCOMPLETE</strong> logon refused"#));
    assert!(html.contains(r#"<div class="status bad">SESSION LOST: BLAST2: connection reset</div>"#));

    let mut r = measured(1_000, 3);
    r.status.interrupted = true;
    assert!(render_html(&r).contains("<strong>INTERRUPTED</strong>"));
    assert!(render_html(&measured(1_000, 3)).contains(r#"<div class="status ok" id="status"><strong>COMPLETED"#));
}

#[test]
fn sla_results_are_coloured() {
    let mut r = measured(1_000, 3);
    r.sla = vec![
        SlaCheck { threshold: "p99<50us".into(), measured: "99.1us".into(), pass: false },
        SlaCheck { threshold: "errors<0.1%".into(), measured: "0%".into(), pass: true },
    ];
    let html = render_html(&r);
    assert!(html.contains(r#"<td class="fail">FAIL</td>"#));
    assert!(html.contains(r#"<td class="pass">PASS</td>"#));
    assert!(html.contains("1 of 2 thresholds met"));
}

#[test]
fn percentiles_with_few_observations_beyond_are_greyed() {
    // 10,000 observations: 10 beyond p99.9, 1 beyond p99.99, 0 beyond p99.999.
    let html = render_html(&measured(10_000, 3));
    assert!(html.contains("<small>10 beyond</small>"));
    assert_eq!(count(&html, r#"<td class="num few""#), 2 * 2, "p99.99 and p99.999 of ack and ack service time");
    assert!(html.contains(r#"id="few-footnote""#));
    // Labelled as round trips, never halved.
    assert!(html.contains("round trip"));
    assert!(!html.to_lowercase().contains("one-way"));
}

#[test]
fn renders_an_hour_of_intervals_quickly() {
    let r = measured(1_000_000, 3_600);
    let start = std::time::Instant::now();
    let html = render_html(&r);
    let took = start.elapsed();
    assert_eq!(count(&html, "<svg"), 4);
    // Generous for unoptimised test builds on a shared machine; release builds take a few ms.
    assert!(took < std::time::Duration::from_secs(2), "rendering 3,600 intervals took {took:?}");
    assert!(html.len() < 2 * 1024 * 1024, "the page stays small: {} bytes", html.len());
}

/// `measured` with the wire split of `--wire-timestamps` and the built-in gateway's own time.
fn with_split(gateway: bool) -> RunResult {
    let mut r = measured(1_000, 5);
    let stats = |base: u64| {
        let mut h = histogram();
        (0..1_000u64).for_each(|i| h.record(base + i * base / 100).unwrap());
        Some(Stats::of(&h))
    };
    r.latency_ns[LatencyKind::ClientOut] = stats(2_000);
    r.latency_ns[LatencyKind::Wire] = stats(15_000);
    r.latency_ns[LatencyKind::ClientIn] = stats(3_000);
    r.gateway = gateway.then(|| crate::report::json::GatewaySide {
        wire_ns: stats(9_000),
        answered: 1_000,
        wire_unstamped: 0,
        wire_anomalies: 0,
        wire_unmeasured: None,
    });
    r
}

#[test]
fn where_the_time_went_is_a_stacked_bar_per_percentile_only_with_the_wire_split() {
    let html = render_html(&with_split(true));
    assert_eq!(count(&html, "<svg"), 5, "the split is a fifth chart");
    let chart = &html[html.find(r#"id="chart-split""#).expect("the split chart")..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    for needle in ["client out", "wire less gateway", "gateway", "client in", "p50", "p90", "p99", "p99.9"] {
        assert!(chart.contains(needle), "{needle:?} in the split chart");
    }
    assert!(chart.contains("do not add up"), "the legend says the parts are each their own percentile");
    // One rectangle per part per bar: 4 parts, 4 percentiles (plotters draws <rect>).
    assert!(count(chart, "<rect") >= 16, "{}", count(chart, "<rect"));
    // Without the gateway's part: three parts, and the page says why.
    let html = render_html(&with_split(false));
    let chart = &html[html.find(r#"id="chart-split""#).unwrap()..];
    let chart = &chart[..chart.find("</figure>").unwrap()];
    assert!(chart.contains("external gateway") && !chart.contains("wire less gateway"), "{chart}");
    assert!(chart.contains("wire</span>"), "the whole wire is named as such");
    // Without --wire-timestamps: no such chart.
    assert!(!render_html(&measured(1_000, 5)).contains("chart-split"));
}
