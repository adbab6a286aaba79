//! Sequence gaps against a third-party engine: QuickFIX's executor (strict FIX 4.2
//! dictionary, a message store) and fixblast's own session state machine, driven over a
//! socket message by message so that each side can be made to see a gap.
//!
//! - fixblast skips a MsgSeqNum: QuickFIX asks for it, fixblast's gap fill must satisfy its
//!   strict validation, and the order behind the gap is then executed.
//! - fixblast loses one of QuickFIX's ExecutionReports (the test drops its bytes): fixblast
//!   asks for it, QuickFIX resends it from its store with PossDupFlag, and fixblast hands it
//!   on once, counting no duplicate.

use super::quickfix::start_executor;
use fixblast::fix::encode::Encoder;
use fixblast::fix::parse::{Frame, MsgType, frame, parse};
use fixblast::fix::session::{Event, ProtocolError, Session, SessionConfig};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What fixblast's session handed on or reported.
#[derive(Default, Debug)]
struct Seen {
    /// (ClOrdID, PossDupFlag) of each ExecutionReport handed on.
    reports: Vec<(String, bool)>,
    events: Vec<String>,
    /// MsgTypes of the session messages from QuickFIX that fixblast handled.
    rejects: usize,
}

struct Peer {
    stream: TcpStream,
    session: Session,
    inbox: Vec<u8>,
    seen: Seen,
    /// The report the test meant to lose was lost.
    dropped: bool,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64
}

impl Peer {
    fn connect(port: u16) -> Peer {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut cfg = SessionConfig::initiator(b"FIXBLAST", b"GATEWAY", 30);
        cfg.reset_seq = true;
        Peer { stream, session: Session::new(cfg, now()), inbox: Vec::new(), seen: Seen::default(), dropped: false }
    }

    /// Writes what the session has to send.
    fn flush(&mut self) {
        let mut buf = [0u8; 1024];
        while let Some(n) = self.session.poll_transmit(now(), &mut buf).unwrap() {
            self.stream.write_all(&buf[..n]).unwrap();
        }
    }

    /// Reads whatever arrived; `drop_report` (a ClOrdID) loses that ExecutionReport's bytes
    /// once, before the session sees them, as a lossy path would.
    fn read(&mut self, drop_report: &mut Option<&str>) {
        let mut chunk = [0u8; 4096];
        match self.stream.read(&mut chunk) {
            Ok(0) => panic!("QuickFIX closed the connection: {:?}", self.seen),
            Ok(n) => self.inbox.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(e) => panic!("read: {e}"),
        }
        if let Some(id) = *drop_report {
            // Every whole message in the inbox, in order: drop the report for `id`.
            let mut at = 0;
            while let Frame::Message { len } = frame(&self.inbox[at..]) {
                let raw = &self.inbox[at..at + len];
                let hit = parse(raw)
                    .is_ok_and(|m| m.msg_type == MsgType::ExecutionReport && m.cl_ord_id.get(raw) == id.as_bytes());
                if hit {
                    self.inbox.drain(at..at + len);
                    *drop_report = None;
                    self.dropped = true;
                    break;
                }
                at += len;
            }
        }
        let seen = &mut self.seen;
        let used = self.session.on_bytes(now(), &self.inbox, |_, msg, raw| {
            if msg.msg_type == MsgType::ExecutionReport {
                seen.reports.push((String::from_utf8_lossy(msg.cl_ord_id.get(raw)).into_owned(), msg.poss_dup));
            }
        });
        self.inbox.drain(..used);
        while let Some(e) = self.session.poll_event() {
            if matches!(e, Event::Error(ProtocolError::SessionReject { .. })) {
                self.seen.rejects += 1;
            }
            self.seen.events.push(format!("{e:?}"));
        }
        self.flush();
    }

    /// Turns the loop until `done`, for at most 10 s.
    fn until(&mut self, mut drop_report: Option<&str>, done: impl Fn(&Peer) -> bool) {
        let t0 = Instant::now();
        while !done(self) {
            assert!(t0.elapsed() < Duration::from_secs(10), "gave up waiting: {:?}", self.seen);
            self.read(&mut drop_report);
        }
    }

    fn logon(&mut self) {
        self.flush();
        self.until(None, |p| p.session.is_active());
    }

    /// Sends a NewOrderSingle with MsgSeqNum `seq`.
    fn order(&mut self, seq: u32, id: &str) {
        let mut buf = [0u8; 512];
        let mut e = Encoder::new(&mut buf);
        e.field(35, b"D");
        e.field(49, b"FIXBLAST");
        e.field(56, b"GATEWAY");
        e.field_u64(34, seq as u64);
        e.field(52, b"20240102-03:04:05.678");
        e.field(11, id.as_bytes());
        e.field(21, b"1");
        e.field(55, b"IBM");
        e.field(54, b"1");
        e.field(60, b"20240102-03:04:05.678");
        e.field(38, b"100");
        e.field(40, b"2");
        e.field(44, b"10.00");
        let n = e.finish().unwrap();
        self.stream.write_all(&buf[..n]).unwrap();
    }

    fn reports_of(&self, id: &str) -> Vec<bool> {
        self.seen.reports.iter().filter(|(i, _)| i == id).map(|(_, dup)| *dup).collect()
    }
}

#[test]
fn quickfix_accepts_our_gap_fill_and_the_session_goes_on() {
    let Some(ex) = start_executor("qf-gapfill") else { return };
    let mut p = Peer::connect(ex.port);
    p.logon();
    // MsgSeqNum 2 is taken and never sent: QuickFIX, expecting 2, sees 3 and asks for 2 on.
    let _lost = p.session.take_app_seq(now());
    let seq = p.session.take_app_seq(now());
    p.order(seq, "BEHINDGAP");
    p.until(None, |p| p.seen.events.iter().any(|e| e.starts_with("GapFillSent")));
    // fixblast keeps no store: the fill covers every number up to its next, the order at 3
    // too (QuickFIX drops it from its queue, and a run would count it timed out). What
    // matters is that the strict engine takes the fill and the session goes on.
    let seq = p.session.take_app_seq(now());
    p.order(seq, "AFTERFILL");
    p.until(None, |p| !p.reports_of("AFTERFILL").is_empty());
    let gap_fills = p.seen.events.iter().filter(|e| e.starts_with("GapFillSent")).count();
    assert_eq!(gap_fills, 1, "QuickFIX's ResendRequest was answered once: {:?}", p.seen);
    assert_eq!(p.seen.rejects, 0, "the strict dictionary refused our gap fill: {:?}", p.seen);
    assert_eq!(p.reports_of("AFTERFILL"), [false]);
    assert!(p.session.is_active(), "{:?}", p.seen);
}

#[test]
fn a_report_lost_on_the_way_is_asked_for_and_quickfix_resends_it_once() {
    let Some(ex) = start_executor("qf-resend") else { return };
    let mut p = Peer::connect(ex.port);
    p.logon();
    let seq = p.session.take_app_seq(now());
    p.order(seq, "ORDER1");
    p.until(None, |p| !p.reports_of("ORDER1").is_empty());
    // ORDER2's report is lost on the way, once.
    let seq = p.session.take_app_seq(now());
    p.order(seq, "ORDER2");
    p.until(Some("ORDER2"), |p| p.dropped);
    // ORDER3's report shows the gap; fixblast asks for it and QuickFIX resends it.
    let seq = p.session.take_app_seq(now());
    p.order(seq, "ORDER3");
    p.until(None, |p| !p.reports_of("ORDER3").is_empty() && !p.reports_of("ORDER2").is_empty());
    let requests = p.seen.events.iter().filter(|e| e.starts_with("ResendRequested")).count();
    assert_eq!(requests, 1, "{:?}", p.seen);
    // QuickFIX resent it from its store, marked as a resend; handed on exactly once.
    assert_eq!(p.reports_of("ORDER2"), [true], "{:?}", p.seen);
    assert_eq!((p.reports_of("ORDER1"), p.reports_of("ORDER3")), (vec![false], vec![false]));
    let duplicates = p.seen.events.iter().filter(|e| e.contains("Duplicate")).count();
    assert_eq!((duplicates, p.seen.rejects), (0, 0), "{:?}", p.seen);
}
