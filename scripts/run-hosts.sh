#!/usr/bin/env bash
# Runs one fixblast per load host at the same instant, collects each host's result and
# merges them: existing tools (ssh or pdsh, scp), no coordinator of our own.
#
#   scripts/run-hosts.sh HOSTS -- FIXBLAST_RUN_FLAGS…
#
# HOSTS is a file with one ssh destination per line (`user@loadgen1`; `#` comments), or a
# comma-separated list; each host once. Each host needs `fixblast` on its PATH (or set
# REMOTE_FIXBLAST: a command as the host's shell reads it, `taskset -c 2-5 /opt/fixblast`), must
# let this machine in over ssh without a password prompt, and must reach the target named in the
# flags (--target is required: the built-in gateway is per process). The script picks a start
# time LEAD seconds ahead (default 15), runs on every host
#   fixblast run --start-at <that time> --json REMOTE_DIR/fixblast-<time>-<host>.json <flags>
# in parallel (REMOTE_DIR defaults to /tmp), copies the results back with scp to OUT (default
# hosts-YYYYmmdd-HHMMSS, one <host>.json and <host>.log each) and runs
# `fixblast merge … -o OUT/merged.json` (FIXBLAST names the local binary).
# `{index}` in the flags becomes the host's place in HOSTS, from 0: `--sender-comp-id
# 'LD{index}-'` gives each host CompIDs of its own (LD0-1, LD0-2 … on the first host), for
# gateways that take one session per CompID.
# SSH_OPTS: extra ssh/scp options, split on spaces (`-i KEY -o Port=2222`; not `-p`, which scp
# reads otherwise), for ssh, scp and pdsh.
# PDSH=1: start the hosts with pdsh instead of one ssh each (over ssh unless PDSH_RCMD_TYPE
# says otherwise; PDSH_SSH_ARGS and PDSH_SSH_ARGS_APPEND work as usual; one user for all).
# Host clocks must agree (NTP/PTP) to well under the warm-up: --start-at is wall-clock time.
# Exit: 0 when every host produced a result and the merge succeeded, 3 otherwise, 2 on usage.
set -uo pipefail
usage() {
    echo "run-hosts.sh: $*" >&2
    exit 2
}
if (($# < 3)) || [[ $2 != -- ]]; then
    sed -n '2,/^[^#]/{/^#/p}' "$0" >&2
    exit 2
fi
hosts_arg=$1
shift 2
if [[ -f $hosts_arg ]]; then
    mapfile -t HOSTS < <(grep -v '^\s*\(#\|$\)' "$hosts_arg" | sed 's/[[:space:]]//g')
else
    IFS=',' read -r -a HOSTS <<<"$hosts_arg"
fi
((${#HOSTS[@]})) || usage "no hosts"
[[ " $* " == *" --target "* || " $* " == *" --target="* ]] || usage "give --target HOST:PORT in the flags"
for f in --json --start-at; do
    [[ " $* " == *" $f "* || " $* " == *" $f="* ]] && usage "leave $f out of the flags: the script sets it"
done
name_of() { local h=${1#*@}; echo "${h//[^A-Za-z0-9._-]/_}"; }
declare -A seen=()
for h in "${HOSTS[@]}"; do
    [[ -n ${seen[$(name_of "$h")]:-} ]] && usage "$h is listed twice: its result would count twice"
    seen[$(name_of "$h")]=1
done
LEAD=${LEAD:-15}
OUT=${OUT:-hosts-$(date +%Y%m%d-%H%M%S)}
REMOTE_FIXBLAST=${REMOTE_FIXBLAST:-fixblast}
REMOTE_DIR=${REMOTE_DIR:-/tmp}
FIXBLAST=${FIXBLAST:-fixblast}
# ssh keeps the first value it is given for an option: yours, then these. No prompts, and an
# unreachable or vanished host ends its ssh (within ~45 s) rather than hanging the script.
read -r -a ssh_opts <<<"${SSH_OPTS:-}"
ssh_opts+=(-o BatchMode=yes -o ConnectTimeout=15 -o ServerAliveInterval=15)
if [[ ${PDSH:-0} == 1 ]]; then
    # pdsh takes a user given for one host (user@host) for every host in the list.
    users=$(for h in "${HOSTS[@]}"; do [[ $h == *@* ]] && echo "${h%%@*}" || echo; done | sort -u | wc -l)
    ((users == 1)) || usage "with PDSH=1 every host needs the same user@ (pdsh logs in to all as one)"
    command -v pdsh >/dev/null || usage "PDSH=1 but pdsh is not installed"
fi
mkdir -p "$OUT" || exit 2
start=$(($(date +%s) + LEAD))
FLAGS=("$@")
echo "== ${#HOSTS[@]} host(s) start at $start ($(date -d "@$start" 2>/dev/null || echo "in ${LEAD}s"))" >&2

# The result file on a host. The start time in its name keeps a file left by an earlier run
# from being copied back as this run's.
remote_json() { echo "$REMOTE_DIR/fixblast-$start-$1.json"; }
remote_cmd() { # remote_cmd JSON INDEX: the command line for one host, {index} in the flags replaced
    local f cmd
    cmd="$REMOTE_FIXBLAST run --start-at $start --json $(printf %q "$1") --quiet"
    for f in "${FLAGS[@]}"; do cmd+=" $(printf %q "${f//\{index\}/$2}")"; done
    echo "$cmd"
}

if [[ ${PDSH:-0} == 1 ]]; then
    # pdsh puts each host name (without its user) for %h, its place in the list for %n and
    # takes %% for a %, anywhere in the command: double every % (`--clordid-prefix 'a%u'`),
    # then put in %h and %n. Its own default module is rsh: use ssh unless told otherwise.
    export PDSH_RCMD_TYPE=${PDSH_RCMD_TYPE:-ssh}
    export PDSH_SSH_ARGS_APPEND="${ssh_opts[*]} ${PDSH_SSH_ARGS_APPEND:-}"
    cmd=$(remote_cmd "$(remote_json @HOST@)" @INDEX@)
    cmd=${cmd//%/%%}
    cmd=${cmd/@HOST@/%h}
    pdsh -w "$(IFS=,; echo "${HOSTS[*]}")" "${cmd//@INDEX@/%n}" >"$OUT/pdsh.log" 2>&1
    for h in "${HOSTS[@]}"; do # one log per host: its lines and pdsh's own about it
        awk -v p="${h#*@}: " 'index($0, p) == 1 || (/^pdsh@/ && index($0, ": " p))' \
            "$OUT/pdsh.log" >"$OUT/$(name_of "$h").log"
    done
else
    pids=()
    for i in "${!HOSTS[@]}"; do
        h=${HOSTS[$i]}
        # shellcheck disable=SC2029 # built here on purpose: remote_cmd quotes for the far shell
        ssh "${ssh_opts[@]}" "$h" "$(remote_cmd "$(remote_json "${h#*@}")" "$i")" \
            >"$OUT/$(name_of "$h").log" 2>&1 &
        pids+=($!)
    done
    for p in "${pids[@]}"; do wait "$p"; done
fi
results=()
for h in "${HOSTS[@]}"; do
    n=$(name_of "$h")
    if scp -q "${ssh_opts[@]}" "$h:$(remote_json "${h#*@}")" "$OUT/$n.json" && [[ -s $OUT/$n.json ]]; then
        results+=("$OUT/$n.json")
    else
        echo "   $h: no result (see $OUT/$n.log)" >&2
    fi
done
((${#results[@]} == ${#HOSTS[@]})) || exit 3
"$FIXBLAST" merge "${results[@]}" -o "$OUT/merged.json" || exit 3
echo "merged ${#results[@]} result(s) into $OUT/merged.json" >&2
