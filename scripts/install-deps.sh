#!/usr/bin/env bash
# Installs the Debian packages Tessera builds and runs with. Idempotent and
# non-interactive: packages already present are left alone, so a second run is
# fast and needs no network.
#
#   bash scripts/install-deps.sh          # build + test dependencies
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git clang-format
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev libtorch-dev libopencv-dev libcpp-httplib-dev libpng-dev libturbojpeg0-dev
  libgtest-dev libgmock-dev libbenchmark-dev python3-yaml curl chromium openssl
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" || status=""
  [[ "$status" == *"ok installed"* ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if ((EUID != 0)); then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
