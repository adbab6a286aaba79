//! The session's promises ([`props`](super::props)) over scripts proptest draws: a short
//! run of what the fuzz target `session` runs for millions of inputs.

use super::props::{Forged, MSG_TYPES, Num, Seen, Setup, Side, Step, run};
use proptest::prelude::*;

fn side() -> impl Strategy<Value = Side> {
    prop_oneof![Just(Side::Initiator), Just(Side::Acceptor)]
}

/// Mostly in or next to sequence, sometimes anything.
fn num() -> impl Strategy<Value = Num> {
    prop_oneof![6 => (-3i32..=3).prop_map(Num::Near), 1 => any::<u32>().prop_map(Num::Any)]
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![3 => "[A-Za-z0-9 =]{0,12}".prop_map(String::into_bytes), 1 => proptest::collection::vec(any::<u8>(), 0..max)]
}

fn forged() -> impl Strategy<Value = Forged> {
    let flags = (prop::bool::weighted(0.2), prop::bool::weighted(0.3), prop::bool::weighted(0.1));
    let numbers = (prop::option::weighted(0.95, num()), prop::option::of(num()), prop::option::of(num()));
    let heartbeat = prop::option::of(prop_oneof![0u32..5, Just(30), any::<u32>()]);
    let texts = (prop::option::of(bytes(80)), prop::option::of(bytes(200)));
    (0..MSG_TYPES.len(), flags, numbers, heartbeat, texts).prop_map(
        |(msg_type, (poss_dup, gap_fill, reset_seq), (seq, new_seq, begin_seq), heart_bt_int, (test_req_id, text))| {
            Forged { msg_type, seq, poss_dup, gap_fill, reset_seq, new_seq, begin_seq, heart_bt_int, test_req_id, text }
        },
    )
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (side(), forged()).prop_map(|(to, msg)| Step::Forge { to, msg }),
        2 => (side(), proptest::collection::vec(any::<u8>(), 0..40)).prop_map(|(to, bytes)| Step::Raw { to, bytes }),
        12 => (side(), prop_oneof![3 => Just(usize::MAX), 1 => 0usize..200]).prop_map(|(to, max)| Step::Deliver { to, max }),
        3 => (0u64..100_000_000_000).prop_map(|ns| Step::Wait { ns }),
        3 => Just(Step::UntilDeadline),
        4 => side().prop_map(Step::App),
        1 => side().prop_map(Step::Logout),
        1 => Just(Step::RefuseLogon),
        1 => Just(Step::Disconnect),
    ]
}

fn setup() -> impl Strategy<Value = Setup> {
    (0u64..4_102_444_800_000_000_000, prop_oneof![Just(30), 0u32..5, any::<u32>()], any::<bool>())
        .prop_map(|(start, heartbeat_s, reset_seq)| Setup { start, heartbeat_s, reset_seq })
}

proptest! {
    #[test]
    fn a_session_pair_keeps_its_promises_whatever_arrives(
        setup in setup(),
        steps in proptest::collection::vec(step(), 0..48),
    ) {
        run(setup, &steps).map_err(TestCaseError::fail)?;
    }
}

/// The script a pair logs on, trades and logs out with: each promise checked on the way.
#[test]
fn a_plain_logon_exchange_and_logout_keeps_the_promises() {
    let setup = Setup { start: 1_700_000_000_000_000_000, heartbeat_s: 30, reset_seq: true };
    let steps = [
        Step::Deliver { to: Side::Acceptor, max: usize::MAX },
        Step::Deliver { to: Side::Initiator, max: usize::MAX },
        Step::App(Side::Initiator),
        Step::Deliver { to: Side::Acceptor, max: 10 },
        Step::Deliver { to: Side::Acceptor, max: usize::MAX },
        Step::App(Side::Acceptor),
        Step::Wait { ns: 31_000_000_000 },
        Step::UntilDeadline,
        Step::Deliver { to: Side::Initiator, max: usize::MAX },
        Step::Logout(Side::Initiator),
        Step::Deliver { to: Side::Acceptor, max: usize::MAX },
        Step::Deliver { to: Side::Initiator, max: usize::MAX },
    ];
    // Each side sends its Logon, a Heartbeat when idle for 30 s, a TestRequest when the peer
    // has been silent for 36 s, the Heartbeat that answers the peer's, and its Logout. The
    // callers get the order and the report.
    let seen = Seen { logged_on: [true; 2], sent: [5, 5], handed: [1, 1], closed: [true; 2] };
    assert_eq!(run(setup, &steps), Ok(seen));
}
