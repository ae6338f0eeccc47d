#!/usr/bin/env bash
# `npm run bench`: the benchmarks in the threaded WASM build under Node (the figures that matter for
# the package), then natively. Each prints medians and ratios measured within its own run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export NODE_PATH=/usr/share/nodejs  # Debian's emcc imports acorn from there
bash wasm/build.sh
ninja -C build/wasm-threads score_bench
echo "== WebAssembly (SIMD + threads, Node)"
node --no-experimental-fetch build/wasm-threads/bench/score_bench.js "$@"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score_bench
echo "== native"
build/native/bench/score_bench "$@"
