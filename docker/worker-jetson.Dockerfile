# tessera-worker for NVIDIA Jetson boards (JetPack 6, L4T r36, arm64): the
# same sources and CMake options as docker/Dockerfile, built against the
# LibTorch inside JetPack's PyTorch wheel.
#
#   docker build -f docker/worker-jetson.Dockerfile -t tessera-worker-jetson .
#   docker run --runtime nvidia -e TESSERA_WORKER_MASTER=master:7600 \
#     tessera-worker-jetson
#
# NOT BUILT IN CI: the L4T base image comes from NVIDIA's registry, which the
# CI machine cannot reach, and it is an arm64 image for a Jetson. L4T r36 is
# Ubuntu 22.04, whose gRPC (1.30) and Abseil (20210324) are older than the
# versions Tessera is tested with, so this build compiles gRPC 1.51 (with
# its protobuf and Abseil) from source first: slow once, cached after.
ARG L4T_IMAGE=nvcr.io/nvidia/l4t-jetpack:r36.4.0

FROM ${L4T_IMAGE} AS build
ARG GRPC_VERSION=v1.51.1
# The label kernel's target: Orin (8.7), what JetPack 6 runs on.
ARG CUDA_ARCHITECTURES="87"
# JetPack 6's PyTorch wheel (NVIDIA's index for Jetson); its LibTorch is
# what the worker links against.
ARG TORCH_WHEEL_INDEX=https://pypi.jetson-ai-lab.dev/jp6/cu126
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates \
      python3-pip libopencv-dev libssl-dev zlib1g-dev libcpp-httplib-dev \
      libpng-dev libturbojpeg0-dev \
 && rm -rf /var/lib/apt/lists/* \
 && pip3 install --no-cache-dir --index-url "${TORCH_WHEEL_INDEX}" torch
RUN git clone --depth 1 --branch "${GRPC_VERSION}" --recurse-submodules \
      --shallow-submodules https://github.com/grpc/grpc /tmp/grpc \
 && cmake -S /tmp/grpc -B /tmp/grpc/build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DgRPC_INSTALL=ON -DgRPC_BUILD_TESTS=OFF -DgRPC_SSL_PROVIDER=package \
      -DgRPC_ZLIB_PROVIDER=package -DABSL_PROPAGATE_CXX_STD=ON \
      -DCMAKE_INSTALL_PREFIX=/opt/grpc \
 && ninja -C /tmp/grpc/build install && rm -rf /tmp/grpc
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake cmake
COPY proto proto
COPY common common
COPY master master
COPY worker worker
COPY client client
COPY tools tools
RUN torch_prefix="$(python3 -c 'import torch.utils; print(torch.utils.cmake_prefix_path)')" \
 && cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_PREFIX_PATH="/opt/grpc;${torch_prefix}" \
      -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DCMAKE_CUDA_COMPILER=/usr/local/cuda/bin/nvcc \
      -DTESSERA_BUILD_TESTS=OFF -DTESSERA_BUILD_BENCHMARKS=OFF \
 && ninja -C build tessera-worker \
 && install -D -s build/worker/tessera-worker /out/bin/tessera-worker

FROM ${L4T_IMAGE} AS worker
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3-pip libopencv-core4.5d libopencv-imgproc4.5d libopencv-video4.5d \
      libpng16-16 libturbojpeg \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/tessera --create-home \
      tessera
COPY --from=build /usr/local/lib/python3.10/dist-packages/torch/lib /opt/torch/lib
COPY --from=build /opt/grpc/lib /opt/grpc/lib
COPY --from=build /out/bin/tessera-worker /usr/local/bin/
COPY models /opt/tessera/models
ENV LD_LIBRARY_PATH=/opt/torch/lib:/opt/grpc/lib \
    TESSERA_WORKER_MODEL=/opt/tessera/models/camvid.pt \
    TESSERA_WORKER_DEVICE=cuda \
    TESSERA_WORKER_THREADS=4
USER tessera
WORKDIR /var/lib/tessera
ENTRYPOINT ["tessera-worker"]
