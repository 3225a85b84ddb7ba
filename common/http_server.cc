#include "common/http_server.h"

#include <httplib.h>

#include <charconv>

#include "absl/strings/str_format.h"

namespace tessera {

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(
    const std::string& flag, const std::string& address,
    const std::function<void(httplib::Server&)>& routes) {
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
        "%s=%s: expected host:port, e.g. 0.0.0.0:7680", flag, address));
  }
  const std::string host = address.substr(0, colon);

  std::unique_ptr<HttpServer> http(new HttpServer());
  http->server_ = std::make_unique<httplib::Server>();
  // Every server answers /healthz: it is alive while it answers at all.
  http->server_->Get("/healthz",
                     [](const httplib::Request&, httplib::Response& response) {
                       response.set_content("ok\n", "text/plain");
                     });
  routes(*http->server_);
  httplib::Server& server = *http->server_;
  http->port_ = port == 0 ? server.bind_to_any_port(host)
                          : (server.bind_to_port(host, port) ? port : -1);
  if (http->port_ < 0) {
    return absl::UnavailableError(
        absl::StrFormat("%s: cannot listen for HTTP on %s", flag, address));
  }
  http->thread_ = std::thread([&server] { server.listen_after_bind(); });
  return http;
}

HttpServer::~HttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tessera
