#!/usr/bin/env bash
# The LOAD_SPLAT guard (README.md in this folder).
#  (a) Builds and runs the reproduction under Node and says whether this toolchain still has the
#      fault. Informational: never fails.
#  (b) Compiles every src/**/*.cc and wasm/bindings.cc that the WASM build compiles, with that
#      build's exact commands (compile_commands.json of build/wasm-ir), to the IR that instruction
#      selection receives, and scans it. Fails (exit 1) if any site is found that
#      load_splat_allowed.txt does not list as reviewed, listing them. First it scans the
#      self-tests, load_splat_selftest.ll (one case per scanner rule) and load_splat_selftest.cc
#      (compiled like wasm/bindings.cc), and fails unless the scanner flags every bad_* function
#      there and no good_* one, so a broken scanner cannot pass.
#
#   bash tests/toolchain/check.sh
#   SCORE_IR_JOBS=4 bash tests/toolchain/check.sh          # parallel compiles (default 2)
#   SCORE_LOAD_SPLAT_TESTS=1 bash tests/toolchain/check.sh # also tests/**/*.cc of the WASM build
# Incremental: a rerun recompiles only sources whose command or headers changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
here=tests/toolchain
build=build/wasm-ir
jobs=${SCORE_IR_JOBS:-2}
py=/usr/bin/python3                  # Debian's, not a pyenv one; the scripts need only the stdlib
export NODE_PATH=/usr/share/nodejs   # Debian's emcc imports acorn from there

echo "== (a) LOAD_SPLAT reproduction (informational)"
mkdir -p "$build/repro"
echo '{ "type": "commonjs" }' >"$build/repro/package.json"
if emcc -O1 -msimd128 "$here/load_splat_repro.c" -o "$build/repro/load_splat_repro.js" \
  >"$build/repro/build.log" 2>&1; then
  out=$(node --no-experimental-fetch "$build/repro/load_splat_repro.js" 2>&1 || true)
  case "$out" in
    "21 21") echo "toolchain has the LOAD_SPLAT fault (reproduction printed '21 21', expected '11 21')" ;;
    "11 21") echo "fixed: the reproduction printed '11 21' (the scan below still runs)" ;;
    *) echo "reproduction gave unexpected output: $(echo "$out" | head -3)" ;;
  esac
else
  echo "reproduction did not build: $(tail -3 "$build/repro/build.log")"
fi

echo "== (b) IR scan of the WASM build's sources ($build, -j$jobs)"
if ! log=$(emcmake cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSCORE_WASM_THREADS=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON 2>&1); then
  echo "$log"
  exit 1
fi
scope=()
[ "${SCORE_LOAD_SPLAT_TESTS:-0}" = 1 ] && scope=(--tests)
mapfile -t irs < <("$py" "$here/ir_ninja.py" "$build" "$build/ir" "$here/load_splat_selftest.cc" \
  "${scope[@]}")
[ "${#irs[@]}" -ge 2 ] || { echo "ir_ninja.py listed no sources"; exit 1; }
if ! log=$(ninja -C "$build/ir" -f ir.ninja -j"$jobs" --quiet 2>&1); then
  echo "$log"
  exit 1
fi

"$py" "$here/scan_load_splat.py" --self-test "$here/load_splat_selftest.ll"
"$py" "$here/scan_load_splat.py" --self-test "${irs[0]}"

sources=("${irs[@]:1}")
status=0
report=$("$py" "$here/scan_load_splat.py" --allow "$here/load_splat_allowed.txt" "${sources[@]}") ||
  status=$?
if command -v c++filt >/dev/null; then report=$(c++filt <<<"$report"); fi
[ -z "$report" ] || echo "$report" | sed "s|$root/$build/ir/||; s|\.mir: in |: in |"
sites=$(grep -c ': in ' <<<"$report" || true)
case "$status" in
  0) echo "LOAD_SPLAT scan: ${#sources[@]} files, no unreviewed site" ;;
  1) echo "LOAD_SPLAT scan: $sites unreviewed site(s) in ${#sources[@]} files, listed above: a scalar"
     echo "load that becomes a vector lane is followed in its block by a memory write that the"
     echo "backend may move before it (tests/toolchain/README.md says how to rewrite a site)." ;;
  *) echo "LOAD_SPLAT scan: the scanner failed (status $status)" ;;
esac
exit $((status == 0 ? 0 : 1))
