//! The doctor's checks, one function per check, grouped by what they look at: cores
//! (isolation, nohz_full, SMT), interrupts, power (governor, frequency, C-states), clocks
//! (TSC, clocksource, TSC rate) and the rest of the system (io_uring, memory, network, VM).
//!
//! Each check reads its facts through `host::read*` only, relative to the root in [`Ctx`],
//! and turns them into one [`Check`](super::doctor::Check) with what it found, why it
//! matters and the exact fix. A check never panics and never guesses: a fact it cannot read
//! makes it `unknown`, naming the file and why. Checks change nothing on the host.

pub mod clock;
pub mod cores;
#[cfg(test)]
pub mod fake;
pub mod irq;
pub mod power;
pub mod system;

use super::read::{self, format_cpu_list};
use std::path::Path;

/// What every check needs: the root and the cores being judged.
pub struct Ctx<'a> {
    pub root: &'a Path,
    /// The measurement cores, or why they are not known.
    pub cores: Result<Vec<usize>, String>,
    /// True when the cores came from `--cores`, false when they are `run`'s default.
    pub chosen: bool,
}

impl<'a> Ctx<'a> {
    /// `cores: None` means what `run` picks by default: the highest-numbered online core.
    pub fn new(root: &'a Path, cores: Option<&[usize]>) -> Ctx<'a> {
        let chosen = cores.is_some();
        let cores = match cores {
            Some([]) => Err("no measurement core was given".to_string()),
            Some(c) => {
                let mut c = c.to_vec();
                c.sort_unstable();
                c.dedup();
                Ok(c)
            }
            None => match read::online_cores(root) {
                Ok(online) => online.last().map(|&c| vec![c]).ok_or_else(|| "no core is online".to_string()),
                Err(e) => Err(format!("cannot tell which core run would use ({e}); pass --cores")),
            },
        };
        Ctx { root, cores, chosen }
    }

    /// "core 3" or "cores 2-3", for found text.
    pub fn cores_text(&self) -> String {
        match &self.cores {
            Ok(c) => cores_text(c),
            Err(_) => "the measurement cores".into(),
        }
    }

    /// The cores as a kernel CPU list (`2-3`), for commands in fixes.
    pub fn cores_arg(&self) -> String {
        match &self.cores {
            Ok(c) => format_cpu_list(c),
            Err(_) => "CORES".into(),
        }
    }

    /// Appended to a check's found text when the cores were not chosen with `--cores`.
    pub fn default_note(&self) -> &'static str {
        if self.chosen { "" } else { "; that is run's default, the highest online core (--cores checks others)" }
    }
}

/// "core 3" or "cores 2-3".
pub fn cores_text(cores: &[usize]) -> String {
    let s = if cores.len() == 1 { "" } else { "s" };
    format!("core{s} {}", format_cpu_list(cores))
}
