#!/usr/bin/env bash
# Trains the shipped image models (the U-Net on MNIST digits and on Fashion-MNIST) with the exact
# commands recorded in web/models/README.md (evaluate them with score-eval, as it says there).
# Native build, 2 threads; the same bytes on any number of threads and any CPU with FMA (AVX2 or
# AVX-512). Training resumes from its checkpoint when one exists (delete it for a fresh run; the
# same bits either way).
#   bash web/models/train-images.sh [names...]     (default: mnist fashion-mnist)
# Environment: THREADS (default 2; never changes the result), STEPS (default: the recipe's),
# OUT (default: web/models, with the checkpoint and the loss log in build/models until the run
# ends, when the log is copied to web/models/logs; else everything in OUT), SCORE_TOOLS
# (a folder with score-train, used as it is; default: build/native, built first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
tools=${SCORE_TOOLS:-}
if [ -z "$tools" ]; then
  tools=build/native
  cmake -S . -B build/native -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C build/native score-train score-eval >/dev/null
fi
out=${OUT:-web/models}
state=${OUT:-build/models}
mkdir -p "$out" "$state"
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(mnist fashion-mnist)
for n in "${names[@]}"; do
  start=$(date +%s)
  # Clothes carry finer texture than strokes: fashion-mnist gets 16 channels at 28 x 28 (digits
  # measured no better with them), and PC with a stronger corrector samples it best
  # (web/models/README.md, "A wider network for fashion-mnist"). The sampler flags are metadata:
  # they take no part in training.
  channels=8,32,128
  sampler=(--sampler reverse-diffusion --sampler-steps 99)
  if [ "$n" = fashion-mnist ]; then
    channels=16,32,128
    sampler=(--sampler pc --sampler-steps 49 --sampler-snr 0.3)
  fi
  "$tools/score-train" --data "$n" --channels "$channels" --groups 4 --embedding-dim 64 --freqs 16 \
    --precondition --sigma-sampling log-normal --loss-weighting edm --levels 12 --sigma-min 0.01 \
    "${sampler[@]}" --steps "${STEPS:-60000}" --batch 64 \
    --lr 0.001 --ema 0.9995 --seed 0 --threads "${THREADS:-2}" --f16 \
    --out "$out/$n.safetensors" --checkpoint "$state/$n.ckpt" --checkpoint-every 500 \
    --log "$state/$n-loss.csv" 2>&1 | tr '\r' '\n' | grep -v '^step '
  echo "$n: trained in $(( $(date +%s) - start )) s"
  [ -n "${OUT:-}" ] || cp "$state/$n-loss.csv" "web/models/logs/$n-loss.csv"
  sha256sum "$out/$n.safetensors"
done
