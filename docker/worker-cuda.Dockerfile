# tessera-worker for NVIDIA GPU servers: the same sources and CMake options as
# docker/Dockerfile, built against LibTorch with CUDA on NVIDIA's CUDA image.
#
#   docker build -f docker/worker-cuda.Dockerfile -t tessera-worker-cuda .
#   docker run --gpus all -e TESSERA_WORKER_MASTER=master:7600 \
#     -e TESSERA_WORKER_DEVICE=cuda tessera-worker-cuda
#
# NOT BUILT IN CI: NVIDIA's base images come from a registry the CI machine
# cannot reach, and it has no GPU. Ubuntu 24.04 is the base because its gRPC
# (1.51), protobuf (3.21) and Abseil (20220623) are the versions Debian 12
# has, which the CPU build is tested with. LibTorch is the official CUDA
# build (C++11 ABI); LIBTORCH_URL picks another version or CUDA release.
ARG CUDA_IMAGE=nvidia/cuda:12.6.3-cudnn-devel-ubuntu24.04
ARG CUDA_RUNTIME_IMAGE=nvidia/cuda:12.6.3-cudnn-runtime-ubuntu24.04

FROM ${CUDA_IMAGE} AS build
# No GPU at build time: the label kernel is compiled for these (Turing to
# Hopper); CMake's "native" default needs a GPU to look at.
ARG CUDA_ARCHITECTURES="75;80;86;89;90"
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu126/libtorch-cxx11-abi-shared-with-deps-2.7.1%2Bcu126.zip
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config ca-certificates curl unzip \
      protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev \
      libabsl-dev libopencv-dev libcpp-httplib-dev libpng-dev \
      libturbojpeg0-dev \
 && rm -rf /var/lib/apt/lists/* \
 && curl -fsSL -o /tmp/libtorch.zip "${LIBTORCH_URL}" \
 && unzip -q /tmp/libtorch.zip -d /opt && rm /tmp/libtorch.zip
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY common common
COPY master master
COPY worker worker
COPY client client
COPY tools tools
# The system libraries the worker loads (gRPC, protobuf, Abseil, OpenCV,
# ...) are copied by what the loader resolves rather than named as
# packages, whose names differ between Ubuntu releases; glibc, CUDA and
# LibTorch come from the runtime image and /opt/libtorch.
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH=/opt/libtorch \
      -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
      -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCHMARKS=OFF \
 && ninja -C build tessera-worker \
 && install -D -s build/worker/tessera-worker /out/bin/tessera-worker \
 && mkdir -p /out/lib \
 && ldd /out/bin/tessera-worker | awk '$3 ~ /^\// {print $3}' \
      | grep -v -e '^/opt/libtorch/' -e '^/usr/local/cuda' -e '/libcuda' \
           -e '/lib\(c\|m\|dl\|rt\|pthread\)\.so' -e '/ld-linux' \
      | xargs -r cp -L -t /out/lib

FROM ${CUDA_RUNTIME_IMAGE} AS worker
RUN useradd --system --uid 10001 --home-dir /var/lib/tessera --create-home \
      tessera
COPY --from=build /out/lib /usr/local/lib/tessera
COPY --from=build /opt/libtorch/lib /opt/libtorch/lib
COPY --from=build /out/bin/tessera-worker /usr/local/bin/
COPY models /opt/tessera/models
ENV LD_LIBRARY_PATH=/opt/libtorch/lib:/usr/local/lib/tessera \
    TESSERA_WORKER_MODEL=/opt/tessera/models/camvid.pt \
    TESSERA_WORKER_DEVICE=cuda
USER tessera
WORKDIR /var/lib/tessera
ENTRYPOINT ["tessera-worker"]
