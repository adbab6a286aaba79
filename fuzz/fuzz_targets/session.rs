//! An initiator and an acceptor session on a virtual clock, driven by a script decoded from
//! the input: forged messages near the expected MsgSeqNum (so that most get past framing and
//! sequence checks), raw bytes, deliveries in pieces, clock moves, application messages,
//! Logout, a refused Logon and a dropped connection. `fix::session::props::run` checks the
//! session's promises after every step.
#![no_main]

use arbitrary::{Result, Unstructured};
use fixblast::fix::session::props::{Forged, MSG_TYPES, Num, Setup, Side, Step, run};
use libfuzzer_sys::fuzz_target;

/// Steps per input at most.
const MAX_STEPS: usize = 128;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(setup) = setup(&mut u) else { return };
    let mut steps = Vec::new();
    while !u.is_empty() && steps.len() < MAX_STEPS {
        match step(&mut u) {
            Ok(s) => steps.push(s),
            Err(_) => break,
        }
    }
    if let Err(e) = run(setup, &steps) {
        panic!("{e}");
    }
});

fn setup(u: &mut Unstructured<'_>) -> Result<Setup> {
    Ok(Setup {
        // Up to the year 2100.
        start: u.int_in_range(0..=4_102_444_800_000_000_000)?,
        heartbeat_s: if u.ratio(3, 4)? { 30 } else { u.arbitrary()? },
        reset_seq: u.arbitrary()?,
    })
}

fn side(u: &mut Unstructured<'_>) -> Result<Side> {
    Ok(if u.arbitrary()? { Side::Initiator } else { Side::Acceptor })
}

/// Mostly in or next to sequence, sometimes anything.
fn num(u: &mut Unstructured<'_>) -> Result<Num> {
    Ok(if u.ratio(1, 8)? { Num::Any(u.arbitrary()?) } else { Num::Near(u.int_in_range(-3..=3)?) })
}

fn maybe<T>(u: &mut Unstructured<'_>, f: impl FnOnce(&mut Unstructured<'_>) -> Result<T>) -> Result<Option<T>> {
    Ok(if u.arbitrary()? { Some(f(u)?) } else { None })
}

fn forged(u: &mut Unstructured<'_>) -> Result<Forged> {
    Ok(Forged {
        msg_type: u.choose_index(MSG_TYPES.len())?,
        seq: if u.ratio(1, 16)? { None } else { Some(num(u)?) },
        poss_dup: u.ratio(1, 4)?,
        gap_fill: u.arbitrary()?,
        reset_seq: u.ratio(1, 8)?,
        new_seq: maybe(u, num)?,
        begin_seq: maybe(u, num)?,
        heart_bt_int: maybe(u, |u| if u.arbitrary()? { u.int_in_range(0..=5) } else { u.arbitrary() })?,
        test_req_id: maybe(u, |u| u.arbitrary())?,
        text: maybe(u, |u| u.arbitrary())?,
    })
}

fn step(u: &mut Unstructured<'_>) -> Result<Step> {
    Ok(match u.int_in_range(0..=15u8)? {
        0..=3 => Step::Forge { to: side(u)?, msg: forged(u)? },
        4 => Step::Raw { to: side(u)?, bytes: u.arbitrary()? },
        5..=8 => {
            let to = side(u)?;
            Step::Deliver { to, max: if u.arbitrary()? { usize::MAX } else { u.int_in_range(0..=255)? } }
        }
        // Up to about 137 s.
        9 => Step::Wait { ns: u.int_in_range(0..=1 << 37)? },
        10 => Step::UntilDeadline,
        11 | 12 => Step::App(side(u)?),
        13 => Step::Logout(side(u)?),
        14 => Step::RefuseLogon,
        _ => Step::Disconnect,
    })
}
