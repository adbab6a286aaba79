#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): installs what the tests need, then runs
# every test: unit, property, doc and the loopback integration tests, including the ones
# against QuickFIX's executor with the strict FIX 4.2, 4.4 and 5.0 (FIXT.1.1) dictionaries.
#
# Needs: cargo; apt-get (as root or via sudo) the first time, for Debian's libquickfix17,
# libquickfix-doc, chromium, tcpdump, iproute2 and podman; pip, for the FIX42, FIX44, FIXT11
# and FIX50 dictionaries from the quickfix source distribution and kubernetes-validate
# (Kubernetes API schemas, into a venv under target/). As root, tests/hosts/check.sh also runs
# scripts/run-hosts.sh over ssh and pdsh between network namespaces (it installs their
# packages), and tests/image/check.sh builds the container image and runs its binary.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== setting up the QuickFIX executor (third-party acceptor for the tests)"
tests/quickfix/setup.sh
# With the executor in place, its tests must run: a missing executor is a failure, not a skip.
export FIXBLAST_REQUIRE_QUICKFIX=1

echo "== the Kubernetes manifests (strict schemas, offline; the job's args run by fixblast)"
tests/kubernetes/validate.sh

# Installs Debian package $2 (default $1) unless command $1 is there: as root or through
# sudo, updating the package lists only if it has no install candidate.
apt_install() {
  command -v "$1" >/dev/null 2>&1 && return 0
  set -- "${2:-$1}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo=(sudo); fi
  if [ "$(id -u)" -ne 0 ] && [ "${#sudo[@]}" -eq 0 ]; then
    echo "test.sh: not root and no sudo: cannot install $1" >&2
    exit 1
  fi
  if ! apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  fi
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$1" >/dev/null
}

echo "== headless chromium (loads the HTML report in a browser test)"
apt_install chromium
# With chromium in place, the browser check must run: a missing browser is a failure, not a skip.
export FIXBLAST_REQUIRE_CHROMIUM=1

echo "== tcpdump (captures a run on loopback to check its wire timestamps against)"
apt_install tcpdump
# ip, for the same check over a veth pair into a network namespace (as root).
apt_install ip iproute2
# With tcpdump in place and root to capture with it (CI), the capture check must run: a missing
# tcpdump, or one that may not capture, is a failure, not a skip. Without root it skips.
if [ "$(id -u)" -eq 0 ]; then
  export FIXBLAST_REQUIRE_TCPDUMP=1
fi

echo "== the container image (deploy/Containerfile), checked without running a container"
# As root (CI) podman is installed and the check must pass; without root it skips.
if [ "$(id -u)" -eq 0 ]; then
  apt_install podman
fi
tests/image/check.sh

# Where the kernel allows io_uring, its copy of every transport test must run, not skip.
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo unknown)" = 0 ]; then
  export FIXBLAST_REQUIRE_URING=1
fi

echo "== cargo test"
cargo test "$@"

echo "== scripts/run-hosts.sh over ssh and pdsh, between network namespaces (as root)"
tests/hosts/check.sh
