//! The time series: exactly one row per interval of the measurement, the last one as long as
//! what was left of the measurement, and never a trailing row in which nothing was measured
//! (before, a race made most runs end with an extra row at rate 0, after the drain).

use super::run;

crate::on_every_backend!(the_series_has_one_row_per_interval_whatever_the_duration_and_profile);

const INTERVAL_MS: u64 = 200;

fn the_series_has_one_row_per_interval_whatever_the_duration_and_profile(backend: &[&str]) {
    // 1 to 5 whole intervals, and one duration that ends half-way through an interval.
    for duration_ms in [200u64, 400, 600, 800, 1000, 500] {
        let constant = "5000".to_string();
        let ramp = format!("ramp:2000..8000/{duration_ms}ms");
        for (flag, load) in [("--rate", &constant), ("--profile", &ramp)] {
            // Twice: the race this guards against was timing-dependent.
            for _ in 0..2 {
                let duration = format!("{duration_ms}ms");
                let mut args = vec!["--duration", &duration, "--warmup", "0s", "--interval", "200ms"];
                args.extend_from_slice(&["--poll", "yield", "--quiet", flag, load]);
                args.extend_from_slice(backend);
                let out = run(&args).unwrap();
                check(&out.result, duration_ms, &format!("{flag} {load} --duration {duration}"));
            }
        }
    }
}

fn check(r: &fixblast::report::json::RunResult, duration_ms: u64, what: &str) {
    assert!(r.status.completed, "{what}: {:?}", r.status);
    let rows = &r.intervals;
    let whole = duration_ms / INTERVAL_MS;
    let part_ms = duration_ms % INTERVAL_MS;
    let expect = whole + (part_ms > 0) as u64;
    let shape: Vec<_> = rows.iter().map(|i| (i.t_s, i.length_s, i.orders_per_s.round())).collect();
    assert_eq!(rows.len() as u64, expect, "{what}: {shape:?}");
    for (k, i) in rows.iter().enumerate() {
        let last = k + 1 == rows.len();
        let len_ms = if last && part_ms > 0 { part_ms } else { INTERVAL_MS };
        let len_s = len_ms as f64 / 1e3;
        assert_eq!(i.length_s, Some(len_s), "{what}: row {k}: {shape:?}");
        let end_s = (k as u64 * INTERVAL_MS + len_ms) as f64 / 1e3;
        assert!((i.t_s - end_s).abs() < 1e-9, "{what}: row {k} ends at {} not {end_s}: {shape:?}", i.t_s);
    }
    // Every order sent is in exactly one row.
    let in_rows: f64 = rows.iter().map(|i| i.orders_per_s * i.length_s.unwrap()).sum();
    assert_eq!(in_rows.round() as u64, r.orders.sent, "{what}: {shape:?}");
    // An order moves to a later row than the one it was due in only when it was sent late,
    // or leaves the rows when the window closed before it went (`not_sent`, counted), so a
    // row can be short of its target by at most what the schedule lag and those explain. A
    // row at rate 0 after the drain, or a row measured over the wrong length, is not.
    let lag_s = r.schedule_lag_ns.max.unwrap_or(0) as f64 / 1e9;
    let unsent = r.orders.not_sent as f64;
    for (k, i) in rows.iter().enumerate() {
        let target = i.target_per_s.expect("open loop has a target per row");
        let len_s = i.length_s.unwrap();
        let moved = (8000.0 * lag_s).ceil() + 1.0 + unsent;
        let floor = 0.99 * target * len_s - moved;
        assert!(
            i.orders_per_s * len_s >= floor,
            "{what}: row {k} sent {:.0} of {:.0} due, more than a lag of {lag_s}s and {unsent} unsent explain: {shape:?}",
            i.orders_per_s * len_s,
            target * len_s
        );
    }
}
