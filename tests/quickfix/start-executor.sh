#!/usr/bin/env bash
# Run QuickFIX's `executor` example as a strict FIX 4.2 acceptor (GATEWAY)
# on 127.0.0.1:PORT, in the foreground (exec: its pid is this script's pid).
#
#   tests/quickfix/start-executor.sh PORT RUNDIR
#
# RUNDIR receives executor.cfg, store/ and log/. Stop it with SIGTERM/SIGINT.
# Env:
#   FIXBLAST_QF_DIR       cache dir from setup.sh (default <repo>/target/quickfix);
#                         setup.sh is run first if anything is missing there
#   FIXBLAST_QF_SESSIONS  highest FIXBLASTn session to configure (default 8)
#   FIXBLAST_QF_VERBOSE   1 = print every FIX message on stdout (default: events only)
#
# Each NewOrderSingle with OrdType=2 (limit) gets exactly one ExecutionReport
# (150=2, 39=2 filled, 32/38=OrderQty, 31/6=Price); other OrdTypes get a
# session-level Reject (35=3, 373=5).
set -euo pipefail

if [ "$#" -ne 2 ]; then
  echo "usage: $0 PORT RUNDIR" >&2
  exit 2
fi
PORT="$1"
RUNDIR="$2"
case "$PORT" in
  '' | *[!0-9]*) echo "start-executor.sh: bad port '$PORT'" >&2; exit 2 ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "start-executor.sh: bad port '$PORT'" >&2
  exit 2
fi

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
QF_DIR="${FIXBLAST_QF_DIR:-$REPO_ROOT/target/quickfix}"
SESSIONS="${FIXBLAST_QF_SESSIONS:-8}"
case "$SESSIONS" in '' | *[!0-9]*) echo "start-executor.sh: bad FIXBLAST_QF_SESSIONS" >&2; exit 2 ;; esac

if [ ! -x "$QF_DIR/executor" ] || [ ! -s "$QF_DIR/FIX42.xml" ] || [ ! -s "$QF_DIR/bind-loopback.so" ]; then
  FIXBLAST_QF_DIR="$QF_DIR" "$SCRIPT_DIR/setup.sh" >/dev/null
fi

mkdir -p "$RUNDIR"
RUNDIR="$(cd "$RUNDIR" && pwd)"
mkdir -p "$RUNDIR/store" "$RUNDIR/log"

SCREENLOG=N
[ "${FIXBLAST_QF_VERBOSE:-0}" = 1 ] && SCREENLOG=Y

CFG="$RUNDIR/executor.cfg"
sed -e "s|@PORT@|$PORT|g" \
    -e "s|@DIR@|$RUNDIR|g" \
    -e "s|@DATA_DICTIONARY@|$QF_DIR/FIX42.xml|g" \
    -e "s|@SCREENLOG@|$SCREENLOG|g" \
    "$SCRIPT_DIR/executor.cfg.in" >"$CFG"
i=9
while [ "$i" -le "$SESSIONS" ]; do
  printf '\n[SESSION]\nTargetCompID=FIXBLAST%d\n' "$i" >>"$CFG"
  i=$((i + 1))
done

# QuickFIX 1.15 binds its acceptor to 0.0.0.0 (no SocketAcceptHost); the shim
# rewrites that to 127.0.0.1 so the executor is reachable on loopback only.
export LD_PRELOAD="$QF_DIR/bind-loopback.so${LD_PRELOAD:+:$LD_PRELOAD}"
exec "$QF_DIR/executor" "$CFG"
