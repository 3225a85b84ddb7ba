#!/usr/bin/env bash
# The README's main command. Builds Tessera (installing its Debian packages
# first), generates a labelled driving clip, starts a local cluster on
# loopback (one master, two workers), streams the clip through it, and
# writes masks, an overlay video and accuracy against the generated ground
# truth.
#
#   bash scripts/demo.sh                 # outputs under out/demo
#   TESSERA_DEMO_OUT=/tmp/d TESSERA_DEMO_FRAMES=120 bash scripts/demo.sh
#   # the shipped CamVid model on any video (no ground truth then):
#   TESSERA_DEMO_MODEL=models/camvid.pt TESSERA_DEMO_SOURCE=clip.mp4 \
#     bash scripts/demo.sh
#   # extra tessera-stream flags, e.g. segmentation only (no flow path):
#   TESSERA_DEMO_STREAM_ARGS="--dvs=off" bash scripts/demo.sh
#   # extra tessera-worker flags, e.g. finer optical flow:
#   TESSERA_DEMO_WORKER_ARGS="--flow_preset=fast" bash scripts/demo.sh
#   # extra tessera-master flags, e.g. JPEG regions (and so JPEG keys):
#   TESSERA_DEMO_MASTER_ARGS="--region_encoding=jpeg" bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out="${TESSERA_DEMO_OUT:-out/demo}"
frames="${TESSERA_DEMO_FRAMES:-60}"
bin=build

bash scripts/build.sh
mkdir -p "$out"
rm -rf "$out/result" "$out/master.port"

source="${TESSERA_DEMO_SOURCE:-}"
stream_args=(${TESSERA_DEMO_STREAM_ARGS:-})
worker_args=(${TESSERA_DEMO_WORKER_ARGS:-})
master_args=(${TESSERA_DEMO_MASTER_ARGS:-})
if [[ -z "$source" ]]; then
  # Seed 500 is not among the clips the shipped synth model was trained on.
  echo "demo: generating a ${frames}-frame 480x360 clip in $out/clip"
  "$bin/tools/tessera-synth" --out="$out/clip" --frames="$frames" \
    --width=480 --height=360 --seed=500 >/dev/null
  source="$out/clip/frames"
  stream_args+=(--gt="$out/clip/labels")
else
  stream_args+=(--max_frames="$frames")
fi

model="${TESSERA_DEMO_MODEL:-models/synth.pt}"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

"$bin/master/tessera-master" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
  --port_file="$out/master.port" "${master_args[@]}" >"$out/master.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$out/master.port" ]] && break; sleep 0.1; done
[[ -s "$out/master.port" ]] || { cat "$out/master.log"; exit 1; }
port=$(cat "$out/master.port")
echo "demo: master listening on 127.0.0.1:$port (log: $out/master.log)"

for i in 1 2; do
  "$bin/worker/tessera-worker" --master="127.0.0.1:$port" --model="$model" \
    --threads=1 --name="worker-$i" "${worker_args[@]}" \
    >"$out/worker-$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 300); do
  grep -q " 2 registered" "$out/master.log" && break
  sleep 0.1
done
grep -q " 2 registered" "$out/master.log" ||
  { echo "demo: workers did not register"; cat "$out"/worker-*.log; exit 1; }
echo "demo: 2 workers registered; streaming"

"$bin/client/tessera-stream" --master="127.0.0.1:$port" \
  --source="$source" "${stream_args[@]}" \
  --output="$out/result" --overlay=video

echo
echo "demo: label PNGs in $out/result/labels, overlay video $out/result/overlay.mp4"
