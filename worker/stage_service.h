// The Pipeline gRPC service of a worker that serves pipeline stages
// (tessera.v1.Pipeline, worker/stage_pipeline.h), on its own port: stage
// traffic goes worker to worker, never through the master.
//
//   ASSIGN_OR_RETURN(std::unique_ptr<StageServer> server,
//                    StageServer::Start("0.0.0.0:7700", pipeline));
//   server->port();  // the port bound (useful with ":0")
#ifndef TESSERA_WORKER_STAGE_SERVICE_H_
#define TESSERA_WORKER_STAGE_SERVICE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "worker/stage_pipeline.h"

namespace grpc {
class Server;
}

namespace tessera::worker {

class StageServer {
 public:
  // UNAVAILABLE naming the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<StageServer>> Start(
      const std::string& address, std::shared_ptr<StagePipeline> pipeline);
  ~StageServer();

  int port() const { return port_; }

 private:
  class Service;
  StageServer(std::unique_ptr<Service> service,
              std::unique_ptr<grpc::Server> server, int port);

  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace tessera::worker

#endif  // TESSERA_WORKER_STAGE_SERVICE_H_
