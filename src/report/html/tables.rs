//! The HTML report's text: the status banner, headline figures, SLA results, the percentile
//! table and the count, config and host tables. Each function returns a fragment of HTML in
//! which every text taken from the result has gone through [`esc`].

use super::esc;
use crate::fix::time::civil_from_days;
use crate::metrics::LatencyKind;
use crate::report::fmt_ns;
use crate::report::json::{RunResult, Stats};
use crate::report::summary::{FEW, beyond};
use std::fmt::Write;

/// The percentiles of the table: JSON name, column heading, p.
const PERCENTILES: [(&str, f64); 6] =
    [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999), ("p99.99", 0.9999), ("p99.999", 0.99999)];

/// A latency or a dash when there is none.
fn ns(v: Option<u64>) -> String {
    v.map_or_else(|| "–".to_string(), fmt_ns)
}

/// A text or "unknown" when the result has none.
fn known(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "unknown".into())
}

/// `YYYY-MM-DD hh:mm:ss UTC` for Unix seconds (proleptic Gregorian calendar).
pub fn utc(unix_s: f64) -> String {
    if !unix_s.is_finite() || unix_s <= 0.0 {
        return "unknown".into();
    }
    let secs = unix_s as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC", rem / 3_600, rem % 3_600 / 60, rem % 60)
}

/// How the load was applied, in words.
pub fn load(r: &RunResult) -> String {
    match (&r.config.closed_loop, r.config.rate) {
        (Some(cl), _) => format!("closed loop, {} in flight per session", cl.window),
        (None, Some(rate)) => format!("open loop at {rate:.0} orders/s"),
        (None, None) => "open loop".into(),
    }
}

/// The banner: completed, interrupted or failed, sessions lost, and every warning the text
/// summary would shout, plus `notes` (charts that could not be drawn in full).
pub fn status(r: &RunResult, notes: &[String]) -> String {
    let s = &r.status;
    let mut out = String::new();
    let (class, head, detail) = if let Some(f) = &s.failure {
        ("bad", "RUN INCOMPLETE", f.clone())
    } else if s.interrupted {
        (
            "warn",
            "INTERRUPTED",
            format!("stopped early by a signal; figures cover the {:.1}s measured", r.throughput.duration_s),
        )
    } else if s.completed {
        ("ok", "COMPLETED", "measured for the whole duration and logged out cleanly".into())
    } else {
        ("warn", "NOT COMPLETED", "the run did not measure for its whole duration".into())
    };
    let _ = write!(out, r#"<div class="status {class}" id="status"><strong>{head}</strong> {}</div>"#, esc(&detail));
    let mut warnings: Vec<(&str, String)> =
        s.sessions_lost.iter().map(|l| ("bad", format!("SESSION LOST: {l}"))).collect();
    let t = &r.throughput;
    if let (Some(false), Some(target)) = (t.rate_achieved, t.target_orders_per_s) {
        let pct = 100.0 * t.orders_per_s / target.max(f64::MIN_POSITIVE);
        warnings.push((
            "warn",
            format!("TARGET RATE NOT REACHED: {:.0} orders/s, {pct:.1}% of the target", t.orders_per_s),
        ));
    }
    let o = &r.orders;
    if o.not_sent > 0 {
        warnings.push((
            "warn",
            format!("NOT SENT: {} orders due in the window never left (the harness fell behind)", o.not_sent),
        ));
    }
    if o.missing_replies > 0 {
        warnings.push((
            "warn",
            format!("MISSING REPLIES: {} orders had no ExecutionReport when the drain ended", o.missing_replies),
        ));
    }
    if o.late > 0 {
        warnings.push((
            "warn",
            format!("LATE: {} replies came after --timeout; their real latency is in every percentile", o.late),
        ));
    }
    if let Some((ns, pct)) = r.harness_share()
        && pct > crate::report::json::HARNESS_SHARE_WARN_PCT
    {
        warnings.push((
            "warn",
            format!(
                "HARNESS SHARE: the harness's own loop and calls account for about {} ({pct:.0}%) of the ack p50",
                fmt_ns(ns)
            ),
        ));
    }
    if r.messages.substituted > 0 {
        warnings.push((
            "warn",
            format!(
                "MIX NOT MET: {} cancels/replaces found no resting order and went out as new orders",
                r.messages.substituted
            ),
        ));
    }
    warnings.extend(notes.iter().map(|n| ("warn", n.clone())));
    for (class, text) in warnings {
        let _ = write!(out, r#"<div class="status {class}">{}</div>"#, esc(&text));
    }
    out
}

/// The headline figures as cards.
pub fn headline(r: &RunResult) -> String {
    let t = &r.throughput;
    let rate = match t.target_orders_per_s {
        Some(target) => format!("target {target:.0}"),
        None => "closed loop".into(),
    };
    let passed = r.sla.iter().filter(|c| c.pass).count();
    let sla = match r.sla.len() {
        0 => ("", "–".to_string(), "no --sla given".to_string()),
        n if passed == n => ("pass", "PASS".into(), format!("{n} of {n} thresholds met")),
        n => ("fail", "FAIL".into(), format!("{passed} of {n} thresholds met")),
    };
    let cards = [
        ("", "orders sent".to_string(), r.orders.sent.to_string(), format!("{} acked", r.orders.acked)),
        ("", "orders/s sent".into(), format!("{:.0}", t.orders_per_s), rate),
        ("", "ack p50 round trip".into(), ns(r.latency_ns.ack().p50), "from intended send".into()),
        ("", "ack p99 round trip".into(), ns(r.latency_ns.ack().p99), "from intended send".into()),
        (if r.errors.total > 0 { "fail" } else { "" }, "errors".into(), r.errors.total.to_string(), String::new()),
        (sla.0, "SLA".into(), sla.1, sla.2),
    ];
    let mut out = String::from(r#"<div class="cards">"#);
    for (class, title, value, sub) in cards {
        let _ = write!(
            out,
            r#"<div class="card {class}"><div class="k">{}</div><div class="v">{}</div><div class="s">{}</div></div>"#,
            esc(&title),
            esc(&value),
            esc(&sub)
        );
    }
    out.push_str("</div>");
    out
}

/// The `--sla` thresholds with what was measured, PASS in green and FAIL in red.
pub fn sla(r: &RunResult) -> String {
    let mut out = String::from(r#"<table id="sla"><caption>SLA</caption>"#);
    if r.sla.is_empty() {
        out.push_str(r#"<tr><td class="muted">no --sla thresholds were given</td></tr></table>"#);
        return out;
    }
    out.push_str(r#"<tr><th>threshold</th><th class="num">measured</th><th>result</th></tr>"#);
    for c in &r.sla {
        let (class, word) = if c.pass { ("pass", "PASS") } else { ("fail", "FAIL") };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num">{}</td><td class="{class}">{word}</td></tr>"#,
            esc(&c.threshold),
            esc(&c.measured)
        );
    }
    out.push_str("</table>");
    out
}

/// Count, min, mean, p50 … p99.999 and max for each message type, each percentile with the
/// number of observations beyond it; a percentile with fewer than [`FEW`] beyond is greyed.
pub fn percentiles(r: &RunResult) -> String {
    let rows: Vec<(&str, &Stats)> = LatencyKind::ROUND_TRIPS
        .into_iter()
        .chain(LatencyKind::HARNESS)
        .filter_map(|k| r.stats(k).map(|s| (r.label(k, true), s)))
        .collect();
    let mut out = String::from(
        r#"<table id="percentiles" class="wide"><caption>Round-trip latency</caption><tr><th>round trip</th><th class="num">count</th><th class="num">min</th><th class="num">mean</th>"#,
    );
    for (name, _) in PERCENTILES {
        let _ = write!(out, r#"<th class="num">{name}</th>"#);
    }
    out.push_str(r#"<th class="num">max</th></tr>"#);
    let mut marked = false;
    for (name, s) in rows {
        let mean = s.mean.map(|m| m.round() as u64);
        let _ = write!(
            out,
            r#"<tr><th class="row">{name}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>"#,
            s.count,
            ns(s.min),
            ns(mean)
        );
        let values = [s.p50, s.p90, s.p99, s.p99_9, s.p99_99, s.p99_999];
        for (v, (_, p)) in values.into_iter().zip(PERCENTILES) {
            let n = beyond(s.count, p);
            match v {
                None => out.push_str(r#"<td class="num muted">–</td>"#),
                Some(v) if n < FEW => {
                    marked = true;
                    let _ = write!(
                        out,
                        r#"<td class="num few" title="fewer than {FEW} observations beyond: not meaningful">{}*<small>{n} beyond</small></td>"#,
                        fmt_ns(v)
                    );
                }
                Some(v) => {
                    let _ = write!(out, r#"<td class="num">{}<small>{n} beyond</small></td>"#, fmt_ns(v));
                }
            }
        }
        let _ = write!(out, r#"<td class="num">{}</td></tr>"#, ns(s.max));
    }
    out.push_str("</table>");
    let lag = &r.schedule_lag_ns;
    let _ = write!(
        out,
        r#"<p class="note">Every latency is a full round trip from the order's send (intended or actual, as named) to its parsed reply; none is halved. "N beyond" is how many observations lie beyond the percentile (count × (1 − p)). Schedule lag (how late the generator itself sent): p50 {}, p99 {}, max {}.</p>"#,
        ns(lag.p50),
        ns(lag.p99),
        ns(lag.max)
    );
    if marked {
        let _ = write!(
            out,
            r#"<p class="note few" id="few-footnote">* fewer than {FEW} observations lie beyond this percentile: too few to mean much; run longer.</p>"#
        );
    }
    out
}

/// A two-column table of `(name, text)` rows; the texts are escaped here.
fn key_values(id: &str, caption: &str, rows: &[(&str, String)]) -> String {
    let mut out = format!(r#"<table id="{id}" class="kv"><caption>{caption}</caption>"#);
    for (k, v) in rows {
        let _ = write!(out, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(v));
    }
    out.push_str("</table>");
    out
}

/// Orders, messages by type of the mix, errors by kind and throughput.
pub fn counts(r: &RunResult) -> String {
    let o = &r.orders;
    let m = &r.messages;
    let t = &r.throughput;
    let msg = |c: &crate::report::json::MessageCounts| {
        format!("sent {}, answered {}, rejected {}", c.sent, c.answered, c.rejected)
    };
    let mut rows = vec![
        ("orders sent", o.sent.to_string()),
        ("not sent (harness behind)", o.not_sent.to_string()),
        ("acked", o.acked.to_string()),
        ("filled", o.filled.to_string()),
        ("rejected", o.rejected.to_string()),
        ("timed out", o.timed_out.to_string()),
        ("late (answered after --timeout)", o.late.to_string()),
        ("unmatched", o.unmatched.to_string()),
        ("missing replies", o.missing_replies.to_string()),
        ("new orders", msg(&m.new)),
        ("cancels", msg(&m.cancel)),
        ("replaces", msg(&m.replace)),
        ("substituted by new orders", m.substituted.to_string()),
        ("errors", r.errors.total.to_string()),
    ];
    rows.extend(r.errors.by_kind.iter().filter(|(_, n)| **n > 0).map(|(k, n)| ("", format!("{k}: {n}"))));
    if let Some(rc) = &r.reconnects {
        rows.push((
            "reconnects",
            format!(
                "{} (away at most {:.3}s, {:.3}s in all; {} orders unanswered on lost connections); {} not back",
                rc.count, rc.gap_max_s, rc.gap_total_s, rc.unanswered, rc.not_back
            ),
        ));
        rows.extend(rc.gaps.iter().map(|g| {
            let end = match (g.back_at_s, &g.not_back) {
                (Some(b), _) => format!("back at {b:.3}s after {} tries", g.tries),
                (None, why) => format!("not back: {}", why.as_deref().unwrap_or("still down")),
            };
            ("", format!("{} lost at {:.3}s, {end}", g.session, g.lost_at_s))
        }));
    }
    rows.extend([
        ("orders/s sent", format!("{:.1}", t.orders_per_s)),
        ("acks/s", format!("{:.1}", t.acks_per_s)),
        ("target orders/s", t.target_orders_per_s.map_or_else(|| "none (closed loop)".into(), |x| format!("{x:.0}"))),
        ("rate achieved", t.rate_achieved.map_or_else(|| "n/a".into(), |a| if a { "yes" } else { "NO" }.into())),
        ("measured", format!("{:.1}s", t.duration_s)),
    ]);
    key_values("counts", "Orders, messages and errors", &rows)
}

/// Every field of the run's configuration.
pub fn config(r: &RunResult) -> String {
    let c = &r.config;
    let cores = if c.cores.is_empty() {
        "not pinned".to_string()
    } else {
        c.cores.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
    };
    let mut rows = vec![
        ("target", c.target.clone()),
        ("built-in gateway", if c.builtin_gateway { "yes" } else { "no" }.into()),
        ("gateway backend", c.gateway_backend.clone().unwrap_or_else(|| "–".into())),
        ("sessions", c.sessions.to_string()),
        ("threads", c.threads.to_string()),
        ("cores", cores),
        ("backend", c.backend.clone()),
        ("backend options", c.backend_options.clone()),
        ("poll", c.poll.clone()),
        ("load", load(r)),
        ("profile", c.profile.clone()),
        ("duration", format!("{}s", c.duration_s)),
        ("warm-up", format!("{}s", c.warmup_s)),
        ("timeout", format!("{}s", c.timeout_s)),
        ("template", c.template.clone()),
        ("orders feed", c.orders.clone().map_or_else(|| "–".into(), |f| format!("{f} ({} rows)", c.orders_rows))),
        ("mix", if c.mix.is_empty() { "–".into() } else { c.mix.clone() }),
        ("SenderCompID", c.sender_comp_id.clone()),
        ("TargetCompID", c.target_comp_id.clone()),
    ];
    if let Some(f) = &c.gateway_faults {
        rows.push(("gateway faults", f.clone()));
    }
    if let Some(rc) = &c.reconnect {
        rows.push(("reconnect", format!("{} tries, first after {}s", rc.tries, rc.backoff_s)));
    }
    key_values("config", "Configuration", &rows)
}

/// The host facts that may distort a number.
pub fn host(r: &RunResult) -> String {
    let h = &r.host;
    let rows = [
        ("kernel", known(&h.kernel)),
        ("CPU", known(&h.cpu_model)),
        ("cores", h.cores.to_string()),
        ("TSC", h.tsc_hz.map_or_else(|| "unknown".into(), |hz| format!("{:.3} GHz", hz as f64 / 1e9))),
        ("clocksource", known(&h.clocksource)),
        ("isolated cores", h.isolated_cores.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "none".into())),
        ("governor", known(&h.governor)),
        ("io_uring", known(&h.io_uring)),
    ];
    key_values("host", "Host", &rows)
}

/// With `--runs N`: each run's ack percentiles and how much they varied.
pub fn runs(r: &RunResult) -> String {
    let Some(runs) = &r.runs else { return String::new() };
    let mut out = format!(
        r#"<table id="runs" class="wide"><caption>Ack round trip over {} runs</caption><tr><th>statistic</th><th>min</th><th>median</th><th>max</th><th>CV</th><th>each run</th></tr>"#,
        runs.count
    );
    for (name, v) in &runs.ack {
        let each = v.values.iter().map(|x| ns(*x)).collect::<Vec<_>>().join(" · ");
        let cv = v.cv_pct.map_or_else(|| "–".into(), |c| format!("{c:.1}%"));
        let _ = write!(
            out,
            r#"<tr><th class="row">{}</th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td>{}</td></tr>"#,
            esc(name),
            ns(v.min),
            ns(v.median),
            ns(v.max),
            cv,
            esc(&each)
        );
    }
    out.push_str("</table>");
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_seconds_read_as_utc_dates() {
        assert_eq!(super::utc(0.0), "unknown");
        assert_eq!(super::utc(1.7e9), "2023-11-14 22:13:20 UTC");
        assert_eq!(super::utc(951_782_400.0), "2000-02-29 00:00:00 UTC");
    }
}
