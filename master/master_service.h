// The master's thin gRPC adapter: the Segmentation (clients) and Cluster
// (workers) callback services, translating messages and handing them to the
// MasterCore. No scheduling or stitching logic lives here.
//
//   MasterCore core(options);
//   MasterServices services(core, service_options);
//   builder.RegisterService(services.segmentation());
//   builder.RegisterService(services.cluster());
#ifndef TESSERA_MASTER_MASTER_SERVICE_H_
#define TESSERA_MASTER_MASTER_SERVICE_H_

#include <memory>

#include "common/executor.h"
#include "common/image_codec.h"
#include "master/master_core.h"
#include "tessera/v1/tessera.grpc.pb.h"

namespace tessera::master {

struct ServiceOptions {
  StreamSettings default_stream;
  Encoding default_mask_encoding = Encoding::kPng;
  DecodeLimits result_limits;  // largest label map a worker may return
  int heartbeat_interval_ms = 1000;
  int encoder_threads = 2;  // mask encoding, off the reaction threads
  // When set, workers and clients must send it (common/auth_token.h);
  // anyone else is refused with UNAUTHENTICATED before a message is read.
  std::string auth_token;
  // Mutual TLS for workers (common/tls.h): a worker whose connection showed
  // no verified certificate is refused with UNAUTHENTICATED.
  bool require_worker_certificate = false;
};

class MasterServices {
 public:
  MasterServices(MasterCore& core, ServiceOptions options);
  ~MasterServices();

  grpc::Service* segmentation();
  grpc::Service* cluster();

 private:
  class SegmentationImpl;
  class ClusterImpl;
  ServiceOptions options_;
  Executor encoders_;
  std::unique_ptr<SegmentationImpl> segmentation_;
  std::unique_ptr<ClusterImpl> cluster_;
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_MASTER_SERVICE_H_
