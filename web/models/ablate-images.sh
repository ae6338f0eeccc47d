#!/usr/bin/env bash
# The ablations of web/models/README.md ("Training the image models for the SDE samplers", "A
# wider network for fashion-mnist"): the U-Net trained for 4 000 steps of 64 images under each
# training recipe below, then sampled with at most 100 network evaluations (the probability-flow
# ODE over 20 and 50 Karras levels, 39 and 99 evaluations; PC over 49 levels, 98; reverse
# diffusion over 99, 99) and judged by score-eval's Fréchet distance in its classifier's feature
# space at n = 1 000 (floor: 1 000 training images, about 5.4 for mnist). Native build, one thread
# per arm: 20 to 25 minutes an arm on this project's 2-core machine, so run two at once:
#   bash web/models/ablate-images.sh [arm ...]      (default: every arm; output in build/ablation)
#   arms: levels log-uniform edm-log-uniform edm sized wide
# Environment: DATA (default mnist; or fashion-mnist), SAMPLERS (default "ode:20 ode:50 pc:49
# reverse-diffusion:99": the sampler:levels pairs to judge each arm by).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=build/ablation
mkdir -p "$out"
cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build/native score-train score-eval >/dev/null

declare -A recipe=(
  [levels]="--sigma-sampling levels"                     # NCSNv2: the 12 trained levels only
  [log-uniform]="--sigma-sampling log-uniform"           # continuous σ
  [edm-log-uniform]="--sigma-sampling log-uniform --precondition"
  [edm]="--sigma-sampling log-normal --loss-weighting edm --precondition"  # EDM's whole recipe
  [sized]="--sigma-sampling log-normal --loss-weighting edm --precondition --channels 8,32,128"
  #        the same cost per evaluation (34.6 against 33.8 MFLOP), 2.1 times the parameters
  [wide]="--sigma-sampling log-normal --loss-weighting edm --precondition --channels 16,32,128"
  #        twice the channels at 28²: finer textures, at 1.35 times sized's cost per evaluation
)
data=${DATA:-mnist}
arms=("$@")
[ ${#arms[@]} -gt 0 ] || arms=(levels log-uniform edm-log-uniform edm sized wide)
fd() {  # Fréchet distance and largest class of 1 000 samples
  build/native/score-eval --model "$1" --data "$data" --samples 1000 --threads 1 --strength 0 "${@:2}" |
    sed -n 's/.*largest class \([^;]*\);.*/largest \1/p
           s/.*samples vs test \([0-9.]*\), .*(floor) \([0-9.]*\).*/FD \1 (floor \2)/p' |
    tr '\n' ' '
}
for arm in "${arms[@]}"; do
  model="$out/$data-$arm.safetensors"
  start=$(date +%s)
  # shellcheck disable=SC2086  # the recipe is a list of flags
  channels=16,32,64
  [[ ${recipe[$arm]} == *--channels* ]] && channels=  # the arm's own
  build/native/score-train --data "$data" ${channels:+--channels $channels} ${recipe[$arm]} --groups 4 \
    --embedding-dim 64 --freqs 16 --levels 12 --sigma-min 0.01 --steps 4000 --batch 64 --lr 0.001 \
    --ema 0.999 --seed 0 --threads 1 --out "$model" --log "$out/$data-$arm-loss.csv" >/dev/null 2>&1
  echo "$arm: trained in $(( $(date +%s) - start )) s"
  for pair in ${SAMPLERS:-ode:20 ode:50 pc:49 reverse-diffusion:99}; do
    echo "$arm: ${pair%:*} ${pair#*:}: $(fd "$model" --sampler "${pair%:*}" --steps "${pair#*:}")"
  done
done
