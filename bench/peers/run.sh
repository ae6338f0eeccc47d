#!/usr/bin/env bash
# `npm run bench:peers [-- options of run.mjs]`: builds the package's WebAssembly, the native ONNX
# exporter and the peak module, exports the shipped models to ONNX, then runs bench/peers/run.mjs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export NODE_PATH=/usr/share/nodejs  # Debian's emcc imports acorn from there
bash wasm/build.sh
ninja -C build/wasm-simd score_peak
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-export-onnx
mkdir -p build/peers/onnx
for model in web/models/*.safetensors; do
  build/native/score-export-onnx --model "$model" --out "build/peers/onnx/$(basename "$model" .safetensors).onnx" >/dev/null
done
node bench/peers/run.mjs --onnx-dir build/peers/onnx --peak "$root/build/wasm-simd/bench/score_peak.js" \
  --json build/peers/results.json "$@"
