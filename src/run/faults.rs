//! `run --gateway-fault`: the faults the built-in gateway injects, parsed by the gateway's
//! own parser ([`Faults::parse_list`]), so an item means what the flag of the same name
//! means to `fixblast gateway`.

use crate::cli::RunArgs;
use crate::error::{Error, usage};
use crate::gateway::Faults;

/// The built-in gateway's faults (none without `--gateway-fault`). A bad item exits 2
/// naming it; faults with `--target` are refused, since fixblast cannot make another
/// gateway misbehave.
pub(super) fn gateway_faults(a: &RunArgs) -> Result<Faults, Error> {
    let Some(spec) = &a.gateway_fault else { return Ok(Faults::default()) };
    if a.target.is_some() {
        return usage(format!(
            "--gateway-fault {spec:?}: only the built-in gateway injects faults; drop --target, or start \
             `fixblast gateway` with the same faults as flags"
        ));
    }
    Faults::parse_list(spec, a.seed).map_err(|(item, e)| Error::Usage(format!("--gateway-fault {item:?}: {e}")))
}
