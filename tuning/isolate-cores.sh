#!/usr/bin/env bash
# Prints the kernel command-line parameters that isolate CORES for fixblast's workers
# (isolcpus, nohz_full, rcu_nocbs, irqaffinity) and how to add them. It never edits the
# boot loader: you apply the parameters and reboot.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
    cat <<'EOF'
usage: tuning/isolate-cores.sh CORES [--dry-run]
       tuning/isolate-cores.sh --revert

Prints the kernel command-line parameters that take CORES (e.g. 2-3) away from the
scheduler, the timer tick, RCU callbacks and IRQs, and the commands that add them for
GRUB (Debian, Ubuntu), grubby (Fedora, RHEL) or systemd-boot. Nothing is applied: add
them yourself, reboot, then check with `fixblast doctor --cores CORES`.

  isolcpus=managed_irq,domain,CORES  no tasks, no load balancing, no managed IRQs on CORES
  nohz_full=CORES                    no periodic timer tick while one task runs there
  rcu_nocbs=CORES                    RCU callbacks run on the other cores
  irqaffinity=OTHERS                 IRQs start on the other (housekeeping) cores

--revert prints how to remove them. --dry-run is accepted and changes nothing (neither
does a normal run).
EOF
}

CORES_ARG=""
while (($#)); do
    if ! common_option "$1"; then
        case "$1" in
            -*) die "unknown option $1 (see --help)" ;;
            *)
                [[ -z $CORES_ARG ]] || die "one CORES argument, please (got $CORES_ARG and $1)"
                CORES_ARG=$1
                ;;
        esac
    fi
    shift
done

if ((REVERT)); then
    say "To remove the isolation parameters, then reboot:"
    say "  grubby (Fedora, RHEL):  sudo grubby --update-kernel=ALL --remove-args=\"isolcpus nohz_full rcu_nocbs irqaffinity\""
    say "  GRUB (Debian, Ubuntu):  delete them from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, then sudo update-grub"
    say "  systemd-boot:           delete them from /etc/kernel/cmdline, then sudo kernel-install add \"\$(uname -r)\" /boot/vmlinuz-\"\$(uname -r)\""
    exit 0
fi

[[ -n $CORES_ARG ]] || {
    usage >&2
    exit 2
}
cores=$(parse_cores "$CORES_ARG")
online=$(online_cpus)
housekeeping=$(minus "$online" "$cores")
[[ -n ${housekeeping// /} ]] || die "CORES covers every online CPU; leave at least one (better two) for the kernel and everything else"
C=$(compress_list "$cores")
H=$(compress_list "$housekeeping")
if [[ " $cores " == *" 0 "* ]]; then
    warn "CPU 0 handles boot-time and timekeeping work; isolating it gains little, choose others if you can"
fi

params="isolcpus=managed_irq,domain,$C nohz_full=$C rcu_nocbs=$C irqaffinity=$H"
cmdline=""
[[ -r $ROOT/proc/cmdline ]] && cmdline=$(<"$ROOT/proc/cmdline")

missing=()
for p in $params; do
    [[ " $cmdline " == *" $p "* ]] || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    say "The running kernel already has: $params"
    say "Nothing to do. Check with: fixblast doctor --cores $C"
    exit 0
fi
for name in isolcpus nohz_full rcu_nocbs irqaffinity; do
    for w in $cmdline; do
        [[ $w == "$name="* ]] && say "now on the command line: $w (will be replaced)"
    done
done

cat <<EOF
Kernel parameters isolating CPUs $C (housekeeping CPUs: $H):

  $params

Add them to the kernel command line, then reboot. This script changes nothing itself.

  grubby (Fedora, RHEL):
    sudo grubby --update-kernel=ALL --args="$params"

  GRUB (Debian, Ubuntu): append them inside GRUB_CMDLINE_LINUX_DEFAULT="…" in
  /etc/default/grub, then:
    sudo update-grub          # or: sudo grub2-mkconfig -o /boot/grub2/grub.cfg

  systemd-boot: append them to /etc/kernel/cmdline, then:
    sudo kernel-install add "\$(uname -r)" /boot/vmlinuz-"\$(uname -r)"

After the reboot:
    cat /sys/devices/system/cpu/isolated /sys/devices/system/cpu/nohz_full   # expect $C
    fixblast doctor --cores $C
EOF
