#!/usr/bin/env bash
# The C++ style checks of the test command: clang-format (the repository's .clang-format, zero
# diffs) over every tracked C++ file, and clang-tidy (the checks in .clang-tidy, zero warnings)
# over the library and tool sources, with the native build's compile_commands.json.
# Usage: tests/lint.sh <native build dir configured with CMAKE_EXPORT_COMPILE_COMMANDS=ON>
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:?usage: tests/lint.sh BUILD_DIR}
cd "$root"

echo "== clang-format"
git ls-files -z '*.cc' '*.h' | xargs -0 clang-format --dry-run --Werror
echo "clang-format: $(git ls-files '*.cc' '*.h' | wc -l) files, no differences"

echo "== clang-tidy"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# --quiet drops the "N warnings generated" lines; any diagnostic left is a finding.
git ls-files -z 'src/*.cc' | xargs -0 -P"$(nproc)" -n4 clang-tidy -p "$build" --quiet >"$log" 2>&1 ||
  true
if grep -E "(warning|error):" "$log"; then
  echo "clang-tidy: findings above"
  exit 1
fi
echo "clang-tidy: $(git ls-files 'src/*.cc' | wc -l) files, no findings"
