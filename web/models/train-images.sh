#!/usr/bin/env bash
# Trains the shipped image models (the U-Net on MNIST digits and on Fashion-MNIST) with the exact
# commands recorded in web/models/README.md (evaluate them with score-eval, as it says there).
# Native build, 2 threads; about 50 minutes per model on a 2-core machine. Training resumes from its
# checkpoint in build/models/ when one exists (delete it for a fresh run; same bits either way).
#   bash web/models/train-images.sh [names...]     (default: mnist fashion-mnist)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-train score-eval >/dev/null
mkdir -p build/models
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(mnist fashion-mnist)
for n in "${names[@]}"; do
  start=$(date +%s)
  build/native/score-train --data "$n" --channels 16,32,64 --groups 4 --embedding-dim 64 \
    --freqs 16 --levels 12 --steps-per-level 30 --step-size-scale 3 --sigma-min 0.01 --steps 20000 \
    --batch 64 --lr 0.001 --ema 0.999 --seed 0 --threads "${THREADS:-2}" --f16 \
    --out "build/models/$n.safetensors" --checkpoint "build/models/$n.ckpt" \
    --checkpoint-every 500 --log "build/models/$n-loss.csv" 2>&1 | tr '\r' '\n' | grep -v '^step '
  echo "$n: trained in $(( $(date +%s) - start )) s"
  cp "build/models/$n.safetensors" "web/models/$n.safetensors"
  cp "build/models/$n-loss.csv" "web/models/logs/$n-loss.csv"
done
