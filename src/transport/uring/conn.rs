//! What the io_uring transport keeps per connection: its stream and buffers, which
//! operations are in flight, multishot bytes parked until the inbox has room, and with
//! `--wire-timestamps` its kernel stamps and the `recvmsg` headers that bring them.
#![forbid(unsafe_code)]

use super::BufRing;
use crate::transport::hwstamp::{Source, cmsg};
use crate::transport::wire::{self, CMSG_SPACE};
use crate::transport::{Closed, InBuf, OutBuf, TransportConfig, UringRecv};
use std::collections::VecDeque;
use std::net::TcpStream;

pub(super) struct Conn {
    /// `None` once released with nothing in flight: the socket is closed.
    pub(super) stream: Option<TcpStream>,
    pub(super) out: OutBuf,
    pub(super) inbox: InBuf,
    pub(super) closed: Option<Closed>,
    /// A receive is in flight: poll mode's single one (its room in `inbox` pinned), or the
    /// multishot one until its final completion.
    pub(super) recv_armed: bool,
    /// Receive again in this call: the socket likely holds more. Poll: a receive in this
    /// call filled all its room (a backlog), and the last one got bytes. Multishot: it
    /// stopped for want of provided buffers, or with data.
    pub(super) more: bool,
    /// Poll: a receive in this call filled all its room.
    pub(super) backlog: bool,
    pub(super) cancel_sent: bool,
    /// The caller gave the slot back: reusable once no operation on it is in flight.
    pub(super) released: bool,
    /// Multishot bytes that did not fit in `inbox` yet (it is full at its bound), kept from
    /// the kernel until the caller consumes (backpressure, as the syscall backend's unread
    /// socket).
    pub(super) parked: VecDeque<Parked>,
    /// Multishot bytes copied out of provided buffers that sat parked behind a full inbox:
    /// the ring is shared by every connection, so one caller that stops consuming must not
    /// hold its buffers (the others would get ENOBUFS and starve). Ahead of `parked` in order.
    /// Past [`SPILL_CAP`] the connection's receive is cancelled: the rest waits in the
    /// socket, and TCP flow control holds the sender back.
    pub(super) spill: Vec<u8>,
    /// With [`TransportConfig::wire`](crate::transport::TransportConfig::wire): the
    /// kernel's stamps of this connection's bytes, as the syscall backend keeps them.
    pub(super) wire: Option<Box<wire::Conn>>,
    /// Poll mode with stamps: the header of the `recvmsg` in flight.
    pub(super) msg: Option<Box<Msg>>,
    /// With stamps: the header of the error-queue `recvmsg` that brings the next TX stamp.
    pub(super) errq: Option<Box<Msg>>,
    /// That error-queue read is in flight.
    pub(super) tx_armed: bool,
    /// A cancel of that read went out (the connection closed).
    pub(super) tx_cancel_sent: bool,
}

/// A poll-mode `recvmsg`'s header, its one iovec and its control buffer, boxed so they stay
/// put while the receive is in flight (the receive's room in the inbox is pinned alike).
pub(super) struct Msg {
    hdr: libc::msghdr,
    iov: libc::iovec,
    control: [u8; CMSG_SPACE],
}

impl Msg {
    pub(super) fn new() -> Box<Msg> {
        let null = std::ptr::null_mut();
        Box::new(Msg {
            hdr: libc::msghdr {
                msg_name: null,
                msg_namelen: 0,
                msg_iov: std::ptr::null_mut(),
                msg_iovlen: 1,
                msg_control: null,
                msg_controllen: CMSG_SPACE,
                msg_flags: 0,
            },
            iov: libc::iovec { iov_base: null, iov_len: 0 },
            control: [0; CMSG_SPACE],
        })
    }

    /// Points the header at `len` bytes at `room` and at its own iovec and (cleared)
    /// control buffer, for the next receive; returns the header's address.
    pub(super) fn aim(&mut self, room: *mut u8, len: u32) -> *mut libc::msghdr {
        self.control = [0; CMSG_SPACE];
        self.iov = libc::iovec { iov_base: room.cast(), iov_len: len as usize };
        self.hdr.msg_iov = &mut self.iov;
        self.hdr.msg_control = self.control.as_mut_ptr().cast();
        self.hdr.msg_controllen = CMSG_SPACE;
        &mut self.hdr
    }

    /// The RX stamp the completed receive brought, if any (the buffer was cleared before
    /// it, so what the kernel did not write reads as the end).
    pub(super) fn stamp(&self) -> Option<u64> {
        wire::rx_stamp(&self.control)
    }

    /// The OPT_ID key and software stamp a completed error-queue read brought, when it was a
    /// TX stamp (cleared before it, as for [`stamp`](Msg::stamp)).
    pub(super) fn tx_stamp(&self) -> Option<(u32, u64)> {
        let d = cmsg::decode(&self.control);
        d.key.zip(d.stamp(Source::Software))
    }
}

/// The most bytes a connection spills before its receive is cancelled.
pub(super) const SPILL_CAP: usize = 256 << 10;

/// Bytes `off..len` of provided buffer `bid`, still to be copied into an inbox.
#[derive(Debug, Clone, Copy)]
pub(super) struct Parked {
    pub(super) bid: u16,
    pub(super) off: u32,
    pub(super) len: u32,
}

impl BufRing {
    /// Buffer `bid`, whole.
    pub(super) fn get(&self, bid: u16) -> &[u8] {
        let start = bid as usize * self.size as usize;
        &self.data[start..start + self.size as usize]
    }
}

impl Conn {
    /// A new connection on `stream`, nothing in flight; with stamps, their rings and headers.
    pub(super) fn new(stream: TcpStream, cfg: &TransportConfig) -> Conn {
        Conn {
            stream: Some(stream),
            out: OutBuf::with_capacity(cfg.send),
            inbox: InBuf::growable(cfg.recv, cfg.recv_max),
            closed: None,
            recv_armed: false,
            more: false,
            backlog: false,
            cancel_sent: false,
            released: false,
            parked: VecDeque::with_capacity(64),
            spill: Vec::new(),
            wire: cfg.wire.then(Box::default),
            msg: (cfg.wire && cfg.uring_recv == UringRecv::Poll).then(Msg::new),
            errq: cfg.wire.then(Msg::new),
            tx_armed: false,
            tx_cancel_sent: false,
        }
    }

    /// Multishot: copies parked bytes into the inbox as room allows (a full inbox grows up
    /// to its bound), giving each provided buffer back once copied whole. Returns whether
    /// any byte was copied and whether any buffer was given back (to publish).
    pub(super) fn unpark(&mut self, bufs: &mut BufRing) -> (bool, bool) {
        let (mut copied, mut gave) = (false, false);
        if !self.spill.is_empty() {
            let spare = self.inbox.spare();
            let n = spare.len().min(self.spill.len());
            spare[..n].copy_from_slice(&self.spill[..n]);
            self.inbox.commit(n);
            self.spill.drain(..n);
            copied |= n > 0;
        }
        while let Some(p) = self.parked.front_mut().filter(|_| self.spill.is_empty()) {
            let spare = self.inbox.spare();
            if spare.is_empty() {
                break;
            }
            let piece = &bufs.get(p.bid)[p.off as usize..p.len as usize];
            let n = piece.len().min(spare.len());
            spare[..n].copy_from_slice(&piece[..n]);
            self.inbox.commit(n);
            copied = true;
            p.off += n as u32;
            if p.off == p.len {
                bufs.give(p.bid);
                self.parked.pop_front();
                gave = true;
            }
        }
        // What the full inbox could not take gives its buffers back now, kept in order.
        while let Some(p) = self.parked.pop_front() {
            self.spill.extend_from_slice(&bufs.get(p.bid)[p.off as usize..p.len as usize]);
            bufs.give(p.bid);
            gave = true;
        }
        (copied, gave)
    }

    /// Multishot: the receive should stop for now (its spill is past the cap).
    pub(super) fn over_spill(&self) -> bool {
        self.spill.len() > SPILL_CAP
    }

    /// Bytes received but not yet in the inbox.
    pub(super) fn holds_bytes(&self) -> bool {
        !self.parked.is_empty() || !self.spill.is_empty()
    }

    pub(super) fn idle(&self) -> bool {
        !self.recv_armed && !self.tx_armed && !self.out.is_sending() && self.parked.is_empty()
    }
}
