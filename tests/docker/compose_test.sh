#!/usr/bin/env bash
# The compose deployment, tested on the machine's real Docker engine:
#   1. builds the base image (debootstrap, no registry) and the images;
#   2. segments a generated clip without Docker (host master + worker,
#      segmentation path only): the reference masks;
#   3. `compose up` with 3 workers, streams the clip from outside the
#      containers and checks every mask equals the reference;
#   4. kills one worker container mid-stream: no frame lost, none changed;
#   5. scales to 1 worker mid-stream, then to 4: same checks, and 4 workers
#      really take regions;
#   6. deploys the same file to a single-node swarm (docker stack deploy),
#      streams, checks the masks, scales the workers.
# Skips, loudly, only where no Docker engine or compose tool exists.
#
#   bash tests/docker/compose_test.sh        # needs build/ (scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
source tests/docker/lib.sh

require_docker_or_skip "compose test"
bash docker/make-base-image.sh
work="$(mktemp -d /tmp/tessera-compose.XXXXXX)"
project="tesseratest$$"
port="$(free_port)"
http_port="$(free_port)"
export TESSERA_GRPC_PORT="$port" TESSERA_HTTP_PORT="$http_port"
dc() { "${COMPOSE[@]}" -p "$project" -f deploy/docker-compose.yml "$@"; }
SWARM_STACK=""
cleanup() {
  if [[ -n "$SWARM_STACK" ]]; then
    docker service logs "${SWARM_STACK}_master" >"$work/swarm.log" 2>&1 || true
    docker stack rm "$SWARM_STACK" >/dev/null 2>&1 || true
    # The stack's volume outlives it; it can go once its containers have.
    for _ in $(seq 40); do
      docker volume rm "${SWARM_STACK}_models" >/dev/null 2>&1 && break
      sleep 0.5
    done
    docker swarm leave --force >/dev/null 2>&1 || true
  fi
  "${COMPOSE[@]}" -p "$project" -f deploy/docker-compose.yml logs --no-color >"$work/compose.log" 2>&1 || true
  "${COMPOSE[@]}" -p "$project" -f deploy/docker-compose.yml down -v --remove-orphans >/dev/null 2>&1 || true
  stop_host_cluster
  if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "compose test: kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step "building images with ${COMPOSE[*]}"
started=$SECONDS
dc build >"$work/build.log" 2>&1 || { tail -40 "$work/build.log"; fail "image build failed"; }
echo "images built in $((SECONDS - started)) s:"
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' |
  grep -E '^tessera-(master|worker):' | sed 's/^/  /'

step "a wrong setting stops a container at start with one line"
if out="$(docker run --rm -e TESSERA_WORKER_THREDS=1 "${TESSERA_IMAGE_PREFIX:-tessera-}worker:${TESSERA_TAG:-latest}" 2>&1)"; then
  fail "a worker with TESSERA_WORKER_THREDS set started"
fi
[[ "$out" == "tessera-worker: TESSERA_WORKER_THREDS: tessera-worker has no flag --threds (see --help)" ]] ||
  fail "unexpected output for a misspelt variable: $out"
echo "$out"
if out="$(docker run --rm "${TESSERA_IMAGE_PREFIX:-tessera-}master:${TESSERA_TAG:-latest}" --source=/dev/video0 2>&1)"; then
  fail "the slim master accepted --source"
fi
[[ "$out" == "tessera-master: --source: this build has no frame sources"* ]] ||
  fail "unexpected output for --source on the slim master: $out"
echo "$out"

frames=60
step "generating a $frames-frame clip and its reference masks without Docker"
build/tools/tessera-synth --out="$work/clip" --frames=$frames --seed=500 \
  --width=480 --height=360 >/dev/null
start_host_cluster "$work/host" models/synth.pt
stream_clip "127.0.0.1:$HOST_PORT" "$work/clip/frames" "$work/ref"
stop_host_cluster
expect_frames "$work/ref" $frames

step "compose up with 3 workers"
dc up -d --scale worker=3 >"$work/up.log" 2>&1 || { cat "$work/up.log"; fail "compose up failed"; }
wait_for_workers 3
stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/three"
expect_same_masks "$work/ref" "$work/three" $frames
echo "3 workers: all $frames masks equal the masks made without Docker"
metrics="$(curl -fsS "http://127.0.0.1:$http_port/metrics")" || fail "no /metrics on port $http_port"
grep -qx "tessera_workers 3" <<<"$metrics" || fail "/metrics does not say 3 workers"
grep -qx "tessera_frames_out_total $frames" <<<"$metrics" ||
  fail "/metrics does not count $frames masks out: $(grep frames_out <<<"$metrics")"
curl -fsS "http://127.0.0.1:$http_port/readyz" || fail "/readyz is not ready with 3 workers"
live_page="$(curl -fsS "http://127.0.0.1:$http_port/live")" || fail "no /live page"
[[ "$live_page" == *'src="/live/1.png"'* ]] || fail "/live does not show the stream"
curl -fsS -o "$work/live.png" "http://127.0.0.1:$http_port/live/1.png" ||
  fail "/live/1.png is not served"

step "killing a worker container mid-stream"
stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/killed" --rate=15 &
streamer=$!
wait_for_masks "$work/killed" 12
# No "| head" here: under pipefail, docker-compose dying of SIGPIPE would end the test.
workers=($(dc ps -q worker))
victim="${workers[0]}"
docker kill "$victim" >/dev/null
echo "killed worker container ${victim:0:12} after $(count_masks "$work/killed") masks"
wait "$streamer" || fail "the stream failed after a worker was killed"
expect_same_masks "$work/ref" "$work/killed" $frames
echo "no frame lost, none changed"

step "scaling down to 1 worker mid-stream"
stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/down" --rate=15 &
streamer=$!
wait_for_masks "$work/down" 12
dc up -d --no-recreate --scale worker=1 >"$work/down.log" 2>&1 || { cat "$work/down.log"; fail "scale to 1 failed"; }
wait "$streamer" || fail "the stream failed while scaling down"
expect_same_masks "$work/ref" "$work/down" $frames
wait_for_workers 1
echo "scaled to 1 mid-stream: no frame lost, none changed"

step "scaling up to 4 workers"
dc up -d --no-recreate --scale worker=4 >"$work/up4.log" 2>&1 || { cat "$work/up4.log"; fail "scale to 4 failed"; }
wait_for_workers 4
stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/four" \
  --summary_json="$work/four.json"
expect_same_masks "$work/ref" "$work/four" $frames
busy="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["regions_per_worker"]))' "$work/four.json")"
((busy == 4)) || fail "expected 4 workers to take regions, $busy did"
echo "4 workers took regions; all masks equal"

step "the same compose file on a single-node swarm"
dc down -v --remove-orphans >/dev/null 2>&1
if [[ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != inactive ]]; then
  echo "!!! SKIPPED the swarm part: this engine is already in a swarm, which the test leaves alone !!!"
else
  docker swarm init --advertise-addr 127.0.0.1 >/dev/null
  SWARM_STACK="$project"
  docker stack deploy -c deploy/docker-compose.yml "$SWARM_STACK" >"$work/stack.log" 2>&1 ||
    { cat "$work/stack.log"; fail "docker stack deploy failed"; }
  master_logs() { docker service logs "${SWARM_STACK}_master" 2>&1; }
  wait_for_workers 2
  stream_clip "127.0.0.1:$port" "$work/clip/frames" "$work/swarm"
  expect_same_masks "$work/ref" "$work/swarm" $frames
  docker service scale "${SWARM_STACK}_worker=3" >/dev/null 2>&1
  wait_for_workers 3
  echo "swarm: 2 then 3 workers registered; all masks equal"
fi

echo "compose test: PASSED"
