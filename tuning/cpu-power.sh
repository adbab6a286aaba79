#!/usr/bin/env bash
# Keeps every online core at a steady, high clock and out of deep idle states: the
# performance governor, the frequency ceiling at the hardware maximum, a turbo policy, and
# cpuidle states above an exit-latency limit disabled.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: sudo tuning/cpu-power.sh [--turbo on|off|keep] [--cstate-max-latency US|keep] [--dry-run]
       sudo tuning/cpu-power.sh --revert [--dry-run]

On every online CPU:
  - cpufreq governor performance (cpupower frequency-set -g performance), and
    energy_performance_preference performance where the driver has it;
  - scaling_max_freq raised to cpuinfo_max_freq when something capped it;
  - turbo: --turbo off for the steadiest clock (intel_pstate/no_turbo=1 or cpufreq/boost=0),
    --turbo on for the highest, keep (default) to leave it;
  - cpuidle states whose exit latency is above US microseconds disabled (default 2: polling
    and C1 stay; cpupower idle-set -D 2 does the same), or keep to leave them.

The alternative to disabling C-states for good is to hold /dev/cpu_dma_latency open for
the length of a run: `fixblast run --cpu-dma-latency 0` does that (as root).

Previous values are saved in $STATE_DIR/cpu-power.state (default /var/lib/fixblast-tuning)
and --revert restores them. Nothing here survives a reboot.
EOF
}

TURBO=keep
CSTATE_US=2
while (($#)); do
    if ! common_option "$1"; then
        case "$1" in
            --turbo)
                TURBO=${2:-}
                shift
                [[ $TURBO =~ ^(on|off|keep)$ ]] || die "--turbo takes on, off or keep"
                ;;
            --cstate-max-latency)
                CSTATE_US=${2:-}
                shift
                [[ $CSTATE_US =~ ^([0-9]+|keep)$ ]] || die "--cstate-max-latency takes microseconds (e.g. 2) or keep"
                ;;
            *) die "unknown argument $1 (see --help)" ;;
        esac
    fi
    shift
done

revert_or_continue

cpus=$(online_cpus)
sys=/sys/devices/system/cpu

# 1. Governor, energy preference and frequency ceiling.
for c in $cpus; do
    d=$sys/cpu$c/cpufreq
    if [[ ! -e $ROOT$d/scaling_governor ]]; then
        say "skip: CPU $c has no cpufreq driver ($d is missing): the firmware or hypervisor sets its clock"
        continue
    fi
    if [[ " $(cat "$ROOT$d/scaling_available_governors" 2>/dev/null || echo performance) " != *" performance "* ]]; then
        warn "CPU $c: the driver offers no performance governor"
        continue
    fi
    set_value "$d/scaling_governor" performance
    [[ -e $ROOT$d/energy_performance_preference ]] && set_value "$d/energy_performance_preference" performance
    if [[ -r $ROOT$d/cpuinfo_max_freq && -e $ROOT$d/scaling_max_freq ]]; then
        set_value "$d/scaling_max_freq" "$(<"$ROOT$d/cpuinfo_max_freq")"
    fi
done

# 2. Turbo.
if [[ -e $ROOT$sys/intel_pstate/no_turbo ]]; then
    case $TURBO in
        on) set_value "$sys/intel_pstate/no_turbo" 0 ;;
        off) set_value "$sys/intel_pstate/no_turbo" 1 ;;
        keep) say "turbo left as it is (intel_pstate/no_turbo=$(<"$ROOT$sys/intel_pstate/no_turbo"))" ;;
    esac
elif [[ -e $ROOT$sys/cpufreq/boost ]]; then
    case $TURBO in
        on) set_value "$sys/cpufreq/boost" 1 ;;
        off) set_value "$sys/cpufreq/boost" 0 ;;
        keep) say "turbo left as it is (cpufreq/boost=$(<"$ROOT$sys/cpufreq/boost"))" ;;
    esac
elif [[ $TURBO != keep ]]; then
    say "skip: no turbo control here (no intel_pstate/no_turbo or cpufreq/boost)"
fi

# 3. Idle states deeper than the limit.
if [[ $CSTATE_US == keep ]]; then
    say "C-states left as they are"
else
    found=0
    for c in $cpus; do
        for s in "$ROOT$sys/cpu$c"/cpuidle/state[0-9]*; do
            [[ -r $s/latency ]] || continue
            found=1
            lat=$(<"$s/latency")
            if ((lat > CSTATE_US)); then
                set_value "${s#"$ROOT"}/disable" 1
            fi
        done
    done
    if ((found == 0)); then
        say "skip: no cpuidle states ($(cat "$ROOT$sys/cpuidle/current_driver" 2>/dev/null || echo 'no cpuidle') driver): nothing to limit"
    fi
fi
say "done. Check with: fixblast doctor"
