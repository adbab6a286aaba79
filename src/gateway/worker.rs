//! One gateway thread: busy-polls its connections, answers orders.

use super::inject::{self, ConnFaults, Verdict};
use super::wire::{Marks, WAITING, Waiting, WireTally};
use super::{Common, GatewayConfig};
use crate::fix::FixVersion;
use crate::fix::encode::{Encoder, write_u64};
use crate::fix::parse::{Frame, Msg, MsgType, frame_as};
use crate::fix::session::{Event, Session, SessionConfig, State};
use crate::fix::tag;
use crate::fix::time::TimestampCache;
use crate::random::Random;
use crate::transport::list::ConnList;
use crate::transport::{ConnId, OutBuf, Transport, TransportConfig};
use crossbeam_channel::Receiver;
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Input bytes taken per byte of send-buffer room: an order (about 150 bytes) may bring two
/// reports of about 250 bytes each.
const ANSWER_RATIO: usize = 4;

/// The most input a connection's inbox holds: orders are small and the gateway reads only
/// what it can answer, so an inbox need not grow past 64 KiB, and a thousand connections
/// hold at most 64 MiB, not 1 GiB. A message longer than this ends its connection.
const INBOX_MAX: usize = 64 << 10;

/// Connections one gateway thread serves.
const MAX_CONNS: usize = 1024;

/// Connections without new bytes whose timers a turn runs (heartbeats, logout timeouts).
const TIMER_WINDOW: usize = 8;

struct Conn {
    id: ConnId,
    session: Session,
    orders: u64,
    exec_ids: u64,
    /// A reply could not be queued: the connection is closed rather than left with a gap.
    lost_reply: bool,
    /// Its inbox is full of one message the gateway will never take whole: closed.
    too_long: bool,
    /// What the gateway's faults do on this connection; `None` without fault flags, and
    /// then nothing here differs from a gateway that has no faults.
    faults: Option<Box<ConnFaults>>,
    /// With `wire`: the answers waiting for their send's kernel stamp.
    wire: Option<Box<Waiting>>,
}

/// The seed of the reject ratio's draws: fixed, so runs are reproducible.
const REJECT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;

fn utc_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0)
}

/// Text (58) of the answer to a ClOrdID seen before.
const DUPLICATE_TEXT: &[u8] = b"duplicate ClOrdID";

pub(super) fn run<T: Transport>(
    cfg: &GatewayConfig,
    incoming: Receiver<TcpStream>,
    stop: &AtomicBool,
    common: &Common,
) -> WireTally {
    let tc = TransportConfig {
        uring_recv: cfg.uring_recv,
        uring_sqpoll: cfg.uring_sqpoll,
        uring_napi_us: cfg.uring_napi_us,
        recv_max: INBOX_MAX,
        wire: cfg.wire,
        ..TransportConfig::for_conns(MAX_CONNS)
    };
    let mut tally = WireTally::default();
    let mut t = match T::new(tc) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("gateway: cannot create the {} transport: {e}", T::NAME);
            return tally;
        }
    };
    // Indexed by the transport's connection id (a released id is reused).
    let mut conns: Vec<Option<Conn>> = Vec::new();
    // The connections to serve this turn: those that brought bytes or closed, those with
    // input left over (backpressure), and new ones. Of the others, a rotating window of
    // TIMER_WINDOW a turn has its timers run: a turn's cost follows the active connections.
    let mut ready = ConnList::with_capacity(MAX_CONNS);
    let mut again = ConnList::with_capacity(MAX_CONNS);
    // With `wire`: the connections with answers waiting for their send's stamp.
    let mut waiting = ConnList::with_capacity(MAX_CONNS);
    let mut timer_cursor = 0usize;
    let mut open = 0usize;
    let mut scratch = vec![0u8; 2048];
    let mut ts = TimestampCache::default();
    let mut rng = Random::new(REJECT_SEED);
    let mut server =
        Server { cfg, common, scratch: &mut scratch, ts: &mut ts, rng: &mut rng, tally: &mut tally, wire_from: 0 };
    while !stop.load(Ordering::Relaxed) {
        let mut progress = false;
        while let Ok(stream) = incoming.try_recv() {
            match t.add(stream) {
                Ok(id) => {
                    // A backend that keeps no stamps measures nothing, and says so.
                    let stamped = cfg.wire && t.inbox_wire(id).1.is_some();
                    server.tally.unsupported |= cfg.wire && !stamped;
                    if conns.len() <= id {
                        conns.resize_with(id + 1, || None);
                    }
                    conns[id] = Some(Conn {
                        id,
                        session: Session::new(
                            SessionConfig { version: cfg.version, ..SessionConfig::acceptor() },
                            utc_now(),
                        ),
                        orders: 0,
                        exec_ids: 0,
                        lost_reply: false,
                        too_long: false,
                        faults: (!cfg.faults.is_none()).then(|| Box::new(ConnFaults::new(&cfg.faults))),
                        wire: stamped.then(|| Box::new(Waiting::with_capacity(WAITING))),
                    });
                    open += 1;
                    ready.insert(id);
                }
                Err(e) => eprintln!("gateway: cannot take a connection: {e}"),
            }
        }
        // The gateway's clock is the system clock (vDSO, no syscall); it only stamps
        // SendingTime and drives heartbeats.
        let now = if open > 0 { utc_now() } else { 0 };
        // Requests read from then on are measured (`Gateway::measure_from`): once a turn.
        server.wire_from = common.wire_from.load(Ordering::Relaxed);
        let n = conns.len().max(1);
        let window = TIMER_WINDOW.min(conns.len());
        let first = timer_cursor % n;
        timer_cursor = (first + window) % n;
        for k in (first..first + window).map(|k| k % n) {
            if conns[k].is_some() {
                ready.insert(k);
            }
        }
        let ids = ready.take();
        for &id in &ids {
            let Some(c) = conns[id].as_mut() else { continue };
            let (served, left_over, done) = server.serve(&mut t, c, now);
            progress |= served;
            if left_over {
                again.insert(id);
            }
            if c.wire.as_ref().is_some_and(|w| w.waits()) {
                waiting.insert(id);
            }
            if done {
                t.poll();
                if let Some(w) = c.wire.as_deref_mut() {
                    w.abandon(server.tally);
                }
                // Frees the slot for the next connection: a gateway may serve any number.
                t.release(id);
                conns[id] = None;
                open -= 1;
            }
        }
        ready.keep(ids, |_| false);
        std::mem::swap(&mut ready, &mut again);
        // Read before write; every connection that brought bytes or closed is served next turn.
        progress |= t.recv_each(|id| ready.insert(id));
        // The receive took the stamps of the sends before it off the error queues.
        if !waiting.is_empty() {
            let ids = waiting.take();
            waiting.keep(ids, |id| {
                let (Some(w), (_, Some(stamps))) =
                    (conns[id].as_mut().and_then(|c| c.wire.as_deref_mut()), t.inbox_wire(id))
                else {
                    return false;
                };
                w.settle(stamps, server.tally)
            });
        }
        progress |= t.send();
        if !progress {
            cfg.poll.idle();
        }
    }
    for c in conns.iter_mut().flatten() {
        t.close(c.id);
        if let Some(w) = c.wire.as_deref_mut() {
            w.abandon(&mut tally);
        }
    }
    tally
}

/// What serving a connection needs besides the connection.
struct Server<'a> {
    cfg: &'a GatewayConfig,
    common: &'a Common,
    scratch: &'a mut Vec<u8>,
    ts: &'a mut TimestampCache,
    rng: &'a mut Random,
    /// With `wire`: what the thread measured.
    tally: &'a mut WireTally,
    /// Requests read at or after this (UTC ns) are measured.
    wire_from: u64,
}

impl Server<'_> {
    /// Answers what `c` sent, runs its timers and queues what its session sends. Returns
    /// whether anything happened, whether the connection must be served again next turn
    /// (input left over because the send buffer could not take the answers, which is
    /// backpressure; or replies held or stalled by a fault), and whether it is done.
    fn serve<T: Transport>(&mut self, t: &mut T, c: &mut Conn, now: u64) -> (bool, bool, bool) {
        let Server { cfg, common, scratch, ts, rng, tally, wire_from } = self;
        if c.faults.as_ref().is_some_and(|f| f.stalled(now)) {
            // Neither read nor write, timers included, until the stall ends.
            return (false, true, t.closed(c.id).is_some());
        }
        let mut progress = false;
        let (inbox, out) = t.bufs(c.id);
        if let Some(f) = c.faults.as_deref_mut() {
            progress |= f.release(out, now);
        }
        let mut left_over = false;
        if !inbox.is_empty() {
            // Take only as much input as the send buffer can answer: an order may bring two
            // reports, each longer than itself. The rest waits in the socket (backpressure).
            let data = inbox.data();
            let room = c.faults.as_ref().map_or(out.room(), |f| f.room(&cfg.faults, out));
            // `slow-read` takes less: the rest waits in the inbox, then in the socket.
            let allowed = c.faults.as_deref_mut().map_or(usize::MAX, |f| f.read_allowance(now, data, cfg.version));
            let take = data.len().min(room / ANSWER_RATIO).min(allowed);
            left_over = take < data.len();
            // With `wire`, from the measure's start: where each request ends in the stream.
            let wire = c.wire.as_deref_mut().filter(|_| now >= *wire_from).map(|waiting| Marks {
                base: data.as_ptr() as usize,
                len: data.len(),
                consumed: inbox.consumed(),
                waiting,
                tally,
            });
            let mut a = Answerer {
                cfg,
                common,
                scratch,
                ts,
                rng,
                out,
                now,
                orders: &mut c.orders,
                exec_ids: &mut c.exec_ids,
                lost: &mut c.lost_reply,
                faults: c.faults.as_deref_mut(),
                wire,
            };
            let used = match cfg.faults.stall {
                Some(_) => until_stall(&mut c.session, &mut a, &data[..take]),
                None => c.session.on_bytes(now, &data[..take], |s, m, r| a.request(s, m, r)),
            };
            inbox.consume(used);
            if let Some(f) = c.faults.as_deref_mut() {
                f.read(used);
            }
            progress |= used > 0;
            // An inbox full at its bound that the session cannot take a byte of holds the
            // start of a message longer than the gateway reads: it never completes, and with
            // the inbox full the transport reads no further, so not even the client's close
            // would be seen. The connection would be held for ever: drop it.
            c.too_long |=
                used == 0 && inbox.is_full() && matches!(frame_as(inbox.data(), cfg.version), Frame::NeedMore);
            if c.too_long {
                eprintln!(
                    "gateway: a message longer than the {INBOX_MAX} bytes the gateway reads; closing the connection"
                );
            }
            if let Some(text) = &cfg.faults.refuse_logon {
                c.session.refuse_logon(now, text.as_bytes());
            }
            // A Logon in another version: answered with a Logout that names both.
            c.session.refuse_other_version(now);
        }
        if let Some(due) = c.session.poll_timeout()
            && now >= due
        {
            c.session.on_timeout(now);
        }
        while c.session.has_transmit() && out.room() >= scratch.len() {
            match c.session.poll_transmit(now, scratch) {
                Ok(Some(n)) => match c.faults.as_deref_mut() {
                    Some(f) => f.pass(out, now, &scratch[..n]),
                    None => out.push(&scratch[..n]),
                },
                _ => break,
            };
        }
        while let Some(e) = c.session.poll_event() {
            match e {
                Event::GapFillSent { .. } => {
                    common.gap_fills.fetch_add(1, Ordering::Release);
                }
                Event::Error(_) => {
                    common.protocol_errors.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
        if c.lost_reply {
            eprintln!("gateway: could not queue an ExecutionReport (send buffer full); closing the connection");
        }
        // The stamps of the reads that brought this turn's requests, before the next
        // receive forgets them.
        if let (Some(w), (_, Some(stamps))) = (c.wire.as_deref_mut(), t.inbox_wire(c.id)) {
            w.find_rx(stamps);
        }
        let over_limit = cfg.disconnect_after.is_some_and(|n| c.orders >= n) || c.lost_reply || c.too_long;
        let held = c.faults.as_ref().is_some_and(|f| !f.is_empty());
        let ended = c.session.state() == State::Closed && !c.session.has_transmit() && !held;
        left_over |= c.faults.as_ref().is_some_and(|f| f.busy(now));
        (progress, left_over, over_limit || t.closed(c.id).is_some() || ended)
    }
}

/// Hands `data` to the session one message at a time, and stops when a stall begins: the
/// orders behind it stay unread until it ends. Returns the bytes used.
fn until_stall(session: &mut Session, a: &mut Answerer<'_, '_>, data: &[u8]) -> usize {
    let mut used = 0;
    while !a.faults.as_ref().is_some_and(|f| f.stalled(a.now)) {
        let n = match frame_as(&data[used..], session.version()) {
            Frame::Message { len } => len,
            Frame::Error { skip, .. } => skip,
            Frame::NeedMore => break,
        };
        used += session.on_bytes(a.now, &data[used..used + n], |s, m, r| a.request(s, m, r));
    }
    used
}

/// What answering one connection's requests needs, for one turn: the thread's parts and
/// the connection's counters (its session is busy delivering the requests).
struct Answerer<'s, 'c> {
    cfg: &'s GatewayConfig,
    common: &'s Common,
    scratch: &'s mut Vec<u8>,
    ts: &'s mut TimestampCache,
    rng: &'s mut Random,
    out: &'c mut OutBuf,
    now: u64,
    orders: &'c mut u64,
    exec_ids: &'c mut u64,
    lost: &'c mut bool,
    faults: Option<&'c mut ConnFaults>,
    wire: Option<Marks<'c, 's>>,
}

impl Answerer<'_, '_> {
    /// Answers an order, cancel or replace in `msg`, on `session`, unless a fault drops or
    /// refuses it; ignores the rest.
    fn request(&mut self, session: &mut Session, msg: &Msg, raw: &[u8]) {
        let request = match msg.msg_type {
            MsgType::NewOrderSingle => Request::New,
            MsgType::Other([b'F', 0]) => Request::Cancel,
            MsgType::Other([b'G', 0]) => Request::Replace,
            _ => return,
        };
        // Exactly N answered orders, however many arrived in one read.
        if self.cfg.disconnect_after.is_some_and(|n| *self.orders >= n) {
            return;
        }
        if !self.cfg.version.takes_appl_ver_id(msg.appl_ver_id.get(raw)) {
            self.reject_appl_ver(session, msg);
            return;
        }
        *self.orders += 1;
        let (kinds, duplicate) = self.kinds(request, msg.cl_ord_id.get(raw));
        let (faults, now) = (&self.cfg.faults, self.now);
        match self.faults.as_deref_mut().map_or(Verdict::Answer, |f| f.on_order(faults, now)) {
            Verdict::Answer => self.answer(session, kinds, duplicate, msg, raw),
            Verdict::Drop => {}
            refusal => self.refuse(session, refusal, msg, raw),
        }
    }

    /// The reports that answer `request` with ClOrdID `id`, and whether that ClOrdID was
    /// seen before (on any connection: every request carries a new one of its own).
    fn kinds(&mut self, request: Request, id: &[u8]) -> (&'static [ExecKind], bool) {
        let (cfg, common) = (self.cfg, self.common);
        let duplicate =
            common.seen.as_ref().is_some_and(|seen| !seen.lock().unwrap_or_else(|e| e.into_inner()).insert(id));
        common.duplicates.fetch_add(duplicate as u64, Ordering::Relaxed);
        let reject = duplicate || (cfg.reject_ratio > 0.0 && self.rng.unit() < cfg.reject_ratio);
        // Stateless: every cancel and replace is taken to name a live order.
        let kinds: &'static [ExecKind] = match (request, reject) {
            (Request::New, true) => &[ExecKind::Rejected],
            (Request::New, false) if cfg.fill => &[ExecKind::New, ExecKind::Fill],
            (Request::New, false) => &[ExecKind::New],
            (Request::Cancel, false) => &[ExecKind::Canceled],
            (Request::Replace, false) => &[ExecKind::Replaced],
            (Request::Cancel, true) => &[ExecKind::CancelRejected],
            (Request::Replace, true) => &[ExecKind::ReplaceRejected],
        };
        (kinds, duplicate)
    }

    /// Sends `kinds`, the reports that answer the request in `msg`: straight into the send
    /// buffer, or through the connection's faults.
    fn answer(&mut self, session: &mut Session, kinds: &[ExecKind], duplicate: bool, msg: &Msg, raw: &[u8]) {
        let Answerer { cfg, scratch, ts, out, now, orders, exec_ids, lost, faults, wire, .. } = self;
        let time = ts.get(*now);
        for (i, &kind) in kinds.iter().enumerate() {
            let before = out.pushed();
            **exec_ids += 1;
            let answer = Answer { order_id: **orders, exec_id: **exec_ids, kind, duplicate, resend: false };
            let encode = |s: &Session, seq, resend, buf: &mut [u8]| {
                exec_report(s, seq, time, Answer { resend, ..answer }, msg, raw, buf)
            };
            let pushed = match faults.as_deref_mut() {
                None => {
                    let seq = session.take_app_seq(*now);
                    encode(session, seq, false, scratch).is_ok_and(|n| out.push(&scratch[..n]))
                }
                Some(f) => {
                    let report = !matches!(kind, ExecKind::CancelRejected | ExecKind::ReplaceRejected);
                    f.reply(&cfg.faults, session, (&mut **out, *now), scratch, report, encode)
                }
            };
            // Never a silent gap: a reply that cannot be sent ends the connection.
            **lost |= !pushed;
            if i == 0
                && let Some(w) = wire.as_mut()
            {
                w.answered(raw, (out.pushed() > before).then(|| out.pushed()));
            }
        }
    }

    /// Refuses the request in `msg` with a session Reject or a BusinessMessageReject.
    fn refuse(&mut self, session: &mut Session, refusal: Verdict, msg: &Msg, raw: &[u8]) {
        let Answerer { cfg, scratch, ts, out, now, lost, faults, .. } = self;
        let Some(f) = faults.as_deref_mut() else { return };
        let time = ts.get(*now);
        let at = (&mut **out, *now);
        let sent = match refusal {
            Verdict::SessionReject => f.reply(&cfg.faults, session, at, scratch, false, |s, seq, _, buf| {
                inject::session_reject(s, (seq, time), msg, None, buf)
            }),
            Verdict::BusinessReject => f.reply(&cfg.faults, session, at, scratch, false, |s, seq, _, buf| {
                inject::business_reject(s, seq, time, (msg, raw), buf)
            }),
            Verdict::Answer | Verdict::Drop => true,
        };
        **lost |= !sent;
    }

    /// Refuses a request in an application version the gateway does not speak: a session
    /// Reject with FIXT.1.1's SessionRejectReason 18, "invalid or unsupported application
    /// version". Not a fault: sent straight, whatever the faults.
    #[cold]
    fn reject_appl_ver(&mut self, session: &mut Session, msg: &Msg) {
        let time = self.ts.get(self.now);
        let seq = session.take_app_seq(self.now);
        let reason =
            Some((18, b"unsupported ApplVerID (1128): this gateway speaks FIX 5.0, 5.0 SP1 and 5.0 SP2".as_slice()));
        let sent = inject::session_reject(session, (seq, time), msg, reason, self.scratch)
            .is_ok_and(|n| self.out.push(&self.scratch[..n]));
        *self.lost |= !sent;
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Request {
    New,
    Cancel,
    Replace,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ExecKind {
    New,
    Fill,
    Rejected,
    /// 150=4 for an OrderCancelRequest.
    Canceled,
    /// 150=5 for an OrderCancelReplaceRequest.
    Replaced,
    /// OrderCancelReject (35=9), CxlRejResponseTo 1 or 2.
    CancelRejected,
    ReplaceRejected,
}

/// What one reply says.
#[derive(Clone, Copy)]
struct Answer {
    order_id: u64,
    exec_id: u64,
    kind: ExecKind,
    /// A rejection because the ClOrdID was seen before: says so in its reason and Text.
    duplicate: bool,
    /// Sent again as a possible duplicate (`--dup-every`), as an engine resends a message:
    /// the same MsgSeqNum, PossDupFlag (43) Y, OrigSendingTime (122) the first SendingTime.
    resend: bool,
}

/// The answer to the order, cancel or replace in `msg`: an ExecutionReport, or an
/// OrderCancelReject, with what the session's version (4.2, or 4.4 and later) requires of each.
fn exec_report(
    session: &Session,
    seq: u32,
    time: &[u8],
    answer: Answer,
    msg: &Msg,
    raw: &[u8],
    buf: &mut [u8],
) -> Result<usize, crate::fix::encode::Overflow> {
    let Answer { order_id, exec_id, kind, duplicate, resend } = answer;
    let qty = nonempty(msg.order_qty.get(raw), b"0");
    let price = nonempty(msg.price.get(raw), b"0");
    let version = session.version();
    let mut e = Encoder::for_version(buf, version);
    let header = |e: &mut Encoder<'_>, msg_type: &[u8]| {
        e.field(tag::MSG_TYPE, msg_type);
        e.field(tag::SENDER_COMP_ID, session.sender());
        e.field(tag::TARGET_COMP_ID, session.target());
        e.field_u64(tag::MSG_SEQ_NUM, seq as u64);
        if resend {
            e.field(tag::POSS_DUP_FLAG, b"Y");
        }
        e.field(tag::SENDING_TIME, time);
        if resend {
            e.field(tag::ORIG_SENDING_TIME, time);
        }
    };
    let mut d = [0u8; 20];
    if let ExecKind::CancelRejected | ExecKind::ReplaceRejected = kind {
        header(&mut e, b"9");
        e.field(tag::ORDER_ID, write_u64(order_id, &mut d));
        e.field(tag::CL_ORD_ID, msg.cl_ord_id.get(raw));
        e.field(tag::ORIG_CL_ORD_ID, nonempty(msg.orig_cl_ord_id.get(raw), b"NONE"));
        e.field(tag::ORD_STATUS, b"0");
        e.field(tag::CXL_REJ_RESPONSE_TO, if kind == ExecKind::CancelRejected { b"1" } else { b"2" });
        // FIX 4.2 has no CxlRejReason for a duplicate ClOrdID (4.3's 6): "broker option".
        let dup_reason: &[u8] = if version == FixVersion::Fix42 { b"2" } else { b"6" };
        e.field(tag::CXL_REJ_REASON, if duplicate { dup_reason } else { b"0" });
        if duplicate {
            e.field(tag::TEXT, DUPLICATE_TEXT);
        }
        return e.finish();
    }
    let [exec_type, status, leaves, cum, avg]: [&[u8]; 5] = match kind {
        ExecKind::New => [b"0", b"0", qty, b"0", b"0"],
        // FIX 4.4 reports every trade as ExecType F (Trade); OrdStatus says it is whole.
        ExecKind::Fill if version == FixVersion::Fix42 => [b"2", b"2", b"0", qty, price],
        ExecKind::Fill => [b"F", b"2", b"0", qty, price],
        ExecKind::Rejected => [b"8", b"8", b"0", b"0", b"0"],
        ExecKind::Canceled => [b"4", b"4", b"0", b"0", b"0"],
        ExecKind::Replaced => [b"5", b"5", qty, b"0", b"0"],
        ExecKind::CancelRejected | ExecKind::ReplaceRejected => unreachable!("answered above"),
    };
    header(&mut e, b"8");
    e.field(tag::ORDER_ID, write_u64(order_id, &mut d));
    e.field(tag::CL_ORD_ID, msg.cl_ord_id.get(raw));
    if matches!(kind, ExecKind::Canceled | ExecKind::Replaced) {
        e.field(tag::ORIG_CL_ORD_ID, nonempty(msg.orig_cl_ord_id.get(raw), b"NONE"));
    }
    e.field(tag::EXEC_ID, write_u64(exec_id, &mut d));
    if version == FixVersion::Fix42 {
        // Required in 4.2; 4.4 removed the field.
        e.field(tag::EXEC_TRANS_TYPE, b"0");
    }
    e.field(tag::EXEC_TYPE, exec_type);
    e.field(tag::ORD_STATUS, status);
    if kind == ExecKind::Rejected {
        // 6: "duplicate order".
        e.field(tag::ORD_REJ_REASON, if duplicate { b"6" } else { b"0" });
    }
    e.field(tag::SYMBOL, nonempty(msg.symbol.get(raw), b"?"));
    e.field(tag::SIDE, nonempty(msg.side.get(raw), b"1"));
    e.field(tag::ORDER_QTY, qty);
    if kind == ExecKind::Fill {
        e.field(tag::LAST_SHARES, qty);
        e.field(tag::LAST_PX, price);
    }
    e.field(tag::LEAVES_QTY, leaves);
    e.field(tag::CUM_QTY, cum);
    e.field(tag::AVG_PX, avg);
    if duplicate {
        e.field(tag::TEXT, DUPLICATE_TEXT);
    }
    e.finish()
}

fn nonempty<'a>(v: &'a [u8], default: &'a [u8]) -> &'a [u8] {
    if v.is_empty() { default } else { v }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::parse::{frame_as, parse};
    use crate::fix::{printable, readable};

    /// The report of `kind` the gateway sends in `version` for a limit order.
    fn report(version: FixVersion, kind: ExecKind) -> String {
        let session = Session::new(SessionConfig { version, ..SessionConfig::acceptor() }, 0);
        let order = readable("35=D|34=3|11=C1|55=ACME|54=1|38=100|40=2|44=10.25|");
        let msg = parse(&order).expect("the order parses");
        let answer = Answer { order_id: 7, exec_id: 9, kind, duplicate: false, resend: false };
        let mut buf = [0u8; 512];
        let n = exec_report(&session, 2, b"20240102-03:04:05.678", answer, &msg, &order, &mut buf).expect("fits");
        assert_eq!(frame_as(&buf[..n], version), Frame::Message { len: n }, "{}", printable(&buf[..n]));
        printable(&buf[..n])
    }

    #[test]
    fn a_fix44_fill_is_a_trade_with_what_44_requires_and_no_exec_trans_type() {
        let r = report(FixVersion::Fix44, ExecKind::Fill);
        assert!(r.starts_with("8=FIX.4.4|"), "{r}");
        for field in ["|37=7|", "|11=C1|", "|17=9|", "|150=F|", "|39=2|", "|55=ACME|", "|54=1|", "|151=0|", "|14=100|"]
        {
            assert!(r.contains(field), "{field} in {r}");
        }
        assert!(r.contains("|6=10.25|") && r.contains("|32=100|31=10.25|"), "{r}");
        assert!(!r.contains("|20="), "4.4 has no ExecTransType: {r}");
        let msg = parse(&readable(&r)).unwrap();
        assert_eq!(FixVersion::Fix44.exec_report(msg.exec_type, msg.ord_status), crate::fix::version::ExecReport::Fill);
    }

    #[test]
    fn a_fix42_fill_is_exec_type_2_with_exec_trans_type() {
        let r = report(FixVersion::Fix42, ExecKind::Fill);
        assert!(r.starts_with("8=FIX.4.2|") && r.contains("|20=0|150=2|39=2|"), "{r}");
    }

    #[test]
    fn a_5_0_fill_is_a_trade_over_fixt() {
        for v in [FixVersion::Fix50, FixVersion::Fix50Sp1, FixVersion::Fix50Sp2] {
            let r = report(v, ExecKind::Fill);
            assert!(r.starts_with("8=FIXT.1.1|") && r.contains("|150=F|39=2|") && !r.contains("|20="), "{v}: {r}");
        }
    }

    /// The session Reject the gateway sends in `version`, with `reason` (`None`: the fault's).
    fn session_reject(version: FixVersion, reason: Option<(u32, &[u8])>) -> String {
        let session = Session::new(SessionConfig { version, ..SessionConfig::acceptor() }, 0);
        let order = readable("35=D|34=3|11=C1|");
        let msg = parse(&order).expect("the order parses");
        let mut buf = [0u8; 512];
        let n = inject::session_reject(&session, (2, b"20240102-03:04:05.678"), &msg, reason, &mut buf).expect("fits");
        printable(&buf[..n])
    }

    #[test]
    fn session_reject_reasons_are_the_versions_own() {
        // 99 (Other) came with FIX 4.4: a 4.2 Reject has no SessionRejectReason at all.
        let r = session_reject(FixVersion::Fix42, None);
        assert!(r.contains("|45=3|372=D|58=") && !r.contains("|373="), "{r}");
        for v in [FixVersion::Fix44, FixVersion::Fix50Sp2] {
            let r = session_reject(v, None);
            assert!(r.contains("|45=3|372=D|373=99|58="), "{v}: {r}");
        }
        // 18 (unsupported application version) is FIXT.1.1's.
        let r = session_reject(FixVersion::Fix50, Some((18, b"no")));
        assert!(r.starts_with("8=FIXT.1.1|") && r.contains("|373=18|58=no|"), "{r}");
        assert!(!session_reject(FixVersion::Fix44, Some((18, b"no"))).contains("|373="));
    }

    #[test]
    fn acks_cancels_replaces_and_rejects_use_the_same_codes_in_both() {
        for v in FixVersion::ALL {
            for (kind, codes) in [
                (ExecKind::New, "150=0|39=0|"),
                (ExecKind::Canceled, "150=4|39=4|"),
                (ExecKind::Replaced, "150=5|39=5|"),
                (ExecKind::Rejected, "150=8|39=8|"),
            ] {
                let r = report(v, kind);
                assert!(r.contains(codes) && r.contains("|151=") && r.contains("|6="), "{v}: {r}");
            }
        }
    }
}
