#!/usr/bin/env bash
# Builds the CUDA worker, with the master, tessera-stream, tessera-bench and
# tessera-segment-bench, into build-cuda/, against the CUDA LibTorch inside
# the machine's PyTorch (GPU.md). Video files and cameras are left out
# (TESSERA_VIDEO_IO=OFF): frames come from image folders, so the machine
# needs no FFmpeg or GDAL.
#
# Dependencies: either the packages of scripts/install-deps.sh (Debian or
# Ubuntu, without libtorch-dev), or, on a machine without Debian's archive,
# the .debs that scripts/gpu/fetch-debs.sh put in build-gpu/debs: they are
# unpacked into build-gpu/prefix, and build-gpu/env.sh then sets the library
# path the programs need to run.
#
#   bash scripts/gpu/build-cuda.sh [TARGET...]   # default: the five above
#   source build-gpu/env.sh   # only with unpacked .debs
set -euo pipefail
cd "$(dirname "$0")/../.."

torch_cmake="$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)')"
cmake_args=(-DCMAKE_PREFIX_PATH="$torch_cmake")

if compgen -G "build-gpu/debs/*.deb" >/dev/null; then
  prefix="$PWD/build-gpu/prefix"
  if [[ ! -f "$prefix/.unpacked" ]]; then
    rm -rf "$prefix" && mkdir -p "$prefix"
    for deb in build-gpu/debs/*.deb; do dpkg -x "$deb" "$prefix"; done
    touch "$prefix/.unpacked"
  fi
  lib="$prefix/usr/lib/x86_64-linux-gnu"
  # Debian's own OpenCV CMake config insists on every module's library;
  # only core, imgproc and video (and what they load) are unpacked here.
  mkdir -p "$prefix/opencv"
  cat >"$prefix/opencv/OpenCVConfig.cmake" <<CMAKE
# Written by scripts/gpu/build-cuda.sh for the unpacked Debian OpenCV 4.6.
foreach(module core imgproc video)
  if(NOT TARGET opencv_\${module})
    add_library(opencv_\${module} SHARED IMPORTED)
    set_target_properties(opencv_\${module} PROPERTIES
      IMPORTED_LOCATION "$lib/libopencv_\${module}.so.4.6.0"
      INTERFACE_INCLUDE_DIRECTORIES "$prefix/usr/include/opencv4")
  endif()
endforeach()
set(OpenCV_VERSION 4.6.0)
CMAKE
  cat >build-gpu/env.sh <<ENV
# Written by scripts/gpu/build-cuda.sh: the unpacked Debian libraries.
export LD_LIBRARY_PATH="$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
ENV
  # shellcheck source=/dev/null
  source build-gpu/env.sh
  export PKG_CONFIG_PATH="$lib/pkgconfig:$prefix/usr/share/pkgconfig"
  export PKG_CONFIG_SYSROOT_DIR="$prefix"
  cmake_args=(-DCMAKE_PREFIX_PATH="$prefix/usr;$torch_cmake"
              -DOpenCV_DIR="$prefix/opencv"
              -DPKG_CONFIG_EXECUTABLE="$prefix/usr/bin/pkgconf"
              -DProtobuf_PROTOC_EXECUTABLE="$prefix/usr/bin/protoc")
  export PATH="$prefix/usr/bin:$PATH"
fi

# The label kernel needs nvcc; CUDA installs often leave it off the PATH.
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
cmake -S . -B build-cuda -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DTESSERA_VIDEO_IO=OFF -DTESSERA_BUILD_TESTS=OFF \
  -DTESSERA_BUILD_BENCHMARKS=OFF "${cmake_args[@]}"
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(tessera-master tessera-worker tessera-stream tessera-bench
           tessera-segment-bench)
fi
ninja -C build-cuda "${targets[@]}"
