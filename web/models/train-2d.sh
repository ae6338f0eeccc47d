#!/usr/bin/env bash
# Retrains the shipped 2-D models with the exact commands recorded in web/models/README.md and prints
# their evaluation and SHA-256. Native build; a few minutes per model on a 2-core machine.
#   bash web/models/train-2d.sh [names...]     (default: all four)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-train score-eval >/dev/null
mkdir -p build/models
# Continuous noise levels in training; each model's file advises the sampler that reached its
# noise floor with the fewest network evaluations (README.md, "The 2-D models").
declare -A sampler=([moons]="pc 50" [swiss-roll]="pc 100" [rings]="ode 20" [checkerboard]="ode 20")
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(moons swiss-roll rings checkerboard)
for n in "${names[@]}"; do
  rm -f "build/models/$n.ckpt"
  start=$(date +%s)
  read -r name steps <<< "${sampler[$n]}"
  build/native/score-train --data "$n" --steps 60000 --batch 256 --lr 0.001 --threads 2 --seed 0 \
    --sigma-sampling log-uniform --sampler "$name" --sampler-steps "$steps" \
    --out "web/models/$n.safetensors" --checkpoint "build/models/$n.ckpt" \
    --log "web/models/logs/$n-loss.csv" 2>&1 | tr '\r' '\n' | grep -v '^step '
  echo "$n: trained in $(( $(date +%s) - start )) s"
  build/native/score-eval --model "web/models/$n.safetensors" --data "$n" \
    --png "web/models/logs/$n-samples.png"
  sha256sum "web/models/$n.safetensors"
done
