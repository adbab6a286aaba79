#!/usr/bin/env bash
# Prepare QuickFIX C++'s prebuilt `executor` example as a strict FIX 4.2, 4.4
# or 5.0 (over FIXT.1.1) acceptor for fixblast's tests/benchmarks.
# Idempotent; safe to re-run.
#
#   tests/quickfix/setup.sh        # prints the cache dir on its last line
#
# Result (cache dir, default <repo>/target/quickfix, override FIXBLAST_QF_DIR):
#   executor          the example acceptor, from Debian's libquickfix-doc
#   FIX42.xml         QuickFIX's data dictionaries, from PyPI's quickfix sdist (one
#   FIX44.xml         download): FIX 4.2 and FIX 4.4, and for BeginString FIXT.1.1 the
#   FIXT11.xml        session layer (FIXT11.xml) with the FIX 5.0 application messages
#   FIX50.xml         (FIX50.xml); start-executor.sh VERSION picks the ones it needs
#   bind-loopback.so  LD_PRELOAD shim: QuickFIX 1.15 always binds INADDR_ANY;
#                     this turns that into 127.0.0.1 (loopback only)
#
# Needs: Debian/Ubuntu with apt (root, or sudo), PyPI reachable, a C compiler
# (installed with apt if missing; a Rust toolchain machine already has `cc`).
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
QF_DIR="${FIXBLAST_QF_DIR:-$REPO_ROOT/target/quickfix}"
# libquickfix17 in Debian 12 is QuickFIX 1.15.1: use the same release's spec.
QF_PYPI_VERSION="${FIXBLAST_QF_PYPI_VERSION:-1.15.1}"

log() { echo "setup.sh: $*" >&2; }
die() { echo "setup.sh: error: $*" >&2; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  fi
fi

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

APT_UPDATED=0
apt_install() {
  # apt_install PKG... : install whichever of PKG are missing.
  local missing=() p
  for p in "$@"; do is_installed "$p" || missing+=("$p"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} by hand"
  if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
    die "not root and no sudo: cannot install ${missing[*]}"
  fi
  # Update the package lists only if some package has no install candidate.
  if [ "$APT_UPDATED" -eq 0 ]; then
    for p in "${missing[@]}"; do
      if ! apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]'; then
        log "apt-get update (no candidate for $p)"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        APT_UPDATED=1
        break
      fi
    done
  fi
  log "apt-get install ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

mkdir -p "$QF_DIR"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# --- 1. Debian packages ------------------------------------------------------
apt_install libquickfix17 libquickfix-doc

# --- 2. executor binary ------------------------------------------------------
if [ ! -x "$QF_DIR/executor" ]; then
  # The libtool real binary lives in .libs/ (the top-level `executor.gz` is the
  # libtool wrapper script and useless outside the build tree).
  src="$(dpkg -L libquickfix-doc | grep -E '/examples/executor/C\+\+/\.libs/executor(\.gz)?$' | head -n1 || true)"
  if [ -z "$src" ] || [ ! -f "$src" ]; then
    die "executor not found in libquickfix-doc (dpkg -L libquickfix-doc)"
  fi
  log "extracting $src"
  case "$src" in
    *.gz) gzip -dc "$src" >"$TMP/executor" ;;
    *) cp "$src" "$TMP/executor" ;;
  esac
  chmod 0755 "$TMP/executor"
  mv -f "$TMP/executor" "$QF_DIR/executor"
fi
# It must resolve libquickfix.so.17 from libquickfix17 (no LD_LIBRARY_PATH).
if ldd "$QF_DIR/executor" | grep -q 'not found'; then
  ldd "$QF_DIR/executor" >&2
  die "executor has unresolved shared libraries"
fi

# --- 3. data dictionaries from the PyPI sdist --------------------------------
# One download brings every dictionary that is missing; each is checked for its version.
#   file        <fix> element's type, major, minor, servicepack
SPECS=(
  "FIX42.xml  FIX 4 2 0"
  "FIX44.xml  FIX 4 4 0"
  "FIXT11.xml FIXT 1 1 0"
  "FIX50.xml  FIX 5 0 0"
)
missing_specs=()
for spec in "${SPECS[@]}"; do
  read -r file _ <<<"$spec"
  [ -s "$QF_DIR/$file" ] || missing_specs+=("$spec")
done
if [ "${#missing_specs[@]}" -gt 0 ]; then
  PY=""
  for c in python3 python; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -m pip --version >/dev/null 2>&1; then PY="$c"; break; fi
  done
  if [ -z "$PY" ]; then
    apt_install python3-pip
    PY=python3
  fi
  log "pip download quickfix==$QF_PYPI_VERSION (sdist)"
  "$PY" -m pip download --disable-pip-version-check --quiet --no-deps \
    --no-binary :all: "quickfix==$QF_PYPI_VERSION" -d "$TMP/sdist" >&2
  sdist="$(find "$TMP/sdist" -maxdepth 1 -name 'quickfix-*.tar.gz' | head -n1)"
  [ -n "$sdist" ] || die "pip did not produce a quickfix sdist"
  members="$(tar -tzf "$sdist")"
  for spec in "${missing_specs[@]}"; do
    read -r file type major minor sp <<<"$spec"
    member="$(grep -E "^[^/]+/spec/${file//./\\.}\$" <<<"$members" | head -n1 || true)"
    [ -n "$member" ] || die "spec/$file not in $sdist"
    tar -xzf "$sdist" -C "$TMP" --no-same-owner "$member"
    grep -Eq "<fix type=.$type. major=.$major. minor=.$minor. servicepack=.$sp." "$TMP/$member" ||
      die "$member is not a $type $major.$minor SP$sp dictionary"
    mv -f "$TMP/$member" "$QF_DIR/$file"
  done
fi

# --- 4. loopback bind shim ---------------------------------------------------
# QuickFIX 1.15 has no SocketAcceptHost: its acceptor binds 0.0.0.0. This
# LD_PRELOAD shim rewrites AF_INET binds to INADDR_ANY into 127.0.0.1.
SHIM_SRC='#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
/* fixblast: force AF_INET INADDR_ANY binds onto 127.0.0.1 */
int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_bind)(int, const struct sockaddr *, socklen_t);
  if (!real_bind)
    real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
    struct sockaddr_in sin;
    memcpy(&sin, addr, sizeof sin);
    if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) {
      sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      return real_bind(fd, (const struct sockaddr *)&sin, sizeof sin);
    }
  }
  return real_bind(fd, addr, len);
}'
if [ ! -s "$QF_DIR/bind-loopback.so" ] || [ "$(cat "$QF_DIR/bind-loopback.c" 2>/dev/null)" != "$SHIM_SRC" ]; then
  CC="${CC:-}"
  if [ -z "$CC" ]; then
    for c in cc gcc clang; do command -v "$c" >/dev/null 2>&1 && { CC="$c"; break; }; done
  fi
  if [ -z "$CC" ]; then
    apt_install gcc libc6-dev
    CC=gcc
  fi
  printf '%s\n' "$SHIM_SRC" >"$QF_DIR/bind-loopback.c"
  log "building bind-loopback.so with $CC"
  "$CC" -shared -fPIC -O2 -o "$TMP/bind-loopback.so" "$QF_DIR/bind-loopback.c" -ldl
  mv -f "$TMP/bind-loopback.so" "$QF_DIR/bind-loopback.so"
fi

echo "$QF_DIR"
