#!/usr/bin/env bash
# Fails when a tracked C++ file differs from clang-format's Google style.
#
#   bash scripts/check-format.sh        # check
#   bash scripts/check-format.sh --fix  # rewrite in place
set -euo pipefail
cd "$(dirname "$0")/.."

# New files count too, so that --fix formats them before their first commit.
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.cc' '*.h')
if [[ "${1:-}" == "--fix" ]]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if ! clang-format --dry-run --Werror "${files[@]}"; then
  echo "check-format: run 'bash scripts/check-format.sh --fix'" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files in Google style"
