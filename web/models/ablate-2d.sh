#!/usr/bin/env bash
# The ablation of web/models/README.md ("Noise levels in training"): moons and checkerboard trained
# for 20 000 steps with the noise level of each example drawn from the trained levels or
# log-uniformly between them, each sampled by annealed Langevin (the file's settings), the
# probability-flow ODE and predictor-corrector; energy distance at n = 4 000 against its noise
# floor. Native build; about 15 minutes on one thread.
#   bash web/models/ablate-2d.sh [output folder]     (default: build/ablation)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=${1:-build/ablation}
mkdir -p "$out"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-train score-eval >/dev/null
ratio() { build/native/score-eval --model "$1" --data "$2" --samples 4000 --threads 1 "${@:3}" |
  grep -o 'ratio [-0-9.]*'; }
for data in moons checkerboard; do
  for sampling in levels log-uniform; do
    model="$out/$data-$sampling.safetensors"
    build/native/score-train --data "$data" --steps 20000 --batch 256 --lr 0.001 --threads 1 --seed 0 \
      --sigma-sampling "$sampling" --out "$model" >/dev/null 2>&1
    echo "$data, $sampling: annealed Langevin $(ratio "$model" "$data")"
    for steps in 10 30 100; do echo "$data, $sampling: ode $steps $(ratio "$model" "$data" --sampler ode --steps $steps)"; done
    for steps in 50 200; do echo "$data, $sampling: pc $steps $(ratio "$model" "$data" --sampler pc --steps $steps)"; done
  done
done
