#!/usr/bin/env bash
# Removes memory-management stalls: transparent huge pages off (or madvise), swap off and
# vm.swappiness low.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: sudo tuning/memory.sh [--thp never|madvise|keep] [--swap off|keep] [--swappiness N] [--dry-run]
       sudo tuning/memory.sh --revert [--dry-run]

  --thp never (default)  transparent huge pages off, and no synchronous compaction
                         (/sys/kernel/mm/transparent_hugepage/{enabled,defrag} = never);
                         madvise: only for programs that ask (defrag madvise too)
  --swap off (default)   swapoff -a: nothing of the harness or gateway can be swapped out
  --swappiness N         vm.swappiness (default 1)

Previous values and active swap areas are saved in $STATE_DIR/memory.state (default
/var/lib/fixblast-tuning); --revert restores them (swapon for each area). Nothing here
survives a reboot: for good, set transparent_hugepage=never on the kernel command line,
vm.swappiness in /etc/sysctl.d/, and comment the swap out of /etc/fstab.
EOF
}

THP=never
SWAP=off
SWAPPINESS=1
while (($#)); do
    if ! common_option "$1"; then
        case "$1" in
            --thp)
                THP=${2:-}
                shift
                [[ $THP =~ ^(never|madvise|keep)$ ]] || die "--thp takes never, madvise or keep"
                ;;
            --swap)
                SWAP=${2:-}
                shift
                [[ $SWAP =~ ^(off|keep)$ ]] || die "--swap takes off or keep"
                ;;
            --swappiness)
                SWAPPINESS=${2:-}
                shift
                if ! [[ $SWAPPINESS =~ ^[0-9]+$ ]] || ((SWAPPINESS > 200)); then die "--swappiness takes 0 to 200"; fi
                ;;
            *) die "unknown argument $1 (see --help)" ;;
        esac
    fi
    shift
done

revert_or_continue

thp=/sys/kernel/mm/transparent_hugepage
if [[ $THP == keep ]]; then
    say "transparent huge pages left as they are"
else
    set_choice $thp/enabled "$THP"
    set_choice $thp/defrag "$THP"
fi

if [[ $SWAP == off ]]; then
    areas=""
    [[ -r $ROOT/proc/swaps ]] && areas=$(awk 'NR > 1 { print $1 }' "$ROOT/proc/swaps" | tr '\n' ' ')
    if [[ -z ${areas// /} ]]; then
        say "ok: no swap is active"
    else
        for a in $areas; do save_revert_cmd swapon "$a"; done
        run_cmd swapoff -a
    fi
fi
set_value /proc/sys/vm/swappiness "$SWAPPINESS"
say "done. Check with: fixblast doctor"
