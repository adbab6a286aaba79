#!/usr/bin/env bash
# The project's test command (README.md, .ci/run): installs what the tests need, then runs
# every test: unit, property, doc and the loopback integration tests, including the ones
# against QuickFIX's executor with a strict FIX 4.2 dictionary.
#
# Needs: cargo; apt-get (as root or via sudo) the first time, for Debian's libquickfix17
# and libquickfix-doc; pip, for FIX42.xml from the quickfix source distribution.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

echo "== setting up the QuickFIX executor (third-party acceptor for the tests)"
tests/quickfix/setup.sh
# With the executor in place, its tests must run: a missing executor is a failure, not a skip.
export FIXBLAST_REQUIRE_QUICKFIX=1

# Where the kernel allows io_uring, its copy of every transport test must run, not skip.
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo unknown)" = 0 ]; then
  export FIXBLAST_REQUIRE_URING=1
fi

echo "== cargo test"
cargo test "$@"
