#!/usr/bin/env bash
# Trains the `synth` model on the GPU machine from a training set generated
# there, in as many calls to the machine as the budget needs (each call may
# run at most 10 minutes). Each call picks up where the last one paused:
#
#   bash scripts/gpu/train-synth.sh "$OUT"   # again until it prints "done"
#
# The first call builds tessera-synth (scripts/gpu/build-cuda.sh, no video
# I/O), generates the set with one tessera-synth per core and starts
# training. The set and the paused run live in build-gpu/synth, which the
# machine keeps while it stays warm; if it went cold, the set is generated
# again (the same pictures: the generator is deterministic by seed) and the
# paused run comes from .carry/synth-run, where the caller puts the
# synth.resume.pt of the last call's $OUT (where the machine returns it: on
# 2026-12-03 it kept back that 20 MB file as too large, so calls must follow
# each other before the machine goes cold). Every call copies the run's files
# (logs, metrics, checkpoints, and at the end the exported model) to $OUT,
# also when training fails.
#
# Environment (defaults: the shipped model's recipe, models/README.md):
#   TESSERA_SYNTH_TRAIN_SEEDS   train clips' seeds (3000-5999: 12000 scenes)
#   TESSERA_SYNTH_VAL_SEEDS     held-out clips' seeds (101-110)
#   TESSERA_SYNTH_MINUTES       whole training budget in minutes (24)
#   TESSERA_SYNTH_CALL_MINUTES  what one call may take in all (9.4)
#   TESSERA_SYNTH_WIDTH         the network's width multiplier (1.0)
set -euo pipefail
cd "$(dirname "$0")/../.."
out="${1:?usage: train-synth.sh OUT_DIR}"
call_start=$SECONDS
train_seeds="${TESSERA_SYNTH_TRAIN_SEEDS:-3000-5999}"
val_seeds="${TESSERA_SYNTH_VAL_SEEDS:-101-110}"
minutes="${TESSERA_SYNTH_MINUTES:-24}"
call_minutes="${TESSERA_SYNTH_CALL_MINUTES:-9.4}"
width="${TESSERA_SYNTH_WIDTH:-1.0}"
data=build-gpu/synth/data
run=build-gpu/synth/run
name=synth

if [[ ! -x build-cuda/tools/tessera-synth ]]; then
  bash scripts/gpu/build-cuda.sh tessera-synth
fi
# shellcheck source=/dev/null
[[ -f build-gpu/env.sh ]] && source build-gpu/env.sh

if [[ ! -f "$data/.complete" ]]; then
  rm -rf "$data"
  # Four frames per clip, each a scene of its own (a cut every frame):
  # scene diversity is what raised val mIoU most (models/README.md).
  python3 tools/train/make_synth_data.py --synth build-cuda/tools/tessera-synth \
    --out "$data" --train-seeds "$train_seeds" --frames 4 \
    --scene-cut-every 1 --keep-every 1 --val-seeds "$val_seeds" \
    --jobs "$(nproc)" | tail -n 2
  touch "$data/.complete"
  echo "train-synth: set generated in $((SECONDS - call_start)) s:" \
    "$(wc -l <"$data/train.txt") train, $(wc -l <"$data/val.txt") val frames"
fi

# What is left of this call for training (export and copying included).
session=$(python3 -c "print($call_minutes - ($SECONDS - $call_start) / 60)")
if python3 -c "import sys; sys.exit($session >= 1.5)"; then
  echo "train-synth: only $session minutes left in this call; call again"
  exit 0
fi
mkdir -p "$run" "$out"
# Whatever happens to the training, the run's logs and checkpoints go back.
trap 'cp "$run"/* "$out"/ 2>/dev/null || true' EXIT
# A call that died while resuming left its starting point as resuming.pt:
# start from it again rather than from scratch.
if [[ -f "$run/$name.resuming.pt" && ! -f "$run/$name.resume.pt" ]]; then
  mv "$run/$name.resuming.pt" "$run/$name.resume.pt"
fi
if [[ ! -f "$run/$name.resume.pt" && -f .carry/synth-run/$name.resume.pt ]]; then
  cp .carry/synth-run/$name.resume.pt "$run/"
fi
if [[ -f "$run/$name.resume.pt" ]]; then
  mv "$run/$name.resume.pt" "$run/$name.resuming.pt"
  train=(--resume "$run/$name.resuming.pt")
else
  train=(--data "$data" --out "$run" --name "$name" --arch tseg2
         --width "$width" --minutes "$minutes" --dataset-name
         "tessera-synth seeds $train_seeds (clips of 4 frames, each its own scene); val seeds $val_seeds (40 frames each, a cut every 20)")
fi
if ! python3 tools/train/train_camvid.py "${train[@]}" \
    --session-minutes "$session" >"$run/call.log" 2>&1; then
  tail -n 30 "$run/call.log"
  exit 1
fi
tail -n 4 "$run/call.log"
rm -f "$run/$name.resuming.pt"
if [[ -f "$run/$name.resume.pt" ]]; then
  echo "train-synth: paused; call again (carry .carry/synth-run with $name.resume.pt)"
else
  echo "train-synth: done"
fi
