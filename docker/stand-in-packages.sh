#!/bin/sh
# Installs empty stand-ins for Debian packages that the runtime libraries
# depend on but Tessera never loads, so that apt does not pull them in.
#
#   sh stand-in-packages.sh libglx-mesa0
#
# Only for packages that are loaded with dlopen on demand, never linked:
# libglx-mesa0 is the Mesa GLX vendor library that libGLX opens when a
# program creates an OpenGL context. Tessera creates none, yet OpenCV's
# video I/O depends on libGL, whose Mesa vendor drags in the GPU drivers and
# LLVM: about 165 MB of an image for code that never runs.
set -eu
for package in "$@"; do
  dir="$(mktemp -d)"
  mkdir -p "$dir/DEBIAN"
  cat >"$dir/DEBIAN/control" <<CONTROL
Package: $package
Version: 999:0-tessera-stand-in
Architecture: $(dpkg --print-architecture)
Multi-Arch: same
Maintainer: Tessera <tessera@localhost>
Description: empty stand-in for $package (never loaded by Tessera)
CONTROL
  dpkg-deb --build "$dir" "/tmp/$package.deb" >/dev/null
  dpkg -i "/tmp/$package.deb" >/dev/null
  rm -rf "$dir" "/tmp/$package.deb"
done
