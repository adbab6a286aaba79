# shellcheck shell=bash
# Shared by the bench/*.sh scripts: sourced, not run.
#
# Gives: ensure_pkg, build_fixblast (sets FIXBLAST), json_get, and BENCH_TMP, a scratch
# directory removed on exit together with every process registered with track_pid.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

BENCH_TMP=$(mktemp -d)
BENCH_PIDS=()

track_pid() { BENCH_PIDS+=("$1"); }

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT
trap 'exit 130' INT TERM

# ensure_pkg COMMAND DEBIAN_PACKAGE: installs the package with apt-get when COMMAND is
# missing (as root, or through sudo).
ensure_pkg() {
    local cmd=$1 pkg=$2 sudo=()
    if command -v "$cmd" >/dev/null 2>&1 || [[ -x $cmd ]]; then
        return
    fi
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    echo "== installing Debian package $pkg (for $cmd)" >&2
    if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null; then
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$pkg" >/dev/null
    fi
}

# Builds the release binary and sets FIXBLAST to its path.
build_fixblast() {
    echo "== cargo build --release" >&2
    cargo build --release --quiet --bin fixblast
    export FIXBLAST="${CARGO_TARGET_DIR:-target}/release/fixblast"
}

# json_get FILE EXPR: prints a value from a result file; EXPR is a dotted path such as
# latency_ns.ack.p50 ("null" when absent).
json_get() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("null" if v is None else v)
EOF
}
