"""TorchScript export for Tessera: model, model card, reference values.

Exports a trained state dict as a traced TorchScript module (CPU, float32,
eval, BatchNorm folded, 1x1 convolutions routed to oneDNN for LibTorch
1.13), checks that the saved file reproduces the eager model at several
input sizes, and writes <name>.card.json (tessera.v1.ModelCard as protobuf
JSON) and <name>.reference.json (outputs on a fixed input for a C++ test).

Usage:
    files = export_all(state, cfg, out_dir, name, description)
"""

import copy
import json
import os
import re

import torch

from data import CLASS_NAMES, MEAN, NUM_CLASSES, STD
from models import (build_model, count_macs, count_params, fuse_model,
                    round_up, route_pointwise_to_onednn, strip_aux)

INPUT_SCALE = 1.0 / 255.0
REF_HW = (64, 96)
REF_PIXEL_FORMULA = "(7*x + 3*y + 50*c) % 256"


def deploy_model(state, arch, width):
    """Float32 CPU eval model with the trained weights, aux heads dropped."""
    model = build_model(arch, NUM_CLASSES, width, aux=True)
    model.load_state_dict(state)
    return strip_aux(model).eval()


def model_card(name, description, size_divisor, output_stride, fixed_hw):
    h, w = fixed_hw if fixed_hw else (0, 0)
    return {
        "name": name,
        "description": description,
        "num_classes": NUM_CLASSES,
        "class_names": list(CLASS_NAMES),
        "input_width": int(w),
        "input_height": int(h),
        "size_divisor": int(size_divisor),
        "input_scale": INPUT_SCALE,
        "mean": list(MEAN),
        "std": list(STD),
        "output_stride": int(output_stride),
        "palette": "camvid",
    }


def reference_input(card):
    """The fixed test input, normalised exactly as the C++ worker does it.

    pixel[y][x][c] = (7*x + 3*y + 50*c) % 256 (uint8 RGB, 64x96), then in
    float32: x = pixel * (input_scale / std[c]) - mean[c] / std[c].
    """
    h, w = REF_HW
    y = torch.arange(h).view(h, 1, 1)
    x = torch.arange(w).view(1, w, 1)
    c = torch.arange(3).view(1, 1, 3)
    pixels = ((7 * x + 3 * y + 50 * c) % 256).to(torch.uint8)  # [H, W, 3]
    scale = torch.tensor(card["input_scale"], dtype=torch.float32)
    mean = torch.tensor(card["mean"], dtype=torch.float32)
    std = torch.tensor(card["std"], dtype=torch.float32)
    gain = (scale / std).view(1, 3, 1, 1)
    offset = (mean / std).view(1, 3, 1, 1)
    nchw = pixels.permute(2, 0, 1).unsqueeze(0).to(torch.float32)
    return (nchw * gain - offset).contiguous()


@torch.no_grad()
def reference_values(module, card):
    x = reference_input(card)
    logits = module(x).float()
    _, k, oh, ow = logits.shape
    labels = logits.argmax(1)[0]
    top2 = logits.topk(2, dim=1).values
    margin = (top2[:, 0] - top2[:, 1]).min().item()
    full = torch.nn.functional.interpolate(
        logits, size=REF_HW, mode="bilinear", align_corners=False)
    positions = [(0, 0), (oh // 2, ow // 2), (oh - 1, ow - 1), (1, ow - 2)]
    return {
        "input": {
            "height": REF_HW[0], "width": REF_HW[1],
            "pixel": f"uint8 RGB, pixel[y][x][c] = {REF_PIXEL_FORMULA}, "
                     "c = 0 R, 1 G, 2 B",
            "tensor": "float32 [1, 3, 64, 96] NCHW, x = pixel * "
                      "(input_scale / std[c]) - mean[c] / std[c] "
                      "(the worker's normalisation, card values as float32)",
        },
        "output_shape": list(logits.shape),
        "labels": labels.tolist(),
        "labels_full_note": "argmax of the logits bilinearly upsampled "
                            "(align_corners=False) to 64x96",
        "labels_full": full.argmax(1)[0].tolist(),
        "logits_at": [{"y": y, "x": xx, "values": logits[0, :, y, xx].tolist()}
                      for y, xx in positions],
        "logits_sum": logits.double().sum().item(),
        "logits_abs_sum": logits.double().abs().sum().item(),
        "min_top2_margin": margin,
        "suggested_abs_tolerance": 1e-3,
        "exported_with_torch": torch.__version__,
    }


def compact_json(obj):
    """Indented JSON with every list of plain numbers kept on one line."""
    text = json.dumps(obj, indent=1)
    return re.sub(r"\[[-0-9.eE,\s]*\]",
                  lambda m: re.sub(r"\s+", " ", m.group(0))
                  .replace("[ ", "[").replace(" ]", "]"), text)


@torch.no_grad()
def check_same(eager, scripted, sizes, log):
    """Compares eager vs TorchScript outputs at several input sizes."""
    gen = torch.Generator().manual_seed(123)
    worst = 0.0
    for h, w in sizes:
        x = torch.randn(1, 3, h, w, generator=gen)
        a, b = eager(x), scripted(x)
        if a.shape != b.shape:
            raise RuntimeError(f"exported model gives shape {tuple(b.shape)} "
                               f"for {w}x{h}, eager {tuple(a.shape)}")
        diff = (a - b).abs().max().item()
        tol = 1e-3 * (1.0 + a.abs().max().item())
        log(f"  export check {w}x{h}: out {tuple(b.shape)} max|diff| "
            f"{diff:.2e} (tol {tol:.1e})")
        if not diff <= tol:
            raise RuntimeError(f"exported model differs from eager at {w}x{h}: "
                               f"max abs diff {diff}")
        worst = max(worst, diff)
    return worst


def export_all(state, cfg, out_dir, name, description, log=print):
    """Writes <name>.pt, .card.json, .reference.json; returns facts."""
    arch, width = cfg["arch"], cfg["width"]
    in_h, in_w = cfg["input_hw"]
    fixed = cfg["fixed_input"]
    model = deploy_model(state, arch, width)
    divisor, stride = model.size_divisor, model.output_stride
    facts = {
        "params": count_params(model),
        "macs_480x360": count_macs(model, 360, 480),
        f"macs_{in_w}x{in_h}": count_macs(model, in_h, in_w),
    }
    eager = copy.deepcopy(model)
    fuse_model(model)
    probe = (in_h, in_w) if fixed else (round_up(in_h, divisor),
                                        round_up(in_w, divisor))
    route_pointwise_to_onednn(model, probe_hw=probe)
    torch.manual_seed(0)
    example = torch.randn(1, 3, *probe)
    with torch.no_grad():
        traced = torch.jit.trace(model, example, check_trace=False)
    pt_path = os.path.join(out_dir, f"{name}.pt")
    traced.save(pt_path)
    loaded = torch.jit.load(pt_path, map_location="cpu").eval()
    sizes = [probe, REF_HW, (360, 480), (probe[0] + 64, probe[1] + 96),
             (224, 320)]
    facts["export_max_abs_diff"] = check_same(eager, loaded, sizes, log)
    facts["model_bytes"] = os.path.getsize(pt_path)
    if facts["model_bytes"] > 10 * 1024 * 1024:
        log(f"WARNING: {pt_path} is {facts['model_bytes']} bytes (> 10 MB)")

    card = model_card(name, description, divisor, stride,
                      (in_h, in_w) if fixed else None)
    card_path = os.path.join(out_dir, f"{name}.card.json")
    with open(card_path, "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    ref = reference_values(loaded, card)
    ref["model"] = os.path.basename(pt_path)
    ref_path = os.path.join(out_dir, f"{name}.reference.json")
    with open(ref_path, "w") as f:
        f.write(compact_json(ref) + "\n")
    facts.update(size_divisor=divisor, output_stride=stride,
                 files=[pt_path, card_path, ref_path])
    return facts
