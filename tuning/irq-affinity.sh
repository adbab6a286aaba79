#!/usr/bin/env bash
# Keeps device interrupts off CORES: stops irqbalance, then moves every IRQ allowed on CORES
# (NIC queues first) to the other cores, and points new IRQs there too.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: sudo tuning/irq-affinity.sh CORES [--keep-irqbalance] [--dry-run]
       sudo tuning/irq-affinity.sh --revert [--dry-run]

Stops irqbalance (it would move IRQs back within 10 s), then for every IRQ whose
/proc/irq/N/smp_affinity_list includes a CPU in CORES, removes those CPUs (all other CPUs
when nothing would be left), network queues first; sets /proc/irq/default_smp_affinity
to the other CPUs for IRQs registered later. IRQs the kernel manages itself (NVMe queues,
for instance) refuse the change: isolcpus=managed_irq,… (tuning/isolate-cores.sh) keeps
those off CORES after a reboot.

The previous affinities are saved in $STATE_DIR/irq-affinity.state (default
/var/lib/fixblast-tuning); --revert restores them and starts irqbalance again if this
script stopped it. Affinities do not survive a reboot: run it again after one (or add
IRQBALANCE_BANNED_CPULIST=CORES to /etc/default/irqbalance to keep irqbalance).

  --keep-irqbalance  leave irqbalance running
  --dry-run          print what would change, change nothing
EOF
}

CORES_ARG=""
KEEP_IRQBALANCE=0
while (($#)); do
    if ! common_option "$1"; then
        case "$1" in
            --keep-irqbalance) KEEP_IRQBALANCE=1 ;;
            -*) die "unknown option $1 (see --help)" ;;
            *)
                [[ -z $CORES_ARG ]] || die "one CORES argument, please (got $CORES_ARG and $1)"
                CORES_ARG=$1
                ;;
        esac
    fi
    shift
done

revert_or_continue
[[ -n $CORES_ARG ]] || {
    usage >&2
    exit 2
}
cores=$(parse_cores "$CORES_ARG")
housekeeping=$(minus "$(online_cpus)" "$cores")
[[ -n ${housekeeping// /} ]] || die "CORES covers every online CPU: IRQs need somewhere else to go"
say "keeping IRQs off CPUs $(compress_list "$cores"); housekeeping CPUs: $(compress_list "$housekeeping")"

# 1. irqbalance.
irqbalance_pids() {
    local comm
    for comm in "$ROOT"/proc/[0-9]*/comm; do
        [[ -r $comm && "$(<"$comm")" == irqbalance ]] && basename "$(dirname "$comm")"
    done
    return 0
}
pids=$(irqbalance_pids | tr '\n' ' ')
if [[ -z ${pids// /} ]]; then
    say "ok: irqbalance is not running"
elif ((KEEP_IRQBALANCE)); then
    warn "irqbalance (pid $pids) keeps running and may move IRQs back onto CPUs $(compress_list "$cores")"
elif command -v systemctl >/dev/null && systemctl cat irqbalance.service >/dev/null 2>&1; then
    run_cmd systemctl stop irqbalance.service
    save_revert_cmd systemctl start irqbalance.service
else
    # shellcheck disable=SC2086 # one word per pid
    run_cmd kill $pids
    warn "irqbalance was not started by systemd: start it again yourself if you want it back"
fi

# 2. Which IRQs are network queues: listed in a NIC's msi_irqs, or named after the NIC.
nic_irqs=" "
for dev in "$ROOT"/sys/class/net/*; do
    iface=$(basename "$dev")
    [[ $iface == lo || ! -e $dev ]] && continue
    for msi in "$dev"/device/msi_irqs/* "$dev"/device/../msi_irqs/*; do
        [[ -e $msi ]] && nic_irqs+="$(basename "$msi") "
    done
    prefixes=("$iface")
    if [[ -L $dev/device ]]; then prefixes+=("$(basename "$(readlink "$dev/device")")"); fi
    if [[ -r $ROOT/proc/interrupts ]]; then
        for p in "${prefixes[@]}"; do
            while read -r num; do nic_irqs+="$num "; done < <(
                awk -v p="$p" '$1 ~ /^[0-9]+:$/ { for (i = 2; i <= NF; i++) if ($i == p || index($i, p "-") == 1 || index($i, p "@") == 1) { sub(":", "", $1); print $1 } }' \
                    "$ROOT/proc/interrupts"
            )
        done
    fi
done

# 3. Move them: NIC queues first, then the rest.
move_irq() {
    local n=$1 f="/proc/irq/$1/smp_affinity_list" cur keep
    [[ -r $ROOT$f ]] || return 0
    cur=$(expand_list "$(<"$ROOT$f")")
    [[ -n "$(minus "$cur" "$(minus "$cur" "$cores")" | tr -d ' ')" ]] || return 0
    keep=$(minus "$cur" "$cores")
    [[ -n ${keep// /} ]] || keep=$housekeeping
    set_value "$f" "$(compress_list "$keep")"
}
if [[ -n ${nic_irqs// /} ]]; then
    say "network queue IRQs, moved first: $(tr ' ' '\n' <<<"$nic_irqs" | sed '/^$/d' | sort -nu | tr '\n' ' ')"
fi
all_irqs=$(for d in "$ROOT"/proc/irq/[0-9]*; do [[ -e $d ]] && basename "$d"; done | sort -n | tr '\n' ' ')
for n in $all_irqs; do [[ $nic_irqs == *" $n "* ]] && move_irq "$n"; done
for n in $all_irqs; do [[ $nic_irqs == *" $n "* ]] || move_irq "$n"; done

# 4. IRQs registered from now on.
# shellcheck disable=SC2086 # one word per CPU
set_value /proc/irq/default_smp_affinity "$(list_to_mask $housekeeping)" same_mask
say "done. Check with: fixblast doctor --cores $(compress_list "$cores")"
