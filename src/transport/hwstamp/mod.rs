//! NIC (hardware) timestamps of a TCP connection's bytes (`--wire-timestamps hardware`):
//! what an interface can stamp ([`TsInfo`], from `ETHTOOL_GET_TS_INFO`), putting its NIC in
//! timestamping mode ([`enable_nic`], `SIOCSHWTSTAMP`), and the socket side ([`enable`],
//! [`recv`], [`drain_tx`]) that takes the raw hardware stamp (the third timespec of
//! `SCM_TIMESTAMPING`) where [`super::wire`] takes the software one.
//!
//! The stamps are keyed as the software ones are (OPT_ID: the offset of a send's last byte;
//! a read's stamp is its last segment's), so [`super::wire::Conn`] keeps them. They are on
//! the NIC's PTP hardware clock (`/dev/ptpN`), not the realtime clock. A NIC that skips a
//! TX stamp (one pending at a time, as igb) leaves no trace on the error queue: the send's
//! bytes then find the next send's stamp. Not handled yet (README: wire timestamps).
//!
//! It owns the capability decoding and the calls; the unsafe ones are confined to `sys`,
//! the byte walk of control messages to [`cmsg`] (tested on recorded buffers). It must not
//! know FIX, and the socket side allocates nothing per call.

pub mod cmsg;
mod sys;

pub use cmsg::Source;
use nix::sys::socket::{TimestampingFlag, setsockopt, sockopt};
use std::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd};

/// What an interface can stamp: the fields of `struct ethtool_ts_info` fixblast reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TsInfo {
    /// `SOF_TIMESTAMPING_*` flags the driver supports.
    pub so_timestamping: u32,
    /// The PTP hardware clock's index (`/dev/ptpN`), negative when there is none.
    pub phc_index: i32,
    /// A bit per `HWTSTAMP_TX_*` mode supported.
    pub tx_types: u32,
    /// A bit per `HWTSTAMP_FILTER_*` supported.
    pub rx_filters: u32,
}

const SOF_TX_HW: u32 = libc::SOF_TIMESTAMPING_TX_HARDWARE;
const SOF_RX_HW: u32 = libc::SOF_TIMESTAMPING_RX_HARDWARE;
const SOF_RAW_HW: u32 = libc::SOF_TIMESTAMPING_RAW_HARDWARE;
const SOF_TX_SW: u32 = libc::SOF_TIMESTAMPING_TX_SOFTWARE;
const SOF_RX_SW: u32 = libc::SOF_TIMESTAMPING_RX_SOFTWARE;
const SOF_SW: u32 = libc::SOF_TIMESTAMPING_SOFTWARE;

impl TsInfo {
    /// Decodes a `struct ethtool_ts_info` (48 bytes, native-endian 32-bit fields: `cmd`,
    /// `so_timestamping`, `phc_index`, `tx_types`, `tx_reserved[3]`, `rx_filters`,
    /// `rx_reserved[3]`). `None` when `b` is shorter.
    pub fn from_bytes(b: &[u8]) -> Option<TsInfo> {
        let field = |i: usize| b.get(i * 4..i * 4 + 4).map(|f| u32::from_ne_bytes([f[0], f[1], f[2], f[3]]));
        // Read the last field first: a short buffer is refused whole.
        let rx_filters = field(7).filter(|_| b.len() >= sys::TS_INFO_LEN)?;
        Some(TsInfo { so_timestamping: field(1)?, phc_index: field(2)? as i32, tx_types: field(3)?, rx_filters })
    }

    /// Software TX stamps (the kernel's, when the driver hands the packet over).
    pub fn software_tx(&self) -> bool {
        self.so_timestamping & (SOF_TX_SW | SOF_SW) == SOF_TX_SW | SOF_SW
    }

    /// Software RX stamps (every interface has them, loopback included).
    pub fn software_rx(&self) -> bool {
        self.so_timestamping & (SOF_RX_SW | SOF_SW) == SOF_RX_SW | SOF_SW
    }

    /// The NIC stamps sends, on its clock.
    pub fn hardware_tx(&self) -> bool {
        self.so_timestamping & (SOF_TX_HW | SOF_RAW_HW) == SOF_TX_HW | SOF_RAW_HW
            && self.tx_types & (1 << libc::HWTSTAMP_TX_ON) != 0
    }

    /// The NIC stamps every received packet (`HWTSTAMP_FILTER_ALL`): the PTP-only filters
    /// stamp PTP packets, never a TCP segment, so they do not count.
    pub fn hardware_rx(&self) -> bool {
        self.so_timestamping & (SOF_RX_HW | SOF_RAW_HW) == SOF_RX_HW | SOF_RAW_HW
            && self.rx_filters & (1 << libc::HWTSTAMP_FILTER_ALL) != 0
    }

    /// Both: what `--wire-timestamps hardware` needs.
    pub fn hardware(&self) -> bool {
        self.hardware_tx() && self.hardware_rx()
    }

    /// The PTP hardware clock's device (`/dev/ptp0`), when there is one.
    pub fn phc(&self) -> Option<String> {
        (self.phc_index >= 0).then(|| format!("/dev/ptp{}", self.phc_index))
    }
}

impl fmt::Display for TsInfo {
    /// "software TX/RX, hardware TX only (RX filters 0x…, no ALL), PTP clock /dev/ptp0".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pair = |tx: bool, rx: bool| match (tx, rx) {
            (true, true) => "TX/RX",
            (true, false) => "TX only",
            (false, true) => "RX only",
            (false, false) => "none",
        };
        write!(f, "software {}", pair(self.software_tx(), self.software_rx()))?;
        let hw_flags = self.so_timestamping & (SOF_TX_HW | SOF_RX_HW | SOF_RAW_HW);
        if hw_flags == 0 {
            write!(f, ", hardware none")?;
        } else {
            write!(f, ", hardware {}", pair(self.hardware_tx(), self.hardware_rx()))?;
            if self.so_timestamping & SOF_RX_HW != 0 && !self.hardware_rx() {
                write!(f, " (RX filters {:#x}: none stamps every packet)", self.rx_filters)?;
            }
        }
        match self.phc() {
            Some(p) => write!(f, ", PTP clock {p}"),
            None => write!(f, ", no PTP clock"),
        }
    }
}

/// What `iface` can stamp.
pub fn ts_info(iface: &str) -> io::Result<TsInfo> {
    let raw = sys::ethtool_ts_info(iface)?;
    TsInfo::from_bytes(&raw).ok_or_else(|| io::Error::other("short ethtool_ts_info"))
}

/// Why the NIC could not be put in timestamping mode.
#[derive(Debug, thiserror::Error)]
pub enum NicError {
    #[error(
        "{iface}: putting the NIC in timestamping mode (SIOCSHWTSTAMP) needs CAP_NET_ADMIN; run as root, \
         or grant it (setcap cap_net_admin+ep), or use --wire-timestamps software"
    )]
    NotPermitted { iface: String },
    #[error("{iface}: the driver refused timestamping mode (SIOCSHWTSTAMP: {source}); use --wire-timestamps software")]
    Refused { iface: String, source: io::Error },
    #[error(
        "{iface}: the driver stamps received packets with filter {rx_filter}, not all of them; use --wire-timestamps software"
    )]
    Filter { iface: String, rx_filter: u32 },
}

/// Puts `iface`'s NIC in timestamping mode: every send (`HWTSTAMP_TX_ON`) and every received
/// packet (`HWTSTAMP_FILTER_ALL`, the only filter that stamps TCP). The mode is the
/// interface's, for every socket on it, and stays after the run (as `hwstamp_ctl` leaves it).
pub fn enable_nic(iface: &str) -> Result<(), NicError> {
    match sys::set_hwtstamp(iface, libc::HWTSTAMP_TX_ON, libc::HWTSTAMP_FILTER_ALL) {
        Ok((_, rx)) if rx == libc::HWTSTAMP_FILTER_ALL => Ok(()),
        Ok((_, rx_filter)) => Err(NicError::Filter { iface: iface.into(), rx_filter }),
        Err(e) if e.raw_os_error() == Some(libc::EPERM) => Err(NicError::NotPermitted { iface: iface.into() }),
        Err(source) => Err(NicError::Refused { iface: iface.into(), source }),
    }
}

/// Turns hardware TX and RX stamps on for `sock`, keyed by byte offset from here on (as
/// [`super::wire::enable`] does for software ones): call it before the first byte is sent.
pub fn enable(sock: &impl AsFd) -> io::Result<()> {
    let flags = TimestampingFlag::SOF_TIMESTAMPING_TX_HARDWARE
        | TimestampingFlag::SOF_TIMESTAMPING_RX_HARDWARE
        | TimestampingFlag::SOF_TIMESTAMPING_RAW_HARDWARE
        | TimestampingFlag::SOF_TIMESTAMPING_OPT_ID
        | TimestampingFlag::SOF_TIMESTAMPING_OPT_TSONLY;
    setsockopt(sock, sockopt::Timestamping, &flags).map_err(io::Error::from)
}

/// Reads what has arrived into `buf` without blocking, with the `source` stamp of the last
/// segment read (`None` when the kernel gave none). As [`super::wire::recv`].
pub fn recv(
    sock: &impl AsRawFd,
    buf: &mut [u8],
    control: &mut [u8; super::wire::CMSG_SPACE],
    source: Source,
) -> io::Result<(usize, Option<u64>)> {
    let (n, len) = sys::recvmsg(sock, buf, control, 0)?;
    Ok((n, cmsg::decode(&control[..len]).stamp(source)))
}

/// Reads every TX stamp waiting on `sock`'s error queue, calling `each(key, ns)` with each
/// `source` stamp and its OPT_ID key. As [`super::wire::drain_tx`]; a message without both
/// (another origin, or a stamp the NIC did not take) is skipped.
pub fn drain_tx(
    sock: &impl AsRawFd,
    control: &mut [u8; super::wire::CMSG_SPACE],
    source: Source,
    mut each: impl FnMut(u32, u64),
) -> usize {
    let mut n = 0;
    while let Ok((_, len)) = sys::recvmsg(sock, &mut [], control, libc::MSG_ERRQUEUE) {
        let d = cmsg::decode(&control[..len]);
        if let (Some(k), Some(s)) = (d.key, d.stamp(source)) {
            each(k, s);
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    /// A `struct ethtool_ts_info` as the kernel fills it.
    fn recorded(so: u32, phc: i32, tx: u32, rx: u32) -> [u8; sys::TS_INFO_LEN] {
        let mut b = [0u8; sys::TS_INFO_LEN];
        for (i, v) in [0x41, so, phc as u32, tx, 0, 0, 0, rx].into_iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&v.to_ne_bytes());
        }
        b
    }

    /// What `ethtool -T lo` reports: software stamps, no PTP clock.
    const LO: u32 = SOF_TX_SW | SOF_RX_SW | SOF_SW;
    /// What a PTP-capable NIC (an Intel i210, say) reports.
    const NIC: u32 = LO | SOF_TX_HW | SOF_RX_HW | SOF_RAW_HW;

    #[test]
    fn loopback_offers_software_stamps_only() {
        let i = TsInfo::from_bytes(&recorded(LO, -1, 0, 0)).unwrap();
        assert!(i.software_tx() && i.software_rx() && !i.hardware_tx() && !i.hardware_rx());
        assert_eq!(i.phc(), None);
        assert_eq!(i.to_string(), "software TX/RX, hardware none, no PTP clock");
    }

    #[test]
    fn a_ptp_nic_with_filter_all_offers_hardware_stamps() {
        let tx = 1 << libc::HWTSTAMP_TX_OFF | 1 << libc::HWTSTAMP_TX_ON;
        let rx = 1 << libc::HWTSTAMP_FILTER_NONE | 1 << libc::HWTSTAMP_FILTER_ALL;
        let i = TsInfo::from_bytes(&recorded(NIC, 0, tx, rx)).unwrap();
        assert!(i.hardware());
        assert_eq!(i.to_string(), "software TX/RX, hardware TX/RX, PTP clock /dev/ptp0");
    }

    #[test]
    fn ptp_only_receive_filters_do_not_stamp_tcp() {
        let tx = 1 << libc::HWTSTAMP_TX_ON;
        let rx = 1 << libc::HWTSTAMP_FILTER_NONE | 1 << libc::HWTSTAMP_FILTER_PTP_V2_EVENT;
        let i = TsInfo::from_bytes(&recorded(NIC, 2, tx, rx)).unwrap();
        assert!(i.hardware_tx() && !i.hardware_rx() && !i.hardware());
        assert_eq!(
            i.to_string(),
            "software TX/RX, hardware TX only (RX filters 0x1001: none stamps every packet), PTP clock /dev/ptp2"
        );
        // Flags without the TX_ON mode (or without RAW_HARDWARE) are not hardware TX either.
        assert!(!TsInfo::from_bytes(&recorded(NIC, 0, 1, rx)).unwrap().hardware_tx());
        assert!(!TsInfo::from_bytes(&recorded(NIC & !SOF_RAW_HW, 0, tx, rx)).unwrap().hardware_tx());
    }

    #[test]
    fn a_short_ts_info_is_refused_whole() {
        let b = recorded(NIC, 0, 2, 2);
        for n in 0..sys::TS_INFO_LEN {
            assert_eq!(TsInfo::from_bytes(&b[..n]), None, "{n} bytes");
        }
        assert!(TsInfo::from_bytes(&[b.as_slice(), &[0; 8]].concat()).is_some(), "a longer one is read");
    }

    /// The real ioctl on loopback: software stamps, no hardware ones, no PTP clock.
    #[test]
    fn loopback_reports_software_stamps_through_the_ioctl() {
        let i = ts_info("lo").unwrap();
        assert!(i.software_rx() && !i.hardware(), "{i}");
        assert_eq!(i.phc(), None);
        let e = ts_info("no-such-if0").unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV), "{e}");
        assert_eq!(ts_info("").unwrap_err().kind(), io::ErrorKind::InvalidInput);
        assert_eq!(ts_info("a-name-too-long-for-ifnamsiz").unwrap_err().kind(), io::ErrorKind::InvalidInput);
    }

    /// Loopback has no NIC to put in timestamping mode: the driver refuses, and says so.
    #[test]
    fn loopback_refuses_timestamping_mode() {
        let e = enable_nic("lo").unwrap_err();
        assert!(matches!(e, NicError::Refused { .. } | NicError::NotPermitted { .. }), "{e}");
        assert!(e.to_string().starts_with("lo: "), "{e}");
    }

    /// The raw `recvmsg` and the byte walk against the kernel: on loopback with software
    /// flags, the same path as hardware mode gives software stamps keyed by offset, and no
    /// hardware ones.
    #[test]
    fn the_byte_walk_reads_the_kernels_own_control_messages() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut a = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (b, _) = l.accept().unwrap();
        super::super::wire::enable(&a).unwrap();
        super::super::wire::enable(&b).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        a.write_all(&[b'x'; 100]).unwrap();
        let mut control = [0u8; super::super::wire::CMSG_SPACE];
        let (mut tx, mut hw) = (Vec::new(), 0);
        let t0 = std::time::Instant::now();
        while tx.is_empty() && t0.elapsed() < std::time::Duration::from_secs(5) {
            drain_tx(&a, &mut control, Source::Software, |k, ns| tx.push((k, ns)));
        }
        hw += drain_tx(&a, &mut control, Source::Hardware, |_, _| {});
        assert_eq!(tx.iter().map(|t| t.0).collect::<Vec<_>>(), [99]);
        let mut buf = [0u8; 256];
        let (mut got, mut stamp) = (0, None);
        while got < 100 && t0.elapsed() < std::time::Duration::from_secs(5) {
            match recv(&b, &mut buf, &mut control, Source::Software) {
                Ok((n, s)) => (got, stamp) = (got + n, s.or(stamp)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        assert_eq!((got, hw), (100, 0));
        assert!(stamp.expect("an RX stamp") >= tx[0].1);
    }
}
