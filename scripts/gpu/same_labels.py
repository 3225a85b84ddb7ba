#!/usr/bin/env python3
"""Counts the labels two folders of label PNGs agree on, image by image.

  python3 scripts/gpu/same_labels.py "what is compared" DIR_A DIR_B

Prints "what is compared: N of M labels equal (P %)"; fails if a file of
DIR_A is missing from DIR_B or differs in size.
"""
import os
import sys

import cv2


def main():
    what, first, second = sys.argv[1:4]
    same = total = 0
    for name in sorted(os.listdir(first)):
        a = cv2.imread(os.path.join(first, name), cv2.IMREAD_UNCHANGED)
        b = cv2.imread(os.path.join(second, name), cv2.IMREAD_UNCHANGED)
        if a is None or b is None or a.shape != b.shape:
            sys.exit("same_labels: %s is missing or differs in size in %s or %s"
                     % (name, first, second))
        same += int((a == b).sum())
        total += a.size
    print("%s: %d of %d labels equal (%.5f %%)"
          % (what, same, total, 100.0 * same / max(total, 1)))


if __name__ == "__main__":
    main()
