#!/usr/bin/env python3
"""The resolution x width study of the `camvid` architecture: mIoU vs fps.

Accuracy comes from the GPU training runs (`<name>.metrics.json`, val mIoU
at export); speed from `build/bench/segmenter_bench` on this CPU (LibTorch
1.13, one thread), run on the exported TorchScript of each configuration.
Latency depends on the graph, not on the weights, so `export` can write
the same-graph models here on the CPU (one tiny training step each) when
the trained files themselves are not at hand.

Usage:
    # 1. the graphs, one per configuration (CPU, ~10 s each)
    /usr/bin/python3 tools/train/pareto.py export --out out/pareto/models
    # 2. their latency on this CPU
    TESSERA_BENCH_MODELS=out/pareto/models build/bench/segmenter_bench \
        --benchmark_filter=dir/ --benchmark_min_time=3 \
        --benchmark_format=json > out/pareto/latency.json
    # 3. table + plot, with val mIoU from the training runs' metrics
    /usr/bin/python3 tools/train/pareto.py report --metrics RUNS_DIR \
        --latency out/pareto/latency.json --png bench/results/camvid_pareto.png
"""

import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# name: (input WxH, width multiplier); names match the training runs.
CONFIGS = {
    "r480w100": ("480x360", 1.0),
    "r480w075": ("480x360", 0.75),
    "r384w100": ("384x288", 1.0),
    "r384w075": ("384x288", 0.75),
    "r256w100": ("256x192", 1.0),
    "r256w075": ("256x192", 0.75),
}


def export(args):
    os.makedirs(args.out, exist_ok=True)
    for name, (size, width) in CONFIGS.items():
        work = os.path.join(args.out, "work-" + name)
        subprocess.run(
            [sys.executable, os.path.join(HERE, "train_camvid.py"),
             "--data", args.data, "--out", work, "--name", name,
             "--input-size", size, "--width", str(width),
             "--card-size", "fixed", "--limit-images", "4", "--epochs", "1",
             "--batch", "2", "--device", "cpu", "--threads", "2",
             "--minutes", "5"],
            check=True, stdout=subprocess.DEVNULL)
        for ext in (".pt", ".card.json"):
            os.replace(os.path.join(work, name + ext),
                       os.path.join(args.out, name + ext))
        print(f"pareto: {name} exported ({size}, width {width})", flush=True)


def pareto_front(points):
    """Indices of points no other point beats on both fps and mIoU."""
    front = []
    for i, (fps_i, miou_i) in enumerate(points):
        dominated = any(
            fps_j >= fps_i and miou_j >= miou_i and (fps_j, miou_j) != (fps_i, miou_i)
            for j, (fps_j, miou_j) in enumerate(points) if j != i)
        if not dominated:
            front.append(i)
    return front


def report(args):
    latency = {}
    with open(args.latency) as f:
        for bench in json.load(f)["benchmarks"]:
            name = bench["name"].split("/")[1]
            scale = {"ms": 1.0, "us": 1e-3, "ns": 1e-6}[bench["time_unit"]]
            latency[name] = bench["real_time"] * scale
    rows = []
    for name, (size, width) in CONFIGS.items():
        paths = glob.glob(os.path.join(args.metrics, "**", name + ".metrics.json"),
                          recursive=True)
        if not paths or name not in latency:
            sys.exit(f"pareto: no metrics or latency for {name} "
                     f"(looked in {args.metrics} and {args.latency})")
        with open(paths[0]) as f:
            m = json.load(f)
        w, h = (int(v) for v in size.split("x"))
        macs = m["macs_480x360"] * (w * h) / (480 * 360)
        rows.append(dict(name=name, size=size, width=width,
                         miou=100 * m["val_miou"], ms=latency[name],
                         fps=1000 / latency[name], params=m["params"],
                         gmacs=macs / 1e9, epochs=m["epochs_run"],
                         best=m["best_epoch"]))
    front = set(pareto_front([(r["fps"], r["miou"]) for r in rows]))
    print("| input | width | params | GMAC | val mIoU | ms/frame | fps | Pareto |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for i, r in sorted(enumerate(rows), key=lambda e: -e[1]["fps"]):
        print(f"| {r['size']} | {r['width']:.2f} | {r['params'] / 1e6:.2f} M "
              f"| {r['gmacs']:.3f} | {r['miou']:.1f} | {r['ms']:.1f} "
              f"| {r['fps']:.0f} | {'yes' if i in front else ''} |")
    if args.png:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6.4, 4.2), dpi=120)
        for width, marker in ((1.0, "o"), (0.75, "s")):
            pts = [r for r in rows if r["width"] == width]
            ax.scatter([r["fps"] for r in pts], [r["miou"] for r in pts],
                       marker=marker, s=50, label=f"width {width}")
            for r in pts:
                ax.annotate(r["size"], (r["fps"], r["miou"]),
                            textcoords="offset points", xytext=(6, -3),
                            fontsize=8)
        line = sorted((rows[i]["fps"], rows[i]["miou"]) for i in front)
        ax.plot([p[0] for p in line], [p[1] for p in line], "k--", lw=1,
                label="Pareto front")
        ax.set_xlabel("frames/s, one CPU core (LibTorch 1.13)")
        ax.set_ylabel("CamVid val mIoU (%)")
        ax.set_title("camvid architecture (tseg): resolution x width")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        fig.tight_layout()
        os.makedirs(os.path.dirname(args.png) or ".", exist_ok=True)
        fig.savefig(args.png)
        print(f"pareto: plot in {args.png}")


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    e = sub.add_parser("export", help="same-graph models for the latency runs")
    e.add_argument("--out", required=True)
    e.add_argument("--data", default="../shared/data/camvid")
    r = sub.add_parser("report", help="table + plot")
    r.add_argument("--metrics", required=True,
                   help="folder holding the runs' <name>.metrics.json")
    r.add_argument("--latency", required=True,
                   help="segmenter_bench --benchmark_format=json output")
    r.add_argument("--png", default="")
    args = p.parse_args()
    export(args) if args.command == "export" else report(args)


if __name__ == "__main__":
    main()
