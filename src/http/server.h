#pragma once
// HTTP/1.1 server on Boost.Beast/Asio: listener (accept loop), session (read/write/close) and a
// Router that never touches the socket. Keep-alive, per-route body limits (413), header limit
// (431), read timeout, idle keep-alive timeout, max connections, query size (400/414) and JSON
// body depth (400), all checked before a handler runs. Every request is counted in
// Metrics by route and status, with its latency. A connection's requests are handled one at a
// time, in order.

#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/proxies.h"
#include "http/router.h"
#include "metrics/metrics.h"

namespace sms::http {

struct ServerOptions {
  std::string listen = "0.0.0.0:8080";  // host:port; port 0 picks a free port
  int threads = 0;                      // I/O threads; 0: one per core
  // false: every thread serves every connection (a strand each): a handler that blocks (SQL,
  // export) holds up only its own connection. true: each thread owns its connections (own
  // io_context, no strand, no cross-thread wake-ups), about 20% more requests/s for short
  // handlers such as heartbeat ingest, but a slow handler delays its thread's other connections.
  bool pinned = false;
  size_t header_limit = 16 * 1024;
  int read_timeout_seconds = 30;   // whole request
  int idle_timeout_seconds = 75;   // keep-alive between requests
  size_t max_connections = 10000;  // more get 503 and Connection: close
  size_t max_query_params = 100;     // more: 400 too_many_query_parameters
  size_t max_query_length = 8192;    // bytes of the encoded query; longer: 414 uri_too_long
  size_t max_json_depth = 32;        // deeper JSON bodies (http/limits.h): 400 json_too_deep
  // Peers whose X-Forwarded-For names the client (Request::remote, logs); none by default.
  TrustedProxies trusted_proxies;
};

// Start and Stop are called from one controlling thread (not from a handler).
class Server {
 public:
  // `router` is shared by every I/O thread (Handle is const). `metrics` receives
  // sms_http_requests_total, sms_http_request_duration_seconds, sms_http_open_connections and
  // sms_http_connections_rejected_total; null means a private registry.
  Server(ServerOptions options, std::shared_ptr<const Router> router,
         std::shared_ptr<metrics::Metrics> metrics);
  // Stops with no grace if still running.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. The bound port is then port(). Once per Server:
  // InvalidArgument for a bad listen address, Unavailable when the address cannot be bound.
  Status Start();
  int port() const;
  // Stops accepting, closes idle keep-alive connections, lets requests in flight finish and
  // answer with Connection: close (up to `grace_ms`), then stops the I/O threads and joins
  // them. Connections still open after the grace are dropped. Idempotent.
  void Stop(int grace_ms = 5000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sms::http
