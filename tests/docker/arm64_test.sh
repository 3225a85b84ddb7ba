#!/usr/bin/env bash
# The arm64 worker image (docker/build-arm64.sh), run for real: its worker
# registers with a master on this host, segments a generated clip, and its
# masks are compared with those of this host's own x86-64 worker.
#
# On an x86-64 host the container runs under qemu emulation, slowly (about
# 30 s per region); it proves the image holds a working arm64 worker,
# not its speed. Not part of CI: building the image under emulation takes
# too long (docker/README.md).
#
#   bash docker/build-arm64.sh && bash tests/docker/arm64_test.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/docker/lib.sh

require_docker_or_skip "arm64 worker test"
image="${TESSERA_ARM64_TAG:-tessera-worker:arm64}"
docker image inspect "$image" >/dev/null 2>&1 ||
  fail "$image does not exist: run docker/build-arm64.sh first"
arch="$(docker image inspect -f '{{.Architecture}}' "$image")"
[[ "$arch" == arm64 ]] || fail "$image is built for $arch, not arm64"

work="$(mktemp -d /tmp/tessera-arm64.XXXXXX)"
container="tessera-arm64-test-$$"
cleanup() {
  docker logs "$container" >"$work/arm64-worker.log" 2>&1 || true
  docker rm -f "$container" >/dev/null 2>&1 || true
  stop_host_cluster
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "arm64 test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

frames="${TESSERA_ARM64_FRAMES:-4}"
step "the arm64 image runs its own programs"
uname_m="$(docker run --rm --entrypoint uname "$image" -m)"
[[ "$uname_m" == aarch64 ]] || fail "uname -m in the image says $uname_m"
file_arch="$(docker run --rm --entrypoint sh "$image" -c \
  'od -An -tx1 -j18 -N2 /usr/local/bin/tessera-worker' | tr -d ' ')"
[[ "$file_arch" == b700 ]] || fail "tessera-worker in the image is not an arm64 ELF (e_machine $file_arch)"
echo "uname -m: $uname_m; tessera-worker is an arm64 (AArch64) executable"

step "reference masks of a $frames-frame clip from this host's worker"
build/tools/tessera-synth --out="$work/clip" --frames="$frames" --seed=500 \
  --width=480 --height=360 >/dev/null
start_host_cluster "$work/host" models/synth.pt
stream_clip "127.0.0.1:$HOST_PORT" "$work/clip/frames" "$work/ref"
stop_host_cluster
expect_frames "$work/ref" "$frames"

step "the arm64 worker joins a master on this host"
# Emulated, a region takes seconds: the master waits for it longer.
build/master/tessera-master --listen=127.0.0.1:0 --http_listen= \
  --task_timeout_ms=300000 --worker_silence_ms=300000 \
  --port_file="$work/port" >"$work/master.log" 2>&1 &
HOST_PIDS=($!)
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port="$(cat "$work/port")"
started=$SECONDS
docker run -d --name "$container" --network host "$image" \
  --master="127.0.0.1:$port" --threads=2 --name=arm64-worker >/dev/null
for _ in $(seq 600); do
  grep -q "1 registered" "$work/master.log" && break
  sleep 0.5
done
grep -q "1 registered" "$work/master.log" ||
  { docker logs "$container" 2>&1 | tail -5; fail "the arm64 worker did not register within 300 s"; }
echo "registered $((SECONDS - started)) s after its container started"

step "streaming the clip to the arm64 worker"
started=$SECONDS
stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/arm64" ||
  fail "streaming to the arm64 worker failed"
expect_frames "$work/arm64" "$frames"
echo "$frames frames in $((SECONDS - started)) s under emulation"

differ=0
for file in "$work/ref"/labels/*.png; do
  cmp -s "$file" "$work/arm64/labels/$(basename "$file")" || differ=$((differ + 1))
done
build/tools/tessera-eval --pred="$work/arm64/labels" --gt="$work/ref/labels" \
  --json="$work/agreement.json" >/dev/null
agreement="$(python3 -c 'import json,sys; print(round(100 * json.load(open(sys.argv[1]))["pixel_accuracy"], 4))' "$work/agreement.json")"
echo "$((frames - differ)) of $frames masks equal the x86-64 worker's byte for byte;" \
  "pixel agreement $agreement %"
python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 99.9 else 1)' "$agreement" ||
  fail "the arm64 worker's labels agree with the x86-64 worker's on only $agreement % of pixels"
echo "arm64 test: PASSED"
