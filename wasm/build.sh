#!/usr/bin/env bash
# Builds both WebAssembly flavours of the package into web/dist/ (run by `npm run build:wasm` and
# by `npm pack` through prepack). Needs the packages that setup.sh installs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export NODE_PATH=/usr/share/nodejs  # Debian's emcc imports acorn from there
for flavour in threads simd; do
  dir="$root/build/wasm-$flavour"
  threads=$([ "$flavour" = threads ] && echo ON || echo OFF)
  if [ ! -f "$dir/build.ninja" ]; then
    emcmake cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSCORE_WASM_THREADS=$threads -DSCORE_WASM_DIST_DIR="$root/web/dist" >/dev/null
  fi
  target=$([ "$flavour" = threads ] && echo score-wasm-simd-threads || echo score-wasm-simd)
  ninja -C "$dir" "$target" "$@"
done
