#!/usr/bin/env python3
"""Where a DVS run loses mIoU to segmenting every region: per class, per
frame of the key-age cycle, and per part of the frame.

Reads three folders of label PNGs (one class id per pixel) in frame order:
the generator's labels, a segmentation-only run and a DVS run, both
written by tessera-stream --output (dvs-sweep.sh keeps them with
TESSERA_SWEEP_KEEP_LABELS=1). Prints:
  1. per class, IoU of each run against the labels and the class's share
     of the mIoU loss (IoU points lost / classes present);
  2. the loss on frames t with t % 4 == 0, 1, 2, 3: with keys at most 3
     frames old and every region segmented at frame 0, the key's age;
  3. per block of an 8x6 grid over the frame, how many more pixels the DVS
     run got wrong than segmentation did (thousands), over all classes and
     for the classes named on the command line (default: 2,8,9: pole,
     car, pedestrian);
  4. for the first of those classes, the frames where DVS adds more than
     150 false or missed pixels, with where the added false ones lie.

  TESSERA_SWEEP_KEEP_LABELS=1 TESSERA_SWEEP_PIN=1 TESSERA_SWEEP_WORKERS=1 \\
    TESSERA_SWEEP_SEED=605 TESSERA_SWEEP_THRESHOLDS=90 \\
    TESSERA_SWEEP_OUT=out/sweep-605 bash scripts/dvs-sweep.sh
  /usr/bin/python3 bench/dvs_loss_study.py out/sweep-605/clip/labels \\
    out/sweep-605/w1-off/labels out/sweep-605/w1-t90/labels 8,2,9

Needs Debian's python3-opencv and python3-numpy.
"""
import os
import sys

import cv2
import numpy as np

CLASSES = 11
GRID_ROWS, GRID_COLS = 6, 8


def confusion(truth, predicted):
    known = truth < CLASSES
    return np.bincount(truth[known].astype(int) * CLASSES + predicted[known],
                       minlength=CLASSES * CLASSES).reshape(CLASSES, CLASSES)


def iou(matrix):
    """Per class; NaN for a class in neither labels nor prediction, which
    the mean leaves out, as tessera-stream's mIoU does."""
    hits = np.diag(matrix).astype(float)
    union = matrix.sum(0) + matrix.sum(1) - hits
    return np.where(union > 0, hits / np.maximum(union, 1), np.nan)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    truth_dir, off_dir, dvs_dir = sys.argv[1:4]
    watched = [int(c) for c in (sys.argv[4] if len(sys.argv) > 4
                                else "2,8,9").split(",")]
    names = sorted(os.listdir(truth_dir))
    off_all = np.zeros((CLASSES, CLASSES), np.int64)
    dvs_all = np.zeros_like(off_all)
    by_phase = {p: [np.zeros_like(off_all), np.zeros_like(off_all)]
                for p in range(4)}
    worse = np.zeros((GRID_ROWS, GRID_COLS, CLASSES + 1))
    events = []
    for i, name in enumerate(names):
        truth = cv2.imread(os.path.join(truth_dir, name), 0)
        off = cv2.imread(os.path.join(off_dir, "%06d.png" % i), 0)
        dvs = cv2.imread(os.path.join(dvs_dir, "%06d.png" % i), 0)
        if truth is None or off is None or dvs is None:
            sys.exit("frame %d: a label PNG is missing or unreadable" % i)
        off_m, dvs_m = confusion(truth, off), confusion(truth, dvs)
        off_all += off_m
        dvs_all += dvs_m
        by_phase[i % 4][0] += off_m
        by_phase[i % 4][1] += dvs_m
        # +1 where only DVS is wrong, -1 where only segmentation is.
        delta = ((off == truth) & (dvs != truth)).astype(float) - \
            ((off != truth) & (dvs == truth))
        h, w = truth.shape
        for r in range(GRID_ROWS):
            for c in range(GRID_COLS):
                rows = slice(r * h // GRID_ROWS, (r + 1) * h // GRID_ROWS)
                cols = slice(c * w // GRID_COLS, (c + 1) * w // GRID_COLS)
                block, block_truth = delta[rows, cols], truth[rows, cols]
                worse[r, c, CLASSES] += block.sum()
                for k in watched:
                    worse[r, c, k] += block[block_truth == k].sum()
        k = watched[0]
        is_k = truth == k
        added_false = (dvs == k) & ~is_k & (off != k)
        extra_false = int(((dvs == k) & ~is_k).sum() - ((off == k) & ~is_k).sum())
        extra_missed = int((is_k & (dvs != k)).sum() - (is_k & (off != k)).sum())
        if extra_false > 150 or extra_missed > 150:
            ys, xs = np.nonzero(added_false) if added_false.any() else ([0], [0])
            events.append((i, extra_false, extra_missed,
                           min(xs), max(xs), min(ys), max(ys)))

    off_iou, dvs_iou = iou(off_all), iou(dvs_all)
    share = off_all.sum(1) / off_all.sum()
    present = np.count_nonzero(~np.isnan(off_iou))
    print("mIoU: segmentation %.2f, DVS %.2f, loss %.2f points" % (
        100 * np.nanmean(off_iou), 100 * np.nanmean(dvs_iou),
        100 * (np.nanmean(off_iou) - np.nanmean(dvs_iou))))
    print("class  segmentation  DVS  loss (points)  pixels %")
    for k in range(CLASSES):
        print("%5d  %12.1f  %4.1f  %13.2f  %8.2f" % (
            k, 100 * off_iou[k], 100 * dvs_iou[k],
            100 * (off_iou[k] - dvs_iou[k]) / present, 100 * share[k]))
    for p in range(4):
        a, b = by_phase[p]
        print("frames t %% 4 == %d: loss %.2f points" % (
            p, 100 * (np.nanmean(iou(a)) - np.nanmean(iou(b)))))
    np.set_printoptions(linewidth=200, suppress=True)
    print("pixels DVS got wrong beyond segmentation, thousands, all classes:")
    print((worse[:, :, CLASSES] / 1000).round(1))
    for k in watched:
        print("class %d:" % k)
        print((worse[:, :, k] / 1000).round(1))
    print("frames where DVS adds > 150 false or missed pixels of class %d:" %
          watched[0])
    for i, false, missed, x0, x1, y0, y1 in events:
        print("  frame %d: %+d false, %+d missed; added false at x %d-%d, "
              "y %d-%d" % (i, false, missed, x0, x1, y0, y1))


if __name__ == "__main__":
    main()
