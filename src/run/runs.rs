//! `--runs N`: the same run repeated, each reported and written on its own, then the runs
//! combined (histograms added) with the run-to-run variation of each percentile.

use super::outputs::Which;
use super::{Outcome, RunConfig, run_once, write_outputs};
use crate::error::Error;

/// Runs `cfg.runs` times; stops early when a run fails or is interrupted.
pub(super) fn run_several(cfg: &RunConfig) -> Result<Outcome, Error> {
    let mut outcomes = Vec::new();
    for k in 1..=cfg.runs {
        if !cfg.quiet {
            eprintln!("== run {k} of {}", cfg.runs);
        }
        let o = run_once(cfg, Which::Run(k))?;
        let stop = o.result.status.interrupted || o.result.status.failure.is_some();
        outcomes.push(o);
        if stop {
            break;
        }
    }
    let last = outcomes.pop().expect("at least one run");
    write_outputs(cfg, &last.result, Which::All)?;
    Ok(last)
}
