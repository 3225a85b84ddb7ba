#!/usr/bin/env python3
"""Where the flow path's mIoU goes: per class, per key age, per DIS setting.

On frames 12..58 (every other one) of a generated clip: segments every
frame with the model, warps the key's labels (key ages 1, 2, 4, 8) to
frame t with the guided warp of common/guided_warp.h (without the fill)
along DIS flow from t to the key, as the worker does, and scores against the generator's labels:
  1. per class, segmentation of frame t against the guided warp, and the
     warp of the key's *true* labels (what the flow alone loses);
  2. mIoU per key age for DIS presets and finer settings, with the flow's
     time per full frame.

  build/tools/tessera-synth --out=/tmp/clip --frames=60 --width=480 \\
    --height=360 --seed=600 --scene_cut_every=60
  /usr/bin/python3 bench/warp_loss_by_class.py /tmp/clip

Needs Debian's python3-torch, python3-opencv and python3-numpy.
"""
import os
import sys
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guided_warp_study import CLASSES, add, guided, load_clip, miou  # noqa: E402

NAMES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree", "Sign",
         "Fence", "Car", "Pedestrian", "Bicyclist"]
FRAMES = range(12, 60, 2)


def per_class(confusion):
    inter = np.diag(confusion)
    return 100 * inter / np.maximum(confusion.sum(0) + confusion.sum(1) - inter, 1)


def dis(preset, **settings):
    flow = cv2.DISOpticalFlow_create(preset)
    for name, value in settings.items():
        getattr(flow, "set" + name)(value)
    return flow


def sources(field):
    """Nearest key pixel for each pixel of frame t, as the worker warps."""
    h, w = field.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w]
    qx = np.clip(np.floor(xs + field[..., 0] + 0.5), 0, w - 1).astype(np.int64)
    qy = np.clip(np.floor(ys + field[..., 1] + 0.5), 0, h - 1).astype(np.int64)
    return qy, qx


def main():
    clip = sys.argv[1]
    model_path = sys.argv[2] if len(sys.argv) > 2 else "models/synth.pt"
    images, truths, labels = load_clip(clip, model_path, limit=60)
    greys = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in images]

    ultrafast = dis(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    print("1. per class IoU, DIS ultrafast (the worker's default)")
    print("%-22s" % "" + "".join("%11s" % n for n in NAMES) + "    mIoU")
    seg = np.zeros((CLASSES, CLASSES), np.int64)
    for t in FRAMES:
        add(seg, labels[t], truths[t])
    rows = [("segmentation", seg)]
    for age in (1, 2, 4):
        warp = np.zeros_like(seg)
        true_warp = np.zeros_like(seg)
        for t in FRAMES:
            k = t - age
            qy, qx = sources(ultrafast.calc(greys[t], greys[k], None))
            add(warp, guided(images[t], images[k], labels[k], qy, qx), truths[t])
            add(true_warp, guided(images[t], images[k], truths[k], qy, qx), truths[t])
        rows += [("guided warp, age %d" % age, warp),
                 ("true labels, age %d" % age, true_warp)]
    for name, confusion in rows:
        print("%-22s" % name + "".join("%11.1f" % v for v in per_class(confusion))
              + "%8.2f" % miou(confusion))
    share = seg.sum(1) / seg.sum()
    print("%-22s" % "pixel share, %" + "".join("%11.2f" % (100 * v) for v in share))

    print("\n2. mIoU of the guided warp per key age, by DIS setting "
          "(segmentation: %.2f)" % miou(seg))
    U = cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST
    settings = [
        ("ultrafast", dis(U)),
        ("ultrafast, finest scale 1", dis(U, FinestScale=1)),
        ("ultrafast, finest scale 0", dis(U, FinestScale=0)),
        ("fast", dis(cv2.DISOPTICAL_FLOW_PRESET_FAST)),
        ("medium", dis(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)),
    ]
    for name, flow in settings:
        scores, times = [], []
        for age in (1, 2, 4, 8):
            confusion = np.zeros_like(seg)
            for t in FRAMES:
                k = t - age
                start = time.perf_counter()
                field = flow.calc(greys[t], greys[k], None)
                times.append(1000 * (time.perf_counter() - start))
                qy, qx = sources(field)
                add(confusion, guided(images[t], images[k], labels[k], qy, qx),
                    truths[t])
            scores.append("age %d %.2f" % (age, miou(confusion)))
        print("%-28s %6.1f ms of flow per frame   %s" % (name, np.median(times),
                                            "   ".join(scores)), flush=True)


if __name__ == "__main__":
    main()
