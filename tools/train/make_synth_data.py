#!/usr/bin/env python3
"""Builds a CamVid-layout training set from tessera-synth clips.

Runs `tessera-synth` once per seed and lays the clips out the way
train_camvid.py reads CamVid: train/ val/ (JPEG frames), trainannot/
valannot/ (label PNGs, same names), train.txt and val.txt. Frames become
JPEG so that a whole set fits in one trip to the GPU machine (64 MiB).

Usage:
    /usr/bin/python3 tools/train/make_synth_data.py \
        --synth build/tools/tessera-synth --out .carry/synth \
        --train-seeds 1-30 --val-seeds 101-103

The shipped synth model's set (600 scenes instead of 60, same size):
    ... --train-seeds 1000-1299 --frames 16 --scene-cut-every 8 \
        --keep-every 4 --val-seeds 101-103
Validation clips always keep every frame (40 per seed, a cut every 20).
"""

import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile

import cv2


def parse_seeds(text):
    """'1-30' or '1,5,9' or a mix: the seeds, in order."""
    seeds = []
    for part in text.split(","):
        if "-" in part:
            lo, hi = (int(v) for v in part.split("-"))
            if hi < lo:
                raise ValueError(f"seed range {part!r} runs backwards")
            seeds.extend(range(lo, hi + 1))
        elif part:
            seeds.append(int(part))
    if not seeds:
        raise ValueError(f"no seeds in {text!r}")
    return seeds


def write_seed(args, split, seed):
    """Generates one clip and writes its kept frames; returns their lines."""
    image_dir = os.path.join(args.out, split)
    label_dir = os.path.join(args.out, split + "annot")
    lines = []
    with tempfile.TemporaryDirectory() as clip:
        subprocess.run(
            [args.synth, f"--out={clip}", f"--frames={args.frames}",
             f"--width={args.width}", f"--height={args.height}",
             f"--seed={seed}", f"--scene_cut_every={args.scene_cut_every}"],
            check=True, stdout=subprocess.DEVNULL)
        names = sorted(os.listdir(os.path.join(clip, "frames")))
        for name in names[::args.keep_every if split == "train" else 1]:
            stem = f"seed{seed:04d}_{os.path.splitext(name)[0]}"
            image = cv2.imread(os.path.join(clip, "frames", name))
            if image is None:
                raise RuntimeError(f"{clip}/frames/{name} is unreadable")
            cv2.imwrite(os.path.join(image_dir, stem + ".jpg"), image,
                        [cv2.IMWRITE_JPEG_QUALITY, args.jpeg_quality])
            shutil.copyfile(os.path.join(clip, "labels", name),
                            os.path.join(label_dir, stem + ".png"))
            lines.append(f"{split}/{stem}.jpg {split}annot/{stem}.png")
    return lines


def write_split(args, split, seeds):
    os.makedirs(os.path.join(args.out, split), exist_ok=True)
    os.makedirs(os.path.join(args.out, split + "annot"), exist_ok=True)
    lines = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        # Threads suffice: the work is in tessera-synth and in cv2, which
        # release the GIL. map() keeps the seeds' order in the list file.
        for seed, seed_lines in zip(seeds, pool.map(
                lambda seed: write_seed(args, split, seed), seeds)):
            lines.extend(seed_lines)
            print(f"{split}: seed {seed} done ({len(lines)} frames)", flush=True)
    with open(os.path.join(args.out, split + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--synth", default="build/tools/tessera-synth")
    p.add_argument("--out", required=True)
    p.add_argument("--train-seeds", default="1-30")
    p.add_argument("--val-seeds", default="101-103")
    p.add_argument("--frames", type=int, default=40, help="per clip")
    p.add_argument("--scene-cut-every", type=int, default=20)
    p.add_argument("--keep-every", type=int, default=1,
                   help="keep every k-th training frame: neighbouring frames "
                        "are nearly the same picture, so more seeds with "
                        "fewer frames each give more scenes for the bytes")
    p.add_argument("--width", type=int, default=480)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--jpeg-quality", type=int, default=90)
    p.add_argument("--jobs", type=int, default=1,
                   help="clips generated at once (one tessera-synth each)")
    args = p.parse_args()
    if not os.access(args.synth, os.X_OK):
        sys.exit(f"make_synth_data: {args.synth} is not an executable "
                 f"(build tessera-synth first)")
    if args.jobs < 1:
        sys.exit("make_synth_data: --jobs must be >= 1")
    if args.keep_every < 1:
        sys.exit("make_synth_data: --keep-every must be >= 1")
    write_split(args, "train", parse_seeds(args.train_seeds))
    val_args = argparse.Namespace(**{**vars(args), "frames": 40,
                                     "scene_cut_every": 20})
    write_split(val_args, "val", parse_seeds(args.val_seeds))


if __name__ == "__main__":
    main()
