#!/usr/bin/env python3
"""Bytes of each part a DVS key could hold, for one region of a clip.

Runs a shipped model on the top-left region of a 2x2 grid (64 px halo) of
every k-th frame and encodes what a key would carry: the region's pixels
(raw, JPEG), the labels and winning-class confidence (PNG), and, for
comparison, the class logits in fp16 at the model's output stride.
BENCHMARKS.md ("What a key holds") records its output.

Usage (Debian: apt-get install python3-torch python3-opencv):
    bash scripts/demo.sh          # writes out/demo/clip/frames
    /usr/bin/python3 tools/train/key_bytes.py --frames out/demo/clip/frames
"""

import argparse
import glob
import os

import cv2
import numpy as np
import torch
import torch.nn.functional as F

MEAN = np.array([0.485, 0.456, 0.406])
STD = np.array([0.229, 0.224, 0.225])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--frames", required=True, help="folder of PNG frames")
    p.add_argument("--model", default="models/synth.pt")
    p.add_argument("--every", type=int, default=6)
    args = p.parse_args()
    torch.set_num_threads(2)
    model = torch.jit.load(args.model).eval()
    files = sorted(glob.glob(os.path.join(args.frames, "*.png")))[::args.every]
    if not files:
        raise SystemExit(f"key_bytes: no PNG frames in {args.frames}")
    totals = {}
    for path in files:
        rgb = cv2.imread(path)[:, :, ::-1]
        h, w = rgb.shape[0] // 2 + 64, rgb.shape[1] // 2 + 64
        region = np.ascontiguousarray(rgb[:h, :w])
        x = torch.from_numpy(((region / 255.0 - MEAN) / STD).astype(np.float32))
        x = x.permute(2, 0, 1)[None]
        ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
        with torch.inference_mode():
            logits = model(F.pad(x, (0, pw - w, 0, ph - h)))
        stride = ph // logits.shape[2]
        up = F.interpolate(logits, size=(ph, pw), mode="bilinear",
                           align_corners=False)[:, :, :h, :w]
        confidence = (up.softmax(1).max(1).values[0] * 255).round().byte().numpy()
        labels = up.argmax(1)[0].byte().numpy()
        sizes = {
            "image, raw": region.nbytes,
            "image, JPEG q90": len(cv2.imencode(
                ".jpg", region[:, :, ::-1].copy(),
                [cv2.IMWRITE_JPEG_QUALITY, 90])[1]),
            "labels, PNG": len(cv2.imencode(".png", labels)[1]),
            "confidence, PNG (8 bit)": len(cv2.imencode(".png", confidence)[1]),
            f"class logits, fp16 at stride {stride}": logits[
                0, :, :(h + stride - 1) // stride,
                :(w + stride - 1) // stride].numel() * 2,
        }
        for name, size in sizes.items():
            totals[name] = totals.get(name, 0) + size
    print(f"region {w}x{h}, {len(files)} frames, {args.model}")
    for name, size in totals.items():
        print(f"| {name} | {size / len(files) / 1024:.1f} KiB |")


if __name__ == "__main__":
    main()
