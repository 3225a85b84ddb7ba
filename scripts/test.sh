#!/usr/bin/env bash
# Builds Tessera, checks formatting, and runs every test (unit and
# integration) with CTest.
#
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
bash scripts/check-format.sh
cd build
ctest --output-on-failure --timeout 600 -j "${TESSERA_JOBS:-$(nproc)}"
