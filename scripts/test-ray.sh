#!/usr/bin/env bash
# The Ray leg: the sidecar's Ray backend against a real Ray head (from .venv-ray, made by
# scripts/setup.sh), with a stand-in engine module in place of vLLM. The head binds beyond loopback
# even when told 127.0.0.1, so the head, the sidecars under test and the test driver all run in a
# network namespace that has loopback alone (needs root, as CI has). One head for the whole leg,
# stopped with `ray stop` even when a test fails. An argument filters the tests by name.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
RAY_VENV="${BATCH_ROUTER_RAY_VENV:-$PWD/.venv-ray}"

if [ "${1:-}" != "--in-namespace" ]; then
  if [ ! -x "$RAY_VENV/bin/ray" ]; then
    echo "test-ray.sh: no Ray in $RAY_VENV; run scripts/setup.sh first" >&2
    exit 1
  fi
  echo "== Ray entrypoint: its Ray Data LLM code path with a stand-in engine object (no Ray, no vLLM)"
  "$RAY_VENV/bin/python" tests/ray/entrypoint_test.py
  echo "== Ray backend: build the tests (outside the namespace, which has no network)"
  cargo test --quiet -p batch-router-sidecar --test ray_backend --no-run
  exec unshare --net bash "$0" --in-namespace "$@"
fi
shift # --in-namespace; what remains filters the tests by name

ip link set lo up
export PATH="$RAY_VENV/bin:$PATH"
export RAY_USAGE_STATS_ENABLED=0
# A short path: Ray's socket paths live under it (a Unix socket path holds at most 107 bytes).
RAY_TEMP="$(mktemp -d /tmp/ray-br-XXXXXX)"
stop_ray() {
  ray stop --force >/dev/null 2>&1 || true
  rm -rf "$RAY_TEMP"
}
trap stop_ray EXIT

echo "== Ray backend: start a Ray head on 127.0.0.1"
started=$(date +%s)
ray start --head --node-ip-address 127.0.0.1 --dashboard-host 127.0.0.1 --dashboard-port 8265 \
  --include-dashboard true --num-cpus 2 --object-store-memory 200000000 --temp-dir "$RAY_TEMP" \
  --disable-usage-stats >"$RAY_TEMP/start.log" 2>&1 || { cat "$RAY_TEMP/start.log"; exit 1; }
python - <<'PY'
import time, urllib.request
for _ in range(120):
    try:
        urllib.request.urlopen("http://127.0.0.1:8265/api/version", timeout=2)
        break
    except OSError:
        time.sleep(0.5)
else:
    raise SystemExit("the Ray dashboard did not answer")
PY

echo "== Ray backend: the sidecar against the head (submission, status, progress, cancel, restart, failure)"
BATCH_ROUTER_TEST_RAY_ADDRESS=http://127.0.0.1:8265 BATCH_ROUTER_TEST_RAY_PYTHON="$RAY_VENV/bin/python" \
  cargo test --offline -p batch-router-sidecar --test ray_backend -- --ignored --test-threads=1 "$@"
echo "Ray leg took $(($(date +%s) - started)) s with the head's start"
