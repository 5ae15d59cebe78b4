#!/usr/bin/env bash
# Installs everything batch-router needs on a fresh machine (Debian, rustup's Rust, Node 20), then
# builds the npm package. Safe to run again: each step checks before it installs.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

WASM_BINDGEN_VERSION="0.2.130" # must equal the exact version pinned in crates/wasm/Cargo.toml
RAY_VERSION="2.60.0"          # the Ray head of the sidecar's Ray backend tests (scripts/test-ray.sh)
SEED_VERSION="0.2.9"          # the seed (Python batch-router), a column of the peers benchmark

step() { printf '\n== %s\n' "$*"; }

step "Rust target wasm32-unknown-unknown"
has_wasm_std() { ls "$(rustc --print target-libdir --target wasm32-unknown-unknown)"/libstd-*.rlib >/dev/null 2>&1; }
if has_wasm_std; then
  echo "already installed"
elif rustup target add wasm32-unknown-unknown && has_wasm_std; then
  echo "installed with rustup"
else
  # Where rustup cannot download the target: Debian's rustc-web builds std from source.
  echo "rustup could not add the target; using Debian's rustc-web with build-std"
  apt-get update
  apt-get install -y rustc-web cargo-web rust-web-src rust-web-llvm lld-22
  mkdir -p target && touch target/.use-debian-rust
fi

step "wasm-bindgen-cli $WASM_BINDGEN_VERSION"
if wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  echo "already installed"
else
  # --locked once failed for a dependency missing from the registry: retry without it.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

step "Ray $RAY_VERSION in a virtual environment (.venv-ray), for the sidecar's Ray backend tests"
RAY_VENV="$PWD/.venv-ray"
if "$RAY_VENV/bin/python" -c "import ray, ray.data, ray.dashboard; assert ray.__version__ == '$RAY_VERSION'" 2>/dev/null; then
  echo "already installed"
else
  # The test leg also needs `ip` and `unshare` (a network namespace with loopback alone).
  if ! python3 -m venv --help >/dev/null 2>&1 || ! command -v ip >/dev/null || ! command -v unshare >/dev/null; then
    apt-get update
    apt-get install -y python3 python3-venv iproute2 util-linux
  fi
  rm -rf "$RAY_VENV"
  python3 -m venv "$RAY_VENV" || { apt-get update && apt-get install -y python3-venv && python3 -m venv "$RAY_VENV"; }
  "$RAY_VENV/bin/pip" install --quiet --disable-pip-version-check "ray[default,data]==$RAY_VERSION"
fi

step "The seed (Python batch-router $SEED_VERSION) in .venv-seed, for the peers benchmark (optional)"
SEED_VENV="$PWD/.venv-seed"
# It imports typing.override, so it needs Python 3.12 or newer (Debian 12's python3 is 3.11).
# The first that really runs: a pyenv shim may be on PATH for a version that is not active, so the
# interpreters pyenv has installed (active or not) are tried by their own paths too.
SEED_PYTHON=""
for candidate in python3.13 python3.12 "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c "import sys; assert sys.version_info >= (3, 12)" >/dev/null 2>&1; then
    SEED_PYTHON="$(command -v "$candidate")"
    break
  fi
done
if "$SEED_VENV/bin/python" -c "import batch_router" 2>/dev/null; then
  echo "already installed"
elif [ -z "$SEED_PYTHON" ]; then
  echo "no Python 3.12 or newer (on PATH or in pyenv): the peers benchmark leaves the seed's column out"
else
  rm -rf "$SEED_VENV"
  { "$SEED_PYTHON" -m venv "$SEED_VENV" \
    && "$SEED_VENV/bin/pip" install --quiet --disable-pip-version-check "batch-router==$SEED_VERSION"; } \
    || { echo "the seed did not install: the peers benchmark leaves its column out"; rm -rf "$SEED_VENV"; }
fi

step "PostgreSQL server (for the job store suite: a throwaway cluster per run)"
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "already installed"
else
  apt-get update
  # Only the server binaries: the suite starts its own cluster, no service is enabled.
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql
fi

step "npm dependencies (from package-lock.json)"
npm ci --no-audit --no-fund

step "build the npm package"
node scripts/build.mjs
