//! The three calls hardware stamping needs that neither `std` nor `nix` wraps: the ethtool
//! query of an interface's timestamping capabilities (`SIOCETHTOOL` with
//! `ETHTOOL_GET_TS_INFO`), putting the NIC in timestamping mode (`SIOCSHWTSTAMP`), and a
//! `recvmsg` that returns how many control bytes it filled (so that [`super::cmsg::decode`]
//! reads them as bytes).
//!
//! This is the only file of `hwstamp` with `unsafe`: each block hands the kernel a pointer
//! to a buffer owned by the caller's stack frame that outlives the (synchronous) call.
#![allow(unsafe_code)]

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

/// `ETHTOOL_GET_TS_INFO` (include/uapi/linux/ethtool.h).
const ETHTOOL_GET_TS_INFO: u32 = 0x41;

/// The size of `struct ethtool_ts_info`: `cmd`, `so_timestamping`, `phc_index`, `tx_types`,
/// `tx_reserved[3]`, `rx_filters`, `rx_reserved[3]`, all 32-bit.
pub const TS_INFO_LEN: usize = 48;

/// A datagram socket to address ioctls to an interface by name.
fn ioctl_socket() -> io::Result<OwnedFd> {
    use nix::sys::socket::{AddressFamily, SockFlag, SockType, socket};
    socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(io::Error::from)
}

/// An `ifreq` naming `iface`, its data pointer at `data`.
fn ifreq(iface: &str, data: *mut libc::c_char) -> io::Result<libc::ifreq> {
    let name = iface.as_bytes();
    if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains(&0) {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{iface:?} is not an interface name")));
    }
    // SAFETY: `ifreq` is plain old data (arrays and a union of integers and pointers): all
    // zeroes is a valid value of it.
    let mut r: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, &s) in r.ifr_name.iter_mut().zip(name) {
        *d = s as libc::c_char;
    }
    r.ifr_ifru.ifru_data = data;
    Ok(r)
}

/// The raw `struct ethtool_ts_info` of `iface`, as the kernel filled it.
pub fn ethtool_ts_info(iface: &str) -> io::Result<[u8; TS_INFO_LEN]> {
    let mut info = [0u8; TS_INFO_LEN];
    info[..4].copy_from_slice(&ETHTOOL_GET_TS_INFO.to_ne_bytes());
    let mut req = ifreq(iface, info.as_mut_ptr().cast())?;
    let sock = ioctl_socket()?;
    // SAFETY: `req` names the interface and points at `info`, TS_INFO_LEN bytes on this
    // frame, which the kernel fills (it copies exactly sizeof(struct ethtool_ts_info)); both
    // outlive the synchronous call.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCETHTOOL as _, &mut req) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok(info) }
}

/// Puts `iface`'s NIC in timestamping mode (`SIOCSHWTSTAMP`): `tx_type`, `rx_filter` from
/// `HWTSTAMP_*`. Returns the `(tx_type, rx_filter)` the driver applied (it may widen the
/// filter). `EPERM` without CAP_NET_ADMIN.
pub fn set_hwtstamp(iface: &str, tx_type: u32, rx_filter: u32) -> io::Result<(u32, u32)> {
    let mut cfg = libc::hwtstamp_config { flags: 0, tx_type: tx_type as _, rx_filter: rx_filter as _ };
    let mut req = ifreq(iface, (&raw mut cfg).cast())?;
    let sock = ioctl_socket()?;
    // SAFETY: `req` points at `cfg`, a `hwtstamp_config` on this frame that the kernel reads
    // and writes back; both outlive the synchronous call.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSHWTSTAMP as _, &mut req) };
    if rc < 0 { Err(io::Error::last_os_error()) } else { Ok((cfg.tx_type as u32, cfg.rx_filter as u32)) }
}

/// `recvmsg` without blocking (plus `flags`) into `buf`, with control messages into
/// `control`: `(bytes read, control bytes filled)`.
pub fn recvmsg(sock: &impl AsRawFd, buf: &mut [u8], control: &mut [u8], flags: i32) -> io::Result<(usize, usize)> {
    let mut iov = libc::iovec { iov_base: buf.as_mut_ptr().cast(), iov_len: buf.len() };
    // SAFETY: `msghdr` is plain old data; all zeroes is a valid, empty one.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = &raw mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.as_mut_ptr().cast();
    msg.msg_controllen = control.len() as _;
    // SAFETY: `msg` points at `iov` (which points at `buf`) and at `control`, all borrowed
    // for this call, with their true lengths; the kernel writes within them and the call is
    // synchronous (MSG_DONTWAIT).
    let n = unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, flags | libc::MSG_DONTWAIT) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((n as usize, (msg.msg_controllen as usize).min(control.len())))
}
