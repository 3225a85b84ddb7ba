#!/usr/bin/env python3
"""A prototype for issue 4: tracking the key's thin objects along a chain.

A worker that carries its warps (worker/local_key_buffer.h) warps frame t
from the frame it warped at t-1, and relocates the poles of *that* frame
(common/thin_relocation.h). A carried pole is the guided warp's redrawing
of the last one, so its shape wears away frame by frame. Here, instead,
each pole of the key (segmented, so whole) is followed along the chain:
its offset from the key is kept, moved each frame by the flow's median
shift of its pixels, searched for within +-8 px by the key's own colours,
and its key shape is drawn at the place found. Compared on warped frames
only, key every 5 frames (a key-age cap of 4), as the worker warps:

  carried   relocate the carried frame's objects each frame (the worker now)
  tracked   follow the key's objects, redraw them each frame
  moved     follow them, redraw only where the search moved one
  occluded  as carried, but first a pixel whose source the flow also
            gives to a better-matching pixel (by more than 10, L1 over
            RGB, and itself off by more than 40) is taken as uncovered
            (what was behind a moving pole) and takes the label of its
            nearest other pixel in the row
  truth     as carried, from the generator's true labels along its exact
            flow: what the chain loses with a perfect key and flow

It also prints the share of the classes' pixels that were hidden in the
frame before (the clip's occlusion/ maps).

  build/tools/tessera-synth --out=/tmp/clip --frames=60 --width=480 \\
    --height=360 --seed=600 --scene_cut_every=60
  /usr/bin/python3 bench/key_track_study.py /tmp/clip [classes, e.g. 2]

Needs Debian's python3-torch, python3-opencv and python3-numpy.
"""
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guided_warp_study import CLASSES, add, guided, load_clip, miou  # noqa: E402
from relocation_study import fill_from_row  # noqa: E402
from warp_loss_by_class import sources  # noqa: E402

GAP = 5  # a key every 5 frames: key ages 1..4 between
SEARCH = 8
RATIO = 0.7
MAX_COST = 400.0
SETTLED_COST = 64.0
MIN_AREA = 6


class KeyObject:
    """An object of the key: its mask and colours in its key box, its labels,
    and its offset from the key in the frame it was last placed in."""

    def __init__(self, box, mask, colours, labels):
        self.box, self.mask, self.colours, self.labels = box, mask, colours, labels
        self.offset = (0, 0)


def objects_of(image, labels, thin):
    count, components, stats, _ = cv2.connectedComponentsWithStats(
        np.isin(labels, thin).astype(np.uint8), connectivity=8)
    out = []
    for c in range(1, count):
        x, y, w, h, area = stats[c]
        if area < MIN_AREA:
            continue
        mask = components[y:y + h, x:x + w] == c
        out.append(KeyObject((x, y, w, h), mask, image[y:y + h, x:x + w].astype(np.float32),
                         labels[y:y + h, x:x + w]))
    return out


def placed(obj, offset, shape):
    """The object's mask at `offset`, in a frame of `shape` (False outside)."""
    x, y, w, h = obj.box
    out = np.zeros(shape, bool)
    ys, xs = np.nonzero(obj.mask)
    ty, tx = ys + y + offset[1], xs + x + offset[0]
    inside = (ty >= 0) & (ty < shape[0]) & (tx >= 0) & (tx < shape[1])
    out[ty[inside], tx[inside]] = True
    return out


def cost_at(obj, current, offset):
    x, y, w, h = obj.box
    x0, y0 = x + offset[0], y + offset[1]
    if x0 < 0 or y0 < 0 or x0 + w > current.shape[1] or y0 + h > current.shape[0]:
        return np.inf
    d = current[y0:y0 + h, x0:x0 + w].astype(np.float32) - obj.colours
    return float((d[obj.mask] ** 2).mean())


def find(obj, current, predicted):
    """(offset, moved) where the object is, or None when it is lost."""
    at_flow = cost_at(obj, current, predicted)
    if at_flow <= SETTLED_COST:
        return predicted, False
    best, where = min(
        (cost_at(obj, current, (predicted[0] + dx, predicted[1] + dy)),
         (predicted[0] + dx, predicted[1] + dy))
        for dy in range(-SEARCH, SEARCH + 1) for dx in range(-SEARCH, SEARCH + 1))
    if best < min(MAX_COST, RATIO * at_flow):
        return where, True
    if at_flow < MAX_COST:
        return predicted, False
    return None


def follow(objects, current, qy, qx, warped, redraw_settled):
    """Moves `objects` (placed at their offsets in the frame warped from)
    to `current`; returns the mended labels and the objects still found."""
    shape = warped.shape
    found, holes = [], np.zeros(shape, bool)
    for obj in objects:
        came = placed(obj, obj.offset, shape)[qy, qx]
        if not came.any():
            continue
        ys, xs = np.nonzero(came)
        predicted = (obj.offset[0] + int(np.median(xs - qx[came])),
                     obj.offset[1] + int(np.median(ys - qy[came])))
        result = find(obj, current, predicted)
        if result is None:
            continue
        obj.offset, moved = result
        found.append(obj)
        if moved or redraw_settled:
            holes |= came
            obj.draw = True
        else:
            obj.draw = False
    out = fill_from_row(warped, holes) if holes.any() else warped.copy()
    for obj in found:
        if obj.draw:
            x, y, w, h = obj.box
            ys, xs = np.nonzero(obj.mask)
            ty, tx = ys + y + obj.offset[1], xs + x + obj.offset[0]
            inside = (ty >= 0) & (ty < shape[0]) & (tx >= 0) & (tx < shape[1])
            out[ty[inside], tx[inside]] = obj.labels[ys[inside], xs[inside]]
    return out, found


def fill_uncovered(current, before, warped, qy, qx, threshold=40, margin=10):
    """The `occluded` mode's first step (see the docstring)."""
    h, w = warped.shape
    source = (qy * w + qx).ravel()
    error = np.abs(current.astype(np.int32)
                   - before[qy, qx].astype(np.int32)).sum(2).ravel()
    least = np.full(h * w, np.iinfo(np.int64).max)
    np.minimum.at(least, source, error)
    uncovered = (error > least[source] + margin) & (error > threshold)
    return fill_from_row(warped, uncovered.reshape(h, w))


def true_sources(clip, t):
    """The generator's exact backward flow of frame t, as key pixels."""
    data = np.fromfile("%s/flow/%06d.flo" % (clip, t), np.float32)
    width, height = data[1:3].view(np.int32)
    return sources(data[3:].reshape(height, width, 2))


def main():
    clip = sys.argv[1]
    thin = tuple(int(c) for c in sys.argv[2].split(",")) if len(sys.argv) > 2 else (2,)
    images, truths, labels = load_clip(clip, "models/synth.pt")
    greys = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in images]
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    modes = ("carried", "tracked", "moved", "occluded", "truth")
    confusion = {m: np.zeros((CLASSES, CLASSES), np.int64) for m in modes}
    by_age = {(m, a): np.zeros((CLASSES, CLASSES), np.int64)
              for m in modes for a in range(1, GAP)}
    for key in range(0, len(images) - GAP + 1, GAP):
        for mode in modes:
            start = truths[key] if mode == "truth" else labels[key]
            carried = start
            objects = objects_of(images[key], start, thin)
            for age in range(1, GAP):
                t = key + age
                qy, qx = (true_sources(clip, t) if mode == "truth" else
                          sources(flow.calc(greys[t], greys[t - 1], None)))
                warped = guided(images[t], images[t - 1], carried, qy, qx)
                if mode == "occluded":
                    warped = fill_uncovered(images[t], images[t - 1], warped, qy, qx)
                if mode in ("carried", "occluded", "truth"):
                    objects = objects_of(images[t - 1], carried, thin)
                carried, objects = follow(objects, images[t], qy, qx, warped,
                                         redraw_settled=(mode == "tracked"))
                add(confusion[mode], carried, truths[t])
                add(by_age[(mode, age)], carried, truths[t])
    seg = np.zeros((CLASSES, CLASSES), np.int64)
    hidden = []
    for t in range(len(images)):
        if t % GAP:
            add(seg, labels[t], truths[t])
        if t > 0:
            on = np.isin(truths[t], thin)
            occluded = cv2.imread("%s/occlusion/%06d.png" % (clip, t),
                                  cv2.IMREAD_UNCHANGED) > 0
            hidden.append((on & occluded).sum() / max(on.sum(), 1))
    inter = lambda c: 100 * np.diag(c) / np.maximum(c.sum(0) + c.sum(1) - np.diag(c), 1)
    print("warped frames of %s; IoU of classes %s, then mIoU" % (clip, thin))
    print("%-14s" % "segmentation" + "".join(" %5.1f" % inter(seg)[c] for c in thin)
          + " %6.2f" % miou(seg))
    for mode in modes:
        print("%-14s" % mode + "".join(" %5.1f" % inter(confusion[mode])[c] for c in thin)
              + " %6.2f" % miou(confusion[mode]) + "   by age:"
              + "".join(" %6.2f" % miou(by_age[(mode, a)]) for a in range(1, GAP))
              + "   %s by age:" % (thin,)
              + "".join(" %5.1f" % inter(by_age[(mode, a)])[thin[0]]
                        for a in range(1, GAP)))
    print("%.1f %% of the pixels of %s in a frame were hidden in the frame "
          "before" % (100 * np.mean(hidden), thin))


if __name__ == "__main__":
    main()
