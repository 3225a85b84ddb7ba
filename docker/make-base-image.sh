#!/usr/bin/env bash
# Builds the Debian 12 base image the Dockerfiles start from, without pulling
# anything from a container registry: debootstrap lays out a minimal bookworm
# from Debian's package archive, and `docker import` turns it into the image
# `debian:bookworm-slim`. Where that image already exists nothing is done, so
# the Dockerfiles build unchanged on machines with or without registry access.
#
#   bash docker/make-base-image.sh            # once per Docker engine
#   bash docker/make-base-image.sh --force    # rebuild it anyway
set -euo pipefail

image="${TESSERA_BASE_IMAGE:-debian:bookworm-slim}"
mirror="${TESSERA_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
force=0
[[ "${1:-}" == "--force" ]] && force=1

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
echo "make-base-image: debootstrap bookworm from $mirror (a few minutes)"
$sudo debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
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

$sudo tar -C "$root" -c . | docker import \
  --change 'CMD ["bash"]' \
  --change "LABEL org.opencontainers.image.source=\"debootstrap --variant=minbase bookworm $mirror\"" \
  - "$image" >/dev/null
echo "make-base-image: $image ready ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
