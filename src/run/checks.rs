//! Bounds `fixblast run` holds its values to, each one what the code behind the value can
//! handle: lengths of time the schedule counts in exactly, values a FIX field can carry, and
//! templates a connection can send. Each refusal names the flag and the value and says the
//! bound (exit 2), before a connection is made.

use crate::cli::RunArgs;
use crate::engine::reconnect::Policy;
use crate::engine::worker::MAX_SESSION_VALUE;
use crate::engine::{MAX_SPAN, MAX_SPAN_TEXT};
use crate::error::{Error, usage};
use crate::fix::clordid;
use crate::fix::template::TemplateSpec;
use crate::fix::value::check_value;
use crate::metrics::MAX_NS;
use crate::units::{MAX_RATE, StartAt, show_duration};
use std::time::Duration;

/// The longest `--timeout`: a reply later than 60 s is past the histograms' range
/// (`metrics::MAX_NS`) and counts as `out_of_range`, never as a latency, so a longer wait
/// measures nothing more.
pub const MAX_TIMEOUT: Duration = Duration::from_nanos(MAX_NS);

/// The furthest ahead `--start-at` may be, as Unix seconds or as an offset (`+5s`).
pub const MAX_START_AHEAD: Duration = Duration::from_secs(86_400);

/// Holds `--duration`, `--warmup` and `--interval` to [`MAX_SPAN`] and `--timeout` to
/// [`MAX_TIMEOUT`]: together with `--start-at`, every time of the run stays where the
/// schedule counts nanoseconds exactly, and no sum of them overflows.
pub(super) fn check_spans(a: &RunArgs) -> Result<(), Error> {
    let timeout_text = "60s (a reply later than that is out of the histograms' range)";
    for (flag, value, max, max_text) in [
        ("--duration", a.duration, MAX_SPAN, MAX_SPAN_TEXT),
        ("--warmup", a.warmup, MAX_SPAN, MAX_SPAN_TEXT),
        ("--interval", a.interval, MAX_SPAN, MAX_SPAN_TEXT),
        ("--timeout", a.timeout, MAX_TIMEOUT, timeout_text),
    ] {
        if value > max {
            return usage(format!("{flag} {}: at most {max_text}", show_duration(value)));
        }
    }
    Ok(())
}

/// The peak of a `--profile` preset, `--base-rate` × `--multiplier`, held to [`MAX_RATE`]
/// like every other rate.
pub(super) fn check_preset_peak(base: f64, mult: f64) -> Result<(), Error> {
    if base * mult > MAX_RATE {
        return usage(format!(
            "--multiplier {mult}: the peak, --base-rate {base} x {mult} = {} orders/s, is more than {} (one per \
             nanosecond)",
            base * mult,
            MAX_RATE as u64
        ));
    }
    Ok(())
}

/// `--start-at` as UTC ns since the Unix epoch: not in the past, at most
/// [`MAX_START_AHEAD`] ahead of `now_utc_s`, whether given as a time or as an offset.
pub(super) fn start_at_utc_ns(start: Option<StartAt>, now_utc_s: f64) -> Result<Option<u64>, Error> {
    let ahead = MAX_START_AHEAD.as_secs_f64();
    match start {
        None => Ok(None),
        Some(StartAt::In(d)) if d > MAX_START_AHEAD => {
            usage(format!("--start-at +{}: more than a day ahead; give at most +24h", show_duration(d)))
        }
        Some(StartAt::In(d)) => Ok(Some(((now_utc_s + d.as_secs_f64()) * 1e9) as u64)),
        Some(StartAt::Unix(t)) if t < now_utc_s => usage(format!(
            "--start-at {t}: that is {:.1}s in the past (now is {now_utc_s:.1}); give a later time or +DURATION",
            now_utc_s - t
        )),
        Some(StartAt::Unix(t)) if t > now_utc_s + ahead => {
            usage(format!("--start-at {t}: more than a day ahead (now is {now_utc_s:.1})"))
        }
        Some(StartAt::Unix(t)) => Ok(Some((t * 1e9) as u64)),
    }
}

/// Checks a flag's value for the FIX field it goes into, with [`check_value`] (no SOH, not
/// empty) and at most [`MAX_SESSION_VALUE`] bytes, so the Logon that carries it can be sent.
/// The message shows the value, except a password's.
pub(super) fn field_value(flag: &str, value: &str) -> Result<(), Error> {
    check_value(value.as_bytes(), MAX_SESSION_VALUE).or_else(|e| match flag {
        "--password" => usage(format!("{flag} (not shown): {e}")),
        _ => usage(format!("{flag} {value:?}: {e}")),
    })
}

/// Every flag value that goes into a FIX field: the CompIDs, the ClOrdID prefix, Username
/// and Password. CompIDs are also printable ASCII without spaces or `|` (which shows SOH in
/// fixblast's output), and the prefix follows [`clordid::check_prefix`].
pub(super) fn check_field_values(a: &RunArgs) -> Result<(), Error> {
    for (flag, id) in [("--sender-comp-id", &a.sender_comp_id), ("--target-comp-id", &a.target_comp_id)] {
        field_value(flag, id)?;
        if !id.bytes().all(|b| b.is_ascii_graphic() && b != b'|') {
            return usage(format!("{flag} {id:?}: a CompID must be non-empty printable ASCII without spaces or '|'"));
        }
    }
    if let Some(p) = &a.clordid_prefix {
        // Its own rules first: they are narrower, and say what a prefix may hold.
        if let Err(e) = clordid::check_prefix(p) {
            return usage(format!("--clordid-prefix {p:?}: {e}"));
        }
        field_value("--clordid-prefix", p)?;
    }
    for (flag, value) in [("--username", &a.username), ("--password", &a.password)] {
        if let Some(v) = value {
            field_value(flag, v)?;
        }
    }
    Ok(())
}

/// Holds every template of the run to what one connection can send
/// ([`TemplateSpec::check_fits`], as `template check` does), for the longest session
/// name, the ClOrdID stem and the longest order of the feed.
pub(super) fn check_templates<'a>(
    templates: impl IntoIterator<Item = &'a TemplateSpec>,
    a: &RunArgs,
    max_part: usize,
    room: usize,
) -> Result<(), Error> {
    // Session k of N is named SENDER_COMP_IDk: the last has the most digits.
    let sender = a.sender_comp_id.len() + if a.sessions > 1 { a.sessions.to_string().len() } else { 0 };
    let stem = a.clordid_prefix.as_ref().map_or(0, String::len) + clordid::TAG_LEN;
    for t in templates {
        t.check_fits(sender, a.target_comp_id.len(), stem, max_part, room)?;
    }
    Ok(())
}
/// The most tries `--reconnect` takes per loss: with the backoff capped at 5 s, 1,000 tries
/// wait well over an hour for a gateway, far longer than a measurement should.
pub const MAX_RECONNECT_TRIES: u32 = 1000;

/// The longest `--reconnect-backoff`.
pub const MAX_RECONNECT_BACKOFF: Duration = Duration::from_secs(60);

/// `--reconnect [TRIES]` and `--reconnect-backoff` as a policy; `None` without them.
pub(super) fn reconnect(a: &RunArgs) -> Result<Option<Policy>, Error> {
    let Some(tries) = a.reconnect else { return Ok(None) };
    if !(1..=MAX_RECONNECT_TRIES).contains(&tries) {
        return usage(format!("--reconnect {tries}: tries per lost connection must be 1 to {MAX_RECONNECT_TRIES}"));
    }
    let backoff = a.reconnect_backoff.unwrap_or(Duration::from_millis(100));
    if backoff > MAX_RECONNECT_BACKOFF {
        return usage(format!(
            "--reconnect-backoff {}: at most {}",
            show_duration(backoff),
            show_duration(MAX_RECONNECT_BACKOFF)
        ));
    }
    Ok(Some(Policy { tries, backoff }))
}
