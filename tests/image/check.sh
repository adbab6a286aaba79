#!/usr/bin/env bash
# Checks the container image end to end without running a container (some sandboxes, CI's
# among them, cannot: the runtime may not set rlimits there): builds it with
# scripts/build-image.sh and podman, copies the image's whole file system out of podman's
# store (`podman image mount`), and runs its fixblast chrooted into that copy, so it sees
# nothing but what the image holds: no /etc, no /proc, no /dev, no libc. There it must
# print its version and measure a second against its built-in gateway, every order acked.
#
#   tests/image/check.sh
#
# Needs root (for the image mount and the chroot) and podman. Without root it skips with a
# message; as root a missing podman or any failure is an error (exit 1), never a skip.
# scripts/test.sh runs it (CI is root there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

fail() { echo "tests/image/check.sh: FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
  echo "tests/image/check.sh: skipped: not root (the image mount and the chroot need it)"
  exit 0
fi
command -v podman >/dev/null 2>&1 || fail "podman is not installed (Debian: apt-get install podman)"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
image="fixblast:$version"
ENGINE=podman scripts/build-image.sh || fail "scripts/build-image.sh could not build $image"

# The image's entrypoint is the contract the Kubernetes manifest relies on.
entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}}' "$image")
[ "$entrypoint" = '["/fixblast"]' ] || fail "$image: entrypoint is $entrypoint, not [\"/fixblast\"]"

root=$(mktemp -d)
mounted=""
cleanup() {
  [ -n "$mounted" ] && podman image umount "$image" >/dev/null 2>&1
  rm -rf "$root"
}
trap cleanup EXIT
mnt=$(podman image mount "$image") || fail "podman image mount $image"
mounted=1
cp -a "$mnt/." "$root/"
podman image umount "$image" >/dev/null
mounted=""

[ -x "$root/fixblast" ] || fail "$image has no executable /fixblast"
ldd "$root/fixblast" 2>&1 | grep -qE 'statically linked|not a dynamic executable' \
  || fail "/fixblast in $image is not statically linked: $(ldd "$root/fixblast" 2>&1 | head -n 3)"
extra=$(cd "$root" && find . -mindepth 1 ! -name fixblast | head -n 5)
[ -z "$extra" ] || fail "$image holds more than /fixblast: $extra"

got=$(chroot "$root" /fixblast --version) || fail "/fixblast --version failed in the image's file system"
[ "$got" = "fixblast $version" ] || fail "/fixblast --version says \"$got\", not \"fixblast $version\""
echo "image: $got"

# Bounded: one second of measurement and a timeout well above it.
status=0
timeout 120 chroot "$root" /fixblast run --duration 1s --warmup 0s --poll yield --sessions 1 \
  --threads 1 --json /result.json >"$root/run.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
  cat "$root/run.log" >&2
  fail "fixblast run in the image's file system exited $status"
fi
read -r sent acked < <(python3 -c 'import json, sys
o = json.load(open(sys.argv[1]))["orders"]
print(o["sent"], o["acked"])' "$root/result.json") || fail "no orders.sent/acked in the result"
if [ "$sent" -eq 0 ] || [ "$acked" -ne "$sent" ]; then
  fail "fixblast run in the image's file system: sent $sent, acked $acked"
fi
echo "image: measured in the image's file system alone: sent $sent, acked $acked"
echo "image: ok"
