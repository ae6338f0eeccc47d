#!/usr/bin/env bash
# Every test of the project, in the order a failure is cheapest to see: the C++ core natively, the
# same core tests compiled to WebAssembly under Node, then the npm package (from its packed tarball)
# under Node's test runner and in Chromium. `npm test` runs this; CI runs it through README's command.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=$(nproc)
export NODE_PATH=/usr/share/nodejs  # Debian's emcc imports acorn from there

echo "== native build and GoogleTest"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  >/dev/null
ninja -C build/native -j"$jobs"

echo "== clang-format and clang-tidy"
bash tests/lint.sh build/native

ctest --test-dir build/native --output-on-failure -j"$jobs"

echo "== benchmark smoke run (native; figures are not checked here)"
build/native/bench/score_bench --quick >/dev/null

echo "== WebAssembly build (both flavours) and the core tests in WASM"
bash wasm/build.sh -j"$jobs"

echo "== the clang 14 WebAssembly LOAD_SPLAT miscompilation: reproduction and IR scan of our sources"
bash tests/toolchain/check.sh
ninja -C build/wasm-threads -j"$jobs" core_tests
ctest --test-dir build/wasm-threads --output-on-failure

echo "== fuzz targets under ASan + UBSan (libFuzzer; longer runs: SCORE_FUZZ_SECONDS)"
SCORE_FUZZ_SECONDS=${SCORE_FUZZ_SECONDS:-30} bash tests/run-fuzz.sh

echo "== the native tests under ASan + UBSan (what it leaves out, and why: tests/run-sanitizers.sh)"
bash tests/run-sanitizers.sh

echo "== the npm package: Node and Chromium"
bash tests/run-js.sh
