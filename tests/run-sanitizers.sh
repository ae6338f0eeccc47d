#!/usr/bin/env bash
# The native GoogleTest suite under AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer (issue 9, "Proof, in the tests"): builds core_tests in build/fuzz, the
# clang-14 build of tests/run-fuzz.sh whose every object (the core included) already carries
# ASan + UBSan, so the core is compiled once for both, and runs it through ctest. Any sanitizer
# report fails the test it happens in (-fno-sanitize-recover=undefined, halt_on_error=1).
#
#   bash tests/run-sanitizers.sh
#   SCORE_ASAN_JOBS=1 ...                                   # ninja and ctest parallelism
#   SCORE_ASAN_EXCLUDE='^NativeWasmParity\.|Pretrained' ...  # ctest -E: the tests to leave out
#   SCORE_ASAN_CTEST_ARGS='-R Sampler' ...                  # more ctest arguments
#
# Needs: apt-get install -y clang-14 libfuzzer-14-dev libclang-rt-14-dev
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jobs=${SCORE_ASAN_JOBS:-$(nproc)}
build=build/fuzz

echo "== ASan + UBSan build (clang-14) of core_tests in $build"
bash tests/configure-sanitized.sh "$build"
ninja -C "$build" -j"$jobs" core_tests

# Excluded here (a ctest -E regex over the GoogleTest names), each for a reason that is not about
# memory safety:
#   NativeWasmParity.*: writes the native results to build/native_results.bin, the shared file the
#     WASM test run compares with (the path is compiled in); from this build it would overwrite the
#     native build's file while others use it. What it computes (loading, scoring and sampling the
#     shipped models) runs under the sanitizers in the model and sampler tests.
#   Shipped/PretrainedImageModel.* and Shipped/PretrainedModel.*: sample statistics of full runs
#     with the files' settings (200 images, 10 000 points) plus a classifier or energy distances.
#     Under ASan + UBSan (measured on 2 shared cores) the two image tests each ran past ctest's
#     30-minute timeout (3.5 min natively) and the four 2-D ones took 310-343 s each. Loading and
#     sampling the shipped models stays covered here by NcsnUnetReference.ShippedMnist*.
#   PretrainedModelCriterion.* and PretrainedModelSpread.*: the broken-sampler checks of those
#     statistics, on 10 000 samples of the shipped 2-D models each (as long as the tests above).
#   Shipped/ShippedDigest.*: 47-62 s each under ASan, and their stored digests are those of the
#     g++ native build and of the WASM build (another compiler may contract floating-point
#     operations differently); they run natively and in WASM.
exclude=${SCORE_ASAN_EXCLUDE:-'^NativeWasmParity\.|^Shipped/|^PretrainedModel(Criterion|Spread)\.'}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "== core_tests under ASan + UBSan (excluded: $exclude)"
# shellcheck disable=SC2086
ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 1800 -E "$exclude" \
  ${SCORE_ASAN_CTEST_ARGS:-}
