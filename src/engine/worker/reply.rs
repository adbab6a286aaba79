//! What a reply means. The `Recorder` matches an ExecutionReport or OrderCancelReject to its
//! order through the ClOrdID (which names the run, the session and the pending slot: another
//! run's ClOrdID is unmatched), classifies it
//! (ack, fill, cancel, replace, reject, a reply to nothing), records its latency and frees or
//! keeps the slot; `handle_event` maps the session's events to error kinds. A session Reject
//! (by the MsgSeqNum in 45) or a BusinessMessageReject (by the ClOrdID in 379, else 45) that
//! names an order in flight answers it: counted under its own kind, never also timed out.
//!
//! It owns the counters and histograms of the interval in progress. It must not touch the
//! transport, decide what to send or read the clock: the caller stamps each reply and passes
//! the time in, which is what lets the tests drive it without sockets on a virtual clock. Per
//! reply it must not allocate, lock or format (`handle_event` formats only the reason a
//! session failed).

use super::Sess;
use super::reconnect::Ended;
use crate::engine::Shared;
use crate::engine::pending::{Pending, Resting, Slot};
use crate::engine::wire_clock::WireClock;
use crate::fix::clordid::Stem;
use crate::fix::parse::{Msg, MsgType};
use crate::fix::session::{Event, ProtocolError};
use crate::fix::template::Kind;
use crate::fix::version::{ExecReport, FixVersion};
use crate::metrics::{Counts, ErrorKind, Histograms, LatencyKind, record};
use crate::transport::wire;
use quanta::Clock;
use std::sync::atomic::Ordering;

/// Measurements in progress: the part of the worker that the reply handler writes to.
pub(super) struct Recorder {
    pub(super) hists: Box<Histograms>,
    pub(super) counts: Counts,
    pub(super) warm: Counts,
    pub(super) warmup_end_ns: u64,
    /// Actual send time of the latest measured order.
    pub(super) last_sent_ns: u64,
    /// When the first order left (0: none yet); see `Snapshot::first_sent_ns`.
    pub(super) first_sent_ns: u64,
    /// Measured orders sent so far (for `--count`).
    pub(super) sent_total: u64,
    /// What this run's ClOrdIDs start with: a reply naming another is unmatched.
    stem: Stem,
    /// `--wire-timestamps`: the TSC on the kernel's realtime clock, placed afresh every
    /// [`RECALIBRATE_NS`](crate::engine::wire_clock::RECALIBRATE_NS) by the worker.
    pub(super) wire_clock: Option<WireClock>,
    /// `--wire-timestamps hardware`: the kernel stamps are the NIC's, on its own clock: the
    /// wire time stands (both stamps on that clock), the client split is not taken.
    pub(super) wire_on_phc: bool,
    /// The version the sessions speak, whose rules say what an ExecutionReport reports.
    pub(super) version: FixVersion,
}

/// Where a reply sits among its connection's kernel stamps (`--wire-timestamps`).
#[derive(Debug, Clone, Copy)]
pub(super) struct WireAt<'a> {
    pub(super) stamps: &'a wire::Conn,
    /// The offset of the reply's last byte in the connection's stream.
    pub(super) last: u64,
}

impl Recorder {
    /// Nothing recorded yet, into `hists`, for replies to ClOrdIDs that start with `stem`.
    /// Until the start sets `warmup_end_ns`, every error counts as warm-up.
    pub(super) fn new(hists: Box<Histograms>, stem: Stem) -> Recorder {
        Recorder {
            hists,
            counts: Counts::default(),
            warm: Counts::default(),
            warmup_end_ns: u64::MAX,
            last_sent_ns: 0,
            first_sent_ns: 0,
            sent_total: 0,
            stem,
            wire_clock: None,
            wire_on_phc: false,
            version: FixVersion::Fix42,
        }
    }

    #[inline]
    pub(super) fn phase(&mut self, warmup: bool) -> &mut Counts {
        if warmup { &mut self.warm } else { &mut self.counts }
    }

    /// The run ended, after its drain, with no reply to this order: it timed out, and its
    /// reply is missing.
    #[inline]
    pub(super) fn timed_out(&mut self, slot: &Slot) {
        let c = self.phase(slot.warmup);
        c.error(ErrorKind::TimedOut);
        c.missing += 1;
    }

    #[inline]
    pub(super) fn error_at(&mut self, ns: u64, kind: ErrorKind) {
        let warm = ns < self.warmup_end_ns;
        self.phase(warm).error(kind);
    }

    /// An application message arrived on session `index`, stamped `now_raw` (TSC) and
    /// `now_ns` (since the run's epoch) by the caller; `clock` converts TSC deltas. With
    /// `--wire-timestamps`, `wire` says where it sits among its connection's kernel stamps.
    // The session's parts come one by one: its `Session` is busy delivering `msg`.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    pub(super) fn on_app(
        &mut self,
        clock: &Clock,
        now_raw: u64,
        now_ns: u64,
        pending: &mut Pending,
        resting: &mut Resting,
        index: u16,
        msg: &Msg,
        raw: &[u8],
        wire: Option<WireAt<'_>>,
    ) {
        if msg.msg_type == MsgType::BusinessMessageReject {
            return self.business_reject(now_ns, pending, index, msg, raw);
        }
        let cancel_reject = msg.msg_type == MsgType::OrderCancelReject;
        if msg.msg_type != MsgType::ExecutionReport && !cancel_reject {
            self.error_at(now_ns, ErrorKind::UnexpectedMessage);
            return;
        }
        // Another run's ClOrdID (another tag) or another client's is not ours.
        let id = match self.stem.parse(msg.cl_ord_id.get(raw)) {
            Some(id) if id.session == index => id,
            _ => return self.error_at(now_ns, ErrorKind::Unmatched),
        };
        let Some(slot) = pending.get_mut(id.slot, id.pack()) else {
            // A reply to an order the end of the run counted as timed out (it came during
            // the logout): that order is counted once, there. Anything else is unknown.
            if pending.timed_out(id.slot, id.pack()) {
                return;
            }
            return self.error_at(now_ns, ErrorKind::Unmatched);
        };
        let s = *slot;
        // Read by the version's rules: a fill is 150=2 in 4.2, 150=F with 39=2 in 4.4.
        let report = self.version.exec_report(msg.exec_type, msg.ord_status);
        // A 35=9 often carries 39=2 ("too late: filled"): that is not a fill.
        let filled = !cancel_reject && (report == ExecReport::Fill || msg.ord_status == b'2');
        let rejected = report == ExecReport::Rejected || cancel_reject;
        let terminal = filled || rejected || report.is_terminal();
        if s.acked {
            // A later report for an order already answered: a fill, or the end of it.
            if filled {
                self.latency(&s, now_raw, now_ns, clock, LatencyKind::Fill);
            }
            if terminal {
                pending.finish(id.slot);
            }
            return;
        }
        let answer = match s.kind {
            Kind::New if cancel_reject => return self.error_at(now_ns, ErrorKind::UnexpectedMessage),
            Kind::New => LatencyKind::Ack,
            // Only the answer to the request counts; a pending-cancel (150=6) or
            // pending-replace (150=E) is not one.
            Kind::Cancel if rejected || report == ExecReport::Canceled => LatencyKind::Cancel,
            Kind::Replace if rejected || report == ExecReport::Replaced => LatencyKind::Replace,
            Kind::Cancel | Kind::Replace => return,
        };
        let counts = self.phase(s.warmup);
        // Answered after --timeout: late, matched, and its latency is the real one.
        counts.late += s.overdue as u64;
        let kc = &mut counts.by_kind[s.kind as usize];
        kc.answered += 1;
        kc.rejected += rejected as u64;
        if rejected
            && s.kind != Kind::New
            && let Some(orig) = self.stem.parse(msg.orig_cl_ord_id.get(raw)).filter(|o| o.session == index)
        {
            // The amend was refused: the order it named may still rest. It goes back on the
            // list, which keeps it only while its slot says it rests.
            resting.push(orig.pack(), s.order);
        }
        if rejected && s.kind == Kind::New {
            self.phase(s.warmup).error(ErrorKind::Rejected);
            pending.finish(id.slot);
            return;
        }
        if self.latency(&s, now_raw, now_ns, clock, answer) && !s.warmup {
            self.wire(&s, now_raw, clock, wire);
        }
        let rests = match s.kind {
            Kind::New => !terminal,
            Kind::Replace => !rejected,
            Kind::Cancel => false,
        };
        if rests {
            // At the gateway under this ClOrdID: a cancel or replace may amend it, and its
            // fill still matches until the slot is reused.
            pending.ack(id.slot);
            resting.push(s.id, s.order);
        } else {
            pending.finish(id.slot);
        }
        if filled {
            self.latency(&s, now_raw, now_ns, clock, LatencyKind::Fill);
        }
    }

    /// A BusinessMessageReject: counted, and the order it names, by its ClOrdID (379) or
    /// else its MsgSeqNum (45), is answered by it.
    #[cold]
    fn business_reject(&mut self, now_ns: u64, pending: &mut Pending, index: u16, msg: &Msg, raw: &[u8]) {
        let by_id = self
            .stem
            .parse(msg.business_reject_ref_id.get(raw))
            .filter(|id| id.session == index)
            .and_then(|id| pending.get_mut(id.slot, id.pack()).filter(|s| !s.acked).map(|s| (id.slot, *s)));
        match by_id.or_else(|| pending.unanswered_with_seq(msg.ref_seq)) {
            Some((slot, s)) => self.refused(pending, slot, s, ErrorKind::BusinessReject),
            None => self.error_at(now_ns, ErrorKind::BusinessReject),
        }
    }

    /// A session Reject (35=3) with RefSeqNum `ref_seq`, at `now_ns`: counted, and when it
    /// names an order still unanswered, that order is answered by it.
    #[cold]
    pub(super) fn session_reject(&mut self, now_ns: u64, pending: &mut Pending, ref_seq: u32) {
        match pending.unanswered_with_seq(ref_seq) {
            Some((slot, s)) => self.refused(pending, slot, s, ErrorKind::SessionReject),
            None => self.error_at(now_ns, ErrorKind::SessionReject),
        }
    }

    /// The order `s` in `slot` was refused by a reject that is not an ExecutionReport: it
    /// is answered and refused (late if overdue), counted under `kind` in its own phase, and
    /// its slot is freed. No latency: a refusal is not an ack.
    fn refused(&mut self, pending: &mut Pending, slot: u32, s: Slot, kind: ErrorKind) {
        let c = self.phase(s.warmup);
        c.error(kind);
        c.late += s.overdue as u64;
        let kc = &mut c.by_kind[s.kind as usize];
        kc.answered += 1;
        kc.rejected += 1;
        pending.finish(slot);
    }

    /// Where a measured first reply's time went (`--wire-timestamps`): the kernel's stamp of
    /// the send that carried the order's last byte, and of the read that brought the reply's
    /// last byte. A stamp not found is counted, never guessed; a difference at or below 0 is
    /// counted, never recorded.
    #[inline]
    fn wire(&mut self, s: &Slot, now_raw: u64, clock: &Clock, at: Option<WireAt<'_>>) {
        let (Some(at), Some(wc)) = (at, self.wire_clock) else { return };
        let c = &mut self.counts;
        let (Some(tx), Some((read_end, rx))) = (at.stamps.tx.find(s.last_byte), at.stamps.rx.covering(at.last)) else {
            c.wire_unstamped += 1;
            return;
        };
        let h = &mut self.hists;
        let Some(on_wire) = rx.checked_sub(tx).filter(|&d| d > 0) else {
            c.wire_anomalies += 1;
            return;
        };
        record(&mut h[LatencyKind::Wire], on_wire, c);
        // Its read went on past it: the stamp is that read's last segment's, maybe not its own.
        c.wire_shared_reads += (read_end > at.last) as u64;
        if self.wire_on_phc {
            return;
        }
        // The harness's stamps, on the realtime clock, from the worker's latest placement.
        let to_ns = |a, b| clock.delta_as_nanos(a, b);
        let (sent, got) = (wc.realtime_of(s.sent_raw, to_ns), wc.realtime_of(now_raw, to_ns));
        match (tx.checked_sub(sent).filter(|&d| d > 0), got.checked_sub(rx).filter(|&d| d > 0)) {
            (Some(out), Some(back)) => {
                record(&mut h[LatencyKind::ClientOut], out, c);
                record(&mut h[LatencyKind::ClientIn], back, c);
            }
            _ => c.client_anomalies += 1,
        }
    }

    /// Records the reply's latency of `kind`. False when it could not (a clock anomaly).
    #[inline]
    fn latency(&mut self, s: &Slot, now_raw: u64, now_ns: u64, clock: &Clock, kind: LatencyKind) -> bool {
        let counts = if s.warmup { &mut self.warm } else { &mut self.counts };
        // quanta gives 0 when end <= start: an anomaly, never a 0 ns latency.
        let from_intended = now_ns.checked_sub(s.intended_ns).filter(|&d| d > 0);
        let Some(lat) = from_intended else {
            counts.error(ErrorKind::ClockAnomaly);
            return false;
        };
        let h = &mut self.hists;
        match kind {
            LatencyKind::Ack => {
                counts.acked += 1;
                if s.warmup {
                    record(&mut h[LatencyKind::WarmupAck], lat, counts);
                    return true;
                }
                record(&mut h[LatencyKind::Ack], lat, counts);
                match clock.delta_as_nanos(s.sent_raw, now_raw) {
                    0 => counts.error(ErrorKind::ClockAnomaly),
                    svc => record(&mut h[LatencyKind::AckService], svc, counts),
                }
            }
            LatencyKind::Fill => {
                counts.filled += 1;
                // A fill's latency runs from its new order; one after a replace has none.
                if !s.warmup && s.kind == Kind::New {
                    record(&mut h[LatencyKind::Fill], lat, counts);
                }
            }
            LatencyKind::Cancel | LatencyKind::Replace => {
                counts.acked += 1;
                if !s.warmup {
                    record(&mut h[kind], lat, counts);
                }
            }
            LatencyKind::AckService
            | LatencyKind::ScheduleLag
            | LatencyKind::Loop
            | LatencyKind::SendCall
            | LatencyKind::RecvCall
            | LatencyKind::WarmupAck
            | LatencyKind::Wire
            | LatencyKind::ClientOut
            | LatencyKind::ClientIn => {
                unreachable!("a reply completes an ack, fill, cancel or replace")
            }
        }
        true
    }
}

/// The first session Reject in words (cold: once per run): "s1: MsgSeqNum 17 rejected,
/// SessionRejectReason 18 (invalid or unsupported application version): <Text>", `text`
/// being the Reject's Text as `handle_event` quotes it.
#[cold]
fn session_reject_text(s: &Sess, ref_seq: u32, reason: Option<u32>, text: String) -> String {
    let version = s.session.version();
    let why = match reason {
        None => "no SessionRejectReason".to_string(),
        Some(code) => match version.reject_reason_name(code) {
            Some(name) => format!("SessionRejectReason {code} ({name})"),
            None => format!("SessionRejectReason {code} (not defined in FIX {version})"),
        },
    };
    format!("{}: MsgSeqNum {ref_seq} rejected, {why}{text}", s.name)
}

/// Acts on one session event. Returns how the session ended when the event ends it: the
/// caller decides whether that fails the run, loses the session or, with `--reconnect`,
/// connects again.
pub(super) fn handle_event(e: Event, s: &mut Sess, shared: &Shared, recorder: &mut Recorder, ns: u64) -> Option<Ended> {
    let text = || {
        let t = String::from_utf8_lossy(s.session.text()).into_owned();
        if t.is_empty() { String::new() } else { format!(": {t:?}") }
    };
    match e {
        Event::LoggedOn => {}
        Event::LogonRejected => {
            return Some(Ended::LogonFailed(format!("{}: the gateway refused the logon{}", s.name, text())));
        }
        Event::LogonUnusable => {
            return Some(Ended::LogonFailed(format!(
                "{}: the gateway's Logon reply cannot be used, so fixblast logged out{}",
                s.name,
                text()
            )));
        }
        Event::LogonTimeout => {
            let secs = s.session.logon_timeout_ns() as f64 / 1e9;
            let seen = s.session.before_logon();
            return Some(Ended::LogonFailed(format!(
                "{}: no Logon reply from the gateway within {secs}s ({seen})",
                s.name
            )));
        }
        // Reported where the transport says how the connection ended (`step`).
        Event::ClosedBeforeLogon => {}
        Event::LoggedOut { by_peer: true, .. } => {
            if !shared.stop.load(Ordering::Acquire) {
                recorder.error_at(ns, ErrorKind::Disconnected);
                return Some(Ended::Lost(format!("{}: the gateway logged out during the run{}", s.name, text())));
            }
        }
        Event::LoggedOut { by_peer: false, .. } => {}
        Event::ResendRequested { .. } => recorder.phase(ns < recorder.warmup_end_ns).resend_requests += 1,
        Event::GapFillSent { .. } => {}
        Event::PeerTimeout => {
            recorder.error_at(ns, ErrorKind::Disconnected);
            return Some(Ended::Lost(format!("{}: the gateway stopped answering (no reply to TestRequest)", s.name)));
        }
        Event::Error(ProtocolError::SessionReject { ref_seq, reason }) => {
            if shared.first_session_reject.get().is_none() {
                let _ = shared.first_session_reject.set(session_reject_text(s, ref_seq, reason, text()));
            }
            recorder.session_reject(ns, &mut s.pending, ref_seq)
        }
        Event::Error(pe) => recorder.error_at(
            ns,
            match pe {
                ProtocolError::Garbled(crate::fix::parse::FrameError::BadChecksum { .. }) => ErrorKind::BadChecksum,
                ProtocolError::Garbled(_) => ErrorKind::Garbled,
                ProtocolError::Unparseable(_) => ErrorKind::Unparseable,
                ProtocolError::SeqGap { .. } => ErrorKind::SeqGap,
                ProtocolError::SeqTooLow { .. } => ErrorKind::SeqTooLow,
                ProtocolError::SessionReject { .. } => ErrorKind::SessionReject,
                ProtocolError::Duplicate { .. } => ErrorKind::Duplicate,
                ProtocolError::NotLoggedOn | ProtocolError::UnexpectedLogon => ErrorKind::SessionProtocol,
            },
        ),
    }
    None
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
