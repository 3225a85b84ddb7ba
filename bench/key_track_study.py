#!/usr/bin/env python3
"""A prototype for issue 4: following the key's thin objects along a chain.

A worker that carries its warps (worker/local_key_buffer.h) warps frame t
from the frame it warped at t-1, and relocates the poles of *that* frame
(common/thin_relocation.h). A carried pole is the guided warp's redrawing
of the last one, so its shape wears away frame by frame. Here, instead,
each pole of the key (segmented, so whole) is followed along the chain:
its offset from the key is kept, moved each frame by the flow's median
shift of its pixels, searched for within +-8 px by the key's own colours,
and its key shape is drawn at the place found. On the first 60 frames of
a clip, key every 5 frames (a key-age cap of 4), scored on the warped
frames only, whole frames rather than regions:

  carried    relocate the carried frame's objects each frame: the
             worker's rule (lower median, the flow's place moved into the
             frame), except that every place is tried, not every other
             one and then those around the best
  tracked    follow the key's objects, redraw them each frame
  moved      follow them, redraw only where the search moved one
  uncovered  as carried, but first a pixel whose source the flow also
             gives to a better-matching pixel (by more than 10, L1 over
             RGB, and itself off by more than 40) is taken as uncovered
             (what was behind a moving pole) and takes the label of its
             nearest other pixel in the row
  truth      as carried, from the generator's true labels along its exact
             flow: what the guided warp and relocation lose with a
             perfect key and flow
  truth, nearest warp only
             the same without the guided warp or relocation

It also prints how many of the classes' pixels were not visible in the
frame before (the clip's occlusion/ maps), split into those whose exact
flow points outside that frame and those hidden there.

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
from warp_loss_by_class import per_class, sources  # noqa: E402

FRAMES = 60
GAP = 5  # a key every 5 frames: key ages 1..4 between
# The worker's RelocationOptions for a warp from the frame before: it
# searches search_per_frame (8) pixels for each frame spanned.
SEARCH = 8
RATIO = 0.7
MAX_COST = 400.0
SETTLED_COST = 64.0
MIN_AREA = 6
MODES = ("carried", "tracked", "moved", "uncovered", "truth",
         "truth, nearest warp only")


class KeyObject:
    """An object of the frame it was found in: its mask and colours in its
    box there, its labels, and its offset from there in the last frame it
    was placed in."""

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
        out.append(KeyObject((x, y, w, h), mask,
                             image[y:y + h, x:x + w].astype(np.float32),
                             labels[y:y + h, x:x + w]))
    return out


def placed(obj, offset, shape):
    """The object's mask at `offset`, in a frame of `shape` (False outside)."""
    x, y, _, _ = obj.box
    out = np.zeros(shape, bool)
    ys, xs = np.nonzero(obj.mask)
    ty, tx = ys + y + offset[1], xs + x + offset[0]
    inside = (ty >= 0) & (ty < shape[0]) & (tx >= 0) & (tx < shape[1])
    out[ty[inside], tx[inside]] = True
    return out


def into_frame(obj, offset, shape):
    """`offset` moved as little as keeps the object's whole box inside the
    frame, as the worker judges an object on the region's edge."""
    x, y, w, h = obj.box
    return (int(np.clip(offset[0], -x, shape[1] - w - x)),
            int(np.clip(offset[1], -y, shape[0] - h - y)))


def cost_at(obj, current, offset):
    """Mean squared colour difference per channel of the object at
    `offset`; inf where its box leaves the frame."""
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


def lower_median(values):
    return int(np.sort(values)[(len(values) - 1) // 2])


def follow(objects, current, qy, qx, warped, redraw_settled):
    """Moves `objects` (placed at their offsets in the frame warped from)
    to `current`; returns the mended labels and the objects still found."""
    shape = warped.shape
    found, drawn, left = [], [], np.zeros(shape, bool)
    for obj in objects:
        came = placed(obj, obj.offset, shape)[qy, qx]
        if not came.any():
            continue
        ys, xs = np.nonzero(came)
        predicted = into_frame(obj, (obj.offset[0] + lower_median(xs - qx[came]),
                                     obj.offset[1] + lower_median(ys - qy[came])),
                               shape)
        result = find(obj, current, predicted)
        if result is None:
            continue
        obj.offset, moved = result
        found.append(obj)
        if moved or redraw_settled:
            left |= came
            drawn.append(obj)
    out = fill_from_row(warped, left) if left.any() else warped.copy()
    for obj in drawn:
        x, y, _, _ = obj.box
        ys, xs = np.nonzero(obj.mask)
        ty, tx = ys + y + obj.offset[1], xs + x + obj.offset[0]
        inside = (ty >= 0) & (ty < shape[0]) & (tx >= 0) & (tx < shape[1])
        out[ty[inside], tx[inside]] = obj.labels[ys[inside], xs[inside]]
    return out, found


def fill_uncovered(current, before, warped, qy, qx, threshold=40, margin=10):
    """Each pixel whose source the flow also gives to a pixel that matches
    it better (by more than `margin`), and which is itself off by more
    than `threshold` (L1 over RGB), takes the label of its nearest other
    pixel in the row: the flow's place was covered, so the source's label
    belongs to the other pixel."""
    h, w = warped.shape
    source = (qy * w + qx).ravel()
    error = np.abs(current.astype(np.int32)
                   - before[qy, qx].astype(np.int32)).sum(2).ravel()
    least = np.full(h * w, np.iinfo(np.int64).max)
    np.minimum.at(least, source, error)
    uncovered = (error > least[source] + margin) & (error > threshold)
    return fill_from_row(warped, uncovered.reshape(h, w))


def true_flow(clip, t):
    """The generator's exact backward flow of frame t (Middlebury .flo)."""
    data = np.fromfile("%s/flow/%06d.flo" % (clip, t), np.float32)
    width, height = data[1:3].view(np.int32)
    return data[3:].reshape(height, width, 2)


def not_visible_before(clip, truths, thin):
    """Pixels of `thin` in frames 1.. not visible in the frame before, as
    (all, flow points outside that frame, hidden there) shares of them."""
    on_all = outside_all = hidden_all = 0
    for t in range(1, len(truths)):
        on = np.isin(truths[t], thin)
        unseen = cv2.imread("%s/occlusion/%06d.png" % (clip, t),
                            cv2.IMREAD_UNCHANGED) > 0
        flow = true_flow(clip, t)
        h, w = on.shape
        ys, xs = np.mgrid[0:h, 0:w]
        sx, sy = xs + flow[..., 0], ys + flow[..., 1]
        outside = (sx < -0.5) | (sx > w - 0.5) | (sy < -0.5) | (sy > h - 0.5)
        on_all += on.sum()
        outside_all += (on & unseen & outside).sum()
        hidden_all += (on & unseen & ~outside).sum()
    return ((outside_all + hidden_all) / on_all, outside_all / on_all,
            hidden_all / on_all)


def main():
    clip = sys.argv[1]
    thin = tuple(int(c) for c in sys.argv[2].split(",")) if len(sys.argv) > 2 else (2,)
    images, truths, labels = load_clip(clip, "models/synth.pt", limit=FRAMES)
    greys = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in images]
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    dis_sources = [None] + [sources(dis.calc(greys[t], greys[t - 1], None))
                            for t in range(1, len(images))]
    exact_sources = [None] + [sources(true_flow(clip, t))
                              for t in range(1, len(images))]
    confusion = {m: np.zeros((CLASSES, CLASSES), np.int64) for m in MODES}
    by_age = {(m, a): np.zeros((CLASSES, CLASSES), np.int64)
              for m in MODES for a in range(1, GAP)}
    for key in range(0, len(images) - GAP + 1, GAP):
        for mode in MODES:
            from_truth = mode.startswith("truth")
            carried = truths[key] if from_truth else labels[key]
            # The key's own objects, for the modes that follow them; the
            # others take each frame's afresh below.
            objects = (objects_of(images[key], carried, thin)
                       if mode in ("tracked", "moved") else [])
            for age in range(1, GAP):
                t = key + age
                qy, qx = exact_sources[t] if from_truth else dis_sources[t]
                if mode == "truth, nearest warp only":
                    carried = carried[qy, qx]
                else:
                    warped = guided(images[t], images[t - 1], carried, qy, qx)
                    if mode == "uncovered":
                        warped = fill_uncovered(images[t], images[t - 1],
                                                warped, qy, qx)
                    if mode not in ("tracked", "moved"):
                        objects = objects_of(images[t - 1], carried, thin)
                    carried, objects = follow(objects, images[t], qy, qx, warped,
                                              redraw_settled=(mode == "tracked"))
                add(confusion[mode], carried, truths[t])
                add(by_age[(mode, age)], carried, truths[t])
    seg = np.zeros((CLASSES, CLASSES), np.int64)
    for t in range(len(images)):
        if t % GAP:
            add(seg, labels[t], truths[t])
    shown = thin[0]
    print("warped frames of %s; IoU of class %d, then mIoU, by key age 1..%d"
          % (clip, shown, GAP - 1))
    print("%-26s %5.1f %6.2f" % ("segmentation", per_class(seg)[shown], miou(seg)))
    for mode in MODES:
        print("%-26s %5.1f %6.2f   mIoU by age:" % (mode, per_class(confusion[mode])[shown],
                                                    miou(confusion[mode]))
              + "".join(" %6.2f" % miou(by_age[(mode, a)]) for a in range(1, GAP))
              + "   class %d by age:" % shown
              + "".join(" %5.1f" % per_class(by_age[(mode, a)])[shown]
                        for a in range(1, GAP)))
    unseen, outside, hidden = not_visible_before(clip, truths, thin)
    print("%.1f %% of the pixels of %s were not visible in the frame before: "
          "%.1f %% outside it, %.1f %% hidden there"
          % (100 * unseen, thin, 100 * outside, 100 * hidden))


if __name__ == "__main__":
    main()
