#!/usr/bin/env bash
# Downloads the Debian 12 packages a CUDA worker build needs besides PyTorch
# (gRPC, protobuf, Abseil, OpenCV core/imgproc/video, libpng, libjpeg-turbo,
# cpp-httplib, and what they load) into build-gpu/debs, for a GPU machine
# that cannot reach Debian's archive itself. build-cuda.sh unpacks them
# there. About 33 MB.
#
#   bash scripts/gpu/fetch-debs.sh      # here, with apt
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(
  # build: headers, CMake configs, code generators
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev
  protobuf-compiler libprotoc32 libabsl-dev libre2-dev libc-ares-dev
  libssl-dev zlib1g-dev libopencv-core-dev libopencv-imgproc-dev
  libopencv-video-dev libpng-dev libturbojpeg0-dev libcpp-httplib-dev
  libbrotli-dev pkgconf pkgconf-bin libpkgconf3
  # run: the shared libraries those link
  libgrpc++1.51 libgrpc29 libprotobuf32 libprotobuf-lite32 libabsl20220623
  libre2-9 libc-ares2 libssl3 libopencv-core406 libopencv-imgproc406
  libopencv-video406 libopencv-calib3d406 libopencv-dnn406
  libopencv-features2d406 libopencv-flann406 libtbb12 libblas3 liblapack3
  libgfortran5 libpng16-16 libturbojpeg0 libcpp-httplib0.11 libbrotli1
  libglx0 libglvnd0 libx11-6 libxcb1 libxau6 libxdmcp6 libbsd0 libmd0
)
mkdir -p build-gpu/debs
cd build-gpu/debs
apt-get download "${packages[@]}"
echo "fetch-debs: $(ls ./*.deb | wc -l) packages, $(du -sh . | cut -f1) in build-gpu/debs"
