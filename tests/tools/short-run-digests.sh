#!/usr/bin/env bash
# Retraining reproduces the shipped image models byte for byte: web/models/train-images.sh (the
# documented command) cut to 20 steps must give the files whose SHA-256 web/models/README.md lists
# under "Reproduce". A change to the data loading, the initial weights,
# the trainer, the kernels' rounding or the file writer changes these digests (and would change
# the full run's); record new ones only with a retrained model. ctest runs it with the tools'
# folder; exit 77 (skipped) on a CPU without FMA, whose kernels round differently (README.md says
# why every FMA target gives the same bits).
#   bash tests/tools/short-run-digests.sh build/native
set -euo pipefail
tools=$(cd "$1" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
grep -qw fma /proc/cpuinfo || { echo "skipped: this CPU has no FMA"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SCORE_TOOLS=$tools STEPS=20 OUT=$tmp bash web/models/train-images.sh mnist fashion-mnist >/dev/null
status=0
for name in mnist fashion-mnist; do
  want=$(sed -n "s/^| \`$name\`, 20 steps | \`\([0-9a-f]\{64\}\)\` |\$/\1/p" web/models/README.md)
  got=$(sha256sum "$tmp/$name.safetensors" | cut -d' ' -f1)
  if [ "$got" = "$want" ]; then
    echo "$name, 20 steps: $got, as web/models/README.md says"
  else
    echo "$name, 20 steps: SHA-256 $got; web/models/README.md says '${want:-nothing}'"
    status=1
  fi
done
exit $status
