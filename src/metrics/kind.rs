//! The latency kinds a run measures, in one list, and [`PerKind`], an array indexed by them.
//!
//! Every per-kind thing (worker histograms, interval rows, the result's `latency_ns` and
//! `histograms` sections, the interval log's tags, summary and HTML rows, `--sla` names,
//! `compare` metrics) is a [`PerKind`] or a loop over one of the lists below. Adding a kind
//! is a line in [`LatencyKind`], its [`About`] and the lists it belongs to; the compiler finds
//! every `match` that must say more.

use std::ops::{Index, IndexMut};

/// One latency a worker records. The order is the order of the result file's `histograms`
/// section; [`LatencyKind::ROUND_TRIPS`] gives the order of `latency_ns`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LatencyKind {
    /// First ExecutionReport, from the order's intended send time (coordinated-omission free).
    Ack,
    /// First ExecutionReport, from the actual send time.
    AckService,
    /// Fill (150=2 or 39=2), from the new order's intended send time.
    Fill,
    /// How late the generator sent: actual minus intended send time.
    ScheduleLag,
    /// Cancel answered (150=4 or 35=9), from the cancel's intended send time.
    Cancel,
    /// Replace answered (150=5 or 35=9), from the replace's intended send time.
    Replace,
    /// The harness's own loop period: time between two receive calls of a worker, i.e.
    /// between two polls of the same connection.
    Loop,
    /// The harness's send call: from the send timestamp to the write or submit returning.
    SendCall,
    /// The harness's receive call that returned data: from the call to its return.
    RecvCall,
    /// Acks of warm-up orders: shown live, never in results.
    WarmupAck,
    /// `--wire-timestamps`: first reply, from the kernel's stamp of the send that carried the
    /// order's last byte to its stamp of the read that brought the reply's last byte. Both
    /// stamps are the kernel's realtime clock: no conversion between clocks.
    Wire,
    /// `--wire-timestamps`: the harness's send stamp (TSC, as realtime) to the order's
    /// kernel send stamp: what the harness and the kernel's send path add before the wire.
    ClientOut,
    /// `--wire-timestamps`: the reply's kernel receive stamp to the harness's receive stamp
    /// (TSC, as realtime): what the kernel's receive path and the harness add after the wire.
    ClientIn,
}

/// What is said about a kind where it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// The result file's field (`latency_ns.<name>`, `histograms.<name>`) and interval-log tag.
    pub name: &'static str,
    /// In the summary table and `compare`: `ack (intended send)`.
    pub label: &'static str,
    /// In the HTML report's percentile table.
    pub long: &'static str,
    /// In the HTML report's spectrum legend.
    pub legend: &'static str,
    /// The `--sla` prefix (`fill.p99<1ms`); `ack` is also the default with no prefix.
    pub sla: Option<&'static str>,
    /// Never null in `latency_ns` (the others are null when nothing of the kind was measured).
    pub always: bool,
    /// Added to the schema after its first version: files from before have no entry, so
    /// an empty `histograms.<name>` is allowed.
    pub added_later: bool,
    /// Measured only with `--wire-timestamps`: absent from `latency_ns` without it (so a
    /// result without stays what it was), null with it when not trusted.
    pub wire: bool,
}

impl LatencyKind {
    pub const COUNT: usize = 13;
    /// Every kind, in [`PerKind`] index order.
    pub const ALL: [LatencyKind; Self::COUNT] = [
        LatencyKind::Ack,
        LatencyKind::AckService,
        LatencyKind::Fill,
        LatencyKind::ScheduleLag,
        LatencyKind::Cancel,
        LatencyKind::Replace,
        LatencyKind::Loop,
        LatencyKind::SendCall,
        LatencyKind::RecvCall,
        LatencyKind::WarmupAck,
        LatencyKind::Wire,
        LatencyKind::ClientOut,
        LatencyKind::ClientIn,
    ];
    /// The round trips: the result's `latency_ns`, the interval log, summary, HTML and compare
    /// rows, in that order.
    pub const ROUND_TRIPS: [LatencyKind; 5] =
        [LatencyKind::Ack, LatencyKind::AckService, LatencyKind::Fill, LatencyKind::Cancel, LatencyKind::Replace];
    /// Where a reply's time went, with `--wire-timestamps`: out of the harness, on the wire
    /// (and in the gateway), back into the harness.
    pub const WIRE: [LatencyKind; 3] = [LatencyKind::ClientOut, LatencyKind::Wire, LatencyKind::ClientIn];
    /// The result's `latency_ns`, in that order: the round trips, then the wire split.
    pub const LATENCY_NS: [LatencyKind; 8] = [
        LatencyKind::Ack,
        LatencyKind::AckService,
        LatencyKind::Fill,
        LatencyKind::Cancel,
        LatencyKind::Replace,
        LatencyKind::Wire,
        LatencyKind::ClientOut,
        LatencyKind::ClientIn,
    ];
    /// The harness's own costs: the result's `harness` section, in that order.
    pub const HARNESS: [LatencyKind; 3] = [LatencyKind::Loop, LatencyKind::SendCall, LatencyKind::RecvCall];
    /// What the result file keeps a histogram of (`histograms`), in file order. The wire
    /// kinds are there only when they have samples (`--wire-timestamps`), so that `merge`
    /// and `--runs` can add them; a result without stays what it was.
    pub const KEPT: [LatencyKind; 12] = [
        LatencyKind::Ack,
        LatencyKind::AckService,
        LatencyKind::Fill,
        LatencyKind::ScheduleLag,
        LatencyKind::Cancel,
        LatencyKind::Replace,
        LatencyKind::Loop,
        LatencyKind::SendCall,
        LatencyKind::RecvCall,
        LatencyKind::Wire,
        LatencyKind::ClientOut,
        LatencyKind::ClientIn,
    ];

    pub const fn about(self) -> About {
        const fn a(name: &'static str, label: &'static str, long: &'static str, legend: &'static str) -> About {
            About { name, label, long, legend, sla: None, always: false, added_later: false, wire: false }
        }
        match self {
            LatencyKind::Ack => About {
                sla: Some("ack"),
                always: true,
                ..a("ack", "ack (intended send)", "ack, from intended send", "ack from intended send")
            },
            LatencyKind::AckService => About {
                sla: Some("service"),
                always: true,
                ..a(
                    "ack_service",
                    "ack (actual send)",
                    "ack service time, from actual send",
                    "ack service time (actual send)",
                )
            },
            LatencyKind::Fill => About {
                sla: Some("fill"),
                ..a("fill", "fill (intended send)", "fill, from intended send", "fill from intended send")
            },
            LatencyKind::ScheduleLag => a("schedule_lag", "schedule lag", "schedule lag", "schedule lag"),
            LatencyKind::Cancel => About {
                sla: Some("cancel"),
                added_later: true,
                ..a("cancel", "cancel (intended send)", "cancel, from intended send", "cancel from intended send")
            },
            LatencyKind::Replace => About {
                sla: Some("replace"),
                added_later: true,
                ..a("replace", "replace (intended send)", "replace, from intended send", "replace from intended send")
            },
            LatencyKind::Loop => About {
                added_later: true,
                ..a("loop_ns", "harness loop period", "harness loop period, between two polls", "harness loop")
            },
            LatencyKind::SendCall => About {
                added_later: true,
                ..a("send_call_ns", "harness send call", "harness send call, stamp to return", "harness send call")
            },
            LatencyKind::RecvCall => About {
                added_later: true,
                ..a("recv_call_ns", "harness recv call", "harness receive call that returned data", "harness recv call")
            },
            LatencyKind::WarmupAck => a("warmup_ack", "ack (warm-up)", "ack during warm-up", "ack during warm-up"),
            LatencyKind::Wire => About {
                wire: true,
                ..a("wire", "wire (kernel to kernel)", "wire: kernel send stamp to kernel receive stamp", "wire")
            },
            LatencyKind::ClientOut => About {
                wire: true,
                ..a("client_out", "client out", "client out: harness send stamp to kernel send stamp", "client out")
            },
            LatencyKind::ClientIn => About {
                wire: true,
                ..a("client_in", "client in", "client in: kernel receive stamp to harness receive stamp", "client in")
            },
        }
    }

    /// The result file's field name and interval-log tag.
    pub const fn name(self) -> &'static str {
        self.about().name
    }

    /// The kind a result field or interval-log tag names.
    pub fn from_name(name: &str) -> Option<LatencyKind> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Measured orders only: everything but the warm-up acks goes into a run's totals.
    pub const fn measured(self) -> bool {
        !matches!(self, LatencyKind::WarmupAck)
    }
}

/// One `T` per [`LatencyKind`], indexed by it.
#[derive(Debug, Clone, PartialEq)]
pub struct PerKind<T>(pub [T; LatencyKind::COUNT]);

impl<T> PerKind<T> {
    pub fn from_fn(mut f: impl FnMut(LatencyKind) -> T) -> PerKind<T> {
        PerKind(LatencyKind::ALL.map(&mut f))
    }

    /// Each kind with its value, in index order.
    pub fn iter(&self) -> impl Iterator<Item = (LatencyKind, &T)> {
        LatencyKind::ALL.into_iter().zip(self.0.iter())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (LatencyKind, &mut T)> {
        LatencyKind::ALL.into_iter().zip(self.0.iter_mut())
    }

    pub fn map<U>(&self, mut f: impl FnMut(LatencyKind, &T) -> U) -> PerKind<U> {
        PerKind::from_fn(|k| f(k, &self[k]))
    }
}

impl<T> Index<LatencyKind> for PerKind<T> {
    type Output = T;
    #[inline]
    fn index(&self, k: LatencyKind) -> &T {
        &self.0[k as usize]
    }
}

impl<T> IndexMut<LatencyKind> for PerKind<T> {
    #[inline]
    fn index_mut(&mut self, k: LatencyKind) -> &mut T {
        &mut self.0[k as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_indexes_its_own_slot_and_names_itself() {
        for (i, k) in LatencyKind::ALL.iter().enumerate() {
            assert_eq!(*k as usize, i, "{k:?}");
            assert_eq!(LatencyKind::from_name(k.name()), Some(*k));
        }
        let names: std::collections::HashSet<_> = LatencyKind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), LatencyKind::COUNT, "names are unique");
    }

    #[test]
    fn the_lists_hold_measured_kinds_in_file_order() {
        assert!(LatencyKind::KEPT.iter().chain(&LatencyKind::ROUND_TRIPS).all(|k| k.measured()));
        assert!(LatencyKind::KEPT.windows(2).all(|w| w[0] < w[1]));
        assert!(LatencyKind::ROUND_TRIPS.iter().chain(&LatencyKind::HARNESS).all(|k| LatencyKind::KEPT.contains(k)));
        assert!(LatencyKind::WIRE.iter().all(|k| k.about().wire && LatencyKind::LATENCY_NS.contains(k)));
        assert_eq!(LatencyKind::LATENCY_NS.iter().filter(|k| !k.about().wire).count(), LatencyKind::ROUND_TRIPS.len());
    }

    #[test]
    fn per_kind_maps_and_indexes() {
        let mut p = PerKind::from_fn(|k| k as usize * 10);
        p[LatencyKind::Fill] += 1;
        assert_eq!(p[LatencyKind::Fill], 21);
        let names = p.map(|k, v| format!("{}={v}", k.name()));
        assert_eq!(names[LatencyKind::Ack], "ack=0");
        assert_eq!(p.iter().count(), LatencyKind::COUNT);
    }
}
