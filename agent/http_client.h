#pragma once
// HttpClient: POSTs JSON bodies to one http:// URL over one kept-alive HTTP/1.1 connection.
// Calls block; the client runs its own single-threaded io_context and starts no threads.
// Not thread-safe.

#include <chrono>
#include <memory>
#include <string>

#include "core/status.h"
#include "url.h"

namespace sms::agent {

struct HttpResponse {
  int status = 0;
  std::string body;  // at most kMaxResponseBody bytes are read
};

class HttpClient {
 public:
  static constexpr size_t kMaxResponseBody = 64 * 1024;

  // `token`, when not empty, is sent as "Authorization: Bearer <token>". `timeout` bounds each
  // request: connecting, writing and reading the response together.
  HttpClient(HttpUrl url, std::string token, std::string user_agent, std::chrono::seconds timeout);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `json` and returns the response, whatever its status. Reuses the open connection
  // when there is one; when that fails other than by timeout (the server may have closed it
  // while idle), retries once on a new connection. Unavailable on a failure to resolve,
  // connect, send or read, or a timeout. Any failure, and any non-2xx status, closes the
  // connection so the next request starts afresh (possibly reaching another replica).
  Result<HttpResponse> PostJson(const std::string& json);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sms::agent
