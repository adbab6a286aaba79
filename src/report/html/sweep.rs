//! The sweep page (`fixblast report --sweep summary.csv --html F`, written by
//! `scripts/sweep.sh`): ack p50/p99 and the achieved rate across the sweep, one line per
//! combination of threads, sessions and cores, over the target rate.

use super::{CSS, charts, esc, figure};
use crate::csv_lines::{Lines, field};
use std::collections::BTreeMap;
use std::fmt::Write;

/// One point of a sweep, as `scripts/sweep.sh` writes it to `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    /// `T<threads> S<sessions> C<cores>`: the line it belongs to.
    pub series: String,
    pub rate: f64,
    pub achieved: Option<f64>,
    pub rate_achieved: Option<bool>,
    pub p50_ns: Option<u64>,
    pub p99_ns: Option<u64>,
    pub errors: Option<u64>,
}

const HEADER: &str =
    "threads,sessions,cores,rate,achieved_per_s,rate_achieved,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,exit,json";

/// Parses `summary.csv`; errors name the file, line and what is wrong.
pub fn parse_csv(text: &str, file: &str) -> Result<Vec<SweepPoint>, String> {
    match text.lines().next() {
        Some(h) if h.trim() == HEADER => {}
        _ => return Err(format!("{file}:1: not a sweep summary; expected the header {HEADER}")),
    }
    // The cores column is quoted (it may hold commas).
    let mut lines = Lines::quoted(text.as_bytes());
    let mut record = csv::ByteRecord::new();
    let mut header = true;
    let mut out = Vec::new();
    while lines.read(&mut record).map_err(|e| format!("{file}: {e}"))? {
        // The fields of a `&str`, split at ASCII bytes: UTF-8 still, so nothing is lost.
        let f = |i: usize| String::from_utf8_lossy(field(&record, i));
        // The first row is the header, checked above.
        if std::mem::take(&mut header) || (record.len() == 1 && f(0).trim().is_empty()) {
            continue;
        }
        let bad = |what: &str| {
            format!("{file}:{}: {what}: {:?}", lines.line(&record), String::from_utf8_lossy(lines.text_of(&record)))
        };
        if record.len() != 12 {
            return Err(bad("expected 12 columns"));
        }
        let num = |i: usize| if f(i).is_empty() { Ok(None) } else { f(i).parse::<f64>().map(Some) };
        let int = |i: usize| if f(i).is_empty() { Ok(None) } else { f(i).parse::<u64>().map(Some) };
        let rate = f(3).parse::<f64>().map_err(|_| bad("bad rate"))?;
        let cores = f(2);
        out.push(SweepPoint {
            series: format!(
                "T{} S{}{}",
                f(0),
                f(1),
                if cores.is_empty() { String::new() } else { format!(" C{cores}") }
            ),
            rate,
            achieved: num(4).map_err(|_| bad("bad achieved_per_s"))?,
            rate_achieved: match &*f(5) {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            p50_ns: int(6).map_err(|_| bad("bad ack_p50_ns"))?,
            p99_ns: int(7).map_err(|_| bad("bad ack_p99_ns"))?,
            errors: int(9).map_err(|_| bad("bad errors"))?,
        });
    }
    Ok(out)
}

/// The sweep as one self-contained page: latency and achieved rate over the target rate, and
/// a table of every point.
pub fn render_sweep_html(points: &[SweepPoint], title: &str) -> String {
    let mut by_series: BTreeMap<&str, Vec<&SweepPoint>> = BTreeMap::new();
    for p in points {
        by_series.entry(&p.series).or_default().push(p);
    }
    let mut latency = Vec::new();
    let mut rate = Vec::new();
    for (name, pts) in &by_series {
        let line =
            |f: &dyn Fn(&SweepPoint) -> Option<f64>| pts.iter().filter_map(|p| f(p).map(|v| (p.rate, v))).collect();
        latency.push((format!("{name} ack p50"), line(&|p| p.p50_ns.map(|v| v as f64 / 1e3))));
        latency.push((format!("{name} ack p99"), line(&|p| p.p99_ns.map(|v| v as f64 / 1e3))));
        rate.push((format!("{name} achieved"), line(&|p| p.achieved)));
        rate.push((format!("{name} target"), line(&|p| Some(p.rate))));
    }
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>fixblast sweep: {t}</title><style>{CSS}</style></head>
<body><main>
<header><h1>fixblast sweep: {t}</h1><p class="sub">{} point(s) in {} series; every latency is a full round trip, never halved</p></header>
<div class="grid" id="charts">"#,
        points.len(),
        by_series.len(),
        t = esc(title),
    );
    figure(
        &mut out,
        "chart-sweep-latency",
        "Ack round trip across the sweep",
        "p50 (solid) and p99 (dashed) of the ack round trip from the intended send time, per target rate.",
        charts::sweep(&latency, true, "round trip (log scale)"),
    );
    figure(
        &mut out,
        "chart-sweep-rate",
        "Achieved rate across the sweep",
        "Orders per second sent (solid) against the target (dashed). A rate sweep stops at the first point under 99%.",
        charts::sweep(&rate, false, "orders/s"),
    );
    out.push_str(r#"</div><div class="panel"><h3>Points</h3><table><tr><th>series</th><th>target/s</th><th>achieved/s</th><th>rate achieved</th><th>ack p50</th><th>ack p99</th><th>errors</th></tr>"#);
    let ns = |v: Option<u64>| v.map_or("–".into(), crate::report::fmt_ns);
    for p in points {
        let _ = write!(
            out,
            "<tr><td>{}</td><td>{:.0}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.series),
            p.rate,
            p.achieved.map_or("–".into(), |a| format!("{a:.0}")),
            if p.rate_achieved == Some(false) { "fail" } else { "pass" },
            p.rate_achieved.map_or("–", |a| if a { "yes" } else { "no" }),
            ns(p.p50_ns),
            ns(p.p99_ns),
            p.errors.map_or("–".into(), |e| e.to_string()),
        );
    }
    out.push_str("</table></div><footer>fixblast sweep · this file is self-contained and fetches nothing.</footer></main></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str =
        "threads,sessions,cores,rate,achieved_per_s,rate_achieved,ack_p50_ns,ack_p99_ns,ack_max_ns,errors,exit,json
1,1,\"\",10000,10000,true,15000,40000,90000,0,0,s/p1.json
1,1,\"\",20000,20000,true,16000,52000,99000,0,0,s/p2.json
1,2,\"2,3\",10000,9000,false,25000,80000,99000,3,0,s/p3.json
1,2,\"2,3\",20000,,,,,,,3,s/p4.json
";

    #[test]
    fn a_summary_parses_into_series() {
        let p = parse_csv(CSV, "summary.csv").unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[0].series, "T1 S1");
        assert_eq!(p[2].series, "T1 S2 C2,3");
        assert_eq!((p[2].rate_achieved, p[2].errors), (Some(false), Some(3)));
        assert_eq!((p[3].achieved, p[3].p50_ns), (None, None));
    }

    #[test]
    fn bad_summaries_name_file_and_line() {
        assert!(parse_csv("x,y\n", "s.csv").unwrap_err().starts_with("s.csv:1: not a sweep summary"));
        let bad = format!("{HEADER}\n1,1,\"\",fast,1,true,1,1,1,0,0,x\n");
        assert!(parse_csv(&bad, "s.csv").unwrap_err().starts_with("s.csv:2: bad rate"));
    }

    #[test]
    fn the_page_has_both_charts_and_every_point() {
        let html = render_sweep_html(&parse_csv(CSV, "summary.csv").unwrap(), "<demo>");
        assert_eq!(html.matches("<svg").count(), 2);
        assert!(html.contains("&lt;demo&gt;") && !html.contains("<demo>"));
        assert_eq!(html.matches("<tr><td>").count(), 4);
        assert!(html.contains("T1 S2 C2,3 ack p99"));
    }
}
