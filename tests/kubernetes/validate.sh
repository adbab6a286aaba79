#!/usr/bin/env bash
# Validate deploy/kubernetes/*.yaml offline; exits non-zero when a manifest is invalid.
#
#   tests/kubernetes/validate.sh          # scripts/test.sh runs it
#
# 1. Each manifest, with START_AT filled in as the README's `envsubst '$START_AT'` does, is
#    checked strictly (an unknown or misspelled field is an error) against the Kubernetes API
#    schemas of the oldest release it is meant for (1.29: backoffLimitPerIndex) and of the
#    newest the pinned kubernetes-validate ships. The schemas come inside that PyPI package:
#    no cluster and no network at validate time.
# 2. tests/kubernetes/check.py checks what a schema cannot: the fixblast image has no shell, so
#    the containers' args must be fixblast's own, and fixblast itself must accept them (it runs
#    them against a closed loopback port: exit 3, result file written).
#
# The venv lives in <repo>/target/kubernetes-validate (FIXBLAST_K8S_VENV to override) and is
# made once; the fixblast binary is FIXBLAST_BIN, or target/debug/fixblast built here.
# Needs: python3 with venv (Debian's python3-venv is installed with apt if missing), PyPI
# reachable the first time, cargo unless FIXBLAST_BIN is given.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
VENV="${FIXBLAST_K8S_VENV:-$REPO_ROOT/target/kubernetes-validate}"
# Pinned with every dependency, so that a new release changes nothing until it is pinned here.
KV_VERSION=1.37.0
PINS=(
  "kubernetes-validate==$KV_VERSION" attrs==26.1.0 importlib_resources==7.1.0 jsonschema==4.26.0
  jsonschema-specifications==2025.9.1 packaging==26.4 PyYAML==6.0.4 referencing==0.37.0
  rpds-py==2026.9.1 typing_extensions==4.16.0
)
K8S_VERSIONS=(1.29.0 1.37.0)

log() { echo "validate.sh: $*" >&2; }
die() { echo "validate.sh: error: $*" >&2; exit 1; }

# --- 1. the venv, made once ------------------------------------------------------
if [ "$("$VENV/bin/kubernetes-validate" --version 2>/dev/null || true)" != "$KV_VERSION" ]; then
  PY=""
  for c in python3 python; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import venv, ensurepip' 2>/dev/null; then PY="$c"; break; fi
  done
  if [ -z "$PY" ]; then
    command -v apt-get >/dev/null 2>&1 || die "no python3 with venv; install python3-venv"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    log "apt-get install python3-venv"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >&2
    PY=python3
  fi
  log "making $VENV with kubernetes-validate $KV_VERSION"
  "$PY" -m venv --clear "$VENV"
  "$VENV/bin/pip" install --disable-pip-version-check --quiet --no-deps "${PINS[@]}" >&2
  [ "$("$VENV/bin/kubernetes-validate" --version)" = "$KV_VERSION" ] ||
    die "the venv in $VENV has no kubernetes-validate $KV_VERSION"
fi

# --- 2. the fixblast binary whose flags the job uses --------------------------
FIXBLAST="${FIXBLAST_BIN:-}"
if [ -z "$FIXBLAST" ]; then
  cargo build --quiet --manifest-path "$REPO_ROOT/Cargo.toml" --bin fixblast
  FIXBLAST="$(cargo metadata --manifest-path "$REPO_ROOT/Cargo.toml" --format-version 1 --no-deps |
    "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/fixblast"
fi
FIXBLAST="$(realpath "$FIXBLAST")"
[ -x "$FIXBLAST" ] || die "no fixblast binary at $FIXBLAST"

# --- 3. render as the README applies them, then validate strictly -----------------
shopt -s nullglob
manifests=("$REPO_ROOT"/deploy/kubernetes/*.yaml)
[ "${#manifests[@]}" -gt 0 ] || die "no manifests in deploy/kubernetes"
# Rendered under the same relative names, so that errors name the file to fix.
RENDERED="$(mktemp -d)"
trap 'rm -rf "$RENDERED"' EXIT
mkdir -p "$RENDERED/deploy/kubernetes"
"$VENV/bin/python" "$SCRIPT_DIR/check.py" render "$(($(date +%s) + 3600))" "$RENDERED/deploy/kubernetes" "${manifests[@]}"
cd "$RENDERED"
rendered=(deploy/kubernetes/*.yaml)
for v in "${K8S_VERSIONS[@]}"; do
  "$VENV/bin/kubernetes-validate" --strict --quiet --kubernetes-version "$v" "${rendered[@]}" ||
    die "a manifest in deploy/kubernetes is not valid Kubernetes $v (strict: no unknown fields)"
done
log "${#manifests[@]} manifest(s) valid for Kubernetes ${K8S_VERSIONS[*]} (strict)"

# --- 4. the fixblast containers' args -------------------------------------------
"$VENV/bin/python" "$SCRIPT_DIR/check.py" args "$FIXBLAST" "${rendered[@]}"
