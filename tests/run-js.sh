#!/usr/bin/env bash
# Tests the JavaScript package the way users get it: `npm pack` (whose prepack builds the
# WebAssembly), the tarball installed into an empty project, its TypeScript declarations compiled
# there under `tsc --strict` (tests/types/), the Node tests and examples run there against
# node_modules/score-wasm (with the shipped models exported to ONNX by the native
# score-export-onnx, and scored by the PyTorch modules of examples/pytorch/, as two references);
# then the demo pages in Chromium. Fails if any of them fails.
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
mkdir "$project/examples" && cp -r "$root"/examples/node "$project/examples/node"  # run by examples.test.mjs
cp -r "$root"/tests/types "$project/types"

echo "== ONNX: the shipped models exported for the onnxruntime reference (tests/node/onnx.test.mjs)"
exporter="$root/build/native/score-export-onnx"
[ -x "$exporter" ] || { echo "$exporter is missing: build the native tools first (tests/run-all.sh does)"; exit 1; }
mkdir "$work/onnx"
for model in "$root"/web/models/*.safetensors; do
  "$exporter" --model "$model" --out "$work/onnx/$(basename "$model" .safetensors).onnx" || exit 1
done
# onnxruntime-web (and pngjs, which the PNG example uses) are devDependencies of this repository,
# not of the package: the tests find them through links (their own dependencies resolve from the
# repository's node_modules).
for dependency in onnxruntime-web pngjs; do
  ln -s "$root/node_modules/$dependency" "$project/node_modules/$dependency"
done

echo "== PyTorch: the shipped models' scores in the torch modules of examples/pytorch/, a round trip"
echo "   through state dicts and a model trained by train.py (for tests/node/pytorch.test.mjs)"
mkdir "$work/pytorch"
/usr/bin/python3 "$root/examples/pytorch/reference_scores.py" "$work/pytorch" || exit 1

echo "== the API reference: web/api/ is what typedoc makes of web/index.d.ts now (npm run docs)"
(cd "$root" && node node_modules/typedoc/bin/typedoc --options web/typedoc.json --out "$work/api" --logLevel Warn &&
  diff -r web/api "$work/api" && echo "web/api/ is up to date")
docs_status=$?

echo "== TypeScript: the declarations under tsc --strict in the consumer project"
(cd "$project" && node "$root/node_modules/typescript/bin/tsc" -p types/tsconfig.json && echo "tsc --strict: no errors")
types_status=$?

echo "== Node: package tests"
(cd "$project" && SCORE_ONNX_DIR="$work/onnx" SCORE_PYTORCH_DIR="$work/pytorch" node --test tests/)
node_status=$?

echo "== Chromium: demo page tests"
(cd "$root" && node --test tests/browser/)
browser_status=$?

echo "== Bundlers and static pages: the tarball in a fresh Vite project, built and served; a plain module page"
(cd "$root" && SCORE_TARBALL="$tarball" node --test tests/bundler/)
bundler_status=$?

[ $docs_status = 0 ] && [ $types_status = 0 ] && [ $node_status = 0 ] && [ $browser_status = 0 ] &&
  [ $bundler_status = 0 ]
