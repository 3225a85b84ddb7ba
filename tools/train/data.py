"""CamVid loading into device memory and batched augmentation on the device.

The whole split is decoded once (cv2) into two uint8 tensors on the training
device; every batch is then augmented there in one pass (random scale, crop,
horizontal flip via a single grid_sample; brightness/contrast/saturation
jitter), so data loading never limits the step rate.

Usage:
    train = load_split("/data/camvid", "train", device="cuda")
    aug = GpuAugment(crop_hw=(352, 480), base_scale=(1.0, 1.0), generator=gen)
    x, y = aug(train.images[idx], train.labels[idx])  # normalised, long
"""

import concurrent.futures
import os
from dataclasses import dataclass

import cv2
import numpy as np
import torch
import torch.nn.functional as F

CLASS_NAMES = ["Sky", "Building", "Pole", "Road", "Pavement", "Tree",
               "SignSymbol", "Fence", "Car", "Pedestrian", "Bicyclist"]
NUM_CLASSES = len(CLASS_NAMES)
IGNORE_INDEX = 11  # Unlabelled / void
NATIVE_HW = (360, 480)
# Input normalisation (RGB): x = (pixel / 255 - MEAN) / STD.
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


@dataclass
class Split:
    images: torch.Tensor  # [N, 3, H, W] uint8 RGB
    labels: torch.Tensor  # [N, H, W] uint8, 0..10 classes, 11 void
    names: list


def read_pairs(root, split):
    list_path = os.path.join(root, f"{split}.txt")
    if not os.path.isfile(list_path):
        raise FileNotFoundError(
            f"{list_path} not found: --data must be the camvid folder with "
            f"train/ val/ trainannot/ valannot/ train.txt val.txt")
    pairs = []
    with open(list_path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                raise ValueError(f"{list_path}: bad line {line!r}")
            pairs.append(tuple(os.path.join(root, p) for p in parts))
    return pairs


def load_split(root, split, limit=0, device="cpu", size_hw=NATIVE_HW):
    """Decodes a split; frames of another size are resized to size_hw."""
    pairs = read_pairs(root, split)
    if limit > 0:
        pairs = pairs[:limit]
    n = len(pairs)
    h, w = size_hw
    images = np.empty((n, h, w, 3), np.uint8)
    labels = np.empty((n, h, w), np.uint8)

    def read(i):
        img_path, lbl_path = pairs[i]
        img = cv2.imread(img_path, cv2.IMREAD_COLOR)
        lbl = cv2.imread(lbl_path, cv2.IMREAD_UNCHANGED)
        if img is None or lbl is None:
            raise IOError(f"cannot read {img_path if img is None else lbl_path}")
        if lbl.ndim == 3:
            lbl = lbl[:, :, 0]
        if img.shape[:2] != lbl.shape[:2]:
            raise ValueError(f"{img_path} is {img.shape[1]}x{img.shape[0]} but "
                             f"{lbl_path} is {lbl.shape[1]}x{lbl.shape[0]}")
        resized = img.shape[:2] != (h, w)
        if resized:
            img = cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR)
            lbl = cv2.resize(lbl, (w, h), interpolation=cv2.INTER_NEAREST)
        images[i] = img[:, :, ::-1]  # BGR -> RGB
        labels[i] = np.where(lbl > IGNORE_INDEX, IGNORE_INDEX, lbl)
        return resized

    # Threads: cv2 decodes without the GIL, and a generated set holds
    # thousands of frames.
    with concurrent.futures.ThreadPoolExecutor(min(16, os.cpu_count() or 1)) as pool:
        resized = sum(pool.map(read, range(n)))
    if resized:
        print(f"note: resized {resized} {split} frames to {w}x{h}", flush=True)
    img_t = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    return Split(img_t.to(device), torch.from_numpy(labels).to(device),
                 [os.path.basename(p[0]) for p in pairs])


def normalise(images_u8_or_01, device_mean_std, already_01=False):
    mean, std = device_mean_std
    x = images_u8_or_01 if already_01 else images_u8_or_01.float() / 255.0
    return (x - mean) / std


def mean_std_tensors(device):
    mean = torch.tensor(MEAN, device=device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=device).view(1, 3, 1, 1)
    return mean, std


class GpuAugment:
    """Random scale + crop + flip (one grid_sample) and colour jitter."""

    def __init__(self, crop_hw, base_scale=(1.0, 1.0), scale_range=(0.75, 1.75),
                 flip=True, brightness=0.25, contrast=0.25, saturation=0.25,
                 generator=None):
        self.crop_hw = crop_hw
        self.base_scale = base_scale
        self.scale_range = scale_range
        self.flip = flip
        self.jitter = (brightness, contrast, saturation)
        self.gen = generator

    def _uniform(self, n, lo, hi, device):
        r = torch.rand(n, generator=self.gen, device=self.gen.device)
        return (lo + (hi - lo) * r).to(device)

    @torch.no_grad()
    def __call__(self, images_u8, labels_u8):
        device = images_u8.device
        b, _, h, w = images_u8.shape
        hc, wc = self.crop_hw
        x = images_u8.float() / 255.0
        # Colour jitter in [0, 1] RGB, per image.
        bj, cj, sj = self.jitter
        if bj > 0:
            x = x * self._uniform(b, 1 - bj, 1 + bj, device).view(b, 1, 1, 1)
        if cj > 0:
            grey = x.mean(dim=(1, 2, 3), keepdim=True)
            f = self._uniform(b, 1 - cj, 1 + cj, device).view(b, 1, 1, 1)
            x = (x - grey) * f + grey
        if sj > 0:
            grey = (0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3])
            f = self._uniform(b, 1 - sj, 1 + sj, device).view(b, 1, 1, 1)
            x = (x - grey) * f + grey
        x = normalise(x.clamp_(0, 1), mean_std_tensors(device), already_01=True)

        # Output pixel (i, j) of the crop samples the scaled image at
        # (i + 0.5 + oy, j + 0.5 + ox), i.e. the source at that / scale.
        r = self._uniform(b, *self.scale_range, device)
        sy, sx = self.base_scale[0] * r, self.base_scale[1] * r
        hs, ws = h * sy, w * sx
        lo_y, hi_y = torch.clamp(hs - hc, max=0), torch.clamp(hs - hc, min=0)
        lo_x, hi_x = torch.clamp(ws - wc, max=0), torch.clamp(ws - wc, min=0)
        oy = lo_y + (hi_y - lo_y) * self._uniform(b, 0, 1, device)
        ox = lo_x + (hi_x - lo_x) * self._uniform(b, 0, 1, device)
        jj = torch.arange(wc, device=device, dtype=torch.float32) + 0.5
        ii = torch.arange(hc, device=device, dtype=torch.float32) + 0.5
        u = (jj.view(1, -1) + ox.view(-1, 1)) / sx.view(-1, 1)  # [b, wc]
        v = (ii.view(1, -1) + oy.view(-1, 1)) / sy.view(-1, 1)  # [b, hc]
        if self.flip:
            flip = self._uniform(b, 0, 1, device) < 0.5
            u = torch.where(flip.view(-1, 1), w - u, u)
        gx = (2.0 * u / w - 1.0).view(b, 1, wc).expand(b, hc, wc)
        gy = (2.0 * v / h - 1.0).view(b, hc, 1).expand(b, hc, wc)
        grid = torch.stack([gx, gy], dim=-1)
        # Outside the frame: 0 after normalisation (the mean colour, as the
        # worker pads), and void in the labels.
        out = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros",
                            align_corners=False)
        lab = F.grid_sample(labels_u8.unsqueeze(1).float() + 1.0, grid,
                            mode="nearest", padding_mode="zeros",
                            align_corners=False)
        lab = lab.squeeze(1).round().long() - 1
        lab[lab < 0] = IGNORE_INDEX
        return out, lab
