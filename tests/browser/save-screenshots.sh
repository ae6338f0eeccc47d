#!/usr/bin/env bash
# Copies the screenshots the browser tests saved (test-output/) to the committed ones that README.md
# shows (examples/screenshots/): run after `node --test tests/browser/`.
set -euo pipefail
cd "$(dirname "$0")/../.."
for pair in explorer-isolated:explorer explorer-phone:explorer-phone images-isolated:images \
            inpainting-isolated:inpainting train-isolated:train train-phone:train-phone \
            mixture-demo-isolated:mixture pretrained-demo-mnist:pretrained; do
  cp "test-output/${pair%%:*}.png" "examples/screenshots/${pair##*:}.png"
done
