"""How far a perfect decision network could take the flow path.

Replays DVS on the first 60 frames of a generated clip, region by region
(a 2x2 grid with 64-pixel halos, the master's default), with the
worker's warp of 2026-12-04 (DIS ultrafast, guided, poles relocated),
but with each decision taken by an oracle that knows how well the
region's warped key labels agree with what the segmentation network says
of it now (the model's labels of the whole frame): warp when that
agreement is at least the threshold and the key at most 12 frames old,
else segment and make a new key. Two agreements: the share of pixels
(what the decision network predicts) and the mean IoU over the region's
classes (what mIoU weighs).
Prints, per threshold, the share of regions warped, the mIoU against the
generator's labels, and the speed-up over segmenting every region that
per-region times of `seg_ms` and `flow_ms` give. If even the oracle
cannot reach 3x at a 2-point loss, no decision network can: the warp is
what has to improve.

With --carried, each warp starts from the region's labels of the frame
before (warped or segmented), as a worker with --carry_warps does, instead
of from the key.

  build/tools/tessera-synth --out=/tmp/clip --frames=60 --width=480 \\
    --height=360 --seed=600 --scene_cut_every=60
  /usr/bin/python3 bench/oracle_dvs_study.py [--carried] /tmp/clip \\
    [seg_ms] [flow_ms]

Needs Debian's python3-torch, python3-opencv and python3-numpy.
"""
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guided_warp_study import CLASSES, add, guided, load_clip, miou  # noqa: E402
from relocation_study import relocate  # noqa: E402
from warp_loss_by_class import sources  # noqa: E402

THRESHOLDS = (90, 94, 96, 98, 99)
CLASS_THRESHOLDS = (70, 75, 80, 85, 90)
HALO = 64  # the master's default --halo
# The master's --max_key_age when the results in BENCHMARKS.md were made
# (its default was 4 from 2026-12-05, and is 3 since that evening); its
# relocation searches 32 pixels whatever the warp spans, as the worker then
# did.
MAX_KEY_AGE = 12


def regions(height, width):
    """The 2x2 grid's regions: each as the slices of the region with its
    halo (what the worker gets) and of the region within that."""
    hs, ws = height // 2, width // 2
    out = []
    for r in range(2):
        for c in range(2):
            y0, y1 = max(r * hs - HALO, 0), min((r + 1) * hs + HALO, height)
            x0, x1 = max(c * ws - HALO, 0), min((c + 1) * ws + HALO, width)
            out.append(((slice(y0, y1), slice(x0, x1)),
                        (slice(r * hs - y0, (r + 1) * hs - y0),
                         slice(c * ws - x0, (c + 1) * ws - x0))))
    return out


def warp(flow, key, key_labels, current):
    """The worker's flow path warp of one region."""
    field = flow.calc(cv2.cvtColor(current, cv2.COLOR_RGB2GRAY),
                      cv2.cvtColor(key, cv2.COLOR_RGB2GRAY), None)
    qy, qx = sources(field)
    warped = guided(current, key, key_labels, qy, qx)
    return relocate(current, key, key_labels, qy, qx, warped, 32, 0.7)


def pixel_agreement(warped, segmented):
    return 100 * np.mean(warped == segmented)


def class_agreement(warped, segmented):
    """Mean IoU over the classes either labelling has: small classes count
    as much as the road, as in mIoU."""
    ious = []
    for c in np.union1d(np.unique(warped), np.unique(segmented)):
        a, b = warped == c, segmented == c
        ious.append(np.logical_and(a, b).sum() / np.logical_or(a, b).sum())
    return 100 * np.mean(ious)


def replay(images, truths, labels, threshold, flow, agreement, carried):
    confusion = np.zeros((CLASSES, CLASSES), np.int64)
    warped_count = total = 0
    for outer, inner in regions(*labels[0].shape):
        key = 0
        source = None  # the frame warps start from, and its region labels
        for t in range(len(images)):
            out = labels[t][outer][inner]
            w = None
            if 0 < t - key <= MAX_KEY_AGE:
                whole = warp(flow, images[source[0]][outer], source[1],
                             images[t][outer])
                w = whole[inner]
            if w is not None and agreement(w, out) >= threshold:
                out = w
                warped_count += 1
                if carried:
                    source = (t, whole)
            else:
                key = t
                source = (t, labels[t][outer])
            total += 1
            add(confusion, out, truths[t][outer][inner])
    return warped_count / total, miou(confusion)


def main():
    args = sys.argv[1:]
    carried = "--carried" in args
    args = [a for a in args if a != "--carried"]
    clip = args[0]
    seg_ms = float(args[1]) if len(args) > 1 else 25.0
    flow_ms = float(args[2]) if len(args) > 2 else 4.0
    images, truths, labels = load_clip(clip, "models/synth.pt", limit=60)
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    everything = np.zeros((CLASSES, CLASSES), np.int64)
    for t in range(len(images)):
        add(everything, labels[t], truths[t])
    print("segmenting every region: %.2f mIoU; speed-up for seg %.1f ms, "
          "flow path %.1f ms per region" % (miou(everything), seg_ms, flow_ms))
    for name, agreement, thresholds in (
            ("pixel", pixel_agreement, THRESHOLDS),
            ("class", class_agreement, CLASS_THRESHOLDS)):
        for threshold in thresholds:
            share, score = replay(images, truths, labels, threshold, flow,
                                  agreement, carried)
            speedup = seg_ms / ((1 - share) * seg_ms + share * flow_ms)
            print("%s oracle at %d: %4.1f %% warped, %.2f mIoU (loss %.2f), "
                  "%.1fx" % (name, threshold, 100 * share, score,
                             miou(everything) - score, speedup), flush=True)


if __name__ == "__main__":
    main()
