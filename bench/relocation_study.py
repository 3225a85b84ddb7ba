#!/usr/bin/env python3
"""A prototype for issue 4: moving the poles the flow loses.

DIS ultrafast follows surfaces but loses poles, a few pixels wide, once
they move more than the guided warp's search radius
(bench/warp_loss_by_class.py). Here each connected component of the key's
Pole labels is looked for again in frame t: its key pixels are the template (masked SSD, cv2.matchTemplate) within
+-`search` pixels of where the flow put it. Where the best match is clearly
better than the flow's place (below `ratio` of its cost, and below
`max_cost` per channel), the component's old warped pixels take the label
of their nearest other pixel in the row and the component is drawn at the
match. Translation only; not in the worker. Moving SignSymbol components
too cost signs 3 points of IoU at key age 1, so only poles move.

  build/tools/tessera-synth --out=/tmp/clip --frames=60 --width=480 \\
    --height=360 --seed=600 --scene_cut_every=60
  /usr/bin/python3 bench/relocation_study.py /tmp/clip [search] [ratio] \
    [classes, e.g. 2,9,10]

Needs Debian's python3-torch, python3-opencv and python3-numpy.
"""
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from guided_warp_study import CLASSES, add, guided, load_clip, miou  # noqa: E402
from warp_loss_by_class import FRAMES, per_class, sources  # noqa: E402

THIN = (2,)  # Pole, unless the command line names others
MAX_COST = 400.0  # mean squared difference per channel


def fill_from_row(labels, holes):
    """Each hole takes the label of the nearest non-hole pixel in its row."""
    out = labels.copy()
    for y in np.unique(np.nonzero(holes)[0]):
        keep = np.nonzero(~holes[y])[0]
        if len(keep) == 0:
            continue
        xs = np.nonzero(holes[y])[0]
        right = np.clip(np.searchsorted(keep, xs), 0, len(keep) - 1)
        left = np.clip(right - 1, 0, len(keep) - 1)
        nearer_left = np.abs(xs - keep[left]) <= np.abs(keep[right] - xs)
        out[y, xs] = labels[y, np.where(nearer_left, keep[left], keep[right])]
    return out


def relocate(current, key, key_labels, qy, qx, warped, search, ratio, thin=THIN):
    h, w = key_labels.shape
    count, components, stats, _ = cv2.connectedComponentsWithStats(
        np.isin(key_labels, thin).astype(np.uint8), connectivity=8)
    source = components[qy, qx]  # the key component each pixel came from
    cur, ref = current.astype(np.float32), key.astype(np.float32)
    moves = []
    for c in range(1, count):
        x, y, bw, bh, area = stats[c]
        came = source == c
        if area < 6 or not came.any():
            continue
        x0, y0, x1, y1 = max(x - 2, 0), max(y - 2, 0), min(x + bw + 2, w), min(y + bh + 2, h)
        mask = (components[y0:y1, x0:x1] == c).astype(np.float32)
        ys, xs = np.nonzero(came)
        dy0 = int(np.median(ys - qy[came]))
        dx0 = int(np.median(xs - qx[came]))
        wy0, wx0 = max(y0 + dy0 - search, 0), max(x0 + dx0 - search, 0)
        wy1, wx1 = min(y1 + dy0 + search, h), min(x1 + dx0 + search, w)
        if wy1 - wy0 < y1 - y0 or wx1 - wx0 < x1 - x0:
            continue
        cost = cv2.matchTemplate(cur[wy0:wy1, wx0:wx1], ref[y0:y1, x0:x1],
                                 cv2.TM_SQDIFF, mask=np.repeat(mask[..., None], 3, 2))
        cost /= mask.sum() * 3
        _, _, (bx, by), _ = cv2.minMaxLoc(cost)
        gy, gx = y0 + dy0 - wy0, x0 + dx0 - wx0
        at_flow = cost[gy, gx] if 0 <= gy < cost.shape[0] and 0 <= gx < cost.shape[1] else np.inf
        if cost[by, bx] > MAX_COST or cost[by, bx] > ratio * at_flow:
            continue
        moves.append((c, came, (x0, y0, mask), (wy0 + by - y0, wx0 + bx - x0)))
    out = fill_from_row(warped, np.any([m[1] for m in moves], axis=0)) if moves else warped.copy()
    for c, _, (x0, y0, mask), (dy, dx) in moves:
        ky, kx = np.nonzero(mask)
        ty, tx = ky + y0 + dy, kx + x0 + dx
        inside = (ty >= 0) & (ty < h) & (tx >= 0) & (tx < w)
        out[ty[inside], tx[inside]] = key_labels[ky[inside] + y0, kx[inside] + x0]
    return out


def main():
    clip = sys.argv[1]
    search = int(sys.argv[2]) if len(sys.argv) > 2 else 32
    ratio = float(sys.argv[3]) if len(sys.argv) > 3 else 0.7
    thin = tuple(int(c) for c in sys.argv[4].split(",")) if len(sys.argv) > 4 else THIN
    images, truths, labels = load_clip(clip, "models/synth.pt", limit=60)
    greys = [cv2.cvtColor(image, cv2.COLOR_RGB2GRAY) for image in images]
    flow = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    print("search +-%d px, ratio %.2f, classes %s; IoU of Pole, Sign, Car, "
          "Pedestrian, Bicyclist, and mIoU" % (search, ratio, thin))
    for age in (1, 2, 4):
        plain = np.zeros((CLASSES, CLASSES), np.int64)
        moved = np.zeros_like(plain)
        for t in FRAMES:
            k = t - age
            qy, qx = sources(flow.calc(greys[t], greys[k], None))
            warped = guided(images[t], images[k], labels[k], qy, qx)
            add(plain, warped, truths[t])
            add(moved, relocate(images[t], images[k], labels[k], qy, qx, warped,
                                search, ratio, thin), truths[t])
        shown = (2, 6, 8, 9, 10)
        print("age %d: guided warp" % age + "".join(" %5.1f" % per_class(plain)[c] for c in shown)
              + " %6.2f   relocated" % miou(plain)
              + "".join(" %5.1f" % per_class(moved)[c] for c in shown)
              + " %6.2f" % miou(moved), flush=True)


if __name__ == "__main__":
    main()
