#!/usr/bin/env bash
# The GPU measurements of BENCHMARKS.md ("GPU workers"), on a machine with
# one NVIDIA GPU, after scripts/gpu/build-cuda.sh:
#  1. tessera-segment-bench: the worker's segmentation path, regions/s by
#     resolution, precision, layout and batch size;
#  2. bench/pytorch_baseline.py: the same model in a plain PyTorch loop;
#  3. accuracy on CamVid val per precision and layout;
#  4. tessera-bench: master + one CUDA worker over gRPC, segmentation-only
#     and DVS, frames/s and where the time goes.
# Frames: CamVid val (480x360) and the dashcam clip (960x540, and scaled to
# 2048x1024), decoded with Python's OpenCV into build-gpu/frames.
#
#   bash scripts/gpu/bench-gpu.sh DATA_DIR OUT_DIR
#   DATA_DIR holds camvid/val, camvid/valannot and video/highway_960x540_25fps.mp4
set -euo pipefail
cd "$(dirname "$0")/../.."
data="$1"
out="$2"
mkdir -p "$out"
[[ -f build-gpu/env.sh ]] && source build-gpu/env.sh
bin=build-cuda
frames=build-gpu/frames

python3 - "$data" "$frames" <<'PY'
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

# resolution  grid  halo
matrix=("480x360 1x1 0" "960x540 2x2 0" "2048x1024 2x2 64")
for row in "${matrix[@]}"; do
  read -r size grid halo <<<"$row"
  "$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
    --frames="$frames/$size" --grid="$grid" --halo="$halo" \
    --precisions=fp32,fp16 --layouts=nchw,nhwc --batches=1,4,8,16 \
    --regions=1024 --out="$out/segment-$size" 2>&1 | tee "$out/segment-$size.txt"
  python3 bench/pytorch_baseline.py --frames="$frames/$size" --grid="$grid" \
    --halo="$halo" --precisions=fp32,fp16 --batches=1,4,8,16 --regions=1024 \
    --out="$out/pytorch-$size.json" 2>&1 | tee "$out/pytorch-$size.txt"
done

"$bin/tools/tessera-segment-bench" --model=models/camvid.pt --device=cuda \
  --frames="$data/camvid/val" --labels="$data/camvid/valannot" \
  --precisions=fp32,fp16,bf16 --layouts=nchw,nhwc --batches= \
  --out="$out/accuracy" 2>&1 | tee "$out/accuracy.txt"

for mode in seg dvs; do
  for row in "960x540 2x2 0" "2048x1024 2x2 64"; do
    read -r size grid halo <<<"$row"
    "$bin/tools/tessera-bench" --model=models/camvid.pt \
      --clip="$frames/$size" --frames=300 --configs=1 --repeats=1 \
      --mode="$mode" --grid="$grid" --halo="$halo" --threads=4 \
      --worker_flags="--device=cuda --precision=fp16 --channels_last --max_batch=8 --max_in_flight=32" \
      --out="$out/cluster-$mode-$size" 2>&1 | tail -30 | tee "$out/cluster-$mode-$size.txt"
  done
done
