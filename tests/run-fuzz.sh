#!/usr/bin/env bash
# The libFuzzer targets of tests/fuzz under ASan + UBSan (issue 9, "Proof, in the tests"): builds
# them with Debian's clang-14 in build/fuzz (-DSCORE_FUZZ=ON instruments the core too), writes the
# seed corpus from the shipped models (tests/fuzz/make_seeds.py) and runs each target for a bounded
# time. Fails if libFuzzer reports a crash, a leak, undefined behaviour, a timeout or an
# out-of-memory; the input that did it is left in build/fuzz/artifacts/<target>/.
#
#   bash tests/run-fuzz.sh                         # each target for 60 s
#   SCORE_FUZZ_SECONDS=600 bash tests/run-fuzz.sh  # longer
#   SCORE_FUZZ_TARGETS=fuzz_model_load bash tests/run-fuzz.sh
#   SCORE_FUZZ_FLAGS="-jobs=2 -workers=2" ...      # extra libFuzzer flags
#   build/fuzz/tests/fuzz/fuzz_model_load CRASH_FILE   # reproduce one input
#
# Needs: apt-get install -y clang-14 libfuzzer-14-dev libclang-rt-14-dev
# The corpus each run discovers is kept in build/fuzz/corpus/<target> and reused by the next run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
seconds=${SCORE_FUZZ_SECONDS:-60}
targets=${SCORE_FUZZ_TARGETS:-"fuzz_model_load fuzz_sampler_options"}
jobs=${SCORE_FUZZ_JOBS:-2}
build=build/fuzz

if ! command -v clang++-14 >/dev/null ||
    ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
  echo "run-fuzz.sh needs clang-14 and libFuzzer:" \
    "apt-get install -y clang-14 libfuzzer-14-dev libclang-rt-14-dev" >&2
  exit 1
fi

echo "== fuzz build (clang-14, libFuzzer + ASan + UBSan) in $build"
bash tests/configure-sanitized.sh "$build"
# shellcheck disable=SC2086
ninja -C "$build" -j"$jobs" $targets

echo "== seed corpus"
rm -rf "$build/seeds"
/usr/bin/python3 tests/fuzz/make_seeds.py "$build/seeds"

# UBSan reports are errors (the code is also built with -fno-sanitize-recover=undefined).
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
status=0
for target in $targets; do
  name=${target#fuzz_}
  corpus=$build/corpus/$name artifacts=$build/artifacts/$name log=$build/logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$build/logs"
  echo "== $target for ${seconds} s (log: $log)"
  set +e
  # shellcheck disable=SC2086
  "$build/tests/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1 -dict="tests/fuzz/$name.dict" \
    -artifact_prefix="$artifacts/" ${SCORE_FUZZ_FLAGS:-} "$corpus" "$build/seeds/$name" \
    >"$log" 2>&1
  rc=$?
  set -e
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^Done [0-9]+ runs" "$log" || true
  grep -E "FUZZ_NOTE" "$log" | sort -u || true
  if [ "$rc" -ne 0 ]; then
    echo "!! $target failed (libFuzzer exit $rc); the last lines of $log:" >&2
    tail -n 60 "$log" >&2
    ls -1 "$artifacts" >&2 || true
    status=1
  fi
done
exit "$status"
