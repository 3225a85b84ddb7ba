#include "worker/stage_service.h"

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/strings/str_format.h"
#include "common/grpc_status.h"
#include "common/transport_args.h"
#include "tessera/v1/stage.grpc.pb.h"

namespace tessera::worker {

class StageServer::Service final : public v1::Pipeline::Service {
 public:
  explicit Service(std::shared_ptr<StagePipeline> pipeline)
      : pipeline_(std::move(pipeline)) {}

  grpc::Status Forward(grpc::ServerContext*, const v1::StageActivations* in,
                       v1::StageActivations* out) override {
    absl::StatusOr<v1::StageActivations> served = pipeline_->Serve(*in);
    if (!served.ok()) return ToGrpcStatus(served.status());
    *out = *std::move(served);
    return grpc::Status::OK;
  }

 private:
  std::shared_ptr<StagePipeline> pipeline_;
};

StageServer::StageServer(std::unique_ptr<Service> service,
                         std::unique_ptr<grpc::Server> server, int port)
    : service_(std::move(service)), server_(std::move(server)), port_(port) {}

StageServer::~StageServer() {
  if (server_) server_->Shutdown();
}

absl::StatusOr<std::unique_ptr<StageServer>> StageServer::Start(
    const std::string& address, std::shared_ptr<StagePipeline> pipeline) {
  auto service = std::make_unique<Service>(std::move(pipeline));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  ConfigurePixelServer(builder);
  builder.RegisterService(service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    return absl::UnavailableError(absl::StrFormat(
        "cannot serve pipeline stages on %s (--stage_listen)", address));
  }
  return std::unique_ptr<StageServer>(
      new StageServer(std::move(service), std::move(server), port));
}

}  // namespace tessera::worker
