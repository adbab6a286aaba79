# shellcheck shell=bash
# shellcheck disable=SC2034 # DRY_RUN, REVERT …: read by the scripts that source this file
# Shared by the tuning scripts (sourced, never run): the common options, dry runs, saving
# the values a script changes and putting them back with --revert, and CPU-list helpers.
#
# Environment:
#   STATE_DIR              where previous values are saved (default /var/lib/fixblast-tuning)
#   FIXBLAST_TUNING_ROOT   a directory standing in for / when reading and writing /proc and
#                          /sys (tests use a fake tree); external commands (systemctl,
#                          swapoff, ethtool …) are then printed, never run.

ROOT="${FIXBLAST_TUNING_ROOT:-}"
STATE_DIR="${STATE_DIR:-/var/lib/fixblast-tuning}"
SCRIPT_NAME="$(basename "$0" .sh)"
STATE_FILE="$STATE_DIR/$SCRIPT_NAME.state"
DRY_RUN=0
REVERT=0
TAB=$'\t'

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$SCRIPT_NAME" "$*" >&2; }
die() {
    printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
    exit 2
}

# Consumes a common option; returns 1 when "$1" is not one.
common_option() {
    case "$1" in
        --dry-run | -n) DRY_RUN=1 ;;
        --revert) REVERT=1 ;;
        -h | --help)
            usage
            exit 0
            ;;
        *) return 1 ;;
    esac
}

# Real changes need root (not with --dry-run, nor on a fake root).
need_root() {
    if ((DRY_RUN == 0)) && [[ -z $ROOT ]] && ((EUID != 0)); then
        die "changing the host needs root: run it with sudo, or with --dry-run to see what would change"
    fi
    if ((DRY_RUN)); then
        say "dry run: nothing will be changed"
    fi
}

# Records "KIND<TAB>KEY<TAB>VALUE" in the state file unless KEY is already there, so the
# first run's original value is what --revert restores, however often the script runs.
save_once() {
    local kind=$1 key=$2 value=$3
    mkdir -p "$STATE_DIR"
    if [[ -f $STATE_FILE ]] && cut -f2 "$STATE_FILE" | grep -qxF -- "$key"; then
        return 0
    fi
    printf '%s\t%s\t%s\n' "$kind" "$key" "$value" >>"$STATE_FILE"
}

# Writes VALUE to PATH (under ROOT) unless it already holds it. SAME, when given, is a
# function that compares the current and wanted text (default: equal strings). A failed write
# is a warning, not the end of the script: some IRQs and drivers refuse changes.
set_value() {
    local path=$1 value=$2 same=${3:-}
    local full="$ROOT$path" cur
    if [[ ! -e $full ]]; then
        say "skip: $path does not exist here"
        return 0
    fi
    if ! cur=$(cat "$full" 2>/dev/null); then
        say "skip: $path cannot be read here"
        return 0
    fi
    if [[ $cur == "$value" ]] || { [[ -n $same ]] && "$same" "$cur" "$value"; }; then
        say "ok: $path is already $value"
        return 0
    fi
    if ((DRY_RUN)); then
        say "would set $path: ${cur:-(empty)} -> $value"
        return 0
    fi
    save_once file "$path" "$cur"
    if ! { printf '%s\n' "$value" >"$full"; } 2>/dev/null; then
        warn "the kernel refused $value for $path (it stays $cur)"
        return 0
    fi
    say "set $path: ${cur:-(empty)} -> $value"
}

# The selected word of a sysfs choice file: "always [madvise] never" -> madvise.
selected() {
    local w
    for w in $1; do
        if [[ $w == \[*\] ]]; then
            w=${w#[}
            printf '%s' "${w%]}"
            return 0
        fi
    done
    printf '%s' "$1"
}

same_choice() { [[ "$(selected "$1")" == "$2" ]]; }

# Sets a choice file (THP's enabled, defrag); saves the selected value for --revert.
set_choice() {
    local path=$1 value=$2 full="$ROOT$1"
    if [[ -e $full ]] && ((DRY_RUN == 0)) && ! same_choice "$(<"$full")" "$value"; then
        save_once file "$path" "$(selected "$(<"$full")")"
    fi
    set_value "$path" "$value" same_choice
}

# Runs an external command, or says what it would run (--dry-run, or a fake root).
run_cmd() {
    if ((DRY_RUN)); then
        say "would run: $*"
    elif [[ -n $ROOT ]]; then
        say "skip (FIXBLAST_TUNING_ROOT is set): $*"
    else
        say "run: $*"
        "$@"
        fi
}

# Records a command that --revert runs (words without spaces), once.
save_revert_cmd() {
    ((DRY_RUN)) && return 0
    save_once cmd "$*" ""
}

# --revert: restores saved values and runs saved commands, newest first, then forgets them.
do_revert() {
    if [[ ! -f $STATE_FILE ]]; then
        say "nothing to revert: no saved state in $STATE_FILE"
        return 0
    fi
    local kind key value
    local -a words
    while IFS="$TAB" read -r kind key value; do
        case "$kind" in
            file)
                if ((DRY_RUN)); then
                    say "would restore $key to $value"
                elif { printf '%s\n' "$value" >"$ROOT$key"; } 2>/dev/null; then
                    say "restored $key to $value"
                else
                    warn "could not restore $key to $value"
                fi
                ;;
            cmd)
                read -ra words <<<"$key"
                run_cmd "${words[@]}" || warn "failed: $key"
                ;;
        esac
    done < <(tac "$STATE_FILE")
    if ((DRY_RUN == 0)); then
        rm -f "$STATE_FILE"
        say "reverted; removed $STATE_FILE"
    fi
}

# After the options: real changes need root, and --revert restores what the last run saved
# and exits.
revert_or_continue() {
    need_root
    if ((REVERT)); then
        do_revert
        exit 0
    fi
}

# CPU lists, as the kernel writes them ("0-3,6").
valid_list() { [[ $1 =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]]; }

# "0-3,6" -> "0 1 2 3 6"
expand_list() {
    local part a b out=()
    local IFS=,
    for part in $1; do
        if [[ $part == *-* ]]; then
            a=${part%-*} b=${part#*-}
            while ((a <= b)); do
                out+=("$a")
                a=$((a + 1))
            done
        elif [[ -n $part ]]; then
            out+=("$part")
        fi
    done
    printf '%s\n' "${out[@]}" | sort -n | uniq | tr '\n' ' '
}

# "0 1 2 3 6" (one argument) -> "0-3,6"; "" -> "".
compress_list() {
    local res="" start="" prev="" c
    range() {
        if [[ $start == "$prev" ]]; then res+="${res:+,}$start"; else res+="${res:+,}$start-$prev"; fi
    }
    for c in $(tr -s ' ' '\n' <<<"$1" | sed '/^$/d' | sort -n | uniq); do
        if [[ -z $start ]]; then
            start=$c
        elif ((c != prev + 1)); then
            range
            start=$c
        fi
        prev=$c
    done
    if [[ -n $start ]]; then range; fi
    printf '%s' "$res"
}

# Words of list A that are not in list B (both space-separated).
minus() {
    local a b keep out=()
    for a in $1; do
        keep=1
        for b in $2; do [[ $a == "$b" ]] && keep=0; done
        ((keep)) && out+=("$a")
    done
    printf '%s ' "${out[@]}"
}

# CPUs -> the kernel's hex mask ("0 1" -> "3"), 32-bit groups separated by commas.
list_to_mask() {
    local c max=0 words i mask="" w
    local -a group=()
    for c in "$@"; do ((c > max)) && max=$c; done
    words=$((max / 32 + 1))
    for ((i = 0; i < words; i++)); do group[i]=0; done
    for c in "$@"; do group[c / 32]=$((group[c / 32] | (1 << (c % 32)))); done
    for ((i = words - 1; i >= 0; i--)); do
        printf -v w '%x' "${group[i]}"
        if [[ -n $mask ]]; then
            printf -v w '%08x' "${group[i]}"
            mask+=",$w"
        else
            mask=$w
        fi
    done
    printf '%s' "$mask"
}

# Masks compare equal whatever their commas and leading zeros.
norm_mask() {
    local m=${1//,/}
    m=$(printf '%s' "$m" | sed 's/^0*//')
    printf '%s' "${m:-0}"
}
same_mask() { [[ "$(norm_mask "$1")" == "$(norm_mask "$2")" ]]; }

online_cpus() {
    local f="$ROOT/sys/devices/system/cpu/online"
    [[ -r $f ]] || die "cannot read /sys/devices/system/cpu/online"
    expand_list "$(<"$f")"
}

# Parses and checks a CORES argument against the online CPUs; prints the expanded list.
parse_cores() {
    local arg=$1 online c
    valid_list "$arg" || die "$arg is not a CPU list; write it like 2,3 or 4-7"
    online=$(online_cpus)
    for c in $(expand_list "$arg"); do
        [[ " $online " == *" $c "* ]] || die "CPU $c is not online (online: $(compress_list "$online"))"
    done
    expand_list "$arg"
}
