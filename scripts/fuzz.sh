#!/usr/bin/env bash
# Long fuzzing runs of the targets in fuzz/ (cargo-fuzz, libFuzzer): the framer and parser
# (frame_parse), the session state machine (session), and the template and order feed loaders
# (template, feed). Each checks the properties written in the library (fix::parse::props,
# fix::session::props, fix::order_props), which `cargo test` also runs, briefly, as property
# tests. Not part of .ci/run: ten million inputs take minutes per target, and the feed's
# take most of an hour.
#
# Usage: scripts/fuzz.sh [TARGET...]     every target, or the ones named, one after the other
#   RUNS=N         inputs per target (default 10000000)
#   SANITIZER=S    cargo-fuzz --sanitizer (default none: the code fuzzed, src/fix, forbids
#                  unsafe code; "address" adds AddressSanitizer)
#   FUZZ_ARGS=…    more libFuzzer flags, e.g. FUZZ_ARGS=-max_total_time=600
#
# The first time it installs the nightly toolchain (rustup) and cargo-fuzz (crates.io).
# Each target runs as one process on one core. Its corpus grows in fuzz/corpus/TARGET (seeded
# from fuzz/seeds/TARGET and, for templates, fix-templates/), its log goes to
# fuzz/logs/TARGET.log, and an input that fails a property is kept in fuzz/artifacts/TARGET/
# with the command that replays it at the end of the log. Prints a line per target (runs,
# wall time, execs/s, corpus, coverage, new crashes) and exits 1 if any target found one.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

RUNS=${RUNS:-10000000}
SANITIZER=${SANITIZER:-none}
read -r -a extra <<<"${FUZZ_ARGS:-}"

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "== installing the nightly toolchain (cargo-fuzz needs it)"
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

echo "== building the fuzz targets (sanitizer: $SANITIZER)"
cargo +nightly fuzz build --sanitizer "$SANITIZER"

mkdir -p fuzz/logs
summary=()
failed=0
for t in "${targets[@]}"; do
  corpus=fuzz/corpus/$t
  mkdir -p "$corpus" "fuzz/artifacts/$t"
  seeds=()
  [ -d "fuzz/seeds/$t" ] && seeds+=("fuzz/seeds/$t")
  [ "$t" = template ] && seeds+=(fix-templates)
  log=fuzz/logs/$t.log
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  echo "== $t: $RUNS inputs (log: $log)"
  start=$SECONDS
  status=0
  cargo +nightly fuzz run --sanitizer "$SANITIZER" "$t" "$corpus" "${seeds[@]}" -- \
    -runs="$RUNS" -dict=fuzz/fix.dict -print_final_stats=1 "${extra[@]}" >"$log" 2>&1 || status=$?
  wall=$((SECONDS - start))
  crashes=$(($(find "fuzz/artifacts/$t" -type f | wc -l) - before))
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  # libFuzzer counts whole seconds: a run shorter than one says 0.
  if [ "${rate:-0}" = 0 ] && [ -n "$runs" ]; then rate=$((runs / (wall > 0 ? wall : 1))); fi
  # The last status line: "#N DONE cov: C ft: F corp: U/SIZE lim: L exec/s: E rss: R".
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
  line=$(printf '%-12s runs %10s  time %6ss  exec/s %7s  corpus %-12s cov %5s  ft %6s  new crashes %s' \
    "$t" "${runs:-?}" "$wall" "${rate:-?}" "${corp:-?}" "${cov:-?}" "${ft:-?}" "$crashes")
  echo "$line"
  summary+=("$line")
  if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
    failed=1
    echo "$t: failed (exit $status); the end of $log:" >&2
    tail -n 40 "$log" >&2
  fi
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit "$failed"
