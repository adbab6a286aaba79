//! Bad input never loses a result: values past what the code behind them handles (rates,
//! lengths of time, FIX values, templates) exit 2 before a connection is made, naming the
//! flag, the value and the bound, instead of hanging, wrapping or sending nothing.

use super::{QUICK, bin, run, tmp};
use clap::Parser;
use fixblast::cli::{Cli, Command};
use fixblast::run::RunConfig;

/// `fixblast run ARGS` validated into a config, without running it.
fn config(args: &[&str]) -> Result<RunConfig, fixblast::error::Error> {
    let argv = ["fixblast", "run"].iter().chain(args);
    let cli = Cli::try_parse_from(argv).map_err(|e| fixblast::error::Error::Usage(e.to_string()))?;
    let Command::Run(a) = cli.command else { unreachable!() };
    RunConfig::from_args(&a)
}

/// Runs the binary with `argv`, expecting exit 2 and `needle` in stderr.
fn exits_2_saying(argv: &[&str], needle: &str) {
    let out = bin().args(argv).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{argv:?}: {err}");
    assert!(err.contains(needle), "{argv:?}: wanted {needle:?} in: {err}");
}

#[test]
fn rates_past_one_per_nanosecond_exit_2_naming_the_flag() {
    let too_fast = "at most 1000000000 orders/s (one per nanosecond)";
    for (argv, needle) in [
        (&["run", "--rate", "1e19"][..], format!("'--rate <ORDERS_PER_S>': \"1e19\": {too_fast}")),
        (&["run", "--rate", "1001m"], format!("\"1001m\": {too_fast}")),
        (
            &["run", "--profile", "normal", "--base-rate", "2e9"],
            format!("'--base-rate <ORDERS_PER_S>': \"2e9\": {too_fast}"),
        ),
        (&["run", "--profile", "ramp-up", "--multiplier", "1e6"], "--multiplier 1000000: the peak".into()),
        (&["run", "--profile", "step:1k/1s,2e9/1s"], format!("--profile \"step:1k/1s,2e9/1s\": \"2e9\": {too_fast}")),
    ] {
        exits_2_saying(argv, &needle);
    }
}

/// A value that starts with `-` reaches the flag's own parser, which names the flag and
/// says what is allowed, instead of clap taking it for an unknown flag.
#[test]
fn negative_values_reach_the_flags_parser_and_name_the_flag() {
    for (argv, needle) in [
        (&["run", "--rate", "-5"][..], "'--rate <ORDERS_PER_S>': \"-5\": must be positive"),
        (&["run", "--rate", "-5k"], "'--rate <ORDERS_PER_S>': \"-5k\": must be positive"),
        (&["run", "--logon-rate", "-1"], "'--logon-rate <PER_S>': \"-1\": must be positive"),
        (&["run", "--duration", "-5s"], "'--duration <DUR>': \"-5s\" is not a duration"),
        (&["run", "--sessions", "-1"], "'--sessions <N>'"),
        (&["run", "--window", "-4"], "'--window <K>'"),
        (&["run", "--max-error-rate", "-0.1"], "'--max-error-rate <R>'"),
        (&["compare", "--fail-if-worse", "-5%", "a.json", "b.json"], "'--fail-if-worse <PCT>'"),
        (&["gateway", "--disconnect-after", "-1"], "'--disconnect-after <N>'"),
    ] {
        exits_2_saying(argv, needle);
    }
}

/// The top rate is one the schedule handles: the run ends on time and every order due is
/// accounted for, sent or not. Above it, the send loop counted orders one by one for ever
/// and ignored the first Ctrl-C.
#[test]
fn the_highest_rate_ends_on_time_and_accounts_for_every_order() {
    let t0 = std::time::Instant::now();
    let argv = "--rate 1e9 --duration 300ms --warmup 100ms --timeout 100ms --poll yield --quiet --backend syscall";
    let out = run(&argv.split(' ').collect::<Vec<_>>()).unwrap();
    assert!(t0.elapsed() < std::time::Duration::from_secs(15), "took {:?}", t0.elapsed());
    let o = &out.result.orders;
    assert_eq!(o.sent + o.not_sent, 300_000_000, "{o:?}");
    assert_eq!(out.result.throughput.rate_achieved, Some(false));
}

#[test]
fn lengths_of_time_past_their_bounds_exit_2_naming_the_flag() {
    for (argv, needle) in [
        (
            &["run", "--duration", "99999999999999999s"][..],
            "'--duration <DUR>': \"99999999999999999s\" is too long: its nanoseconds do not fit in 64 bits",
        ),
        (&["run", "--duration", "169h"], "--duration 169h: at most 7 days (168h)"),
        (&["run", "--warmup", "200h"], "--warmup 200h: at most 7 days (168h)"),
        (&["run", "--interval", "10081m"], "--interval 10081m: at most 7 days (168h)"),
        (&["run", "--timeout", "61s"], "--timeout 61s: at most 60s"),
        (&["run", "--start-at", "+1000h"], "--start-at +1000h: more than a day ahead"),
        (&["run", "--start-at", "+99999999999999999s"], "'--start-at <WHEN>'"),
        (&["run", "--profile", "ramp:1k..2k/169h"], "\"169h\": at most 7 days (168h)"),
    ] {
        exits_2_saying(argv, needle);
    }
}

/// Each bound itself is allowed (checked without running for a week).
#[test]
fn the_bounds_themselves_are_accepted() {
    let bounds = "--rate 1e9 --duration 168h --warmup 168h --interval 168h --timeout 60s --start-at +24h";
    let c = config(&bounds.split(' ').collect::<Vec<_>>()).unwrap();
    assert_eq!(c.timing.duration_ns, 7 * 86_400 * 1_000_000_000);
    assert!(config(&["--profile", "ramp-up", "--base-rate", "500m", "--multiplier", "2"]).is_ok());
    assert!(config(&["--profile", "ramp:1k..1e9/168h"]).is_ok());
}

/// SOH in any value that goes into a FIX field would end the field there and corrupt the
/// message: refused, naming the flag (a password is never shown).
#[test]
fn soh_in_a_value_for_a_fix_field_exits_2_naming_the_flag() {
    let soh = "a\u{1}b";
    let says = ": byte 1 is SOH (0x01), the FIX field delimiter";
    for flag in ["--username", "--sender-comp-id", "--target-comp-id"] {
        exits_2_saying(&["run", flag, soh], &format!("{flag} \"a\\u{{1}}b\"{says}"));
    }
    let out = bin().args(["run", "--password", "s3\u{1}cret"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("--password (not shown): byte 2 is SOH") && !err.contains("cret"), "{err}");
    exits_2_saying(&["run", "--clordid-prefix", soh], "--clordid-prefix \"a\\u{1}b\"");
    exits_2_saying(&["run", "--username", ""], "--username \"\": empty value; FIX does not allow empty fields");
    let long = "u".repeat(129);
    exits_2_saying(&["run", "--password", &long], "--password (not shown): 129 bytes, more than 128");
}

/// `=` is part of a value (a field splits at its first `=`): a Logon whose Username and
/// Password hold some logs on and the run completes.
#[test]
fn an_equals_sign_in_username_and_password_logs_on() {
    let out = run(&[QUICK, &["--rate", "200", "--username", "u=1", "--password", "p=w=d"]].concat()).unwrap();
    assert_eq!(out.exit_code(), 0, "{:?}", out.result.status);
    assert!(out.result.orders.acked > 0, "{:?}", out.result.orders);
}

/// A template whose messages cannot fit in a connection's send buffer: `template check` and
/// `run` refuse it alike (one check), naming the line, the tag and its size. Before, check
/// passed it and run logged on, sent nothing and blamed itself for falling behind.
#[test]
fn a_template_too_long_to_send_exits_2_in_check_and_run_alike() {
    let dir = tmp("bounds");
    let shipped = std::fs::read_to_string("fix-templates/new-order-single.fix").unwrap();
    for n in [70_000, 3_000_000] {
        let path = dir.path().join(format!("text-{n}.fix"));
        std::fs::write(&path, format!("{shipped}58={}\n", "x".repeat(n))).unwrap();
        let path = path.to_str().unwrap();
        let needle = format!("text-{n}.fix:29: tag 58: {n} bytes: a message of this template would be up to");
        exits_2_saying(&["template", "check", path], &needle);
        exits_2_saying(&["run", "--template", path], &needle);
    }
    let path = dir.path().join("symbol.fix");
    std::fs::write(&path, shipped.replace("55=ACME", &format!("55={}", "S".repeat(300)))).unwrap();
    exits_2_saying(&["template", "check", path.to_str().unwrap()], "symbol.fix:19: tag 55: 300 bytes, more than 64");
}

#[test]
fn a_gateway_that_would_drop_every_connection_before_logon_exits_2() {
    exits_2_saying(
        &["gateway", "--disconnect-after", "0"],
        "--disconnect-after 0: would drop each connection before its logon; must be at least 1",
    );
}
