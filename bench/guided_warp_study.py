#!/usr/bin/env python3
"""How much mIoU a warp of key labels loses, plain and guided, on full frames.

For frames t of a generated clip and key ages 1, 2 and 4: segments the key
frame with the model, computes DIS ultrafast flow from frame t to the key
(as the worker does), warps the key's labels to frame t by the nearest
pixel (the plain warp) and by the guided warp of common/guided_warp.h
without the fill (radius 3, colour threshold 20, step cost 4), and scores
both and the segmentation of frame t itself against the generator's
labels.

  build/tools/tessera-synth --out=/tmp/clip --frames=60 --width=480 \\
    --height=360 --seed=600 --scene_cut_every=60
  /usr/bin/python3 bench/guided_warp_study.py /tmp/clip

Needs Debian's python3-torch, python3-opencv and python3-numpy.
"""
import glob
import sys

import cv2
import numpy as np
import torch

CLASSES = 11
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


def segment(model, rgb):
    """Labels as the worker computes them: pad to 32, upsample, crop."""
    h, w = rgb.shape[:2]
    ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
    x = np.pad((rgb.astype(np.float32) / 255 - MEAN) / STD,
               ((0, ph - h), (0, pw - w), (0, 0)))
    with torch.no_grad():
        y = model(torch.from_numpy(x.transpose(2, 0, 1)[None].copy()))
        y = torch.nn.functional.interpolate(y, size=(ph, pw), mode="bilinear",
                                            align_corners=False)
    return y[0, :, :h, :w].argmax(0).numpy().astype(np.uint8)


def guided(current, key, key_labels, qy, qx, radius=3, threshold=20, step=4):
    """common/guided_warp.cc, vectorised (the same labels)."""
    h, w = key_labels.shape
    cur, k = current.astype(np.int32), key.astype(np.int32)
    at_flow = np.abs(cur - k[qy, qx]).sum(2)
    best, by, bx = at_flow.astype(np.float32), qy.copy(), qx.copy()
    for dy in range(-radius, radius + 1):
        for dx in range(-radius, radius + 1):
            ty, tx = np.clip(qy + dy, 0, h - 1), np.clip(qx + dx, 0, w - 1)
            cost = np.abs(cur - k[ty, tx]).sum(2) + step * (abs(dy) + abs(dx))
            better = cost < best
            best = np.where(better, cost, best)
            by, bx = np.where(better, ty, by), np.where(better, tx, bx)
    search = at_flow > threshold
    out = key_labels[qy, qx].copy()
    out[search] = key_labels[by[search], bx[search]]
    return out


def add(confusion, predicted, truth):
    valid = truth < CLASSES
    confusion += np.bincount(truth[valid].astype(np.int64) * CLASSES + predicted[valid],
                             minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def miou(confusion):
    inter = np.diag(confusion)
    return 100 * (inter / np.maximum(confusion.sum(0) + confusion.sum(1) - inter, 1)).mean()


def load_clip(clip, model_path, limit=None):
    """A generated clip's RGB frames, its true labels, and the model's."""
    torch.set_num_threads(2)
    model = torch.jit.load(model_path).eval()
    images = [cv2.cvtColor(cv2.imread(f), cv2.COLOR_BGR2RGB)
              for f in sorted(glob.glob(clip + "/frames/*.png"))][:limit]
    truths = [cv2.imread(f, cv2.IMREAD_UNCHANGED)
              for f in sorted(glob.glob(clip + "/labels/*.png"))][:limit]
    return images, truths, [segment(model, image) for image in images]


def main():
    clip = sys.argv[1]
    model_path = sys.argv[2] if len(sys.argv) > 2 else "models/synth.pt"
    images, truths, labels = load_clip(clip, model_path)
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    h, w = labels[0].shape
    ys, xs = np.mgrid[0:h, 0:w]
    for age in (1, 2, 4):
        scores = {name: np.zeros((CLASSES, CLASSES), np.int64)
                  for name in ("segmentation", "plain warp", "guided warp")}
        for t in range(age, len(images), 3):
            k = t - age
            flow = dis.calc(cv2.cvtColor(images[t], cv2.COLOR_RGB2GRAY),
                            cv2.cvtColor(images[k], cv2.COLOR_RGB2GRAY), None)
            qx = np.clip(np.floor(xs + flow[..., 0] + 0.5), 0, w - 1).astype(np.int64)
            qy = np.clip(np.floor(ys + flow[..., 1] + 0.5), 0, h - 1).astype(np.int64)
            add(scores["segmentation"], labels[t], truths[t])
            add(scores["plain warp"], labels[k][qy, qx], truths[t])
            add(scores["guided warp"], guided(images[t], images[k], labels[k], qy, qx),
                truths[t])
        print("key age %d: " % age + ", ".join(
            "%s %.1f" % (name, miou(c)) for name, c in scores.items()), flush=True)


if __name__ == "__main__":
    main()
