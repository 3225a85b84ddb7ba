#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer into build-fuzz/ (only the master's and common
# libraries: no LibTorch), then runs each for a bounded time from its seed
# corpus. A crash, leak or sanitizer report fails the script and leaves the
# input that caused it in build-fuzz/findings/.
#
#   bash scripts/fuzz.sh                          # 60 s per target
#   TESSERA_FUZZ_SECONDS=600 bash scripts/fuzz.sh master_messages_fuzzer
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
seconds="${TESSERA_FUZZ_SECONDS:-60}"
jobs="${TESSERA_JOBS:-$(nproc)}"
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(image_decode_fuzzer region_grid_fuzzer master_messages_fuzzer)
fi

if [[ ! -f build-fuzz/build.ninja ]]; then
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTESSERA_FUZZ=ON \
    -DTESSERA_BUILD_WORKER=OFF -DTESSERA_BUILD_TESTS=OFF \
    -DTESSERA_BUILD_BENCHMARKS=OFF -DTESSERA_MASTER_FRAME_SOURCES=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" \
    >/dev/null
fi
ninja -C build-fuzz -j "$jobs" "${targets[@]}"

mkdir -p build-fuzz/findings
status=0
for target in "${targets[@]}"; do
  corpus="build-fuzz/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  if [[ -d "tests/fuzz/seeds/$target" ]]; then seeds=("tests/fuzz/seeds/$target"); fi
  echo "fuzz: $target for ${seconds} s"
  # -close_fd_mask=2: the master's log lines would drown libFuzzer's own
  # output; sanitizer reports still come through.
  log="build-fuzz/findings/$target.log"
  set +e
  "build-fuzz/tests/fuzz/$target" "$corpus" "${seeds[@]}" \
    -max_total_time="$seconds" -close_fd_mask=2 -print_final_stats=1 \
    -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="build-fuzz/findings/$target-" >"$log" 2>&1
  rc=$?
  set -e
  grep -E "^(stat::number_of_executed_units|Done [0-9]+ runs)" "$log" || true
  if ((rc != 0)); then
    echo "fuzz: $target FAILED (exit $rc); the input is in build-fuzz/findings/" >&2
    tail -n 40 "$log" >&2
    status=1
  fi
done
exit "$status"
