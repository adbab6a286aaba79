//! Kernel timestamps of a TCP connection's bytes (`--wire-timestamps`): when the kernel
//! handed each send to the device and when each received segment arrived, from
//! `SO_TIMESTAMPING` (software stamps: any interface, loopback included).
//!
//! - TX: with `OPT_ID`, each send call's last byte gets a stamp, reported on the socket's
//!   error queue with that byte's offset in the stream as its key (`OPT_TSONLY`: no copy of
//!   the data comes back). [`drain_tx`] reads them.
//! - RX: each `recvmsg` returns the stamp of the last segment it read, as a control message.
//!   [`recv`] reads bytes and that stamp.
//!
//! Stamps are CLOCK_REALTIME nanoseconds. [`Stamps`] keeps a connection's recent ones keyed
//! by stream offset, so the caller can find the stamp of the send that carried an order's
//! last byte, and of the read that brought a reply's last byte.
//!
//! It owns the socket option, the two reads and the matching. It must not know FIX, and it
//! allocates nothing per call: control messages land in a buffer the caller keeps.

use nix::sys::socket::{
    ControlMessageOwned, MsgFlags, SockaddrStorage, TimestampingFlag, recvmsg, setsockopt, sockopt,
};
use std::io::{self, IoSliceMut};
use std::os::fd::{AsFd, AsRawFd};

/// Room for the control messages of one receive or one error-queue message: a
/// `SCM_TIMESTAMPING` (three timespecs) and an `IP_RECVERR`/`IPV6_RECVERR` (an extended
/// error and an address), with headers.
pub const CMSG_SPACE: usize = 256;

/// Turns software TX and RX stamps on for `sock`, keyed by byte offset from here on: call it
/// before the first byte is sent.
pub fn enable(sock: &impl AsFd) -> io::Result<()> {
    let flags = TimestampingFlag::SOF_TIMESTAMPING_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_TX_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_RX_SOFTWARE
        | TimestampingFlag::SOF_TIMESTAMPING_OPT_ID
        | TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY;
    setsockopt(sock, sockopt::Timestamping, &flags).map_err(io::Error::from)
}

fn ns(t: &nix::sys::time::TimeSpec) -> u64 {
    t.tv_sec() as u64 * 1_000_000_000 + t.tv_nsec() as u64
}

/// Reads what has arrived into `buf` without blocking, with the kernel's stamp of the last
/// segment read (`None` when the kernel gave none). `Ok((0, _))` is end of stream;
/// `WouldBlock` when nothing is there.
pub fn recv(sock: &impl AsRawFd, buf: &mut [u8], cmsg: &mut [u8; CMSG_SPACE]) -> io::Result<(usize, Option<u64>)> {
    let mut iov = [IoSliceMut::new(buf)];
    let msg = recvmsg::<SockaddrStorage>(sock.as_raw_fd(), &mut iov, Some(cmsg), MsgFlags::MSG_DONTWAIT)
        .map_err(io::Error::from)?;
    let mut stamp = None;
    for c in msg.cmsgs().map_err(io::Error::from)? {
        if let ControlMessageOwned::ScmTimestampsns(t) = c {
            stamp = Some(ns(&t.system)).filter(|&n| n > 0);
        }
    }
    Ok((msg.bytes, stamp))
}

/// The software stamp in a receive's control messages (`msg_control`, as the kernel wrote
/// them): for the backends that get them as bytes (an io_uring `recvmsg`). `None` when there
/// is none, or it is 0.
pub fn rx_stamp(control: &[u8]) -> Option<u64> {
    // struct cmsghdr { size_t len; int level; int type; }, data and next header aligned to
    // size_t: read field by field, so no pointer cast is needed.
    const WORD: usize = size_of::<usize>();
    let head = size_of::<libc::cmsghdr>();
    let mut at = 0;
    let mut stamp = None;
    while let Some(h) = control.get(at..at + head) {
        let len = usize::from_ne_bytes(h[..WORD].try_into().ok()?);
        let level = i32::from_ne_bytes(h[WORD..WORD + 4].try_into().ok()?);
        let kind = i32::from_ne_bytes(h[WORD + 4..WORD + 8].try_into().ok()?);
        if len < head {
            break;
        }
        if level == libc::SOL_SOCKET && kind == libc::SO_TIMESTAMPING {
            // struct scm_timestamping { struct timespec ts[3]; }: ts[0] is the software stamp.
            let t = control.get(at + head..at + head + 16)?;
            let sec = i64::from_ne_bytes(t[..8].try_into().ok()?);
            let nsec = i64::from_ne_bytes(t[8..].try_into().ok()?);
            stamp = Some(sec as u64 * 1_000_000_000 + nsec as u64).filter(|&n| n > 0);
        }
        at += len.div_ceil(WORD) * WORD;
    }
    stamp
}

/// One message off `sock`'s error queue, without blocking: `Some(Some((key, ns)))` for a TX
/// stamp, `Some(None)` for a message that is not one, `None` when the queue is empty.
fn next_tx(sock: &impl AsRawFd, cmsg: &mut [u8; CMSG_SPACE]) -> Option<Option<(u32, u64)>> {
    let mut none: [u8; 0] = [];
    let mut iov = [IoSliceMut::new(&mut none)];
    let flags = MsgFlags::MSG_ERRQUEUE | MsgFlags::MSG_DONTWAIT;
    let msg = recvmsg::<SockaddrStorage>(sock.as_raw_fd(), &mut iov, Some(cmsg), flags).ok()?;
    let (mut key, mut stamp) = (None, None);
    let Ok(cmsgs) = msg.cmsgs() else { return Some(None) };
    for c in cmsgs {
        match c {
            ControlMessageOwned::ScmTimestampsns(t) => stamp = Some(ns(&t.system)),
            ControlMessageOwned::Ipv4RecvErr(e, _) | ControlMessageOwned::Ipv6RecvErr(e, _)
                if e.ee_origin == libc::SO_EE_ORIGIN_TIMESTAMPING =>
            {
                key = Some(e.ee_data)
            }
            _ => {}
        }
    }
    Some(key.zip(stamp))
}

/// Reads every TX stamp waiting on `sock`'s error queue, calling `each(key, ns)` with the
/// key (the offset of the last byte of the send it stamps, counted from [`enable`], modulo
/// 2^32) and the stamp. Returns how many it read.
pub fn drain_tx(sock: &impl AsRawFd, cmsg: &mut [u8; CMSG_SPACE], mut each: impl FnMut(u32, u64)) -> usize {
    let mut n = 0;
    while let Some(m) = next_tx(sock, cmsg) {
        if let Some((k, s)) = m {
            each(k, s);
            n += 1;
        }
    }
    n
}

/// How many stamps of reads a connection keeps: well over the reads of one turn (the
/// transport forgets those of consumed bytes). Older ones are overwritten; a lookup that
/// needs one reports it missing.
pub const KEEP: usize = 256;

/// How many stamps of sends a connection keeps: nothing says when an order's reply is in,
/// so they cover the sends of the longest wait to be matched (at 10k sends a second, 400 ms;
/// 256 lost a few hundred per 50,000 replies when replies took tens of ms on a busy host).
/// 64 KiB a connection.
pub const KEEP_TX: usize = 4096;

/// A connection's recent stamps, each keyed by a byte offset in its stream (u64: counted
/// from the connection's first byte), in order.
#[derive(Debug, Clone)]
pub struct Stamps {
    /// (offset of the last byte covered, stamp ns), oldest first, in a ring.
    ring: Box<[(u64, u64)]>,
    head: usize,
    len: usize,
    /// Offsets below this were covered by entries no longer kept.
    floor: u64,
}

impl Default for Stamps {
    fn default() -> Self {
        Stamps::with_capacity(KEEP)
    }
}

impl Stamps {
    /// Keeps the latest `n` (at least 1) stamps.
    pub fn with_capacity(n: usize) -> Stamps {
        Stamps { ring: vec![(0, 0); n.max(1)].into_boxed_slice(), head: 0, len: 0, floor: 0 }
    }

    /// Records that the bytes up to `last` (inclusive) got stamp `ns`. Offsets must not go
    /// back; one that does is ignored.
    pub fn push(&mut self, last: u64, ns: u64) {
        if self.len > 0 && self.ring[(self.head + self.len - 1) % self.ring.len()].0 > last {
            return;
        }
        if self.len == self.ring.len() {
            self.drop_oldest();
        }
        let at = (self.head + self.len) % self.ring.len();
        self.ring[at] = (last, ns);
        self.len += 1;
    }

    /// The stamp that covers byte `offset`: that of the first entry whose last byte is at or
    /// past it. `None` when no entry reaches it yet, when the one that did was overwritten,
    /// or when it was pushed with stamp 0 (bytes that came without a stamp).
    pub fn find(&self, offset: u64) -> Option<u64> {
        self.covering(offset).map(|(_, ns)| ns)
    }

    /// As [`find`](Stamps::find), with the offset of the last byte its entry covers: past
    /// `offset` when the read (or send) that brought byte `offset` went on beyond it.
    pub fn covering(&self, offset: u64) -> Option<(u64, u64)> {
        if offset < self.floor {
            return None;
        }
        // Offsets are in order: a binary search over the ring.
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.ring[(self.head + mid) % self.ring.len()].0 < offset { lo = mid + 1 } else { hi = mid }
        }
        // A 0 stamp marks bytes that came without one: missing, not guessed from a neighbour.
        (lo < self.len).then(|| self.ring[(self.head + lo) % self.ring.len()]).filter(|&(_, ns)| ns > 0)
    }

    /// The offset of the newest entry's last byte: a [`find`](Stamps::find) of an offset at
    /// or below it that comes back `None` will never come back `Some`.
    pub fn last(&self) -> Option<u64> {
        (self.len > 0).then(|| self.ring[(self.head + self.len - 1) % self.ring.len()].0)
    }

    /// Forgets the entries wholly before `offset` (what the caller is done with).
    pub fn forget_before(&mut self, offset: u64) {
        while self.len > 0 && self.ring[self.head].0 < offset {
            self.drop_oldest();
        }
    }

    fn drop_oldest(&mut self) {
        self.floor = self.ring[self.head].0 + 1;
        self.head = (self.head + 1) % self.ring.len();
        self.len -= 1;
    }

    /// Forgets everything (a new connection's stream starts again at 0).
    pub fn clear(&mut self) {
        (self.head, self.len, self.floor) = (0, 0, 0);
    }
}

/// The offset in the stream of a TX stamp's key: the kernel keys by the last byte's offset
/// modulo 2^32, so it is the last byte written so far (below `written`) that has that
/// remainder. `None` before any byte was written.
pub fn extend_key(key: u32, written: u64) -> Option<u64> {
    let last = written.checked_sub(1)?;
    let v = (last & !0xFFFF_FFFF) | key as u64;
    if v <= last { Some(v) } else { v.checked_sub(1 << 32) }
}

/// One connection's stamps: of its sends (`tx`, by the offset of each send's last byte) and
/// of its reads (`rx`, by the offset of the last byte each read brought), with the byte
/// counts that key them. Both streams count from the connection's first byte.
#[derive(Debug, Clone)]
pub struct Conn {
    pub tx: Stamps,
    pub rx: Stamps,
    /// Bytes written to the socket so far.
    pub written: u64,
    /// Bytes read from the socket so far.
    pub received: u64,
    /// Reads that brought bytes without a stamp (receive stamping not yet on).
    pub rx_unstamped: u64,
}

impl Default for Conn {
    fn default() -> Self {
        Conn { tx: Stamps::with_capacity(KEEP_TX), rx: Stamps::default(), written: 0, received: 0, rx_unstamped: 0 }
    }
}

impl Conn {
    /// A new connection: nothing stamped, nothing counted (keeps its rings).
    pub fn clear(&mut self) {
        self.tx.clear();
        self.rx.clear();
        (self.written, self.received, self.rx_unstamped) = (0, 0, 0);
    }

    /// A read of `n` bytes came back with `stamp`.
    #[inline]
    pub fn on_read(&mut self, n: usize, stamp: Option<u64>) {
        self.received += n as u64;
        if n > 0 {
            // An unstamped read is kept too (stamp 0), so its bytes find no later stamp.
            self.rx.push(self.received - 1, stamp.unwrap_or(0));
            self.rx_unstamped += stamp.is_none() as u64;
        }
    }

    /// Bytes were written whose send's stamp has not come off the error queue yet.
    #[inline]
    pub fn tx_due(&self) -> bool {
        self.written > self.tx.last().map_or(0, |l| l + 1)
    }

    /// Takes the TX stamps waiting on `sock`'s error queue, one `recvmsg` each, only while
    /// a send's stamp is due: a connection that sent nothing since its last stamp costs no
    /// syscall, and one whose stamps are all in costs no `EAGAIN`. (A stamp the kernel never
    /// delivered keeps it due until a later send's stamp covers it: one `EAGAIN` a call.)
    /// The syscall backend calls it before reading, so the stamps of the orders a reply read
    /// now answers are in: the kernel stamps a send before the peer can see it. (io_uring
    /// reads them in the ring instead, and hands each to [`on_tx`](Conn::on_tx).)
    pub fn take_tx(&mut self, sock: &impl AsRawFd, cmsg: &mut [u8; CMSG_SPACE]) {
        while self.tx_due() {
            match next_tx(sock, cmsg) {
                Some(Some((key, ns))) => self.on_tx(key, ns),
                Some(None) => {}
                None => return,
            }
        }
    }

    /// A TX stamp with `key` came off the error queue.
    #[inline]
    pub fn on_tx(&mut self, key: u32, ns: u64) {
        if let Some(last) = extend_key(key, self.written) {
            self.tx.push(last, ns);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn a_stamp_covers_the_bytes_after_the_one_before_it() {
        let mut s = Stamps::default();
        s.push(99, 1_000);
        s.push(199, 2_000);
        assert_eq!(
            (s.find(0), s.find(99), s.find(100), s.find(199), s.find(200)),
            (Some(1_000), Some(1_000), Some(2_000), Some(2_000), None)
        );
        s.forget_before(150);
        assert_eq!((s.find(99), s.find(150)), (None, Some(2_000)), "what was forgotten is not guessed");
        s.push(150, 9);
        assert_eq!(s.find(199), Some(2_000), "an offset going back is ignored");
        assert_eq!(s.last(), Some(199));
        assert_eq!(Stamps::default().last(), None);
    }

    #[test]
    fn a_key_extends_to_the_latest_offset_with_its_remainder() {
        assert_eq!(extend_key(0, 0), None, "nothing written, nothing stamped");
        assert_eq!(extend_key(99, 150), Some(99));
        assert_eq!(extend_key(149, 150), Some(149));
        let wrap = 1u64 << 32;
        // Past the first 4 GiB: a small key is in the current lap, a large one in the last.
        assert_eq!(extend_key(10, wrap + 100), Some(wrap + 10));
        assert_eq!(extend_key(u32::MAX, wrap + 100), Some(wrap - 1));
        assert_eq!(extend_key(u32::MAX, wrap), Some(wrap - 1));
        assert_eq!(extend_key(100, 100), None, "a key past what was written is not in the first lap");
        assert_eq!(extend_key(100, wrap + 100), Some(100), "past the last byte: the lap before");
    }

    #[test]
    fn a_conn_keys_reads_by_their_last_byte_and_counts_the_unstamped() {
        let mut c = Conn::default();
        c.on_read(10, None);
        c.on_read(20, Some(7));
        c.on_read(0, None);
        assert_eq!((c.received, c.rx_unstamped), (30, 1));
        assert_eq!((c.rx.find(9), c.rx.find(10), c.rx.find(29), c.rx.find(30)), (None, Some(7), Some(7), None));
        c.written = 300;
        c.on_tx(299, 5);
        assert_eq!(c.tx.find(0), Some(5));
        c.clear();
        assert_eq!((c.tx.find(0), c.rx.find(0), c.received, c.written), (None, None, 0, 0));
    }

    #[test]
    fn a_full_ring_forgets_its_oldest_and_says_so() {
        let mut s = Stamps::default();
        for i in 0..KEEP as u64 + 10 {
            s.push(i * 10 + 9, i);
        }
        // The first 10 entries (bytes 0 to 99) were overwritten.
        assert_eq!((s.find(0), s.find(99)), (None, None));
        assert_eq!((s.find(100), s.find(109), s.find(110)), (Some(10), Some(10), Some(11)));
    }

    /// A control message as the kernel lays it out: header (length, level, type), data,
    /// padding to a word.
    fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
        let head = size_of::<libc::cmsghdr>();
        let mut v = (head + data.len()).to_ne_bytes().to_vec();
        v.extend_from_slice(&level.to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(data);
        v.resize(v.len().next_multiple_of(size_of::<usize>()), 0);
        v
    }

    #[test]
    fn a_control_buffer_yields_its_software_stamp_and_nothing_else() {
        let ts = |sec: i64, nsec: i64| [sec.to_ne_bytes(), nsec.to_ne_bytes()].concat();
        let stamps = [ts(3, 500), ts(0, 0), ts(9, 9)].concat();
        // Another message first (an odd length, padded), then the stamps, then the cleared rest.
        let mut buf = cmsg(libc::IPPROTO_IP, libc::IP_TTL, &[1, 2, 3, 4, 5]);
        buf.extend(cmsg(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &stamps));
        buf.resize(CMSG_SPACE, 0);
        assert_eq!(rx_stamp(&buf), Some(3_000_000_500), "ts[0], the software stamp");
        assert_eq!(rx_stamp(&[0; CMSG_SPACE]), None, "a cleared buffer has none");
        assert_eq!(rx_stamp(&cmsg(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &ts(0, 0))), None, "0 is no stamp");
        // Cut short inside the stamp: none, and no panic.
        let first = cmsg(libc::IPPROTO_IP, libc::IP_TTL, &[1, 2, 3, 4, 5]).len();
        assert_eq!(rx_stamp(&buf[..first + size_of::<libc::cmsghdr>() + 8]), None);
        assert_eq!(rx_stamp(&cmsg(libc::SOL_SOCKET, libc::SO_TIMESTAMPING, &stamps)[..20]), None);
    }

    /// A TX stamp is due from a write until the stamp of its last byte is taken, and
    /// [`Conn::take_tx`] reads while one is.
    #[test]
    fn a_conn_takes_tx_stamps_while_one_is_due() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let _b = l.accept().unwrap();
        enable(&a).unwrap();
        let mut c = Conn::default();
        assert!(!c.tx_due(), "nothing written");
        let mut cmsg = [0u8; CMSG_SPACE];
        for round in 1..=3u64 {
            a.write_all(&[b'x'; 100]).unwrap();
            c.written += 100;
            assert!(c.tx_due());
            let t0 = std::time::Instant::now();
            while c.tx_due() && t0.elapsed() < std::time::Duration::from_secs(5) {
                c.take_tx(&a, &mut cmsg);
            }
            assert!(!c.tx_due(), "round {round}: the stamp never came");
            assert_eq!(c.tx.last(), Some(round * 100 - 1));
        }
    }

    /// Loopback: each send's last byte gets a TX stamp keyed by its offset, and a receive
    /// brings the RX stamp of what it read, both on the realtime clock, in order.
    #[test]
    fn loopback_sends_and_receives_come_back_stamped_by_offset() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (b, _) = l.accept().unwrap();
        enable(&a).unwrap();
        enable(&b).unwrap();
        // The kernel turns receive stamping on for the system a moment later (a deferred
        // static key): the first stamps of a process may be missing, not wrong.
        std::thread::sleep(std::time::Duration::from_millis(100));
        let before = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
        a.write_all(&[b'x'; 100]).unwrap();
        a.write_all(&[b'y'; 50]).unwrap();
        let mut cmsg = [0u8; CMSG_SPACE];
        let mut tx = Vec::new();
        let t0 = std::time::Instant::now();
        while tx.len() < 2 && t0.elapsed() < std::time::Duration::from_secs(5) {
            drain_tx(&a, &mut cmsg, |k, ns| tx.push((k, ns)));
        }
        assert_eq!(tx.iter().map(|t| t.0).collect::<Vec<_>>(), [99, 149], "keys are last-byte offsets");
        assert!(tx[0].1 >= before && tx[1].1 >= tx[0].1, "{tx:?}");
        let mut buf = [0u8; 4096];
        let mut got = 0;
        let mut stamp = None;
        while got < 150 && t0.elapsed() < std::time::Duration::from_secs(5) {
            match recv(&b, &mut buf, &mut cmsg) {
                Ok((n, s)) => {
                    got += n;
                    stamp = s.or(stamp);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!(got, 150);
        let rx = stamp.expect("an RX stamp");
        assert!(rx >= tx[1].1, "received after it was sent: rx {rx} tx {tx:?}");
    }
}
