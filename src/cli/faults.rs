//! `fixblast gateway`'s fault flags, apart from the rest of the command line so that the
//! list can grow without crowding `cli.rs`. Each names an item of `run --gateway-fault`;
//! both are parsed by [`crate::gateway::Faults::set`].

use clap::Args;

/// The gateway's fault flags (README: "Fault injection"). Each is deterministic: counted per
/// connection, or drawn from --seed. `run --gateway-fault` takes the same names.
#[derive(Debug, Args)]
#[command(next_help_heading = "Fault injection")]
pub struct FaultArgs {
    /// Hold every reply to an order for DUR before sending it (at most 60s). The session's
    /// own messages queue behind held replies, so MsgSeqNums stay in order.
    #[arg(long, value_name = "DUR")]
    pub delay: Option<String>,

    /// Add a random hold, uniform in [0, DUR] and drawn from --seed, to every reply. Replies
    /// still leave in order: one held longer holds those behind it.
    #[arg(long, value_name = "DUR")]
    pub jitter: Option<String>,

    /// After every EVERY orders on a connection, neither read nor write it for DUR (its
    /// heartbeats too): `1000:50ms`.
    #[arg(long, value_name = "EVERY:DUR")]
    pub stall: Option<String>,

    /// Take each connection's input at most BYTES_PER_S (4096, 64k, 1.5m; k and m are
    /// thousands and millions; 1 to 1000m) through a 4 KiB socket receive buffer: the
    /// client's writes meet a closed TCP window and must wait. A message is never split; one
    /// longer than the credit goes whole and is paid back before the next.
    #[arg(long, value_name = "BYTES_PER_S")]
    pub slow_read: Option<String>,

    /// Answer every Logon with a Logout carrying TEXT (default "logon refused by
    /// --refuse-logon"), and close the connection.
    #[arg(long, value_name = "TEXT", num_args = 0..=1)]
    pub refuse_logon: Option<Option<String>>,

    /// Answer every Nth order with a session Reject (35=3) whose RefSeqNum (45) is the
    /// order's MsgSeqNum, instead of an ExecutionReport.
    #[arg(long, value_name = "N")]
    pub session_reject_every: Option<String>,

    /// Answer every Nth order with a BusinessMessageReject (35=j, 379 = its ClOrdID, 45 = its
    /// MsgSeqNum, 380=0) instead of an ExecutionReport.
    #[arg(long, value_name = "N")]
    pub business_reject_every: Option<String>,

    /// After every Nth reply, write bytes that are not FIX.
    #[arg(long, value_name = "N")]
    pub garbage_every: Option<String>,

    /// Send every Nth reply with a wrong CheckSum (10).
    #[arg(long, value_name = "N")]
    pub bad_checksum_every: Option<String>,

    /// Skip a MsgSeqNum before every Nth reply.
    #[arg(long, value_name = "N")]
    pub seq_gap_every: Option<String>,

    /// After every Nth ExecutionReport, send it again as an engine resends a message: the same
    /// MsgSeqNum, PossDupFlag (43) Y and OrigSendingTime (122).
    #[arg(long, value_name = "N")]
    pub dup_every: Option<String>,

    /// Never answer every Nth order.
    #[arg(long, value_name = "N")]
    pub drop_every: Option<String>,

    /// Seed of the --jitter draws (every connection draws the same sequence).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,
}

impl FaultArgs {
    /// The fault flags given, by name (`delay`, `drop-every` …), with their values; `None`
    /// for --refuse-logon without TEXT.
    pub fn given(&self) -> Vec<(&'static str, Option<&str>)> {
        let flags = [
            ("delay", &self.delay),
            ("jitter", &self.jitter),
            ("stall", &self.stall),
            ("slow-read", &self.slow_read),
            ("session-reject-every", &self.session_reject_every),
            ("business-reject-every", &self.business_reject_every),
            ("garbage-every", &self.garbage_every),
            ("bad-checksum-every", &self.bad_checksum_every),
            ("seq-gap-every", &self.seq_gap_every),
            ("dup-every", &self.dup_every),
            ("drop-every", &self.drop_every),
        ];
        let mut given: Vec<_> = flags.into_iter().filter_map(|(n, v)| Some((n, Some(v.as_deref()?)))).collect();
        if let Some(text) = &self.refuse_logon {
            given.push(("refuse-logon", text.as_deref()));
        }
        given
    }
}
