#!/usr/bin/env bash
# zkSync Lite's JavaScript SDK against a fresh Tern devnet, start to stop: starts
# `TERN devnet` in a temporary directory, submits one ETH transfer with `TERN wallet`, runs
# tests/js/zksync-compat.js on it, and stops the devnet (SIGINT, which also stops its anvil).
#
# Usage: tests/js/devnet-run.sh [TERN_BINARY]   (default target/debug/tern; needs `npm ci`)
# Environment: TERN_DEVNET_KEYS (a dev-key directory to reuse, default: made in the data
# directory), TERN_JS_PORT_OFFSET (default 900), TERN_JS_READY (seconds to wait for the devnet,
# default 600).
set -euo pipefail
cd "$(dirname "$0")/../.."
tern="$(realpath "${1:-target/debug/tern}")"
dir="$(mktemp -d "${TMPDIR:-/tmp}/tern-js.XXXXXX")"
keys="${TERN_DEVNET_KEYS:-$dir/keys}"
devnet_pid=

stop() {
  if [ -n "$devnet_pid" ] && kill -0 "$devnet_pid" 2>/dev/null; then
    kill -INT "$devnet_pid" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$devnet_pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$devnet_pid" 2>/dev/null && kill -KILL "$devnet_pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}
trap stop EXIT

"$tern" devnet --data-dir "$dir/devnet" --accounts 2 --keys "$keys" \
  --port-offset "${TERN_JS_PORT_OFFSET:-900}" --json >"$dir/ready.json" 2>"$dir/devnet.log" &
devnet_pid=$!

ready="${TERN_JS_READY:-600}"
for _ in $(seq 1 "$ready"); do
  [ -s "$dir/ready.json" ] && break
  if ! kill -0 "$devnet_pid" 2>/dev/null; then
    tail -n 30 "$dir/devnet.log"; echo "devnet-run: the devnet exited before it was ready" >&2; exit 1
  fi
  sleep 1
done
if [ ! -s "$dir/ready.json" ]; then
  tail -n 30 "$dir/devnet.log"; echo "devnet-run: the devnet was not ready in ${ready} s" >&2; exit 1
fi

field() { node -e "const d=require(process.argv[1]);console.log($1)" "$dir/devnet/devnet.json"; }
key="$(field 'd.accounts[0].private_key')"
to="$(field 'd.accounts[1].address')"
sent="$("$tern" wallet --devnet "$dir/devnet" --key "$key" transfer --to "$to" --token ETH --amount 0.1 --json)"
hash="$(node -e 'console.log(JSON.parse(process.argv[1]).hash)' "$sent")"
echo "devnet-run: transfer $hash"
node tests/js/zksync-compat.js "$dir/devnet" "$hash"
