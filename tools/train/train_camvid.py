#!/usr/bin/env python3
"""Trains Tessera's `camvid` segmentation model from scratch and exports it.

Loads CamVid (train/val, 480x360) into device memory once, augments on the
device, trains a real-time network (models.py) under a wall-clock budget
with a time-based LR schedule, keeps the checkpoint with the best val mIoU,
and exports it as TorchScript with a model card, metrics and reference
values (export.py). Works with PyTorch 1.13 (CPU) and 2.x (CUDA).

Usage (see README.md beside this file for the pinned recipe):
    python3 tools/train/train_camvid.py --data ../shared/data/camvid \
        --out /tmp/camvid_run --minutes 8.5
"""

import argparse
import contextlib
import json
import math
import os
import shlex
import signal
import sys
import time

T_START = time.time()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import (CLASS_NAMES, IGNORE_INDEX, NATIVE_HW,  # noqa: E402
                  NUM_CLASSES, GpuAugment, load_split, mean_std_tensors,
                  normalise)
from export import export_all  # noqa: E402
from models import ARCHS, build_model, count_params, round_up  # noqa: E402

STOP = {"signal": None}


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="",
                   help="camvid folder (required unless --resume)")
    p.add_argument("--out", default="",
                   help="output folder (required unless --resume)")
    p.add_argument("--name", default="camvid", help="model file stem")
    p.add_argument("--dataset-name", default="CamVid",
                   help="what --data holds, for the model card's description")
    p.add_argument("--arch", default="tseg", choices=sorted(ARCHS))
    p.add_argument("--width", type=float, default=1.0, help="width multiplier")
    p.add_argument("--input-size", default="480x360",
                   help="WxH the network sees whole frames at")
    p.add_argument("--card-size", default="auto", choices=["auto", "any", "fixed"],
                   help="card input size: any (0x0, frame size padded to the "
                        "divisor), fixed (WxH of --input-size), auto: any iff "
                        "--input-size is 480x360")
    p.add_argument("--crop", default="",
                   help="training crop WxH (default: input size rounded down "
                        "to multiples of 32)")
    p.add_argument("--minutes", type=float, default=8.0,
                   help="wall-clock budget for the whole run, export included")
    p.add_argument("--reserve-seconds", type=float, default=40.0,
                   help="part of --minutes kept for final eval + export")
    p.add_argument("--epochs", type=int, default=2000, help="upper bound")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--optimizer", default="adamw", choices=["adamw", "sgd"])
    p.add_argument("--lr", type=float, default=0.0,
                   help="peak LR (default 4e-3 adamw, 0.05 sgd)")
    p.add_argument("--weight-decay", type=float, default=-1.0,
                   help="(default 0.01 adamw, 5e-4 sgd)")
    p.add_argument("--schedule", default="cosine", choices=["cosine", "poly"])
    p.add_argument("--warmup", type=float, default=0.03,
                   help="fraction of the run with linear warm-up")
    p.add_argument("--loss", default="ohem", choices=["ohem", "ce"])
    p.add_argument("--ohem-thresh", type=float, default=0.7,
                   help="OHEM keeps pixels whose p(true) < this ...")
    p.add_argument("--ohem-min", type=float, default=1 / 16,
                   help="... and at least this fraction of pixels")
    p.add_argument("--aux-weight", type=float, default=0.4)
    p.add_argument("--scale-min", type=float, default=0.75)
    p.add_argument("--scale-max", type=float, default=1.75)
    p.add_argument("--jitter", type=float, default=0.25,
                   help="brightness/contrast/saturation jitter amplitude")
    p.add_argument("--eval-interval", type=float, default=20.0,
                   help="seconds between val evaluations (a third of it in "
                        "the second half of the run)")
    p.add_argument("--amp", default="auto", choices=["auto", "bf16", "fp16", "off"])
    p.add_argument("--compile", action="store_true",
                   help="torch.compile the training model (PyTorch 2.x; "
                        "~70 s to compile, no faster here)")
    p.add_argument("--cudnn-benchmark", action="store_true",
                   help="cudnn autotuning (~35 s at start, no faster here)")
    p.add_argument("--device", default="auto", help="auto, cuda, cuda:N, cpu")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads for torch (0: leave as is)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit-images", type=int, default=0,
                   help="use only the first N train and N val frames (smoke)")
    p.add_argument("--session-minutes", type=float, default=0.0,
                   help="pause after this much wall-clock time (export "
                        "included), saving <name>.resume.pt, so that a "
                        "--minutes budget longer than one call to the GPU "
                        "machine runs as several calls (0: no pause)")
    p.add_argument("--resume", default="",
                   help="continue a paused run from its .resume.pt (same "
                        "data, arch and schedule; --minutes is taken from it)")
    p.add_argument("--export-only", default="",
                   help="skip training: export this .ckpt (arch, width, input "
                        "size from it)")
    return p.parse_args(argv)


def parse_wxh(text):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"bad size {text!r}: expected WxH, e.g. 480x360")
    if w <= 0 or h <= 0:
        raise SystemExit(f"bad size {text!r}: both sides must be > 0")
    return h, w


class Log:
    def __init__(self, path):
        self.file = open(path, "a")

    def __call__(self, *parts):
        line = " ".join(str(p) for p in parts)
        print(line, flush=True)
        self.file.write(line + "\n")
        self.file.flush()


def elapsed():
    return time.time() - T_START


def on_signal(signum, frame):
    STOP["signal"] = signum
    print(f"signal {signum}: finishing up (eval + export)", flush=True)


def metrics_from_confusion(conf):
    conf = conf.double()
    tp = conf.diag()
    union = conf.sum(0) + conf.sum(1) - tp
    iou = torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))
    valid = ~torch.isnan(iou)
    miou = iou[valid].mean().item() if valid.any() else 0.0
    acc = (tp.sum() / conf.sum().clamp(min=1)).item()
    return {"miou": miou, "pixel_accuracy": acc,
            "per_class_iou": {n: (None if math.isnan(v) else v)
                              for n, v in zip(CLASS_NAMES, iou.tolist())}}


@torch.no_grad()
def evaluate(model, split, cfg, device, amp_dtype, channels_last, batch=16):
    """Val metrics as the worker would get them: fixed cards resize the frame
    to the input size; any-size cards pad the frame to the divisor."""
    was_training = model.training
    model.eval()
    ms = mean_std_tensors(device)
    h, w = split.images.shape[-2:]
    ih, iw = cfg["input_hw"] if cfg["fixed_input"] else (h, w)
    d = model.size_divisor
    ph, pw = (ih, iw) if cfg["fixed_input"] else (round_up(ih, d), round_up(iw, d))
    conf = torch.zeros(NUM_CLASSES * NUM_CLASSES, dtype=torch.long, device=device)
    for i in range(0, split.images.shape[0], batch):
        x = normalise(split.images[i:i + batch], ms)
        if (ih, iw) != (h, w):
            x = F.interpolate(x, size=(ih, iw), mode="bilinear", align_corners=False)
        if (ph, pw) != (ih, iw):
            x = F.pad(x, (0, pw - iw, 0, ph - ih))
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with autocast(device, amp_dtype):
            logits = model(x)
        logits = logits.float()
        if cfg["fixed_input"]:
            logits = F.interpolate(logits, size=(h, w), mode="bilinear",
                                   align_corners=False)
        else:
            logits = F.interpolate(logits, size=(ph, pw), mode="bilinear",
                                   align_corners=False)[:, :, :h, :w]
        pred = logits.argmax(1)
        lab = split.labels[i:i + batch].long()
        ok = lab != IGNORE_INDEX
        conf += torch.bincount(lab[ok] * NUM_CLASSES + pred[ok],
                               minlength=NUM_CLASSES * NUM_CLASSES)
    model.train(was_training)
    return metrics_from_confusion(conf.view(NUM_CLASSES, NUM_CLASSES).cpu())


def autocast(device, amp_dtype):
    if amp_dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=amp_dtype)


_INTERP = {}


def interp_matrix(n_in, n_out, device):
    """[n_in, n_out] matrix of 1-D linear interpolation, align_corners=False."""
    key = (n_in, n_out, str(device))
    if key not in _INTERP:
        eye = torch.eye(n_in, device=device).unsqueeze(0)
        _INTERP[key] = F.interpolate(eye, size=n_out, mode="linear",
                                     align_corners=False)[0].contiguous()
    return _INTERP[key]


def upsample_logits(logits, size_hw):
    """Bilinear upsampling (align_corners=False) as two matmuls, in float32.

    Same values as F.interpolate, but its backward is two matmuls instead of
    CUDA's atomic-add kernel, which took ~70% of a training step here.
    """
    h, w = logits.shape[-2:]
    if (h, w) == tuple(size_hw):
        return logits.float()
    x = logits.float() @ interp_matrix(w, size_hw[1], logits.device)
    return interp_matrix(h, size_hw[0], logits.device).t() @ x


def seg_loss(logits, target, args):
    logits = upsample_logits(logits, target.shape[-2:])
    loss = F.cross_entropy(logits, target, ignore_index=IGNORE_INDEX,
                           reduction="none").flatten()
    if args.loss == "ce":
        return loss.sum() / (target != IGNORE_INDEX).sum().clamp(min=1)
    # OHEM without a host sync: mean of the losses above the threshold, or
    # of the k hardest pixels when fewer than k are above it.
    k = max(1, int(loss.numel() * args.ohem_min))
    above = loss > -math.log(args.ohem_thresh)
    n_above = above.sum()
    mean_above = (loss * above).sum() / n_above.clamp(min=1)
    mean_topk = loss.topk(k, sorted=False).values.mean()
    return torch.where(n_above >= k, mean_above, mean_topk)


def lr_factor(progress, args):
    if progress < args.warmup:
        return 0.1 + 0.9 * progress / args.warmup
    q = min(1.0, (progress - args.warmup) / max(1e-8, 1.0 - args.warmup))
    if args.schedule == "poly":
        return max(0.0, 1.0 - q) ** 0.9 + 1e-3
    return 0.01 + 0.99 * 0.5 * (1.0 + math.cos(math.pi * q))


def make_optimizer(model, args, device):
    decay, no_decay = [], []
    for p in model.parameters():
        (decay if p.ndim == 4 else no_decay).append(p)
    groups = [{"params": decay, "weight_decay": args.weight_decay},
              {"params": no_decay, "weight_decay": 0.0}]
    if args.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=args.lr, momentum=0.9, nesterov=True)
    kwargs = {}
    if device.type == "cuda" and int(torch.__version__.split(".")[0]) >= 2:
        kwargs["fused"] = True
    return torch.optim.AdamW(groups, lr=args.lr, betas=(0.9, 0.999), **kwargs)


def train(model, train_set, val_set, cfg, args, device, amp_dtype, cl, log,
          ckpt_path, resume=None):
    """Trains until the budget is spent, or pauses at --session-minutes.

    Returns (best, history, info); info["paused"] says whether a
    <name>.resume.pt was written for a later --resume.
    """
    gen = torch.Generator(device=device).manual_seed(args.seed)
    aug = GpuAugment(cfg["crop_hw"], base_scale=cfg["base_scale"],
                     scale_range=(args.scale_min, args.scale_max),
                     brightness=args.jitter, contrast=args.jitter,
                     saturation=args.jitter, generator=gen)
    opt = make_optimizer(model, args, device)
    scaler = None
    if amp_dtype == torch.float16:
        scaler = (torch.amp.GradScaler("cuda") if hasattr(torch, "amp") and
                  hasattr(torch.amp, "GradScaler") else torch.cuda.amp.GradScaler())
    step_model = model
    if args.compile:
        if not hasattr(torch, "compile"):
            raise SystemExit("--compile needs PyTorch 2.x")
        step_model = torch.compile(model)
    n = train_set.images.shape[0]
    batch = min(args.batch, n)
    steps_per_epoch = max(1, n // batch)
    total_steps = args.epochs * steps_per_epoch
    t0 = time.time()
    budget = args.minutes * 60.0 - args.reserve_seconds - elapsed()
    if resume is not None:
        budget = resume["budget"]
        t0 = time.time() - resume["train_seconds"]
    if budget <= 0:
        raise SystemExit(f"--minutes {args.minutes} leaves no time to train "
                         f"({elapsed():.0f} s spent loading, reserve "
                         f"{args.reserve_seconds:.0f} s)")
    log(f"train: {n} frames, batch {batch}, {steps_per_epoch} steps/epoch, "
        f"crop {cfg['crop_hw'][1]}x{cfg['crop_hw'][0]}, up to {args.epochs} "
        f"epochs or {budget:.0f} s of training")
    best = {"miou": -1.0, "epoch": 0, "state": None, "metrics": None}
    history = []
    step, epoch, progress, lr = 0, 0, 0.0, args.lr
    last_eval = {"time": time.time(), "step": -1}
    if resume is not None:
        model.load_state_dict(resume["model"])
        opt.load_state_dict(resume["optimizer"])
        if scaler is not None and resume.get("scaler"):
            scaler.load_state_dict(resume["scaler"])
        gen.set_state(resume["generator"].to(gen.get_state().device))
        best, history = resume["best"], resume["history"]
        step, epoch = resume["step"], resume["epoch"]
        log(f"resumed at epoch {epoch} step {step}, {resume['train_seconds']:.0f} "
            f"of {budget:.0f} s trained, best {100 * best['miou']:.2f} "
            f"@ep {best['epoch']}")
    pause_at = (T_START + args.session_minutes * 60.0 - args.reserve_seconds
                if args.session_minutes > 0 else math.inf)
    paused = False

    def validate():
        m = evaluate(model, val_set, cfg, device, amp_dtype, cl)
        last_eval.update(time=time.time(), step=step)
        history.append({"epoch": epoch, "step": step, "elapsed": round(elapsed(), 1),
                        "val_miou": m["miou"]})
        if m["miou"] > best["miou"]:
            best.update(miou=m["miou"], epoch=epoch, metrics=m,
                        state={k: v.detach().float().cpu().clone()
                               for k, v in model.state_dict().items()})
            torch.save({"state_dict": best["state"], "config": cfg,
                        "epoch": epoch, "val": m}, ckpt_path)
        return (f" val_miou {100 * m['miou']:.2f} acc "
                f"{100 * m['pixel_accuracy']:.2f} (best "
                f"{100 * best['miou']:.2f} @ep {best['epoch']})")

    model.train()
    while epoch < args.epochs and STOP["signal"] is None:
        t_ep = time.time()
        perm = torch.randperm(n, generator=gen, device=device)
        loss_sum = torch.zeros((), device=device)
        done = 0
        for it in range(steps_per_epoch):
            progress = max(step / total_steps, (time.time() - t0) / budget)
            if progress >= 1.0 or STOP["signal"] is not None:
                break
            if time.time() >= pause_at:
                paused = True
                break
            lr = args.lr * lr_factor(progress, args)
            for g in opt.param_groups:
                g["lr"] = lr
            idx = perm[it * batch:(it + 1) * batch]
            x, y = aug(train_set.images[idx], train_set.labels[idx])
            if cl:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast(device, amp_dtype):
                outs = step_model(x)
            outs = outs if isinstance(outs, (tuple, list)) else (outs,)
            loss = seg_loss(outs[0], y, args)
            for aux in outs[1:]:
                loss = loss + args.aux_weight * seg_loss(aux, y, args)
            opt.zero_grad(set_to_none=True)
            if scaler is not None:
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            else:
                loss.backward()
                opt.step()
            loss_sum += loss.detach()
            step += 1
            done += 1
        if done == 0:
            break
        if done == steps_per_epoch:
            epoch += 1
        progress = max(step / total_steps, (time.time() - t0) / budget)
        finished = (progress >= 1.0 or epoch >= args.epochs
                    or STOP["signal"] is not None or paused)
        ep_s = time.time() - t_ep
        line = (f"epoch {epoch} step {step} loss {loss_sum.item() / done:.4f} "
                f"lr {lr:.2e} {ep_s:.2f}s/ep {ep_s / (done * batch):.4f}s/img "
                f"progress {progress:.3f} elapsed {elapsed():.0f}s")
        interval = args.eval_interval if progress < 0.5 else args.eval_interval / 3
        if finished or time.time() - last_eval["time"] >= interval:
            line += validate()
        log(line)
        if finished:
            break
    if step > 0 and last_eval["step"] != step:
        log(f"final eval at step {step}:" + validate())
    train_s = time.time() - t0
    if paused:
        resume_path = ckpt_path[:-len(".ckpt")] + ".resume.pt"
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
                    "scaler": scaler.state_dict() if scaler is not None else None,
                    "generator": gen.get_state().cpu(), "best": best,
                    "history": history, "step": step, "epoch": epoch,
                    "train_seconds": train_s, "budget": budget, "config": cfg,
                    "args": vars(args)},
                   resume_path)
        log(f"paused after {train_s:.0f} of {budget:.0f} s of training: "
            f"continue with --resume {resume_path}")
    if best["state"] is None:  # no evaluation happened (e.g. instant stop)
        best.update(state={k: v.detach().float().cpu().clone()
                           for k, v in model.state_dict().items()}, epoch=epoch)
        torch.save({"state_dict": best["state"], "config": cfg,
                    "epoch": epoch, "val": None}, ckpt_path)
    return best, history, {"epochs_run": epoch, "steps": step,
                           "train_seconds": train_s, "paused": paused}


def load_checkpoint(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=False)
    except TypeError:  # PyTorch < 1.13
        return torch.load(path, map_location="cpu")


def resumed_args(args):
    """The paused run's arguments, so that a resumed run keeps its name,
    recipe and schedule; only where to pause next, and --data/--out when
    given (the same files, moved), come from this command line."""
    saved = load_checkpoint(args.resume).get("args")
    if saved is None:
        sys.exit(f"train_camvid: {args.resume} predates saved arguments; "
                 f"resume it with the original flags")
    merged = argparse.Namespace(**saved)
    merged.resume = args.resume
    merged.session_minutes = args.session_minutes
    merged.data = args.data or merged.data
    merged.out = args.out or merged.out
    return merged


def main(argv=None):
    args = parse_args(argv)
    if args.resume:
        args = resumed_args(args)
    elif not args.data or not args.out:
        sys.exit("train_camvid: --data and --out are required")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    os.makedirs(args.out, exist_ok=True)
    log = Log(os.path.join(args.out, f"{args.name}.train.log"))
    command = " ".join(shlex.quote(a) for a in [sys.executable] + sys.argv)
    log(f"command: {command}")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
    amp = args.amp if args.amp != "auto" else ("bf16" if device.type == "cuda" else "off")
    amp_dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "off": None}[amp]
    cl = device.type == "cuda"
    if device.type == "cuda":
        # benchmark=True spent ~35 s autotuning for no faster step here.
        torch.backends.cudnn.benchmark = args.cudnn_benchmark
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    if args.lr <= 0:
        args.lr = 4e-3 if args.optimizer == "adamw" else 0.05
    if args.weight_decay < 0:
        args.weight_decay = 0.01 if args.optimizer == "adamw" else 5e-4

    ckpt = resume = None
    if args.export_only:
        ckpt = load_checkpoint(args.export_only)
        cfg = ckpt["config"]
        cfg["input_hw"] = tuple(cfg["input_hw"])
    elif args.resume:
        resume = load_checkpoint(args.resume)
        cfg = resume["config"]
        cfg["input_hw"] = tuple(cfg["input_hw"])
    else:
        input_hw = parse_wxh(args.input_size)
        fixed = (args.card_size == "fixed" or
                 (args.card_size == "auto" and input_hw != NATIVE_HW))
        crop_hw = parse_wxh(args.crop) if args.crop else (
            max(32, input_hw[0] // 32 * 32), max(32, input_hw[1] // 32 * 32))
        cfg = {"arch": args.arch, "width": args.width, "input_hw": input_hw,
               "fixed_input": fixed, "crop_hw": crop_hw,
               "base_scale": (input_hw[0] / NATIVE_HW[0], input_hw[1] / NATIVE_HW[1])}
    log(f"torch {torch.__version__} on {device}"
        f"{' (' + torch.cuda.get_device_name(device) + ')' if device.type == 'cuda' else ''}"
        f", amp {amp}, config {json.dumps(cfg)}")

    t_load = time.time()
    train_set = load_split(args.data, "train", args.limit_images, device)
    val_set = load_split(args.data, "val", args.limit_images, device)
    log(f"data: {len(train_set.names)} train + {len(val_set.names)} val frames "
        f"on {device} in {time.time() - t_load:.1f}s")

    model = build_model(cfg["arch"], NUM_CLASSES, cfg["width"]).to(device)
    if cl:
        model = model.to(memory_format=torch.channels_last)
    log(f"model {cfg['arch']} width {cfg['width']}: "
        f"{count_params(model) / 1e6:.3f}M params (aux heads included)")
    ckpt_path = os.path.join(args.out, f"{args.name}.ckpt")
    if ckpt is not None:
        model.load_state_dict(ckpt["state_dict"])
        best = {"state": ckpt["state_dict"], "epoch": ckpt.get("epoch", 0)}
        history, info = [], {"epochs_run": ckpt.get("epoch", 0), "steps": 0,
                             "train_seconds": 0.0}
    else:
        best, history, info = train(model, train_set, val_set, cfg, args,
                                    device, amp_dtype, cl, log, ckpt_path,
                                    resume)
        model.load_state_dict(best["state"])

    # Final numbers in float32, as the exported model computes them.
    model = model.float()
    final = evaluate(model, val_set, cfg, device, None, cl)
    log(f"best epoch {best['epoch']}: val mIoU {100 * final['miou']:.2f} "
        f"pixel acc {100 * final['pixel_accuracy']:.2f} (float32)")
    log("  " + " ".join(f"{n} {100 * v:.1f}" if v is not None else f"{n} -"
                        for n, v in final["per_class_iou"].items()))
    ih, iw = cfg["input_hw"]
    description = (
        f"{cfg['arch']} width {cfg['width']:g} (Fast-SCNN-style, depthwise-"
        f"separable), trained from scratch on {args.dataset_name} train "
        f"({len(train_set.names)} "
        f"frames) by tools/train/train_camvid.py at {iw}x{ih}; val mIoU "
        f"{100 * final['miou']:.1f} (11 classes, void ignored)")
    t_exp = time.time()
    facts = export_all(best["state"], cfg, args.out, args.name, description, log)
    log(f"exported in {time.time() - t_exp:.1f}s: " + ", ".join(facts["files"]))
    metrics = {
        "name": args.name,
        "val_miou": final["miou"],
        "val_pixel_accuracy": final["pixel_accuracy"],
        "per_class_iou": final["per_class_iou"],
        "params": facts["params"],
        "macs_480x360": facts["macs_480x360"],
        f"macs_{iw}x{ih}": facts[f"macs_{iw}x{ih}"],
        "arch": cfg["arch"], "width": cfg["width"],
        "input_width": iw, "input_height": ih,
        "card_input_size": "fixed" if cfg["fixed_input"] else "any",
        "crop": [cfg["crop_hw"][1], cfg["crop_hw"][0]],
        "size_divisor": facts["size_divisor"],
        "output_stride": facts["output_stride"],
        "best_epoch": best["epoch"],
        "epochs_run": info["epochs_run"], "steps": info["steps"],
        "train_seconds": round(info["train_seconds"], 1),
        "total_seconds": round(elapsed(), 1),
        "stopped_by_signal": STOP["signal"],
        "paused_for_resume": info.get("paused", False),
        "train_frames": len(train_set.names), "val_frames": len(val_set.names),
        "model_bytes": facts["model_bytes"],
        "export_max_abs_diff": facts["export_max_abs_diff"],
        "command": command,
        "hyperparameters": {k: v for k, v in vars(args).items()
                            if k not in ("data", "out")},
        "torch_version": torch.__version__,
        "device": (torch.cuda.get_device_name(device) if device.type == "cuda"
                   else "cpu"),
        "val_history": history,
    }
    with open(os.path.join(args.out, f"{args.name}.metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
        f.write("\n")
    log(f"done in {elapsed():.0f}s: val mIoU {100 * final['miou']:.2f}, "
        f"{facts['params'] / 1e6:.3f}M params, "
        f"{facts['macs_480x360'] / 1e9:.3f} GMACs at 480x360, "
        f"{facts['model_bytes'] / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
