#!/usr/bin/env bash
# Builds the CPU worker image for arm64 (Raspberry Pi 4/5 with a 64-bit OS,
# or any arm64 server) from docker/Dockerfile, unchanged.
#
# On an arm64 host this is a plain build. On an x86-64 host the build runs
# under emulation: qemu-user-static, registered with binfmt_misc (installed
# here from Debian's archive when missing), runs the arm64 compiler and
# apt inside the build: 40 minutes on a 2-core machine against 10 for the
# native image with its packages (docker/README.md has the figures). Nothing is pulled from a
# registry: the arm64 base image is made with debootstrap.
#
#   bash docker/build-arm64.sh                 # -> tessera-worker:arm64
#   TESSERA_ARM64_TAG=NAME bash docker/build-arm64.sh
#   bash tests/docker/arm64_test.sh            # then: run it against a host master
set -euo pipefail
cd "$(dirname "$0")/.."

tag="${TESSERA_ARM64_TAG:-tessera-worker:arm64}"
sudo=""
if ((EUID != 0)); then sudo="sudo"; fi

if [[ "$(dpkg --print-architecture)" == arm64 ]]; then
  base="debian:bookworm-slim"
else
  base="arm64v8/debian:bookworm-slim"
  binfmt=/proc/sys/fs/binfmt_misc
  if [[ ! -e "$binfmt/register" ]]; then
    $sudo mount -t binfmt_misc binfmt_misc "$binfmt" ||
      { echo "build-arm64: cannot mount binfmt_misc at $binfmt (needs root)" >&2; exit 1; }
  fi
  if [[ ! -e "$binfmt/qemu-aarch64" ]]; then
    echo "build-arm64: installing qemu-user-static to run arm64 programs here"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      qemu-user-static binfmt-support >/dev/null
    $sudo update-binfmts --enable qemu-aarch64 2>/dev/null || true
  fi
  [[ -e "$binfmt/qemu-aarch64" ]] ||
    { echo "build-arm64: qemu-aarch64 is not registered with binfmt_misc" >&2; exit 1; }
fi

bash docker/make-base-image.sh --arch=arm64
started=$SECONDS
echo "build-arm64: building $tag from $base"
docker build -f docker/Dockerfile --target worker --build-arg BASE_IMAGE="$base" -t "$tag" .
echo "build-arm64: $tag built in $(((SECONDS - started) / 60)) min:" \
  "$(docker image inspect -f '{{.Os}}/{{.Architecture}}, {{.Size}} bytes' "$tag")"
