#!/usr/bin/env bash
# Cuts receive latency on the interface that faces the gateway: socket busy polling, no
# interrupt coalescing, receive processing kept on the interrupted core (no RPS), and one
# transmit queue per CPU (XPS).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: sudo tuning/network.sh IFACE [--busy-poll US] [--coalesce off|keep] [--rps off|CPUS|keep]
                                    [--xps spread|keep] [--dry-run]
       sudo tuning/network.sh --revert [--dry-run]

  --busy-poll US      net.core.busy_poll and net.core.busy_read (default 50): a read or poll
                      on a socket spins on the NIC queue for up to US microseconds instead
                      of waiting for the interrupt
  --coalesce off      ethtool -C IFACE adaptive-rx off adaptive-tx off rx-usecs 0 tx-usecs 0
                      (default): interrupt at once for every packet; keep: leave it
  --rps off           RPS off on every receive queue (default): the packet is processed on
                      the core that took the interrupt, no extra hop; CPUS steers it to
                      those CPUs instead (e.g. housekeeping cores); keep: leave it
  --xps spread        XPS maps CPUs round-robin to transmit queues, one queue per CPU where
                      there are enough (default); keep: leave it

Previous values are saved in $STATE_DIR/network.state (default /var/lib/fixblast-tuning)
and --revert restores them. Nothing here survives a reboot. Loopback (lo) takes none of
this: use a real interface.
EOF
}

IFACE=""
BUSY=50
COALESCE=off
RPS=off
XPS=spread
while (($#)); do
    if ! common_option "$1"; then
        case "$1" in
            --busy-poll)
                BUSY=${2:-}
                shift
                [[ $BUSY =~ ^[0-9]+$ ]] || die "--busy-poll takes microseconds, e.g. 50"
                ;;
            --coalesce)
                COALESCE=${2:-}
                shift
                [[ $COALESCE =~ ^(off|keep)$ ]] || die "--coalesce takes off or keep"
                ;;
            --rps)
                RPS=${2:-}
                shift
                [[ $RPS == off || $RPS == keep ]] || valid_list "$RPS" || die "--rps takes off, keep or a CPU list"
                ;;
            --xps)
                XPS=${2:-}
                shift
                [[ $XPS =~ ^(spread|keep)$ ]] || die "--xps takes spread or keep"
                ;;
            -*) die "unknown option $1 (see --help)" ;;
            *)
                [[ -z $IFACE ]] || die "one IFACE, please (got $IFACE and $1)"
                IFACE=$1
                ;;
        esac
    fi
    shift
done

revert_or_continue
[[ -n $IFACE ]] || {
    usage >&2
    exit 2
}
net=/sys/class/net/$IFACE
[[ -e $ROOT$net ]] || die "no interface $IFACE here (see ip link)"
[[ $IFACE == lo ]] && warn "loopback has no NIC queue to poll and no interrupts to coalesce; this changes little"

# 1. Busy polling.
set_value /proc/sys/net/core/busy_poll "$BUSY"
set_value /proc/sys/net/core/busy_read "$BUSY"

# 2. Interrupt coalescing, through ethtool. Only the settings the driver reports are changed.
if [[ $COALESCE == off ]]; then
    if ! command -v ethtool >/dev/null; then
        warn "ethtool is not installed (apt-get install ethtool): interrupt coalescing left as it is"
    elif [[ -n $ROOT ]]; then
        say "skip (FIXBLAST_TUNING_ROOT is set): ethtool -C $IFACE …"
    elif ! cur=$(ethtool -c "$IFACE" 2>/dev/null); then
        say "skip: $IFACE reports no interrupt coalescing settings (ethtool -c)"
    else
        want=() old=()
        read -r arx atx < <(awk '/^Adaptive RX:/ { print $3, $5 }' <<<"$cur") || true
        if [[ ${arx:-} == on ]]; then want+=(adaptive-rx off) && old+=(adaptive-rx on); fi
        if [[ ${atx:-} == on ]]; then want+=(adaptive-tx off) && old+=(adaptive-tx on); fi
        for k in rx-usecs tx-usecs; do
            v=$(awk -v k="$k:" '$1 == k { print $2 }' <<<"$cur")
            [[ $v =~ ^[0-9]+$ ]] || continue
            [[ $v == 0 ]] || { want+=("$k" 0) && old+=("$k" "$v"); }
        done
        if ((${#want[@]} == 0)); then
            say "ok: $IFACE already interrupts at once (no adaptive coalescing, rx/tx-usecs 0)"
        else
            save_revert_cmd ethtool -C "$IFACE" "${old[@]}"
            run_cmd ethtool -C "$IFACE" "${want[@]}"
        fi
    fi
fi

# 3. RPS.
if [[ $RPS != keep ]]; then
    mask=0
    if [[ $RPS != off ]]; then
        # shellcheck disable=SC2046 # one word per CPU
        mask=$(list_to_mask $(parse_cores "$RPS"))
    fi
    for q in "$ROOT$net"/queues/rx-*/rps_cpus; do
        [[ -e $q ]] && set_value "${q#"$ROOT"}" "$mask" same_mask
    done
fi

# 4. XPS: CPU i (in online order) sends on transmit queue i mod the number of queues.
if [[ $XPS == spread ]]; then
    read -ra cpus <<<"$(online_cpus)"
    queues=()
    for q in "$ROOT$net"/queues/tx-*; do [[ -e $q/xps_cpus ]] && queues+=("$q"); done
    for ((i = 0; i < ${#queues[@]}; i++)); do
        mine=()
        for ((j = i; j < ${#cpus[@]}; j += ${#queues[@]})); do mine+=("${cpus[j]}"); done
        ((${#mine[@]})) || continue
        set_value "${queues[i]#"$ROOT"}/xps_cpus" "$(list_to_mask "${mine[@]}")" same_mask
    done
fi
say "done. Check with: fixblast doctor"
