// A small HTTP server for operators' endpoints (metrics, health, the live
// view), on Debian's cpp-httplib, serving on its own thread until
// destroyed. Callers add routes to the httplib::Server they are handed; the
// heavy httplib header stays out of this one.
//
//   ASSIGN_OR_RETURN(auto http, HttpServer::Start("0.0.0.0:7680",
//       [&](httplib::Server& s) { s.Get("/metrics", ...); }));
//   TLOG(INFO) << "HTTP on port " << http->port();
#ifndef TESSERA_COMMON_HTTP_SERVER_H_
#define TESSERA_COMMON_HTTP_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"

namespace httplib {
class Server;
}

namespace tessera {

class HttpServer {
 public:
  // Binds `address` ("host:port"; port 0 picks a free one) after `routes`
  // added the handlers. INVALID_ARGUMENT naming `flag` for a malformed
  // address, UNAVAILABLE when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(
      const std::string& flag, const std::string& address,
      const std::function<void(httplib::Server&)>& routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const { return port_; }

 private:
  HttpServer() = default;

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace tessera

#endif  // TESSERA_COMMON_HTTP_SERVER_H_
