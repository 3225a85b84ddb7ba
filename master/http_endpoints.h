// The master's HTTP side, for operators and orchestrators: /metrics
// (Prometheus text), /healthz (the process serves), /readyz (ready only
// with at least one worker registered), and with a live view /live (a page
// of each stream's latest overlay, refreshed twice a second, and the
// workers' share of the work) and /live/<stream>.png. Runs on its own
// threads; the handlers only read the core's counters and the live view.
//
//   ASSIGN_OR_RETURN(auto http,
//                    HttpEndpoints::Start("0.0.0.0:7680", core, &live));
//   TLOG(INFO) << "http on port " << http->port();
#ifndef TESSERA_MASTER_HTTP_ENDPOINTS_H_
#define TESSERA_MASTER_HTTP_ENDPOINTS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/http_server.h"
#include "common/palette.h"
#include "master/live_view.h"
#include "master/master_core.h"

namespace tessera::master {

class HttpEndpoints {
 public:
  // Binds `address` ("host:port"; port 0 picks a free one) and serves until
  // destroyed; `live` (may be null: no /live) must outlive it. INVALID_ARGUMENT
  // for a malformed address, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpEndpoints>> Start(
      const std::string& address, const MasterCore& core,
      const LiveView* live = nullptr, const Palette* palette = nullptr);
  HttpEndpoints(const HttpEndpoints&) = delete;
  HttpEndpoints& operator=(const HttpEndpoints&) = delete;

  int port() const { return server_->port(); }

 private:
  HttpEndpoints() = default;

  std::unique_ptr<HttpServer> server_;
};

}  // namespace tessera::master

#endif  // TESSERA_MASTER_HTTP_ENDPOINTS_H_
