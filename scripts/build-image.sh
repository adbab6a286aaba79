#!/usr/bin/env bash
# Builds fixblast's container image: one statically linked binary in a FROM scratch image
# (deploy/Containerfile), so that a load host runs the exact code measured here, with no
# libc of the image's choosing and no base image to pull.
#
#   scripts/build-image.sh
#
# The binary is built here, outside the engine, with cargo's crates cache: the gnu target with
# glibc linked in statically (+crt-static), into its own target directory (STATIC_TARGET_DIR,
# default target/static) so that the normal build is left alone. The engine then only copies
# it into an empty image, ENTRYPOINT ["/fixblast"], tagged fixblast:<version in Cargo.toml>
# and fixblast:latest. Prints the tags, the binary's size and the image's size.
#
# Environment: ENGINE (podman or docker; default podman when installed, else docker),
# TAG (one more tag, e.g. registry.example.com/fixblast:1.0), STATIC_TARGET_DIR.
# Needs: cargo, glibc's static libc.a (Debian: libc6-dev), podman or docker.
# Exit: 0 built; 1 the binary or the image could not be built; 2 bad environment.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

die() { echo "build-image.sh: $1" >&2; exit "${2:-1}"; }

if [ -z "${ENGINE:-}" ]; then
  if command -v podman >/dev/null 2>&1; then ENGINE=podman
  elif command -v docker >/dev/null 2>&1; then ENGINE=docker
  else die "neither podman nor docker is installed (Debian: apt-get install podman)" 2
  fi
fi
case "$ENGINE" in
  podman | docker) command -v "$ENGINE" >/dev/null 2>&1 || die "ENGINE=$ENGINE: not installed" 2 ;;
  *) die "ENGINE=$ENGINE: must be podman or docker" 2 ;;
esac

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
[ -n "$version" ] || die "no version in Cargo.toml" 2
host=$(rustc -vV | sed -n 's/^host: //p')
case "$host" in
  *-linux-gnu) ;;
  *) die "host $host: the static build is for a *-linux-gnu target" 2 ;;
esac
target_dir=${STATIC_TARGET_DIR:-target/static}

echo "== static fixblast $version ($host, glibc +crt-static) in $target_dir"
# --target, even though it is the host's: RUSTFLAGS then reach only the target's crates, not
# build scripts and proc macros (which cannot be static). getrandom calls the getrandom
# syscall directly: its default finds the libc function through dlsym, which a static
# binary cannot, and falls back to reading /dev/urandom.
RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static --cfg getrandom_backend=\"linux_getrandom\"" \
  CARGO_TARGET_DIR="$target_dir" \
  CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=debuginfo \
  cargo build --release --locked --bin fixblast --target "$host"
bin="$target_dir/$host/release/fixblast"
# A static binary has no program interpreter: ldd says so instead of listing libraries.
ldd "$bin" 2>&1 | grep -qE 'statically linked|not a dynamic executable' \
  || die "$bin is not statically linked: $(ldd "$bin" 2>&1 | head -n 3)"

# The build context holds the binary alone: nothing else of the checkout goes to the engine.
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$bin" "$ctx/fixblast"

tags=("fixblast:$version" "fixblast:latest")
[ -n "${TAG:-}" ] && tags+=("$TAG")
tag_args=()
for t in "${tags[@]}"; do tag_args+=(--tag "$t"); done

echo "== image (${ENGINE})"
"$ENGINE" build --file deploy/Containerfile --build-arg "VERSION=$version" "${tag_args[@]}" "$ctx"

size=$("$ENGINE" image inspect --format '{{.Size}}' "fixblast:$version")
echo "== built ${tags[*]}"
echo "binary $(stat -c %s "$bin") bytes, image $size bytes ($((size / 1024 / 1024)) MiB)"
