#!/usr/bin/env bash
# Configures the clang-14 build with libFuzzer coverage, ASan and UBSan on every object (the core
# included; -DSCORE_FUZZ=ON, see CMakeLists.txt) in the folder $1. tests/run-fuzz.sh builds the fuzz
# targets there and tests/run-sanitizers.sh the GoogleTest suite, so the core is compiled once.
# -O2 with debug info and without NDEBUG: fast enough to fuzz, and asserts stay on.
set -euo pipefail
cmake -S . -B "$1" -G Ninja -DSCORE_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" >/dev/null
