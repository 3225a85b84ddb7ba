#!/usr/bin/env python3
"""The baseline a user would otherwise write: the same TorchScript model in a
plain PyTorch loop on the same GPU (issue 8, BENCHMARKS.md "GPU workers").

Same work as tessera-segment-bench: regions of real frames (host uint8 RGB)
in, host label maps out, normalised as the model card says, logits upsampled
bilinearly to the region's size, argmax. Batches of B regions; warm-up
batches untimed.

  python3 bench/pytorch_baseline.py --frames frames/960x540 --grid 2x2 \
      --halo 64 --precisions fp32,fp16 --batches 1,4,8,16 --out results.json
"""
import argparse
import json
import os
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def read_frames(folder, max_frames):
    names = sorted(n for n in os.listdir(folder)
                   if n.lower().endswith((".png", ".jpg", ".jpeg")))
    if max_frames > 0:
        names = names[:max_frames]
    return [cv2.cvtColor(cv2.imread(os.path.join(folder, n)), cv2.COLOR_BGR2RGB)
            for n in names]


def cut_regions(frame, rows, cols, halo):
    """Cores split the frame evenly; each area is its core plus the halo,
    clipped to the frame (as common/region_grid.h does)."""
    h, w = frame.shape[:2]
    regions = []
    for r in range(rows):
        for c in range(cols):
            y0, y1 = r * h // rows, (r + 1) * h // rows
            x0, x1 = c * w // cols, (c + 1) * w // cols
            y0, x0 = max(0, y0 - halo), max(0, x0 - halo)
            y1, x1 = min(h, y1 + halo), min(w, x1 + halo)
            regions.append(np.ascontiguousarray(frame[y0:y1, x0:x1]))
    return regions


def segment(model, batch, mean, std, dtype, divisor):
    x = torch.from_numpy(np.stack(batch)).cuda()
    x = x.permute(0, 3, 1, 2).float().div_(255).sub_(mean).div_(std).to(dtype)
    h, w = x.shape[2:]
    ph, pw = -h % divisor, -w % divisor
    if ph or pw:
        x = F.pad(x, (0, pw, 0, ph))
    with torch.inference_mode():
        scores = model(x).float()
    scores = F.interpolate(scores, size=(h + ph, w + pw), mode="bilinear",
                           align_corners=False)[:, :, :h, :w]
    return scores.argmax(1).to(torch.uint8).cpu().numpy()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="models/camvid.pt")
    parser.add_argument("--card", default="models/camvid.card.json")
    parser.add_argument("--frames", required=True)
    parser.add_argument("--max_frames", type=int, default=32)
    parser.add_argument("--grid", default="1x1")
    parser.add_argument("--halo", type=int, default=0)
    parser.add_argument("--precisions", default="fp32,fp16")
    parser.add_argument("--batches", default="1,4,8,16")
    parser.add_argument("--regions", type=int, default=512)
    parser.add_argument("--out", default="")
    parser.add_argument(
        "--tuned", action="store_true",
        help="what a user who tunes would add: torch.jit.optimize_for_inference"
             " (frozen, batch norms folded) and cudnn.benchmark")
    args = parser.parse_args()
    torch.backends.cudnn.benchmark = args.tuned

    card = json.load(open(args.card))
    mean = torch.tensor(card["mean"], device="cuda").view(1, 3, 1, 1)
    std = torch.tensor(card["std"], device="cuda").view(1, 3, 1, 1)
    rows, cols = (int(v) for v in args.grid.split("x"))
    frames = read_frames(args.frames, args.max_frames)
    regions = [r for f in frames for r in cut_regions(f, rows, cols, args.halo)]
    results = []
    for precision in args.precisions.split(","):
        dtype = {"fp32": torch.float32, "fp16": torch.float16,
                 "bf16": torch.bfloat16}[precision]
        model = torch.jit.load(args.model, map_location="cuda").eval().to(dtype)
        if args.tuned:
            model = torch.jit.optimize_for_inference(torch.jit.freeze(model))
        for batch_size in (int(b) for b in args.batches.split(",")):
            def batches():
                i = 0
                while True:
                    yield [regions[(i + k) % len(regions)]
                           for k in range(batch_size)]
                    i += batch_size
            source = batches()
            for _ in range(3):
                segment(model, next(source), mean, std, dtype,
                        card["size_divisor"])
            done, start = 0, time.perf_counter()
            while done < args.regions:
                segment(model, next(source), mean, std, dtype,
                        card["size_divisor"])
                done += batch_size
            seconds = time.perf_counter() - start
            result = {
                "runner": "pytorch-tuned" if args.tuned else "pytorch",
                "precision": precision,
                "frame": "%dx%d" % (frames[0].shape[1], frames[0].shape[0]),
                "grid": args.grid,
                "region": "%dx%d" % (regions[0].shape[1], regions[0].shape[0]),
                "batch": batch_size, "regions_per_s": done / seconds,
                "frames_per_s": done / seconds / (rows * cols)}
            results.append(result)
            print("%s %-5s batch %2d  %9.1f regions/s  %8.1f frames/s" %
                  (result["runner"], precision, batch_size,
                   result["regions_per_s"], result["frames_per_s"]))
    if args.out:
        json.dump(results, open(args.out, "w"), indent=1)


if __name__ == "__main__":
    main()
