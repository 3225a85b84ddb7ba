#!/usr/bin/env bash
# Builds everything with AddressSanitizer and UndefinedBehaviorSanitizer
# into build-asan/ and runs the whole CTest suite there: unit tests, and
# the integration tests, whose master, worker and tool processes are the
# sanitized builds too. Any report fails the test that caused it.
# Not part of scripts/test.sh: a cold sanitized build takes about as long as
# the normal one again (RELIABILITY.md has the last result).
#
#   bash scripts/sanitize.sh
#   bash scripts/sanitize.sh -R Cluster        # extra arguments go to ctest
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
jobs="${TESSERA_JOBS:-$(nproc)}"
if [[ ! -f build-asan/build.ninja ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTESSERA_BUILD_BENCHMARKS=OFF \
    -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
ninja -C build-asan -j "$jobs"
# Leak checking is off: LibTorch and gRPC keep process-lifetime singletons
# that LeakSanitizer reports at exit. Memory growth is watched by
# tessera-soak instead.
export ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
cd build-asan
ctest --output-on-failure --timeout 1200 -j "$jobs" "$@"
