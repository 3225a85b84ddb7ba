// Per-region scheduling + transport overhead on loopback: an in-process
// master (real gRPC server on 127.0.0.1) and 1 or 2 null workers (real gRPC
// clients, no network model), 1024x512 frames cut into 4 regions, regions
// shipped raw or as JPEG. One frame in flight at a time, so what is measured
// is latency, not queueing.
//
// Overhead of a region = its round trip at the master (dispatch to result)
// minus the worker's own compute time (decode, null labels, encode).
//
//   build/bench/transport_bench --benchmark_min_time=2
#include <benchmark/benchmark.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <thread>

#include "common/allocator_tuning.h"
#include "common/transport_args.h"
#include "common/wire.h"
#include "master/master_core.h"
#include "master/master_service.h"
#include "tessera/v1/tessera.grpc.pb.h"
#include "worker/master_connection.h"
#include "worker/segmenter.h"

namespace tessera {
namespace {

class InProcessCluster {
 public:
  explicit InProcessCluster(int workers) : core_(master::MasterOptions{}) {
    KeepLargeAllocations();  // as the real executables do
    services_ = std::make_unique<master::MasterServices>(
        core_, master::ServiceOptions{});
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(services_->segmentation());
    builder.RegisterService(services_->cluster());
    ConfigurePixelServer(builder);
    server_ = builder.BuildAndStart();
    for (int i = 0; i < workers; ++i) {
      segmenters_.push_back(
          *worker::CreateSegmenter({.backend = "null", .null_classes = 11}));
      worker::ConnectionOptions options;
      options.master = "127.0.0.1:" + std::to_string(port_);
      options.worker_id = "null-" + std::to_string(i);
      options.regions_per_second = 1000;
      // Two in flight, as BENCHMARKS.md's overhead table was measured
      // (workers queue 4 by default since).
      options.max_in_flight = 2;
      connections_.push_back(std::make_unique<worker::MasterConnection>(
          options, *segmenters_.back()));
      threads_.emplace_back([c = connections_.back().get()] { c->Run(); });
    }
    while (core_.counters().workers < static_cast<size_t>(workers)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~InProcessCluster() {
    for (auto& connection : connections_) connection->Stop();
    for (std::thread& thread : threads_) thread.join();
    server_->Shutdown(std::chrono::system_clock::now());
  }
  int port() const { return port_; }

 private:
  master::MasterCore core_;
  std::unique_ptr<master::MasterServices> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::vector<std::unique_ptr<worker::Segmenter>> segmenters_;
  std::vector<std::unique_ptr<worker::MasterConnection>> connections_;
  std::vector<std::thread> threads_;
};

double Percentile(std::vector<double> values, double p) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * (values.size() - 1))];
}

void BM_RegionOverhead(benchmark::State& state) {
  const auto encoding = static_cast<v1::Encoding>(state.range(0));
  InProcessCluster cluster(static_cast<int>(state.range(1)));
  auto channel = grpc::CreateCustomChannel(
      "127.0.0.1:" + std::to_string(cluster.port()),
      grpc::InsecureChannelCredentials(), PixelChannelArguments());
  auto stub = v1::Segmentation::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::minutes(10));
  auto stream = stub->Stream(&context);
  v1::StreamRequest config;
  config.mutable_config()->set_region_encoding(encoding);
  config.mutable_config()->set_mask_encoding(v1::ENCODING_RAW);
  config.mutable_config()->mutable_grid()->set_rows(2);
  config.mutable_config()->mutable_grid()->set_cols(2);
  config.mutable_config()->mutable_grid()->set_halo(0);
  stream->Write(config);
  v1::StreamResponse response;
  stream->Read(&response);  // accepted

  Image frame = Image::Create(1024, 512, 3);
  for (int y = 0; y < 512; ++y) {
    for (int x = 0; x < 1024; ++x) {
      uint8_t* p = frame.at(x, y);
      p[0] = static_cast<uint8_t>(x);
      p[1] = static_cast<uint8_t>(y);
      p[2] = static_cast<uint8_t>((x * y) >> 4);
    }
  }
  v1::StreamRequest request;
  *request.mutable_frame()->mutable_image() =
      *EncodeImageData(frame, Encoding::kRaw);
  std::vector<double> overhead_ms;
  std::vector<double> round_trip_ms;
  uint64_t index = 0;
  for (auto _ : state) {
    request.mutable_frame()->set_index(index++);
    stream->Write(request);
    stream->Read(&response);
    for (const v1::RegionStats& region : response.result().stats().regions()) {
      overhead_ms.push_back(region.round_trip_ms() - region.compute_ms());
      round_trip_ms.push_back(region.round_trip_ms());
    }
  }
  stream->WritesDone();
  while (stream->Read(&response)) {
  }
  stream->Finish();
  state.counters["overhead_p50_ms"] = Percentile(overhead_ms, 0.5);
  state.counters["overhead_p95_ms"] = Percentile(overhead_ms, 0.95);
  state.counters["round_trip_p50_ms"] = Percentile(round_trip_ms, 0.5);
  state.SetLabel(std::string(encoding == v1::ENCODING_RAW ? "raw" : "jpeg") +
                 ", " + std::to_string(state.range(1)) + " null workers");
}
BENCHMARK(BM_RegionOverhead)
    ->ArgsProduct({{v1::ENCODING_RAW, v1::ENCODING_JPEG}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace
}  // namespace tessera

BENCHMARK_MAIN();
