#!/usr/bin/env bash
# Configures and builds Tessera into build/ (Release with debug info), after
# installing the Debian packages it needs. Safe to run again: only what
# changed is rebuilt.
#
#   bash scripts/build.sh            # everything
#   bash scripts/build.sh tessera-master
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs="${TESSERA_JOBS:-$(nproc)}"
if [[ ! -f build/build.ninja ]]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
ninja -C build -j "$jobs" "$@"
