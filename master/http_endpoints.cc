#include "master/http_endpoints.h"

#include <httplib.h>

#include <charconv>

#include "absl/strings/str_format.h"
#include "master/metrics_text.h"

namespace tessera::master {

absl::StatusOr<std::unique_ptr<HttpEndpoints>> HttpEndpoints::Start(
    const std::string& address, const MasterCore& core) {
  const size_t colon = address.rfind(':');
  int port = -1;
  if (colon != std::string::npos) {
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    auto [end, error] = std::from_chars(first, last, port);
    if (error != std::errc() || end != last) port = -1;
  }
  if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "--http_listen=%s: expected host:port, e.g. 0.0.0.0:7680", address));
  }
  const std::string host = address.substr(0, colon);

  std::unique_ptr<HttpEndpoints> endpoints(new HttpEndpoints());
  endpoints->server_ = std::make_unique<httplib::Server>();
  httplib::Server& server = *endpoints->server_;
  server.Get("/metrics",
             [&core](const httplib::Request&, httplib::Response& response) {
               response.set_content(PrometheusText(core.counters()),
                                    "text/plain; version=0.0.4; charset=utf-8");
             });
  server.Get("/healthz",
             [](const httplib::Request&, httplib::Response& response) {
               response.set_content("ok\n", "text/plain");
             });
  server.Get("/readyz", [&core](const httplib::Request&,
                                httplib::Response& response) {
    const size_t workers = core.counters().workers;
    if (workers == 0) {
      response.status = 503;
      response.set_content("not ready: no worker registered\n", "text/plain");
      return;
    }
    response.set_content(absl::StrFormat("ready: %d workers\n", workers),
                         "text/plain");
  });
  endpoints->port_ = port == 0 ? server.bind_to_any_port(host)
                               : (server.bind_to_port(host, port) ? port : -1);
  if (endpoints->port_ < 0) {
    return absl::UnavailableError(
        absl::StrFormat("cannot listen for HTTP on %s", address));
  }
  endpoints->thread_ = std::thread([&server] { server.listen_after_bind(); });
  return endpoints;
}

HttpEndpoints::~HttpEndpoints() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tessera::master
