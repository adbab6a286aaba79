//! SIGINT and SIGTERM during a run: the first asks the run to stop (it logs out, writes its
//! files and exits 130); one more, a second or more later, exits at once with 130.
//!
//! Signals that arrive within [`SAME_REQUEST`] of the first are that request again, not a
//! second one: `timeout 3 fixblast run …` sends SIGTERM to the process and to its group, and
//! an impatient Ctrl-C often comes twice. Exiting at once on those would lose the run's result.
//! Even an exit at once leaves earlier files whole: every file is written beside its target
//! and renamed over it (see [`crate::report::files`]).

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// How long after a stop request further signals are taken as the same request.
const SAME_REQUEST: Duration = Duration::from_secs(1);

/// Set by SIGINT/SIGTERM (and cleared by each run as it starts). The first call starts a thread
/// that waits for the signals.
pub(crate) fn interrupted() -> &'static Arc<AtomicBool> {
    static FLAG: OnceLock<Arc<AtomicBool>> = OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        // Without the thread the signals keep their default action: they end the process.
        if let Ok(signals) = Signals::new([SIGINT, SIGTERM]) {
            let watched = flag.clone();
            let _ = std::thread::Builder::new().name("signals".into()).spawn(move || watch(signals, &watched));
        }
        flag
    })
}

/// Takes each signal as it comes, for as long as the process lives.
fn watch(mut signals: Signals, flag: &AtomicBool) {
    let mut first = Instant::now();
    for _ in signals.forever() {
        if on_signal(flag, &mut first, Instant::now()) == Action::Exit {
            eprintln!("fixblast: signalled again while stopping; exiting at once (130)");
            std::process::exit(130);
        }
    }
}

/// What a signal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// Asks the run to stop.
    Stop,
    /// The stop request again: nothing to do.
    Same,
    /// A new request while stopping: exit at once.
    Exit,
}

/// Decides what a signal at `now` does. A signal when no stop was asked for (the flag is clear)
/// asks for one, and `first` records when; one within [`SAME_REQUEST`] of `first` repeats it;
/// one later exits.
fn on_signal(flag: &AtomicBool, first: &mut Instant, now: Instant) -> Action {
    if !flag.swap(true, Ordering::AcqRel) {
        *first = now;
        Action::Stop
    } else if now.duration_since(*first) < SAME_REQUEST {
        Action::Same
    } else {
        Action::Exit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_within_a_second_is_the_same_request_and_a_later_one_exits() {
        let flag = AtomicBool::new(false);
        let t0 = Instant::now();
        let mut first = t0;
        let at = |ms| t0 + Duration::from_millis(ms);
        assert_eq!(on_signal(&flag, &mut first, at(100)), Action::Stop);
        assert!(flag.load(Ordering::Acquire));
        assert_eq!(on_signal(&flag, &mut first, at(150)), Action::Same);
        assert_eq!(on_signal(&flag, &mut first, at(1_050)), Action::Same, "counted from the first");
        assert_eq!(on_signal(&flag, &mut first, at(1_100)), Action::Exit);
    }

    #[test]
    fn a_signal_after_the_flag_was_cleared_is_a_new_request() {
        // Each of --runs clears the flag: a signal in a later run stops that run gracefully.
        let flag = AtomicBool::new(false);
        let t0 = Instant::now();
        let mut first = t0;
        assert_eq!(on_signal(&flag, &mut first, t0), Action::Stop);
        flag.store(false, Ordering::Release);
        let later = t0 + Duration::from_secs(5);
        assert_eq!(on_signal(&flag, &mut first, later), Action::Stop);
        assert_eq!(on_signal(&flag, &mut first, later + Duration::from_millis(50)), Action::Same);
    }
}
