#!/usr/bin/env bash
# Tests the JavaScript package the way users get it: `npm pack` (whose prepack builds the
# WebAssembly), the tarball installed into an empty project, the Node tests run there against
# node_modules/score-wasm; then the demo in Chromium. Fails if either runner fails.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== npm pack (builds the WebAssembly)"
(cd "$root" && npm pack --pack-destination "$work" --loglevel=warn) || exit 1
tarball=$(ls "$work"/score-wasm-*.tgz)

echo "== installing $(basename "$tarball") into an empty project"
project="$work/project"
mkdir -p "$project/tests"
printf '{ "name": "score-wasm-consumer", "private": true, "type": "module" }\n' > "$project/package.json"
(cd "$project" && npm install --offline --no-audit --no-fund --loglevel=warn "$tarball") || exit 1
cp "$root"/tests/node/*.mjs "$project/tests/"

echo "== Node: package tests"
(cd "$project" && node --test tests/)
node_status=$?

echo "== Chromium: demo page tests"
(cd "$root" && node --test tests/browser/)
browser_status=$?

[ $node_status = 0 ] && [ $browser_status = 0 ]
