//! The Logon (35=A) both ways, and what each FIX version asks of it.
//!
//! - Every version: EncryptMethod (98), HeartBtInt (108), and on request ResetSeqNumFlag
//!   (141), Username (553), Password (554) and the `--logon-field`s.
//! - FIXT.1.1 (the 5.0 family): DefaultApplVerID (1137) is required on the Logon, and says
//!   which application version the session carries. An acceptor refuses a Logon without it,
//!   or with another one, with a Logout naming both.
//! - FIX 4.4 and later: NextExpectedMsgSeqNum (789), when a side uses it, says which of our
//!   MsgSeqNums the peer expects next. An acceptor that receives it answers with its own. A
//!   peer that expects less than we have sent is owed a gap fill from there; one that
//!   expects more remembers a session we do not, and the Logon is refused (acceptor) or
//!   given up (initiator) with a Logout that says so.

use super::{Event, Role, Session, State};
use crate::fix::encode::Overflow;
use crate::fix::parse::{Frame, Msg, frame_as, parse};
use crate::fix::{FixVersion, tag};

impl Session {
    /// Writes our Logon into `buf`, at the next MsgSeqNum.
    pub(super) fn write_logon(&mut self, time: &[u8], buf: &mut [u8]) -> Result<usize, Overflow> {
        let seq = self.next_out;
        let mut e = self.header(buf, b"A", seq, time);
        e.field(tag::ENCRYPT_METHOD, b"0");
        e.field_u64(tag::HEART_BT_INT, self.cfg.heartbeat_s as u64);
        let reset = match self.cfg.role {
            Role::Initiator => self.cfg.reset_seq,
            Role::Acceptor => self.peer_reset_seq,
        };
        if reset {
            e.field(tag::RESET_SEQ_NUM_FLAG, b"Y");
        }
        if let Some(id) = self.cfg.version.appl_ver_id() {
            e.field(tag::DEFAULT_APPL_VER_ID, id);
        }
        let next_expected = match self.cfg.role {
            Role::Initiator => self.cfg.next_expected,
            Role::Acceptor => self.peer_next_expected,
        };
        if next_expected {
            e.field_u64(tag::NEXT_EXPECTED_MSG_SEQ_NUM, self.next_in as u64);
        }
        if self.cfg.role == Role::Initiator {
            if let Some(u) = &self.cfg.username {
                e.field(tag::USERNAME, u);
            }
            if let Some(p) = &self.cfg.password {
                e.field(tag::PASSWORD, p);
            }
            for (t, v) in &self.cfg.logon_fields {
                e.field(*t, v);
            }
        }
        let n = e.finish()?;
        self.want_logon = false;
        self.next_out += 1;
        Ok(n)
    }

    /// An initiator received the reply to its Logon.
    pub(super) fn on_logon_reply(&mut self, now: u64, msg: &Msg) {
        self.check_seq(msg, true);
        self.set_state(State::Active, now);
        match self.next_expected_problem(msg) {
            None => self.push(Event::LoggedOn),
            Some(why) => {
                self.set_text(why.as_bytes());
                self.end_with_logout(now, why.into_bytes());
                self.push(Event::LogonUnusable);
            }
        }
    }

    /// An acceptor received a Logon: it takes the CompIDs (reversed) and the peer's
    /// heartbeat interval from it, and answers with its own Logon, or with a Logout when the
    /// Logon names another application version or a MsgSeqNum we never sent.
    pub(super) fn on_logon_request(&mut self, now: u64, msg: &Msg, raw: &[u8]) {
        self.cfg.sender = msg.target.get(raw).to_vec();
        self.cfg.target = msg.sender.get(raw).to_vec();
        if msg.heart_bt_int > 0 {
            self.cfg.heartbeat_s = msg.heart_bt_int;
            self.heartbeat_ns = msg.heart_bt_int as u64 * 1_000_000_000;
        }
        self.peer_reset_seq = msg.reset_seq;
        self.peer_next_expected = msg.next_expected_seq > 0;
        if msg.reset_seq {
            self.next_out = 1;
        }
        self.check_seq(msg, true);
        if let Some(why) =
            self.appl_ver_problem(msg.default_appl_ver_id.get(raw)).or_else(|| self.next_expected_problem(msg))
        {
            self.end_with_logout(now, why.into_bytes());
            return;
        }
        self.want_logon = true;
        self.set_state(State::Active, now);
        self.push(Event::LoggedOn);
    }

    /// Why an acceptor refuses a Logon whose DefaultApplVerID (1137) is `theirs` (empty when
    /// absent), if it does: only a FIXT.1.1 session asks, and it wants its own.
    fn appl_ver_problem(&self, theirs: &[u8]) -> Option<String> {
        let ours = self.cfg.version;
        let id = ours.appl_ver_id()?;
        if theirs == id {
            return None;
        }
        let said = match FixVersion::from_appl_ver_id(theirs) {
            _ if theirs.is_empty() => "has no DefaultApplVerID (1137), which FIXT.1.1 requires".to_string(),
            Some(v) => format!("has DefaultApplVerID {} ({})", String::from_utf8_lossy(theirs), v.name()),
            None => format!("has DefaultApplVerID {}", String::from_utf8_lossy(theirs)),
        };
        Some(format!("this gateway speaks {}, the Logon {said}", ours.on_the_wire()))
    }

    /// What is wrong with the peer's NextExpectedMsgSeqNum (789), if it sent one. One below
    /// our next MsgSeqNum asks for what it missed: it is owed a gap fill from there (we keep
    /// no history). One above it is a session we do not remember.
    fn next_expected_problem(&mut self, msg: &Msg) -> Option<String> {
        let expected = msg.next_expected_seq;
        if expected == 0 || expected == self.next_out {
            return None;
        }
        if expected < self.next_out {
            self.on_resend_request(expected, 0);
            return None;
        }
        Some(format!(
            "the peer's NextExpectedMsgSeqNum (789) is {expected} but our next MsgSeqNum is {}: it remembers an \
             earlier session (ResetSeqNumFlag, --reset-seq, starts both sides at 1)",
            self.next_out
        ))
    }

    /// Ends the session with a Logout carrying `text`, sent before the connection closes.
    fn end_with_logout(&mut self, now: u64, text: Vec<u8>) {
        self.want_logon = false;
        self.want_logout = true;
        self.logout_text = text;
        self.set_state(State::Closed, now);
    }

    /// An acceptor answers the Logon it has just accepted with a Logout carrying `text`
    /// instead of its Logon reply, and the session ends once that is sent. Does nothing
    /// otherwise (an initiator, or a Logon already answered), so the caller may ask after
    /// every read.
    pub fn refuse_logon(&mut self, now: u64, text: &[u8]) {
        if self.cfg.role != Role::Acceptor || self.state != State::Active || !self.want_logon {
            return;
        }
        self.end_with_logout(now, text.to_vec());
    }

    /// The version of the frame at the start of `rest`, when its BeginString is not ours.
    /// An acceptor also takes its CompIDs from it, when it is a whole message, so that the
    /// Logout refusing it ([`Session::refuse_other_version`]) reaches the right session.
    pub(super) fn other_begin_string(&mut self, rest: &[u8]) -> Option<FixVersion> {
        let theirs = FixVersion::of_message(rest).filter(|v| v.begin_string() != self.cfg.version.begin_string())?;
        if self.cfg.role == Role::Acceptor
            && let Frame::Message { len } = frame_as(rest, theirs)
            && let Ok(m) = parse(&rest[..len])
        {
            self.cfg.sender = m.target.get(&rest[..len]).to_vec();
            self.cfg.target = m.sender.get(&rest[..len]).to_vec();
        }
        Some(theirs)
    }

    /// An acceptor still waiting for a Logon that received one in another FIX version
    /// ([`BeforeLogon::other_version`](super::BeforeLogon::other_version)) answers it with
    /// a Logout whose Text names both versions, and the session ends once that is sent. Does
    /// nothing otherwise, so the caller may ask after every read.
    pub fn refuse_other_version(&mut self, now: u64) {
        let Some((theirs, ours)) = self.before_logon.other_version else { return };
        if self.cfg.role != Role::Acceptor || self.state != State::AwaitingLogon {
            return;
        }
        let text = format!(
            "this gateway speaks {}, the Logon was {}",
            ours.on_the_wire(),
            String::from_utf8_lossy(theirs.begin_string())
        );
        self.end_with_logout(now, text.into_bytes());
    }
}
