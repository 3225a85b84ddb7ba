#!/usr/bin/env bash
# DVS results: runs a local master with 1, 2 and 4 workers and streams one
# clip at each decision threshold (plus segmentation only), collecting fps,
# accuracy against a ground truth (or a reference run), the share of regions
# on each path and the key bytes moved. Writes CSV and prints a table.
#
#   bash scripts/dvs-sweep.sh                       # generated clip, synth
#   TESSERA_SWEEP_SOURCE=../shared/data/video/highway_960x540_25fps.mp4 \
#   TESSERA_SWEEP_MODEL=models/camvid.pt bash scripts/dvs-sweep.sh
#
# TESSERA_SWEEP_SEED picks the generated clip (600 by default; without a
# TESSERA_SWEEP_SOURCE).
#
# Columns: speedup is fps over the segmentation-only run of the same worker
# count; speedup_same_cpu corrects it for how fast the CPU ran each run
# (times the run's segmentation network time per region over the
# segmentation-only run's): a shared VM's speed drifts by up to half
# between minutes, and fps times that time is unchanged when every step
# slows alike. It does not correct for workers that share cores with each
# other or with the master and client: read it on pinned one-worker runs.
# TESSERA_SWEEP_MASTER_ARGS, TESSERA_SWEEP_WORKER_ARGS and
# TESSERA_SWEEP_STREAM_ARGS add flags to the master, the workers and the
# client (e.g. --max_key_age=N, --dn=FILE, --skip_frames=N).
#
# TESSERA_SWEEP_KEEP_LABELS=1 (generated clips) keeps each run's label PNGs
# in $out/<run>/labels, for bench/dvs_loss_study.py. Writing them costs the
# client time: compare fps only between runs that both kept or both did not.
#
# Without ground truth (a real video), the segmentation-only run of each
# worker count is the reference: accuracy is then pixel agreement with it.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${TESSERA_SWEEP_OUT:-out/sweep}"
model="${TESSERA_SWEEP_MODEL:-models/synth.pt}"
frames="${TESSERA_SWEEP_FRAMES:-120}"
workers_list="${TESSERA_SWEEP_WORKERS:-1 2 4}"
thresholds="${TESSERA_SWEEP_THRESHOLDS:-70 80 85 90 94 96 98}"
worker_threads="${TESSERA_SWEEP_THREADS:-1}"
seed="${TESSERA_SWEEP_SEED:-600}"
extra_stream_args=(${TESSERA_SWEEP_STREAM_ARGS:-})
extra_worker_args=(${TESSERA_SWEEP_WORKER_ARGS:-})
extra_master_args=(${TESSERA_SWEEP_MASTER_ARGS:-})
bin=build
# TESSERA_SWEEP_PIN=1: a single worker on the last CPU, the master and
# client on the others, as on a cluster where workers have their own
# machines (on a 2-core machine the master and client otherwise take CPU
# from the worker, more so the faster it goes). Clusters of more workers
# are not pinned.
pin_worker=() pin_rest=()
pin_cluster() {  # $1: worker count
  pin_worker=() pin_rest=()
  [[ "${TESSERA_SWEEP_PIN:-0}" == 1 ]] || return 0
  if ! command -v taskset >/dev/null; then
    echo "dvs-sweep: TESSERA_SWEEP_PIN=1 needs taskset (util-linux)" >&2
    exit 1
  fi
  # The CPUs this script may use, which need not start at 0 in a container.
  local cpus
  read -r -a cpus < <(python3 -c \
    'import os; print(*sorted(os.sched_getaffinity(0)))')
  if (($1 > 1 || ${#cpus[@]} < 2)); then
    echo "dvs-sweep: $1 worker(s) on ${#cpus[@]} CPUs: not pinned" >&2
    return 0
  fi
  local others="${cpus[*]:0:${#cpus[@]}-1}"
  pin_worker=(taskset -c "${cpus[-1]}")
  pin_rest=(taskset -c "${others// /,}")
}

mkdir -p "$out"
source="${TESSERA_SWEEP_SOURCE:-}"
gt=""
if [[ -z "$source" ]]; then
  # Seeds from 600 on: clips neither the model nor its decision network saw.
  build/tools/tessera-synth --out="$out/clip" --frames="$frames" --width=480 \
    --height=360 --seed="$seed" --scene_cut_every=60 >/dev/null
  source="$out/clip/frames"
  gt="$out/clip/labels"
fi

pids=()
stop_cluster() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
}
trap stop_cluster EXIT

start_cluster() {  # $1: worker count
  pin_cluster "$1"
  rm -f "$out/master.port"
  "${pin_rest[@]}" "$bin/master/tessera-master" --listen=127.0.0.1:0 --http_listen=127.0.0.1:0 \
    --port_file="$out/master.port" "${extra_master_args[@]}" \
    >"$out/master.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do [[ -s "$out/master.port" ]] && break; sleep 0.1; done
  if [[ ! -s "$out/master.port" ]]; then
    echo "dvs-sweep: the master did not start; see $out/master.log" >&2
    exit 1
  fi
  port=$(cat "$out/master.port")
  for i in $(seq "$1"); do
    "${pin_worker[@]}" "$bin/worker/tessera-worker" --master="127.0.0.1:$port" --model="$model" \
      --threads="$worker_threads" --name="w$i" "${extra_worker_args[@]}" \
      >"$out/worker-$i.log" 2>&1 &
    pids+=($!)
  done
  for _ in $(seq 600); do
    grep -q " $1 registered" "$out/master.log" && return 0
    sleep 0.1
  done
  echo "dvs-sweep: workers did not register" >&2
  exit 1
}

run() {  # $1: name, rest: tessera-stream flags
  local name=$1
  shift
  local keep=()
  if [[ "${TESSERA_SWEEP_KEEP_LABELS:-0}" == 1 && -n "$gt" ]]; then
    rm -rf "${out:?}/$name"
    keep=(--output="$out/$name")
  fi
  "${pin_rest[@]}" "$bin/client/tessera-stream" --master="127.0.0.1:$port" --source="$source" \
    --max_frames="$frames" --progress=false --overlay=none \
    --summary_json="$out/$name.json" "${keep[@]}" "${extra_stream_args[@]}" "$@" \
    >"$out/$name.log" 2>&1
}

csv="$out/results.csv"
echo "workers,threshold,fps,miou,pixel_accuracy,warped_fraction,seg_ms,flow_ms,key_kb_per_frame,speedup,speedup_same_cpu" >"$csv"
for workers in $workers_list; do
  start_cluster "$workers"
  if [[ -n "$gt" ]]; then
    run "w$workers-off" --dvs=off --gt="$gt"
  else
    rm -rf "$out/ref-w$workers"
    run "w$workers-off" --dvs=off --output="$out/ref-w$workers"
  fi
  ref="${gt:-$out/ref-w$workers/labels}"
  for t in off $thresholds; do
    if [[ $t != off ]]; then
      run "w$workers-t$t" --dvs=fixed --threshold="$t" --gt="$ref"
    fi
    python3 - "$out/w$workers-$([[ $t == off ]] && echo off || echo t$t).json" \
      "$workers" "$t" "$out/w$workers-off.json" >>"$csv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
off = json.load(open(sys.argv[4]))
# The network's own time per segmented region measures how fast the CPU
# ran (a region's whole compute time would also hold the flow estimate the
# decision network turned down). See the header.
nan = float("nan")
speedup = r["fps"] / off["fps"] if off["fps"] > 0 else nan
net = r.get("network_ms_per_segmented_region", 0)
net_off = off.get("network_ms_per_segmented_region", 0)
same_cpu = speedup * net / net_off if net > 0 and net_off > 0 else nan
print(",".join([sys.argv[2], sys.argv[3], "%.2f" % r["fps"],
                "%.2f" % (100 * r.get("miou", float("nan"))),
                "%.2f" % (100 * r.get("pixel_accuracy", float("nan"))),
                "%.3f" % r["warped_fraction"],
                "%.2f" % r["segmentation_ms_per_region"],
                "%.2f" % r["flow_ms_per_region"],
                "%.1f" % (r["key_bytes_per_frame"] / 1000),
                "%.2f" % speedup, "%.2f" % same_cpu]))
PY
  done
  stop_cluster
done
column -s, -t "$csv"
