//! Timestamping: what each network interface can stamp (for `run --wire-timestamps`), and
//! the PTP hardware clock behind it. One check per interface, named `timestamps`.

use super::{Check, Level};
use crate::host::nic::Iface;
use crate::transport::hwstamp::TsInfo;
use std::io;

const NAME: &str = "timestamps";
const WHY: &str = "--wire-timestamps software works on any interface; --wire-timestamps hardware needs the NIC to \
    stamp every packet sent and received (SOF_TIMESTAMPING_TX/RX/RAW_HARDWARE, receive filter ALL) on its PTP clock";

/// `iface`'s timestamping capabilities as `ts_info` read them. Not having hardware stamps
/// does not distort a number, so this is `ok` either way; an interface that cannot be
/// queried is `unknown`.
pub fn timestamps(iface: &Iface, ts_info: &io::Result<TsInfo>) -> Check {
    let state = match (iface.up, iface.physical) {
        (true, true) => "up",
        (true, false) => "up, virtual",
        (false, true) => "down",
        (false, false) => "down, virtual",
    };
    match ts_info {
        Err(e) => Check::unknown(NAME, format!("{} ({state}): ETHTOOL_GET_TS_INFO failed: {e}", iface.name), WHY),
        Ok(i) => {
            let verdict = if i.hardware() {
                "--wire-timestamps hardware possible"
            } else if i.software_tx() && i.software_rx() {
                "--wire-timestamps hardware not possible, software is"
            } else {
                "neither --wire-timestamps mode gets both stamps here"
            };
            Check::new(NAME, Level::Ok, format!("{} ({state}): {i}; {verdict}", iface.name), WHY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iface(name: &str, up: bool, physical: bool) -> Iface {
        Iface { name: name.into(), up, physical }
    }

    const SW: u32 =
        libc::SOF_TIMESTAMPING_TX_SOFTWARE | libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE;

    #[test]
    fn loopback_says_software_only() {
        let lo = TsInfo { so_timestamping: SW, phc_index: -1, tx_types: 0, rx_filters: 0 };
        let c = timestamps(&iface("lo", true, false), &Ok(lo));
        assert_eq!(c.level, Level::Ok);
        assert_eq!(
            c.found,
            "lo (up, virtual): software TX/RX, hardware none, no PTP clock; --wire-timestamps hardware not possible, \
             software is"
        );
    }

    #[test]
    fn a_ptp_nic_says_hardware_is_possible_and_names_its_clock() {
        let hw = SW
            | libc::SOF_TIMESTAMPING_TX_HARDWARE
            | libc::SOF_TIMESTAMPING_RX_HARDWARE
            | libc::SOF_TIMESTAMPING_RAW_HARDWARE;
        let nic = TsInfo { so_timestamping: hw, phc_index: 1, tx_types: 1 << 1, rx_filters: 1 << 1 };
        let c = timestamps(&iface("eth0", true, true), &Ok(nic));
        assert_eq!(
            c.found,
            "eth0 (up): software TX/RX, hardware TX/RX, PTP clock /dev/ptp1; --wire-timestamps hardware possible"
        );
    }

    #[test]
    fn an_interface_without_software_tx_stamps_says_neither_mode_works() {
        let rx_only = TsInfo {
            so_timestamping: libc::SOF_TIMESTAMPING_RX_SOFTWARE | libc::SOF_TIMESTAMPING_SOFTWARE,
            phc_index: -1,
            tx_types: 0,
            rx_filters: 0,
        };
        let c = timestamps(&iface("ifb0", false, false), &Ok(rx_only));
        assert_eq!(
            c.found,
            "ifb0 (down, virtual): software RX only, hardware none, no PTP clock; neither --wire-timestamps mode \
             gets both stamps here"
        );
    }

    #[test]
    fn an_interface_that_cannot_be_asked_is_unknown() {
        let c = timestamps(&iface("eth9", false, true), &Err(io::Error::from_raw_os_error(libc::EOPNOTSUPP)));
        assert_eq!(c.level, Level::Unknown);
        assert!(c.found.starts_with("unknown: eth9 (down): ETHTOOL_GET_TS_INFO failed: "), "{}", c.found);
    }
}
