#!/usr/bin/env bash
# Builds Tessera, checks formatting, runs every unit and integration test
# with CTest, runs each libFuzzer target for a bounded time (clang, ASan,
# UBSan), then the deployment tests on the machine's Docker engine
# (images, compose cluster, scaling, worker loss, network cut, TLS, swarm,
# Kubernetes manifests; they skip loudly where no engine exists).
#
#   bash scripts/test.sh                       # everything
#   TESSERA_SKIP_DOCKER=1 bash scripts/test.sh # no Docker tests
#   TESSERA_FUZZ_SECONDS=0 bash scripts/test.sh  # no fuzzing
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
bash scripts/check-format.sh
(
  cd build
  ctest --output-on-failure --timeout 600 -j "${TESSERA_JOBS:-$(nproc)}"
)
fuzz_seconds="${TESSERA_FUZZ_SECONDS:-30}"
if ((fuzz_seconds > 0)); then
  TESSERA_FUZZ_SECONDS="$fuzz_seconds" bash scripts/fuzz.sh
else
  echo "test: fuzzing skipped (TESSERA_FUZZ_SECONDS=0)"
fi
/usr/bin/python3 tests/docker/k8s_check.py
if [[ "${TESSERA_SKIP_DOCKER:-0}" == 1 ]]; then
  echo "test: Docker tests skipped (TESSERA_SKIP_DOCKER=1)"
else
  bash tests/docker/compose_test.sh
fi
