#!/usr/bin/env bash
# The figures web/models/README.md gives for the image models, from the shipped files: 10 000
# samples each with the file's sampler (seed 1; class histogram, mean confidence, Fréchet distance
# and its floor), the 64-sample grid PNG in logs/, the bits per dimension of 1 000 test images
# under the probability-flow ODE, the SHA-256, and the 16-image grid's wall time in the native and
# the WebAssembly builds (SamplingUnetGrid, 1 and 2 threads). Native build, 2 threads; about 40
# minutes per model on a 2-core machine. Run it on an idle machine (the timings).
#   bash web/models/eval-images.sh [names...]     (default: mnist fashion-mnist)
# Environment (for a quick look): SAMPLES (default 10000), LOG_PROB (default 1000), PNG_DIR (default
# web/models/logs).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
export NODE_PATH=/usr/share/nodejs  # Debian's emcc imports acorn from there
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-eval bench/score_bench >/dev/null
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(mnist fashion-mnist)
for n in "${names[@]}"; do
  model="web/models/$n.safetensors"
  echo "== $n"
  sha256sum "$model"
  build/native/score-eval --model "$model" --data "$n" --samples "${SAMPLES:-10000}" --threads 2 \
    --strength 0 --png "${PNG_DIR:-web/models/logs}/$n-samples.png"
  build/native/score-eval --model "$model" --data "$n" --samples 16 --threads 2 --strength 0 \
    --log-prob "${LOG_PROB:-1000}" | grep 'bits per dimension'
  build/native/bench/score_bench --model="$model" SamplingUnetGrid
done
bash wasm/build.sh >/dev/null
ninja -C build/wasm-threads score_bench >/dev/null
for n in "${names[@]}"; do
  echo "== $n, WebAssembly (threads build, Node)"
  node --no-experimental-fetch build/wasm-threads/bench/score_bench.js \
    --model="web/models/$n.safetensors" SamplingUnetGrid
done
echo "(in Chromium: npm run bench:browser -- --model NAME --n 1,16)"
