# Helpers shared by the Docker tests (sourced, not run). They start host
# processes from build/, stream clips, and compare masks; each failure ends
# the test with one line saying what was expected.

step() { echo; echo "=== $* ==="; }
fail() { echo "FAILED: $*" >&2; exit 1; }

# Sets COMPOSE to the compose command this machine has, or skips the test
# (exit 0, loudly) when there is no engine or no compose tool.
require_docker_or_skip() {
  local what="$1"
  if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
    echo "!!! SKIPPED $what: no Docker engine answers 'docker info' here !!!"
    exit 0
  fi
  if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
  elif command -v docker-compose >/dev/null; then
    COMPOSE=(docker-compose)
  else
    echo "!!! SKIPPED $what: neither 'docker compose' nor docker-compose exists !!!"
    exit 0
  fi
  for program in build/master/tessera-master build/worker/tessera-worker \
    build/client/tessera-stream build/tools/tessera-synth; do
    [[ -x "$program" ]] || fail "$program is missing: run scripts/build.sh first"
  done
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A master and one worker on loopback, outside Docker: HOST_PORT is its port.
start_host_cluster() {
  local dir="$1" model="$2"
  mkdir -p "$dir"
  build/master/tessera-master --listen=127.0.0.1:0 --http_listen= --port_file="$dir/port" \
    >"$dir/master.log" 2>&1 &
  HOST_PIDS=($!)
  for _ in $(seq 100); do [[ -s "$dir/port" ]] && break; sleep 0.1; done
  HOST_PORT="$(cat "$dir/port" 2>/dev/null)" || fail "host master did not start"
  build/worker/tessera-worker --master="127.0.0.1:$HOST_PORT" --model="$model" \
    --threads=1 --name=host-worker >"$dir/worker.log" 2>&1 &
  HOST_PIDS+=($!)
  for _ in $(seq 300); do
    grep -q "1 registered" "$dir/master.log" && return 0
    sleep 0.1
  done
  cat "$dir/worker.log" >&2
  fail "host worker did not register"
}

stop_host_cluster() {
  local pid
  for pid in "${HOST_PIDS[@]:-}"; do kill "$pid" 2>/dev/null || true; done
  HOST_PIDS=()
}

# stream_clip MASTER FRAMES OUT [flags...]: every region on the segmentation
# path, so masks depend only on the model, never on which worker held a key.
stream_clip() {
  local master="$1" source="$2" out="$3"
  shift 3
  build/client/tessera-stream --master="$master" --source="$source" \
    --output="$out" --overlay=none --dvs=off --progress=false "$@" \
    >"$out.log" 2>&1 || { cat "$out.log" >&2; return 1; }
}

count_masks() { find "$1/labels" -name '*.png' 2>/dev/null | wc -l; }

wait_for_masks() {
  local dir="$1" want="$2"
  for _ in $(seq 600); do
    (($(count_masks "$dir") >= want)) && return 0
    sleep 0.1
  done
  fail "fewer than $want masks in $dir after 60 s"
}

expect_frames() {
  local got
  got="$(count_masks "$1")"
  ((got == $2)) || fail "$1: expected $2 masks, found $got"
}

# Every mask of `got` equals the reference's, byte for byte (both written by
# the same tessera-stream from the labels the cluster returned).
expect_same_masks() {
  local ref="$1" got="$2" frames="$3" file differ=0
  expect_frames "$got" "$frames"
  for file in "$ref"/labels/*.png; do
    cmp -s "$file" "$got/labels/$(basename "$file")" || differ=$((differ + 1))
  done
  ((differ == 0)) || fail "$differ of $frames masks in $got differ from $ref"
}

# The master's log; the test redefines it for a swarm service.
master_logs() { dc logs --no-color master 2>/dev/null; }

# Waits until the master's log says exactly N workers are registered.
wait_for_workers() {
  local want="$1" have=""
  for _ in $(seq 240); do
    have="$(master_logs |
      grep -oE '[0-9]+ registered' | tail -1 | cut -d' ' -f1)" || true
    [[ "$have" == "$want" ]] && { echo "$want workers registered"; return 0; }
    sleep 0.5
  done
  fail "expected $want registered workers, the master says ${have:-none}"
}
