#!/usr/bin/env bash
# Run QuickFIX's `executor` example as a strict acceptor (GATEWAY) of one FIX
# version on 127.0.0.1:PORT, in the foreground (exec: its pid is this script's pid).
#
#   tests/quickfix/start-executor.sh PORT RUNDIR [VERSION]
#
# VERSION (default 4.2):
#   4.2  BeginString FIX.4.2, DataDictionary FIX42.xml
#   4.4  BeginString FIX.4.4, DataDictionary FIX44.xml
#   5.0  BeginString FIXT.1.1, TransportDataDictionary FIXT11.xml,
#        AppDataDictionary FIX50.xml, DefaultApplVerID FIX.5.0: an initiator's
#        Logon carries DefaultApplVerID 1137=7 (FIX.5.0). Not for 5.0 SP2: an order
#        marked 1128=9 gets 35=j (unsupported), and after a Logon with 1137=9 an
#        unmarked one is checked against no dictionary at all yet filled as 5.0.
# RUNDIR receives executor.cfg, store/ and log/. Stop it with SIGTERM/SIGINT.
# Env:
#   FIXBLAST_QF_DIR       cache dir from setup.sh (default <repo>/target/quickfix);
#                         setup.sh is run first if anything is missing there
#   FIXBLAST_QF_SESSIONS  highest FIXBLASTn session to configure (default 8)
#   FIXBLAST_QF_VERBOSE   1 = print every FIX message on stdout (default: events only)
#
# Each NewOrderSingle with OrdType=2 (limit) gets exactly one ExecutionReport,
# filled (39=2, 32/38=OrderQty, 31/6=Price) with ExecType 150=2 (Fill) in 4.2
# and 150=F (Trade) in 4.4 and 5.0; other OrdTypes get a session-level Reject
# (35=3, 373=5). OrderCancelRequest and OrderCancelReplaceRequest have no
# handler: they get a BusinessMessageReject (35=j, 380=3 unsupported type).
set -euo pipefail

if [ "$#" -lt 2 ] || [ "$#" -gt 3 ]; then
  echo "usage: $0 PORT RUNDIR [VERSION]   (VERSION: 4.2 (default), 4.4 or 5.0)" >&2
  exit 2
fi
PORT="$1"
RUNDIR="$2"
VERSION="${3:-4.2}"
case "$PORT" in
  '' | *[!0-9]*) echo "start-executor.sh: bad port '$PORT'" >&2; exit 2 ;;
esac
if [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  echo "start-executor.sh: bad port '$PORT'" >&2
  exit 2
fi

case "$VERSION" in
  4.2) BEGIN_STRING=FIX.4.2 SPECS=(FIX42.xml) ;;
  4.4) BEGIN_STRING=FIX.4.4 SPECS=(FIX44.xml) ;;
  5.0) BEGIN_STRING=FIXT.1.1 SPECS=(FIXT11.xml FIX50.xml) ;;
  *)
    echo "start-executor.sh: bad VERSION '$VERSION': expected 4.2, 4.4 or 5.0" >&2
    exit 2
    ;;
esac

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
QF_DIR="${FIXBLAST_QF_DIR:-$REPO_ROOT/target/quickfix}"
SESSIONS="${FIXBLAST_QF_SESSIONS:-8}"
case "$SESSIONS" in '' | *[!0-9]*) echo "start-executor.sh: bad FIXBLAST_QF_SESSIONS" >&2; exit 2 ;; esac

need_setup=0
for f in executor bind-loopback.so "${SPECS[@]}"; do
  [ -s "$QF_DIR/$f" ] || need_setup=1
done
if [ "$need_setup" -eq 1 ]; then
  FIXBLAST_QF_DIR="$QF_DIR" "$SCRIPT_DIR/setup.sh" >/dev/null
fi

# The dictionaries: one for FIX 4.x, the session layer's and the application's
# for FIXT.1.1 (QuickFIX files AppDataDictionary under DefaultApplVerID).
if [ "$BEGIN_STRING" = FIXT.1.1 ]; then
  DICTIONARIES="TransportDataDictionary=$QF_DIR/FIXT11.xml\nAppDataDictionary=$QF_DIR/FIX50.xml\nDefaultApplVerID=FIX.5.0"
else
  DICTIONARIES="DataDictionary=$QF_DIR/${SPECS[0]}"
fi

mkdir -p "$RUNDIR"
RUNDIR="$(cd "$RUNDIR" && pwd)"
mkdir -p "$RUNDIR/store" "$RUNDIR/log"

SCREENLOG=N
[ "${FIXBLAST_QF_VERBOSE:-0}" = 1 ] && SCREENLOG=Y

CFG="$RUNDIR/executor.cfg"
sed -e "s|@PORT@|$PORT|g" \
    -e "s|@DIR@|$RUNDIR|g" \
    -e "s|@BEGIN_STRING@|$BEGIN_STRING|g" \
    -e "s|^@DICTIONARIES@$|$DICTIONARIES|" \
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
