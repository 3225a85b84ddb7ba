#!/usr/bin/env bash
# The GPU measurements of BENCHMARKS.md ("GPU workers"), on a machine with
# one NVIDIA GPU, after scripts/gpu/build-cuda.sh:
#  1. tessera-segment-bench: the worker's segmentation path, regions/s by
#     resolution, precision, layout, CUDA graphs off/on and batch size;
#  2. bench/pytorch_baseline.py: the same model in a plain PyTorch loop;
#  3. accuracy on CamVid val per precision and layout;
#  4. tessera-bench: master + one CUDA worker over gRPC, segmentation-only
#     and DVS, frames/s and where the time goes, with the GPU's utilisation
#     sampled by nvidia-smi every 100 ms during each run;
#  5. lanes: one batch at a time against two (--lanes), with graphs, at
#     batch 8 and 16 beside the PyTorch loop, and the labels of two lanes
#     segmenting CamVid val at once against one lane's.
# Frames: CamVid val (480x360) and the dashcam clip (960x540, and scaled to
# 2048x1024), decoded with Python's OpenCV into build-gpu/frames.
#
#   bash scripts/gpu/bench-gpu.sh DATA_DIR OUT_DIR [segment|cluster|lanes|all]
#   DATA_DIR holds camvid/val, camvid/valannot and video/highway_960x540_25fps.mp4
#   (segment: 1-3, about 5 minutes; cluster: 4, about 4 minutes; lanes: 5)
set -euo pipefail
cd "$(dirname "$0")/../.."
data="$1"
out="$2"
part="${3:-all}"
mkdir -p "$out"
[[ -f build-gpu/env.sh ]] && source build-gpu/env.sh
bin=build-cuda
frames=build-gpu/frames

[[ -f "$frames/480x360/000000.png" ]] || python3 - "$data" "$frames" <<'PY'
import os, sys, cv2
data, frames = sys.argv[1], sys.argv[2]
def save(folder, images):
    os.makedirs(folder, exist_ok=True)
    for i, image in enumerate(images):
        cv2.imwrite(os.path.join(folder, "%06d.png" % i), image)
video = cv2.VideoCapture(os.path.join(data, "video/highway_960x540_25fps.mp4"))
clip = []
while len(clip) < 300:
    ok, frame = video.read()
    if not ok: break
    clip.append(frame)
if not clip:
    sys.exit("bench-gpu: no frames in " + os.path.join(data, "video"))
save(os.path.join(frames, "960x540"), clip)
save(os.path.join(frames, "2048x1024"),
     [cv2.resize(f, (2048, 1024), interpolation=cv2.INTER_LINEAR) for f in clip[:64]])
val = sorted(os.listdir(os.path.join(data, "camvid/val")))[:32]
save(os.path.join(frames, "480x360"),
     [cv2.imread(os.path.join(data, "camvid/val", n)) for n in val])
PY

nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader \
  | tee "$out/gpu.txt"
lscpu | grep -E "Model name|^CPU\(s\)" | tee -a "$out/gpu.txt"

if [[ "$part" == segment || "$part" == all ]]; then
# resolution  grid  halo
matrix=("480x360 1x1 0" "960x540 2x2 0" "2048x1024 2x2 64")
for row in "${matrix[@]}"; do
  read -r size grid halo <<<"$row"
  "$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
    --frames="$frames/$size" --grid="$grid" --halo="$halo" \
    --precisions=fp32,fp16 --layouts=nchw,nhwc --graphs=off,on \
    --batches=1,4,8,16 --regions=1024 --out="$out/segment-$size" 2>&1 | tee "$out/segment-$size.txt"
  python3 bench/pytorch_baseline.py --frames="$frames/$size" --grid="$grid" \
    --halo="$halo" --precisions=fp32,fp16 --batches=1,4,8,16 --regions=1024 \
    --out="$out/pytorch-$size.json" 2>&1 | tee "$out/pytorch-$size.txt"
done

"$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
  --frames="$data/camvid/val" --labels="$data/camvid/valannot" \
  --precisions=fp32,fp16,bf16 --layouts=nchw,nhwc --graphs=off,on \
  --batches= --out=build-gpu/accuracy 2>&1 | tee "$out/accuracy.txt"
cp build-gpu/accuracy/results.json "$out/accuracy.json"
# The label kernel against the ATen upsample + argmax it replaces: the same
# frames segmented both ways, label by label.
"$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
  --frames="$data/camvid/val" --labels="$data/camvid/valannot" \
  --precisions=fp32,fp16 --layouts=nchw --graphs=off --batches= \
  --fused_labels=false --out=build-gpu/accuracy-aten 2>&1 | tee -a "$out/accuracy.txt"
for precision in fp32 fp16; do
  python3 scripts/gpu/same_labels.py "label kernel vs ATen ops, $precision" \
    "build-gpu/accuracy/labels-$precision-nchw" \
    "build-gpu/accuracy-aten/labels-$precision-nchw" | tee -a "$out/accuracy.txt"
done
fi

if [[ "$part" == lanes || "$part" == all ]]; then
for row in "2048x1024 2x2 64 nchw,nhwc" "960x540 2x2 0 nhwc" "480x360 1x1 0 nhwc"; do
  read -r size grid halo layouts <<<"$row"
  "$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
    --frames="$frames/$size" --grid="$grid" --halo="$halo" \
    --precisions=fp32,fp16 --layouts="$layouts" --graphs=on --lanes=1,2 \
    --batches=8,16 --regions=1024 --out="$out/lanes-$size" 2>&1 | tee "$out/lanes-$size.txt"
  python3 bench/pytorch_baseline.py --frames="$frames/$size" --grid="$grid" \
    --halo="$halo" --precisions=fp32,fp16 --batches=8,16 --regions=1024 \
    --out="$out/lanes-pytorch-$size.json" 2>&1 | tee -a "$out/lanes-$size.txt"
done
"$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
  --frames="$data/camvid/val" --labels="$data/camvid/valannot" \
  --precisions=fp32,fp16 --layouts=nhwc --graphs=on --lanes=1,2 --batches= \
  --out=build-gpu/accuracy-lanes 2>&1 | tee "$out/lanes-accuracy.txt"
for precision in fp32 fp16; do
  one="build-gpu/accuracy-lanes/labels-$precision-nhwc-graphs"
  python3 scripts/gpu/same_labels.py "two lanes at once vs one, $precision" \
    "$one" "$one-x2" | tee -a "$out/lanes-accuracy.txt"
done
fi

if [[ "$part" == cluster || "$part" == all ]]; then
for mode in seg dvs; do
  for row in "960x540 2x2 0" "2048x1024 2x2 64"; do
    read -r size grid halo <<<"$row"
    "$bin/tools/tessera-bench" --model=models/camvid.pt \
      --clip="$frames/$size" --frames=300 --configs=1 --repeats=1 \
      --mode="$mode" --grid="$grid" --halo="$halo" --threads=4 \
      --worker_flags="--device=cuda --precision=fp16 --channels_last --cuda_graphs --max_batch=8 --max_in_flight=32" \
      --out="$out/cluster-$mode-$size" 2>&1 | tail -30 | tee "$out/cluster-$mode-$size.txt" &
    bench=$!
    nvidia-smi --query-gpu=utilization.gpu --format=csv,noheader,nounits \
      -lms 100 >"$out/gpu-util-$mode-$size.txt" &
    sampler=$!
    # A failed run must not leave the sampler running (it would hold the
    # caller's pipe open): stop it, then fail.
    failed=0
    wait "$bench" || failed=$?
    kill "$sampler"
    ((failed == 0)) || exit "$failed"
    # All samples, and those > 0 (processes start and load before the first
    # frame, and the bench's Single run is on the CPU).
    awk '{ all++; total += $1 } $1 > 0 { busy++; sum += $1 }
         END { if (busy) printf "GPU utilisation: %.1f %% mean of %d samples, %.1f %% mean of the %d non-zero\n", total / all, all, sum / busy, busy }' \
      "$out/gpu-util-$mode-$size.txt" | tee -a "$out/cluster-$mode-$size.txt"
  done
done
fi
