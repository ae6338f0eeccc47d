#!/usr/bin/env bash
# Tests the JavaScript package the way users get it: `npm pack` (whose prepack builds the
# WebAssembly), the tarball installed into an empty project, its TypeScript declarations compiled
# there under `tsc --strict` (tests/types/), the Node tests run there against
# node_modules/score-wasm; then the demo in Chromium. Fails if any of them fails.
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
cp -r "$root"/tests/types "$project/types"

echo "== TypeScript: the declarations under tsc --strict in the consumer project"
(cd "$project" && node "$root/node_modules/typescript/bin/tsc" -p types/tsconfig.json && echo "tsc --strict: no errors")
types_status=$?

echo "== Node: package tests"
(cd "$project" && node --test tests/)
node_status=$?

echo "== Chromium: demo page tests"
(cd "$root" && node --test tests/browser/)
browser_status=$?

[ $types_status = 0 ] && [ $node_status = 0 ] && [ $browser_status = 0 ]
