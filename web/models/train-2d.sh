#!/usr/bin/env bash
# Retrains the shipped 2-D models with the exact commands recorded in web/models/README.md and prints
# their evaluation. Native build; about a minute per model on a 2-core machine.
#   bash web/models/train-2d.sh [names...]     (default: all four)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-train score-eval >/dev/null
mkdir -p build/models
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(moons swiss-roll rings checkerboard)
for n in "${names[@]}"; do
  rm -f "build/models/$n.ckpt"
  start=$(date +%s)
  build/native/score-train --data "$n" --steps 60000 --batch 256 --lr 0.001 --threads 2 --seed 0 \
    --out "web/models/$n.safetensors" --checkpoint "build/models/$n.ckpt" \
    --log "web/models/logs/$n-loss.csv" 2>&1 | tr '\r' '\n' | grep -v '^step '
  echo "$n: trained in $(( $(date +%s) - start )) s"
  build/native/score-eval --model "web/models/$n.safetensors" --data "$n" \
    --png "web/models/logs/$n-samples.png"
done
