//! What an initiator received while it waited for the Logon reply. A logon that fails says
//! it, so a gateway that sent garbage, a wrong message or nothing at all is told apart from
//! one that refused the Logon.

use crate::fix::FixVersion;
use crate::fix::parse::MsgType;
use std::fmt;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BeforeLogon {
    /// Bytes framed or skipped as garbage.
    pub consumed: u64,
    /// Bytes of an incomplete message still waiting for the rest.
    pub pending: u64,
    /// Frames that are not FIX (bad BeginString, BodyLength…), bad checksums apart.
    pub garbled: u32,
    pub bad_checksum: u32,
    /// Framed, but not parseable.
    pub unparseable: u32,
    /// Whole messages other than the Logon reply.
    pub messages: u32,
    /// The type of the last of those.
    pub last_type: Option<MsgType>,
    /// A frame in another FIX version arrived: (its version, the session's).
    pub other_version: Option<(FixVersion, FixVersion)>,
}

impl fmt::Display for BeforeLogon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bytes = self.consumed + self.pending;
        if bytes == 0 {
            return f.write_str("nothing received");
        }
        write!(f, "received {bytes} bytes")?;
        let mut parts = Vec::new();
        let n = |count: u32, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
        if self.bad_checksum > 0 {
            parts.push(n(self.bad_checksum, "frame with a bad checksum", "frames with a bad checksum"));
        }
        if self.garbled > 0 {
            parts.push(n(self.garbled, "garbled frame", "garbled frames"));
        }
        if self.unparseable > 0 {
            parts.push(n(self.unparseable, "unparseable message", "unparseable messages"));
        }
        if let Some(t) = self.last_type {
            let last =
                if self.messages > 1 { format!(", the last 35={}", t.code()) } else { format!(" (35={})", t.code()) };
            parts.push(format!(
                "{}{last}",
                n(self.messages, "message other than a Logon", "messages other than a Logon")
            ));
        }
        if self.pending > 0 {
            parts.push(format!("{} bytes of an incomplete message", self.pending));
        }
        if !parts.is_empty() {
            write!(f, ": {}", parts.join(", "))?;
        }
        if let Some((theirs, ours)) = self.other_version {
            // Which 5.0 a FIXT.1.1 peer speaks, only its Logon would say.
            let peer = match theirs.is_fixt() {
                true => "FIXT.1.1 (FIX 5.0, 5.0sp1 or 5.0sp2)".to_string(),
                false => format!("FIX {theirs} ({})", String::from_utf8_lossy(theirs.begin_string())),
            };
            write!(
                f,
                "; the peer speaks {peer}, this session FIX {ours} ({}): see --fix-version",
                String::from_utf8_lossy(ours.begin_string()),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_both_versions_when_the_peer_speaks_another() {
        let seen = BeforeLogon {
            consumed: 80,
            garbled: 1,
            other_version: Some((FixVersion::Fix44, FixVersion::Fix42)),
            ..BeforeLogon::default()
        };
        assert_eq!(
            seen.to_string(),
            "received 80 bytes: 1 garbled frame; the peer speaks FIX 4.4 (FIX.4.4), this session FIX 4.2 (FIX.4.2): \
             see --fix-version"
        );
    }

    #[test]
    fn a_fixt_peer_is_named_by_its_begin_string_only() {
        let seen = BeforeLogon {
            consumed: 80,
            garbled: 1,
            other_version: Some((FixVersion::Fix50, FixVersion::Fix44)),
            ..BeforeLogon::default()
        };
        assert!(
            seen.to_string().ends_with(
                "the peer speaks FIXT.1.1 (FIX 5.0, 5.0sp1 or 5.0sp2), this session FIX 4.4 (FIX.4.4): see --fix-version"
            ),
            "{seen}"
        );
    }

    #[test]
    fn says_what_arrived_or_that_nothing_did() {
        assert_eq!(BeforeLogon::default().to_string(), "nothing received");
        let garbage = BeforeLogon { consumed: 40, garbled: 2, bad_checksum: 1, ..Default::default() };
        assert_eq!(garbage.to_string(), "received 40 bytes: 1 frame with a bad checksum, 2 garbled frames");
        let wrong =
            BeforeLogon { consumed: 60, messages: 1, last_type: Some(MsgType::Other([b'X', 0])), ..Default::default() };
        assert_eq!(wrong.to_string(), "received 60 bytes: 1 message other than a Logon (35=X)");
        let half = BeforeLogon { pending: 30, ..Default::default() };
        assert_eq!(half.to_string(), "received 30 bytes: 30 bytes of an incomplete message");
    }
}
