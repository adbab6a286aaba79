//! Decoding the control messages of a timestamped `recvmsg` from their bytes, as the kernel
//! lays them out, so that the decoding is tested on recorded buffers (hardware stamps cannot
//! be produced on loopback).
//!
//! The layout (Linux, glibc and musl alike on 64-bit; `W` = `size_of::<usize>()`):
//!
//! ```text
//! control buffer: cmsg, cmsg, …   each starts at a multiple of W
//! cmsg:   cmsg_len: usize (W bytes: header + data, unpadded)
//!         cmsg_level: i32, cmsg_type: i32
//!         data (cmsg_len - header bytes), then padding to a multiple of W
//! SCM_TIMESTAMPING (SOL_SOCKET, 37): struct scm_timestamping { timespec ts[3] }
//!         timespec = { tv_sec: c_long, tv_nsec: c_long };
//!         ts[0] software, ts[1] deprecated (0), ts[2] raw hardware; an unused one is all 0
//! IP_RECVERR (SOL_IP, 11) / IPV6_RECVERR (SOL_IPV6, 25): struct sock_extended_err
//!         { ee_errno: u32, ee_origin: u8, ee_type: u8, ee_code: u8, ee_pad: u8,
//!           ee_info: u32, ee_data: u32 }, then the offender's address (ignored)
//!         a TX stamp has ee_errno ENOMSG, ee_origin SO_EE_ORIGIN_TIMESTAMPING (4),
//!         ee_info SCM_TSTAMP_SND (0), and with OPT_ID the key in ee_data
//! ```
//!
//! A buffer cut short (the kernel sets `MSG_CTRUNC` and stops at a whole header) or a header
//! whose length runs past the buffer ends the walk: what was whole is kept, the rest is not
//! guessed. It owns that walk only; no syscall, no allocation.
#![forbid(unsafe_code)]

use std::mem::size_of;

/// `SCM_TIMESTAMPING` (= `SO_TIMESTAMPING_OLD`, the 32-bit-time-on-32-bit-hosts layout the
/// kernel sends to a socket that asked with the plain option).
pub const SCM_TIMESTAMPING: i32 = libc::SO_TIMESTAMPING;
/// `SCM_TSTAMP_SND`: stamped when the device took the packet (or the driver, for software).
pub const SCM_TSTAMP_SND: u32 = 0;

const WORD: usize = size_of::<usize>();
/// `cmsg_len`, `cmsg_level`, `cmsg_type`.
const HEADER: usize = WORD + 8;
/// A `timespec` as the kernel writes it in `scm_timestamping`: two `long`s.
const LONG: usize = size_of::<libc::c_long>();
/// `struct sock_extended_err`.
const EXTENDED_ERR: usize = 16;

/// Which of the three stamps of `scm_timestamping` to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `ts[0]`: the kernel's, on CLOCK_REALTIME.
    Software,
    /// `ts[2]`: the NIC's raw stamp, on its PTP hardware clock.
    Hardware,
}

impl Source {
    fn index(self) -> usize {
        match self {
            Source::Software => 0,
            Source::Hardware => 2,
        }
    }
}

/// What a timestamped message's control bytes said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Decoded {
    /// The three stamps of `SCM_TIMESTAMPING`, ns (0 where the kernel left one empty).
    pub stamps: Option<[u64; 3]>,
    /// The OPT_ID key of a TX stamp (`ee_data` of a `SO_EE_ORIGIN_TIMESTAMPING` error).
    pub key: Option<u32>,
    /// The walk stopped at bytes that were not a whole message.
    pub cut: bool,
}

impl Decoded {
    /// The stamp from `source`, ns; `None` when there was none or it was empty.
    pub fn stamp(&self, source: Source) -> Option<u64> {
        self.stamps.map(|s| s[source.index()]).filter(|&ns| ns > 0)
    }
}

fn word(b: &[u8]) -> usize {
    let mut w = [0u8; WORD];
    w.copy_from_slice(&b[..WORD]);
    usize::from_ne_bytes(w)
}

fn int(b: &[u8]) -> i32 {
    i32::from_ne_bytes([b[0], b[1], b[2], b[3]])
}

fn long(b: &[u8]) -> i64 {
    let mut w = [0u8; 8];
    w[..LONG].copy_from_slice(&b[..LONG]);
    // A 4-byte long is sign-extended from its own width.
    if LONG == 4 { i32::from_ne_bytes([w[0], w[1], w[2], w[3]]) as i64 } else { i64::from_ne_bytes(w) }
}

/// A timespec as ns; `None` for a negative or out-of-range one (not a stamp).
fn timespec_ns(b: &[u8]) -> Option<u64> {
    let (sec, nsec) = (long(b), long(&b[LONG..]));
    if sec < 0 || !(0..1_000_000_000).contains(&nsec) {
        return None;
    }
    (sec as u64).checked_mul(1_000_000_000)?.checked_add(nsec as u64)
}

/// Walks `control` (the `msg_controllen` bytes a `recvmsg` filled) and takes the stamps and
/// the TX key out of it.
pub fn decode(control: &[u8]) -> Decoded {
    let mut d = Decoded::default();
    let mut at = 0;
    while at + HEADER <= control.len() {
        let len = word(&control[at..]);
        let Some(end) = at.checked_add(len).filter(|&e| len >= HEADER && e <= control.len()) else {
            d.cut = true;
            return d;
        };
        let (level, kind) = (int(&control[at + WORD..]), int(&control[at + WORD + 4..]));
        let data = &control[at + HEADER..end];
        match (level, kind) {
            (libc::SOL_SOCKET, SCM_TIMESTAMPING) if data.len() >= 6 * LONG => {
                let ts = |i: usize| timespec_ns(&data[i * 2 * LONG..]).unwrap_or(0);
                d.stamps = Some([ts(0), ts(1), ts(2)]);
            }
            (libc::SOL_IP, libc::IP_RECVERR) | (libc::SOL_IPV6, libc::IPV6_RECVERR) if data.len() >= EXTENDED_ERR => {
                let u32_at = |i: usize| u32::from_ne_bytes([data[i], data[i + 1], data[i + 2], data[i + 3]]);
                let (errno, origin, info) = (u32_at(0), data[4], u32_at(8));
                if errno == libc::ENOMSG as u32 && origin == libc::SO_EE_ORIGIN_TIMESTAMPING && info == SCM_TSTAMP_SND {
                    d.key = Some(u32_at(12));
                }
            }
            _ => {}
        }
        // The next header starts at the next multiple of W.
        at = end.div_ceil(WORD) * WORD;
    }
    // Bytes left that cannot hold a header: a message cut short.
    d.cut |= at < control.len();
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One control message as the kernel lays it out: header, data, padding.
    fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
        let mut b = Vec::new();
        b.extend_from_slice(&(HEADER + data.len()).to_ne_bytes());
        b.extend_from_slice(&level.to_ne_bytes());
        b.extend_from_slice(&kind.to_ne_bytes());
        b.extend_from_slice(data);
        b.resize(b.len().div_ceil(WORD) * WORD, 0);
        b
    }

    fn timestamping(ts: [(i64, i64); 3]) -> Vec<u8> {
        let mut data = Vec::new();
        for (s, ns) in ts {
            data.extend_from_slice(&(s as libc::c_long).to_ne_bytes());
            data.extend_from_slice(&(ns as libc::c_long).to_ne_bytes());
        }
        cmsg(libc::SOL_SOCKET, SCM_TIMESTAMPING, &data)
    }

    /// `sock_extended_err` and a zeroed `sockaddr_in` after it, as IP_RECVERR carries them.
    fn recverr(level: i32, kind: i32, errno: i32, origin: u8, info: u32, key: u32) -> Vec<u8> {
        let mut data = Vec::new();
        data.extend_from_slice(&(errno as u32).to_ne_bytes());
        data.extend_from_slice(&[origin, 0, 0, 0]);
        data.extend_from_slice(&info.to_ne_bytes());
        data.extend_from_slice(&key.to_ne_bytes());
        data.extend_from_slice(&[0u8; 16]);
        cmsg(level, kind, &data)
    }

    const ORIGIN: u8 = libc::SO_EE_ORIGIN_TIMESTAMPING;

    #[test]
    fn a_software_receive_stamp_is_the_first_timespec() {
        let b = timestamping([(1_700_000_000, 123_456_789), (0, 0), (0, 0)]);
        let d = decode(&b);
        assert_eq!(d.stamp(Source::Software), Some(1_700_000_000_123_456_789));
        assert_eq!(d.stamp(Source::Hardware), None, "an empty hardware stamp is none, not 0");
        assert_eq!((d.key, d.cut), (None, false));
    }

    #[test]
    fn a_hardware_receive_stamp_is_the_third_timespec() {
        // A NIC's PTP clock is often on TAI, 37 s ahead of UTC: any value is taken as is.
        let b = timestamping([(0, 0), (0, 0), (1_700_000_037, 5)]);
        let d = decode(&b);
        assert_eq!((d.stamp(Source::Hardware), d.stamp(Source::Software)), (Some(1_700_000_037_000_000_005), None));
    }

    #[test]
    fn a_tx_stamp_pairs_the_timestamp_with_its_opt_id_key_in_either_order() {
        for v6 in [false, true] {
            let (level, kind) =
                if v6 { (libc::SOL_IPV6, libc::IPV6_RECVERR) } else { (libc::SOL_IP, libc::IP_RECVERR) };
            let err = recverr(level, kind, libc::ENOMSG, ORIGIN, SCM_TSTAMP_SND, 4_294_967_295);
            let ts = timestamping([(0, 0), (0, 0), (7, 8)]);
            for b in [[ts.clone(), err.clone()].concat(), [err, ts].concat()] {
                let d = decode(&b);
                assert_eq!((d.key, d.stamp(Source::Hardware), d.cut), (Some(u32::MAX), Some(7_000_000_008), false));
            }
        }
    }

    #[test]
    fn an_error_that_is_not_a_send_stamp_gives_no_key() {
        for (errno, origin, info) in [
            (libc::ECONNREFUSED, 2, 0), // an ICMP error
            (libc::ENOMSG, 3, 0),       // an ICMPv6 origin
            (libc::ENOMSG, ORIGIN, 1),  // SCM_TSTAMP_SCHED
            (libc::ENOMSG, ORIGIN, 2),  // SCM_TSTAMP_ACK
            (0, 5, 0),                  // SO_EE_ORIGIN_ZEROCOPY
        ] {
            let b = recverr(libc::SOL_IP, libc::IP_RECVERR, errno, origin, info, 9);
            assert_eq!(decode(&b).key, None, "{errno} {origin} {info}");
        }
    }

    #[test]
    fn other_messages_are_skipped_by_their_padded_length() {
        // IP_PKTINFO-sized data (12 bytes: padded to 16 on 64-bit) before the stamps.
        let b = [cmsg(libc::SOL_IP, libc::IP_PKTINFO, &[1; 12]), timestamping([(1, 2), (0, 0), (3, 4)])].concat();
        let d = decode(&b);
        assert_eq!(d.stamps, Some([1_000_000_002, 0, 3_000_000_004]));
    }

    #[test]
    fn truncated_and_odd_buffers_keep_what_was_whole_and_say_so() {
        let ts = timestamping([(1, 0), (0, 0), (2, 0)]);
        let err = recverr(libc::SOL_IP, libc::IP_RECVERR, libc::ENOMSG, ORIGIN, SCM_TSTAMP_SND, 42);
        let both = [err.clone(), ts.clone()].concat();
        assert_eq!(decode(&[]), Decoded::default());
        // Cut anywhere inside the second message: the first one's key stays, no stamp is made up.
        for cut in err.len() + 1..both.len() {
            let d = decode(&both[..cut]);
            assert_eq!((d.key, d.stamps), (Some(42), None), "cut at {cut}");
        }
        // A header cut inside the first message: nothing.
        for cut in 1..err.len() {
            let d = decode(&both[..cut]);
            assert_eq!((d.key, d.stamps), (None, None), "cut at {cut}");
        }
        // A length shorter than a header, or running past the end, stops the walk.
        let mut bad = ts.clone();
        bad[..WORD].copy_from_slice(&3usize.to_ne_bytes());
        assert!(decode(&bad).cut && decode(&bad).stamps.is_none());
        bad[..WORD].copy_from_slice(&usize::MAX.to_ne_bytes());
        assert!(decode(&bad).cut && decode(&bad).stamps.is_none(), "no overflow");
        // A timestamping message too short for three timespecs is not read.
        let short = cmsg(libc::SOL_SOCKET, SCM_TIMESTAMPING, &[0xff; 16]);
        assert_eq!(decode(&short).stamps, None);
        // A negative or out-of-range timespec is no stamp.
        let odd = timestamping([(-1, 0), (0, 0), (5, 1_000_000_000)]);
        assert_eq!(decode(&odd).stamps, Some([0, 0, 0]));
    }
}
