#!/usr/bin/env bash
# Builds the Debian 12 base image the Dockerfiles start from, without pulling
# anything from a container registry: debootstrap lays out a minimal bookworm
# from Debian's package archive, and `docker import` turns it into the image
# `debian:bookworm-slim`. Where that image already exists nothing is done, so
# the Dockerfiles build unchanged on machines with or without registry access.
#
#   bash docker/make-base-image.sh                # once per Docker engine
#   bash docker/make-base-image.sh --force        # rebuild it anyway
#   bash docker/make-base-image.sh --arch=arm64   # arm64v8/debian:bookworm-slim
#
# --arch=arm64 makes the arm64 base under the name Docker Hub gives the
# official one, for building the Raspberry Pi worker on an x86-64 machine
# (docker/build-arm64.sh); it needs qemu-user-static registered with binfmt.
set -euo pipefail

host_arch="$(dpkg --print-architecture)"
arch="$host_arch"
force=0
for arg in "$@"; do
  case "$arg" in
    --force) force=1 ;;
    --arch=*) arch="${arg#--arch=}" ;;
    *)
      echo "make-base-image: unknown argument '$arg' (--force, --arch=ARCH)" >&2
      exit 2
      ;;
  esac
done
default_image="debian:bookworm-slim"
if [[ "$arch" != "$host_arch" ]]; then
  case "$arch" in
    arm64) default_image="arm64v8/debian:bookworm-slim" ;;
    *)
      echo "make-base-image: no image name known for --arch=$arch (arm64 is)" >&2
      exit 2
      ;;
  esac
  if [[ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]]; then
    echo "make-base-image: --arch=$arch needs qemu-user-static registered with binfmt_misc" >&2
    exit 1
  fi
fi
image="${TESSERA_BASE_IMAGE:-$default_image}"
mirror="${TESSERA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ((!force)) && docker image inspect "$image" >/dev/null 2>&1; then
  echo "make-base-image: $image already exists"
  exit 0
fi

sudo=""
if ((EUID != 0)); then sudo="sudo"; fi
if ! command -v debootstrap >/dev/null; then
  echo "make-base-image: installing debootstrap"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
fi

root="$(mktemp -d /tmp/tessera-rootfs.XXXXXX)"
trap '$sudo rm -rf "$root"' EXIT
echo "make-base-image: debootstrap bookworm ($arch) from $mirror (a few minutes)"
$sudo debootstrap --variant=minbase --arch="$arch" bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
  tail -20 "$root.log" >&2
  echo "make-base-image: debootstrap failed (log above)" >&2
  exit 1
}
rm -f "$root.log"

# The same suites as the official image: the release, its updates, security.
$sudo tee "$root/etc/apt/sources.list" >/dev/null <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/debian}/debian-security bookworm-security main
SOURCES
# Slim like the official -slim image: no docs, man pages or package lists,
# and apt told not to bring them back.
$sudo tee "$root/etc/dpkg/dpkg.cfg.d/docker-slim" >/dev/null <<'DPKG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
DPKG
$sudo tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'APT'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT
$sudo find "$root/usr/share/doc" -mindepth 2 -not -name copyright -delete 2>/dev/null || true
$sudo rm -rf "$root"/usr/share/{man,info,locale}/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb "$root"/var/log/*

$sudo tar -C "$root" -c . | docker import --platform "linux/$arch" \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.source=\"debootstrap --variant=minbase --arch=$arch bookworm $mirror\"" \
  - "$image" >/dev/null
# This engine's `docker import` records its own architecture whatever
# --platform says; a foreign image has the right one written into its
# config, so that it and the images built on it say what they run on.
if [[ "$arch" != "$host_arch" ]] &&
  [[ "$(docker image inspect -f '{{.Architecture}}' "$image")" != "$arch" ]]; then
  saved="$(mktemp -d /tmp/tessera-image.XXXXXX)"
  docker save "$image" | tar -C "$saved" -x
  python3 - "$saved" "$arch" <<'PY'
import json, pathlib, sys
root, arch = pathlib.Path(sys.argv[1]), sys.argv[2]
config = root / json.loads((root / "manifest.json").read_text())[0]["Config"]
fields = json.loads(config.read_text())
fields["architecture"] = arch
if arch == "arm64":
    fields["variant"] = "v8"
config.write_text(json.dumps(fields))
PY
  old_id="$(docker image inspect -f '{{.Id}}' "$image")"
  tar -C "$saved" -c . | docker load >/dev/null
  docker image rm "$old_id" >/dev/null 2>&1 || true
  rm -rf "$saved"
fi
echo "make-base-image: $image ready ($(docker image inspect -f '{{.Architecture}}, {{.Size}}' "$image" | awk '{printf "%s %.0f MB", $1, $2/1e6}'))"
