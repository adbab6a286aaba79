//! What the reference gateway is asked to get wrong, and how often: the fault flags of
//! `fixblast gateway` (`--delay 200us --drop-every 100`) and the items of `fixblast run
//! --gateway-fault 'delay=200us,drop-every=100'`. Both go through [`Faults::set`], so a name
//! means the same thing, takes the same value and is refused for the same reason in both.
//!
//! Every fault is deterministic: counted per connection ("every Nth order on this
//! connection"), or, for the jitter, drawn from a stream seeded by `seed` (each connection
//! draws the same stream). Two runs with the same flags see the same faults on the same
//! orders, which is what lets a test say exactly what the harness must count. `slow-read`
//! alone follows the clock: it is a rate, and what it holds back depends on when bytes come.
//!
//! This file only describes faults. The gateway's worker applies them (`inject.rs`).

use crate::units::{parse_duration, parse_rate};
use std::time::Duration;

/// The longest delay, jitter or stall: a latency histogram holds up to 60 s.
pub const MAX_FAULT_DURATION: Duration = Duration::from_secs(60);

/// Text (58) of the Logout that refuses a Logon when `refuse-logon` is given no text.
pub const DEFAULT_REFUSE_TEXT: &str = "logon refused by --refuse-logon";

/// The longest `refuse-logon` text: what the harness keeps of a Logout's Text.
pub const MAX_REFUSE_TEXT: usize = 128;

/// The fastest `slow-read`: 1 GB/s. Faster is no throttle over loopback.
pub const MAX_SLOW_READ: u64 = 1_000_000_000;

/// Every fault name, as a `--gateway-fault` item and (after `--`) as a `gateway` flag.
pub const NAMES: [&str; 12] = [
    "delay",
    "jitter",
    "stall",
    "slow-read",
    "refuse-logon",
    "session-reject-every",
    "business-reject-every",
    "garbage-every",
    "bad-checksum-every",
    "seq-gap-every",
    "dup-every",
    "drop-every",
];

/// The faults one gateway injects. The default injects none, and a gateway without faults
/// runs exactly the code it ran before faults existed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// Every answer to an order is held this long before it is written.
    pub delay_ns: u64,
    /// Plus a seeded draw, uniform in `[0, jitter_ns]`, per answer.
    pub jitter_ns: u64,
    /// After every `every` orders, the connection neither reads nor writes for a while.
    pub stall: Option<Stall>,
    /// Take each connection's input at most this many bytes per second, through a small
    /// socket receive buffer, so that the client's writes meet a closed TCP window.
    pub slow_read: Option<u64>,
    /// Answer every Logon with a Logout carrying this Text (58).
    pub refuse_logon: Option<String>,
    /// Answer every Nth order with a session Reject (35=3) of its MsgSeqNum.
    pub session_reject_every: Option<u64>,
    /// Answer every Nth order with a BusinessMessageReject (35=j) naming its ClOrdID.
    pub business_reject_every: Option<u64>,
    /// Write bytes that are not FIX after every Nth reply.
    pub garbage_every: Option<u64>,
    /// Send every Nth reply with a wrong CheckSum (10).
    pub bad_checksum_every: Option<u64>,
    /// Skip a MsgSeqNum before every Nth reply.
    pub seq_gap_every: Option<u64>,
    /// Resend every Nth ExecutionReport as a possible duplicate (43=Y, same MsgSeqNum).
    pub dup_every: Option<u64>,
    /// Never answer every Nth order.
    pub drop_every: Option<u64>,
    /// Seeds the jitter's draws (`--seed`).
    pub seed: u64,
}

/// `stall=EVERY:DUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stall {
    pub every: u64,
    pub for_ns: u64,
}

/// Why a fault name or value was refused. The caller says which flag or item it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultError {
    #[error("unknown fault {0:?}; the faults are {list}", list = NAMES.join(", "))]
    Unknown(String),
    #[error("{name} needs a value: {name}={what}")]
    Missing { name: &'static str, what: &'static str },
    #[error("{}", why.describe(value))]
    Bad { value: String, why: Why },
    #[error("{0} is given twice")]
    Twice(String),
}

/// What is wrong with a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// Not a whole number of at least 1.
    NotACount,
    /// Not a duration: the unit parser's words, which name the value.
    NotADuration(String),
    TooLong,
    /// A stall of no time.
    Zero,
    /// Not `EVERY:DUR`.
    NotEveryDur,
    /// Not a whole number of bytes per second from 1 to [`MAX_SLOW_READ`].
    NotAByteRate,
    /// Not 1 to [`MAX_REFUSE_TEXT`] printable ASCII characters.
    BadText,
}

impl Why {
    fn describe(&self, value: &str) -> String {
        match self {
            Why::NotACount => format!("{value:?} is not a whole number of at least 1"),
            Why::NotADuration(e) => e.clone(),
            Why::TooLong => format!("{value:?} is longer than {}s", MAX_FAULT_DURATION.as_secs()),
            Why::Zero => format!("{value:?}: a stall must last more than 0"),
            Why::NotEveryDur => {
                format!("{value:?} is not EVERY:DUR, e.g. 1000:50ms (a 50ms stall after every 1000 orders)")
            }
            Why::NotAByteRate => format!(
                "{value:?} is not a read rate: bytes per second from 1 to {MAX_SLOW_READ}, like 4096, 64k or 1.5m"
            ),
            Why::BadText => format!("{value:?}: the text must be 1 to {MAX_REFUSE_TEXT} printable ASCII characters"),
        }
    }
}

impl Faults {
    /// No fault at all: the gateway answers as if no fault flag existed.
    pub fn is_none(&self) -> bool {
        Faults { seed: self.seed, ..Faults::default() } == *self
    }

    /// Sets fault `name` from `value` (`None` when it was given without one). The one
    /// parser behind the gateway's flags and `--gateway-fault`.
    pub fn set(&mut self, name: &str, value: Option<&str>) -> Result<(), FaultError> {
        let Some(&name) = NAMES.iter().find(|&&n| n == name) else {
            return Err(FaultError::Unknown(name.to_string()));
        };
        if name == "refuse-logon" {
            self.refuse_logon = Some(refuse_text(value)?);
            return Ok(());
        }
        let what = match name {
            "delay" | "jitter" => "DUR",
            "stall" => "EVERY:DUR",
            "slow-read" => "BYTES_PER_S",
            _ => "N",
        };
        let value = value.ok_or(FaultError::Missing { name, what })?;
        match name {
            "delay" => self.delay_ns = duration(value)?,
            "jitter" => self.jitter_ns = duration(value)?,
            "stall" => self.stall = Some(stall(value)?),
            "slow-read" => self.slow_read = Some(byte_rate(value)?),
            _ => *self.every_mut(name).expect("a count fault") = Some(count(value)?),
        }
        Ok(())
    }

    /// The counter of an `…-every` fault.
    fn every_mut(&mut self, name: &str) -> Option<&mut Option<u64>> {
        Some(match name {
            "session-reject-every" => &mut self.session_reject_every,
            "business-reject-every" => &mut self.business_reject_every,
            "garbage-every" => &mut self.garbage_every,
            "bad-checksum-every" => &mut self.bad_checksum_every,
            "seq-gap-every" => &mut self.seq_gap_every,
            "dup-every" => &mut self.dup_every,
            "drop-every" => &mut self.drop_every,
            _ => return None,
        })
    }

    /// The `…-every` faults, by name, in [`NAMES`] order.
    fn counts(&self) -> [(&'static str, Option<u64>); 7] {
        [
            ("session-reject-every", self.session_reject_every),
            ("business-reject-every", self.business_reject_every),
            ("garbage-every", self.garbage_every),
            ("bad-checksum-every", self.bad_checksum_every),
            ("seq-gap-every", self.seq_gap_every),
            ("dup-every", self.dup_every),
            ("drop-every", self.drop_every),
        ]
    }

    /// Parses a `--gateway-fault` list: `name=value` items, comma-separated
    /// (`refuse-logon` alone takes the default text). The error names the item at fault.
    pub fn parse_list(spec: &str, seed: u64) -> Result<Faults, (String, FaultError)> {
        let mut faults = Faults { seed, ..Faults::default() };
        let mut seen: Vec<&str> = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, value) = match item.split_once('=') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (item, None),
            };
            let fail = |e| (item.to_string(), e);
            if seen.contains(&name) {
                return Err(fail(FaultError::Twice(name.to_string())));
            }
            seen.push(name);
            faults.set(name, value).map_err(fail)?;
        }
        Ok(faults)
    }

    /// Whether the gateway must hold answers (delay or jitter) rather than write them at once.
    pub fn holds(&self) -> bool {
        self.delay_ns > 0 || self.jitter_ns > 0
    }

    /// What is injected, for the gateway's start-up line: `delay=200us, drop-every=100`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let dur = |ns: u64| format!("{:?}", Duration::from_nanos(ns));
        if self.delay_ns > 0 {
            parts.push(format!("delay={}", dur(self.delay_ns)));
        }
        if self.jitter_ns > 0 {
            parts.push(format!("jitter={} (seed {})", dur(self.jitter_ns), self.seed));
        }
        if let Some(s) = self.stall {
            parts.push(format!("stall={}:{}", s.every, dur(s.for_ns)));
        }
        if let Some(r) = self.slow_read {
            parts.push(format!("slow-read={r} bytes/s"));
        }
        if let Some(t) = &self.refuse_logon {
            parts.push(format!("refuse-logon={t:?}"));
        }
        for (name, n) in self.counts() {
            if let Some(n) = n {
                parts.push(format!("{name}={n}"));
            }
        }
        parts.join(", ")
    }
}

fn bad(value: &str, why: Why) -> FaultError {
    FaultError::Bad { value: value.to_string(), why }
}

/// `N`: a whole number of at least 1.
fn count(value: &str) -> Result<u64, FaultError> {
    value.parse::<u64>().ok().filter(|&n| n >= 1).ok_or_else(|| bad(value, Why::NotACount))
}

/// A delay or jitter: 0 (none) up to [`MAX_FAULT_DURATION`].
fn duration(value: &str) -> Result<u64, FaultError> {
    let d = parse_duration(value).map_err(|e| bad(value, Why::NotADuration(e.to_string())))?;
    if d > MAX_FAULT_DURATION {
        return Err(bad(value, Why::TooLong));
    }
    Ok(d.as_nanos() as u64)
}

/// `EVERY:DUR`, with a stall of more than 0.
fn stall(value: &str) -> Result<Stall, FaultError> {
    let (every, dur) = value.split_once(':').ok_or_else(|| bad(value, Why::NotEveryDur))?;
    let (every, dur) = (every.trim(), dur.trim());
    let stall = Stall { every: count(every)?, for_ns: duration(dur)? };
    if stall.for_ns == 0 {
        return Err(bad(dur, Why::Zero));
    }
    Ok(stall)
}

/// Bytes per second: `4096`, `64k`, `1.5m` (k and m are thousands and millions, as for
/// rates), a whole number from 1 to [`MAX_SLOW_READ`].
fn byte_rate(value: &str) -> Result<u64, FaultError> {
    let r = parse_rate(value).map_err(|_| bad(value, Why::NotAByteRate))?;
    if r.fract() != 0.0 || !(1.0..=MAX_SLOW_READ as f64).contains(&r) {
        return Err(bad(value, Why::NotAByteRate));
    }
    Ok(r as u64)
}

/// The Logout's text: the default, or 1 to [`MAX_REFUSE_TEXT`] printable ASCII characters
/// (spaces allowed; no SOH, which would end the field).
fn refuse_text(value: Option<&str>) -> Result<String, FaultError> {
    let Some(t) = value else { return Ok(DEFAULT_REFUSE_TEXT.to_string()) };
    let ok = !t.is_empty() && t.len() <= MAX_REFUSE_TEXT && t.bytes().all(|b| b.is_ascii_graphic() || b == b' ');
    if !ok {
        return Err(bad(t, Why::BadText));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(spec: &str) -> Result<Faults, String> {
        Faults::parse_list(spec, 7).map_err(|(item, e)| format!("{item}: {e}"))
    }

    #[test]
    fn a_list_sets_every_fault_by_its_flag_name() {
        let f = list(
            "delay=200us, jitter=50us,stall=1000:20ms,slow-read=64k,refuse-logon=go away,session-reject-every=3,\
             business-reject-every=4,garbage-every=5,bad-checksum-every=6,seq-gap-every=7,dup-every=8,drop-every=9",
        )
        .unwrap();
        assert_eq!((f.delay_ns, f.jitter_ns, f.seed), (200_000, 50_000, 7));
        assert_eq!(f.stall, Some(Stall { every: 1000, for_ns: 20_000_000 }));
        assert_eq!(f.slow_read, Some(64_000));
        assert_eq!(f.refuse_logon.as_deref(), Some("go away"));
        let every = [
            f.session_reject_every,
            f.business_reject_every,
            f.garbage_every,
            f.bad_checksum_every,
            f.seq_gap_every,
            f.dup_every,
            f.drop_every,
        ];
        assert_eq!(every, [3, 4, 5, 6, 7, 8, 9].map(Some));
        assert!(f.holds() && !f.is_none());
    }

    #[test]
    fn no_faults_is_none_whatever_the_seed() {
        assert!(list("").unwrap().is_none());
        assert!(list(" , ").unwrap().is_none());
        assert!(Faults::default().is_none());
        // A zero delay is no delay.
        let f = list("delay=0s").unwrap();
        assert!(f.is_none() && !f.holds());
    }

    #[test]
    fn refuse_logon_alone_takes_the_default_text() {
        assert_eq!(list("refuse-logon").unwrap().refuse_logon.as_deref(), Some(DEFAULT_REFUSE_TEXT));
        let mut f = Faults::default();
        f.set("refuse-logon", Some("MsgSeqNum too low, expecting 7")).unwrap();
        assert_eq!(f.refuse_logon.as_deref(), Some("MsgSeqNum too low, expecting 7"));
    }

    #[test]
    fn bad_items_are_named_with_the_reason() {
        let cases = [
            ("drop-every=0", "drop-every=0: \"0\" is not a whole number of at least 1"),
            ("drop-every=-1", "drop-every=-1: \"-1\" is not a whole number of at least 1"),
            ("dup-every", "dup-every: dup-every needs a value: dup-every=N"),
            ("delay=5", "delay=5: \"5\" has no unit; use ns, us, ms, s, m or h (e.g. 10s)"),
            ("jitter=2m", "jitter=2m: \"2m\" is longer than 60s"),
            ("stall=10", "stall=10: \"10\" is not EVERY:DUR, e.g. 1000:50ms (a 50ms stall after every 1000 orders)"),
            ("stall=0:1ms", "stall=0:1ms: \"0\" is not a whole number of at least 1"),
            ("stall=10:0ms", "stall=10:0ms: \"0ms\": a stall must last more than 0"),
            ("slow-read", "slow-read: slow-read needs a value: slow-read=BYTES_PER_S"),
            (
                "slow-read=0",
                "slow-read=0: \"0\" is not a read rate: bytes per second from 1 to 1000000000, like 4096, 64k or 1.5m",
            ),
            (
                "slow-read=0.5",
                "slow-read=0.5: \"0.5\" is not a read rate: bytes per second from 1 to 1000000000, like 4096, 64k or 1.5m",
            ),
            (
                "slow-read=2000m",
                "slow-read=2000m: \"2000m\" is not a read rate: bytes per second from 1 to 1000000000, like 4096, 64k or 1.5m",
            ),
            (
                "slow-read=64KiB",
                "slow-read=64KiB: \"64KiB\" is not a read rate: bytes per second from 1 to 1000000000, like 4096, 64k or 1.5m",
            ),
            ("refuse-logon=", "refuse-logon=: \"\": the text must be 1 to 128 printable ASCII characters"),
            ("delay=1ms,delay=2ms", "delay=2ms: delay is given twice"),
        ];
        for (spec, want) in cases {
            assert_eq!(list(spec).unwrap_err(), want, "{spec}");
        }
        let unknown = list("drop-every=5,lose=3").unwrap_err();
        assert!(unknown.starts_with("lose=3: unknown fault \"lose\"; the faults are delay, jitter"), "{unknown}");
    }

    #[test]
    fn describe_says_what_is_injected() {
        let f = list("drop-every=100,delay=200us,stall=10:5ms,slow-read=1.5m").unwrap();
        assert_eq!(f.describe(), "delay=200µs, stall=10:5ms, slow-read=1500000 bytes/s, drop-every=100");
        assert_eq!(Faults::default().describe(), "");
    }
}
