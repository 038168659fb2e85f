#pragma once
// HTTP/1.1 server on Boost.Beast/Asio: listener (accept loop), session (read/write/close) and a
// Router that never touches the socket. Keep-alive, per-route body limits (413), header limit
// (431), read timeout, idle keep-alive timeout, max connections. Every request is counted in
// Metrics by route and status, with its latency.

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/metrics.h"
#include "http/router.h"

namespace sms::http {

struct ServerOptions {
  std::string listen = "0.0.0.0:8080";   // host:port; port 0 picks a free port
  int threads = 0;                        // 0: one per core
  size_t header_limit = 16 * 1024;
  int read_timeout_seconds = 30;         // whole request
  int idle_timeout_seconds = 75;         // keep-alive between requests
  size_t max_connections = 10000;
};

class Server {
 public:
  Server(ServerOptions options, std::shared_ptr<const Router> router,
         std::shared_ptr<Metrics> metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. The bound port is then port().
  Status Start();
  int port() const;
  // Stops accepting, lets requests in flight finish (up to `grace_ms`), joins the threads.
  void Stop(int grace_ms = 5000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sms::http
