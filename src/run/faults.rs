//! `run --gateway-fault`: the faults the built-in gateway injects, parsed by the gateway's
//! own parser ([`Faults::parse_list`]), so an item means what the flag of the same name
//! means to `fixblast gateway`.

use crate::cli::RunArgs;
use crate::error::{Error, usage};
use crate::gateway::Faults;

/// The built-in gateway's faults (none without `--gateway-fault`), and its
/// `disconnect-after=N` item: the gateway's own `--disconnect-after` flag, which closes each
/// connection after answering N orders (a new connection starts counting again). A bad item
/// exits 2 naming it; faults with `--target` are refused, since fixblast cannot make another
/// gateway misbehave.
pub(super) fn gateway_faults(a: &RunArgs) -> Result<(Faults, Option<u64>), Error> {
    let Some(spec) = &a.gateway_fault else { return Ok((Faults::default(), None)) };
    if a.target.is_some() {
        return usage(format!(
            "--gateway-fault {spec:?}: only the built-in gateway injects faults; drop --target, or start \
             `fixblast gateway` with the same faults as flags"
        ));
    }
    let mut disconnect_after = None;
    let mut rest = Vec::new();
    for item in spec.split(',') {
        match item.trim().split_once('=') {
            Some((name, n)) if name.trim() == "disconnect-after" => {
                let bad = || {
                    Error::Usage(format!(
                        "--gateway-fault {:?}: N must be a whole number of orders, 1 or more",
                        item.trim()
                    ))
                };
                if disconnect_after.is_some() {
                    return usage(format!("--gateway-fault {spec:?}: disconnect-after is given twice"));
                }
                disconnect_after = Some(n.trim().parse::<u64>().ok().filter(|&n| n > 0).ok_or_else(bad)?);
            }
            _ => rest.push(item),
        }
    }
    let faults = Faults::parse_list(&rest.join(","), a.seed)
        .map_err(|(item, e)| Error::Usage(format!("--gateway-fault {item:?}: {e}")))?;
    Ok((faults, disconnect_after))
}
