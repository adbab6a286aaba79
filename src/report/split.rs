//! "Where the time went" as bars (`--wire-timestamps`): for each of a few percentiles, the
//! parts of a round trip stacked: client out, wire less the gateway's own time, the
//! gateway's own time (the built-in gateway's `gateway.wire_ns`), client in.
//!
//! Each part is that part's own percentile: the p99 bar stacks the p99 of client out, of the
//! wire and so on, which may come from different orders. Percentiles of parts do not add up
//! to the percentile of the whole, so a bar is not one order's decomposition (and "wire less
//! gateway" is the difference of two percentiles, 0 when the gateway's is the larger).
//!
//! It owns turning figures into bars; the TUI and the HTML report draw them.

use super::json::{RunResult, Stats};
use crate::metrics::LatencyKind;

/// The parts of a bar, in stacking order.
pub const PARTS: [&str; 4] = ["client out", "wire less gateway", "gateway", "client in"];

/// The percentiles shown, one bar each.
pub const PERCENTILES: [(&str, f64); 4] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999)];

/// What every chart of the bars says with them.
pub const CAVEAT: &str = "each part's own percentile, stacked: parts do not add up to the round trip's percentile";

/// One bar: its percentile's label and the parts in ns (`None`: not measured).
pub type Bar = (&'static str, [Option<u64>; 4]);

/// The bars from each part's value at each of [`PERCENTILES`] (`gateway` all `None` when
/// unknown): the wire's part outside the gateway is the wire's value less the gateway's.
pub fn bars(
    out: [Option<u64>; 4],
    wire: [Option<u64>; 4],
    gateway: [Option<u64>; 4],
    back: [Option<u64>; 4],
) -> Vec<Bar> {
    PERCENTILES
        .iter()
        .enumerate()
        .map(|(i, &(label, _))| {
            let outside = match gateway[i] {
                Some(g) => wire[i].map(|w| w.saturating_sub(g)),
                None => wire[i],
            };
            (label, [out[i], outside, gateway[i], back[i]])
        })
        .collect()
}

/// A distribution's value at each of [`PERCENTILES`].
pub fn of_stats(s: Option<&Stats>) -> [Option<u64>; 4] {
    let s = |f: fn(&Stats) -> Option<u64>| s.and_then(f);
    [s(|s| s.p50), s(|s| s.p90), s(|s| s.p99), s(|s| s.p99_9)]
}

/// The bars of a result with the wire split (`latency_ns.wire`); `None` without one.
pub fn of_result(r: &RunResult) -> Option<Vec<Bar>> {
    let wire = r.latency_ns.get(LatencyKind::Wire)?;
    let gateway = r.gateway.as_ref().and_then(|g| g.wire_ns.as_ref());
    Some(bars(
        of_stats(r.latency_ns.get(LatencyKind::ClientOut)),
        of_stats(Some(wire)),
        of_stats(gateway),
        of_stats(r.latency_ns.get(LatencyKind::ClientIn)),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_is_cut_out_of_the_wire_and_never_below_0() {
        let v = |a: u64| [Some(a), Some(2 * a), Some(10 * a), None];
        let b = bars(v(10), v(100), [Some(60), Some(300), None, None], v(20));
        assert_eq!(b[0], ("p50", [Some(10), Some(40), Some(60), Some(20)]));
        assert_eq!(b[1], ("p90", [Some(20), Some(0), Some(300), Some(40)]), "the gateway's p90 above the wire's");
        assert_eq!(b[2], ("p99", [Some(100), Some(1000), None, Some(200)]), "no gateway: the whole wire");
        assert_eq!(b[3], ("p99.9", [None; 4]));
    }
}
