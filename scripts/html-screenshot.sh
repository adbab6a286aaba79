#!/usr/bin/env bash
# Renders a result's HTML report and screenshots it with headless chromium, to see the page
# as a reader's browser shows it.
#
#   scripts/html-screenshot.sh RESULT.json OUT.png   # a result written by `fixblast run --json`
#   scripts/html-screenshot.sh OUT.png               # first measures 10 s against the built-in gateway
#
# Writes OUT.png and, beside it, OUT.html (the report itself). FIXBLAST_SCREENSHOT_SIZE sets
# the window (default 1400,2400: a laptop-wide page, long enough for every section).
#
# Needs: cargo; apt-get (as root or via sudo) the first time, for Debian's chromium and a font.
set -euo pipefail

usage() { echo "usage: $0 [RESULT.json] OUT.png" >&2; exit 2; }
die() { echo "html-screenshot.sh: error: $*" >&2; exit 1; }
log() { echo "html-screenshot.sh: $*" >&2; }

case $# in
  1) RESULT=""; OUT="$1" ;;
  2) RESULT="$(realpath -e "$1")" || die "no such result file: $1"; OUT="$2" ;;
  *) usage ;;
esac
OUT="$(realpath -m "$OUT")"
HTML="${OUT%.png}.html"
SIZE="${FIXBLAST_SCREENSHOT_SIZE:-1400,2400}"
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# --- chromium and a font, from Debian, when missing -----------------------------
SUDO=()
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=(sudo); fi
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg-query -W -f='${Status}' fonts-dejavu-core 2>/dev/null | grep -q 'ok installed' || missing+=(fonts-dejavu-core)
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then die "not root and no sudo: cannot install ${missing[*]}"; fi
  if ! apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [^(]'; then
    log "apt-get update"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  fi
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- the report -------------------------------------------------------------------
cargo build --release --quiet
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
if [ -z "$RESULT" ]; then
  RESULT="$TMP/result.json"
  log "measuring 10 s against the built-in gateway"
  # Exit 1 (an SLA failed) or 3 (incomplete) still writes the result: the report shows why.
  target/release/fixblast run --duration 10s --warmup 2s --quiet --json "$RESULT" >&2 || [ -s "$RESULT" ] \
    || die "the run wrote no result"
fi
target/release/fixblast report "$RESULT" --html "$HTML"

# --- the screenshot ---------------------------------------------------------------
timeout 120 chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
  --hide-scrollbars --user-data-dir="$TMP/profile" --window-size="$SIZE" --screenshot="$OUT" \
  "file://$HTML" >"$TMP/chromium.log" 2>&1 || { cat "$TMP/chromium.log" >&2; die "chromium failed"; }
[ -s "$OUT" ] || { cat "$TMP/chromium.log" >&2; die "chromium wrote no screenshot"; }
echo "$OUT"
