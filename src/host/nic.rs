//! Network interfaces, for timestamping: which ones there are (from `/sys/class/net`, under a
//! root so tests use a fake tree) in the order the doctor shows them, and which one carries
//! the traffic to a target address ([`route_to`]).
//!
//! What each interface can stamp comes from the ethtool query in
//! [`crate::transport::hwstamp`]; this module only finds and orders the interfaces.

use super::read::{Fact, dir_names, text};
use std::io;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::path::Path;

/// A network interface as `/sys/class/net` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iface {
    pub name: String,
    /// `IFF_UP` in its `flags`.
    pub up: bool,
    /// It has a device behind it (`device` link): not loopback, veth, bridge, tun …
    pub physical: bool,
}

/// Every interface: up ones first, then those with a device behind them, then by name
/// (loopback is virtual, so it comes after the up NICs). An interface whose flags cannot be
/// read counts as down.
pub fn ifaces(root: &Path) -> Fact<Vec<Iface>> {
    let mut out: Vec<Iface> = dir_names(root, "sys/class/net")?
        .into_iter()
        .map(|name| {
            let flags = text(root, &format!("sys/class/net/{name}/flags")).ok();
            let flags = flags.and_then(|f| u32::from_str_radix(f.trim_start_matches("0x"), 16).ok()).unwrap_or(0);
            let physical = root.join(format!("sys/class/net/{name}/device")).exists();
            Iface { up: flags & libc::IFF_UP as u32 != 0, physical, name }
        })
        .collect();
    out.sort_by(|a, b| (!a.up, !a.physical, &a.name).cmp(&(!b.up, !b.physical, &b.name)));
    Ok(out)
}

/// The interface whose address this host would send from to reach `target`: `lo` for a
/// loopback target or one of this host's own addresses; otherwise the kernel's route, read by connecting a UDP socket (nothing is
/// sent) and finding its local address among the interfaces' (`getifaddrs`). A route whose
/// source address belongs to another interface than the one it leaves by (rare: `ip route
/// … src`) names the address's interface.
pub fn route_to(target: SocketAddr) -> io::Result<String> {
    if target.ip().is_loopback() {
        return Ok("lo".into());
    }
    let bind: SocketAddr = match target {
        SocketAddr::V4(_) => ([0, 0, 0, 0], 0).into(),
        SocketAddr::V6(_) => (std::net::Ipv6Addr::UNSPECIFIED, 0).into(),
    };
    let sock = UdpSocket::bind(bind)?;
    sock.connect(target)?;
    let local = sock.local_addr()?.ip();
    if local == target.ip() {
        // One of this host's own addresses: the kernel carries it over loopback.
        return Ok("lo".into());
    }
    iface_with(local)?.ok_or_else(|| io::Error::other(format!("no interface has address {local}, the route's source")))
}

/// The interface that holds `addr`.
fn iface_with(addr: IpAddr) -> io::Result<Option<String>> {
    let all = nix::ifaddrs::getifaddrs().map_err(io::Error::from)?;
    for a in all {
        let Some(s) = a.address else { continue };
        let ip = match (s.as_sockaddr_in(), s.as_sockaddr_in6()) {
            (Some(v4), _) => IpAddr::V4(v4.ip()),
            (_, Some(v6)) => IpAddr::V6(v6.ip()),
            _ => continue,
        };
        if ip == addr {
            return Ok(Some(a.interface_name));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::checks::fake::FakeHost;

    #[test]
    fn up_nics_come_first_then_virtual_then_down() {
        let h = FakeHost::new()
            .file("sys/class/net/lo/flags", "0x9\n")
            .file("sys/class/net/eth1/flags", "0x1002\n")
            .file("sys/class/net/eth1/device/vendor", "0x8086\n")
            .file("sys/class/net/eth0/flags", "0x1003\n")
            .file("sys/class/net/eth0/device/vendor", "0x8086\n")
            .file("sys/class/net/veth0/flags", "0x1003\n")
            .file("sys/class/net/odd/flags", "garbage\n");
        let got: Vec<(String, bool, bool)> =
            ifaces(h.root()).unwrap().into_iter().map(|i| (i.name, i.up, i.physical)).collect();
        let want = [("eth0", true, true), ("lo", true, false), ("veth0", true, false), ("eth1", false, true)];
        let want: Vec<(String, bool, bool)> = want.iter().map(|&(n, u, p)| (n.into(), u, p)).collect();
        assert_eq!(got[..4], want[..], "unreadable flags count as down: {got:?}");
        assert_eq!(got[4], ("odd".into(), false, false));
        assert!(ifaces(FakeHost::new().root()).unwrap_err().path.ends_with("sys/class/net"));
    }

    #[test]
    fn loopback_targets_route_to_lo() {
        assert_eq!(route_to("127.0.0.1:9878".parse().unwrap()).unwrap(), "lo");
        assert_eq!(route_to("[::1]:9878".parse().unwrap()).unwrap(), "lo");
        assert_eq!(iface_with("127.0.0.1".parse().unwrap()).unwrap().as_deref(), Some("lo"));
        // This host's own non-loopback address, where it has one, goes over loopback too.
        let own = nix::ifaddrs::getifaddrs().unwrap().find_map(|a| {
            let v4 = a.address.as_ref()?.as_sockaddr_in()?.ip();
            (!v4.is_loopback()).then_some(v4)
        });
        if let Some(ip) = own {
            assert_eq!(route_to(SocketAddr::from((ip, 9878))).unwrap(), "lo", "{ip}");
        }
        assert_eq!(iface_with("192.0.2.77".parse().unwrap()).unwrap(), None, "TEST-NET-1 is no one's");
    }
}
