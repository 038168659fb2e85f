#pragma once
// HttpClient: the one blocking HTTP client of the project, on libcurl, for what talks to other
// services: the webhook sender (alert/webhook.h), the search backend (history/search_client.h)
// and `smsd probe`. Each request has a time limit and keeps at most a set number of reply
// bytes; a failure says whether a later try may succeed. Thread-safe.

#include <chrono>
#include <cstddef>
#include <limits>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms::http {

struct ClientRequest {
  std::string method = "GET";
  std::string url;                            // http:// or https:// (no other protocol is spoken)
  std::string_view body;                      // sent when non-empty; must outlive the call
  std::vector<std::string> headers;           // "Name: value"
  std::chrono::milliseconds timeout{10'000};  // the whole request
  std::chrono::milliseconds connect_timeout{0};  // 0: libcurl's own
  // Of the reply body, the first max_reply_bytes are kept and the rest read and dropped.
  size_t max_reply_bytes = std::numeric_limits<size_t>::max();
  // "host:port:address": connect there instead of resolving the host (CURLOPT_RESOLVE). With
  // idle handles kept, the entry stays in the handle's DNS cache for later requests.
  std::string resolve;
  bool basic_auth = false;  // send `user` and `password` as basic auth
  std::string user;
  std::string password;
  bool no_proxy = false;  // ignore HTTP_PROXY and the like
};

struct ClientReply {
  long status = 0;  // HTTP status code
  std::string body;
};

class HttpClient {
 public:
  // Keeps up to `max_idle` handles between requests, so their connections stay open; 0: a
  // fresh handle (and connection) per request.
  explicit HttpClient(size_t max_idle = 0) : max_idle_(max_idle) {}
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // The reply, whatever its HTTP status. Redirects are not followed. When no reply came:
  // Unavailable (retryable) when the path to the server failed (cannot resolve or connect,
  // timeout, connection cut) and Internal otherwise, with libcurl's reason as the message.
  Result<ClientReply> Send(const ClientRequest& request);

 private:
  void* Acquire();  // a CURL*, reused when one is idle
  void Release(void* handle);

  const size_t max_idle_;
  std::mutex mu_;
  std::vector<void*> idle_;  // guarded by mu_
};

}  // namespace sms::http
