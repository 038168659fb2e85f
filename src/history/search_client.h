#pragma once
// SearchClient: the OpenSearch/Elasticsearch REST API over http::HttpClient, which keeps idle
// handles for reuse, so connections stay open between requests.
// Credentials in the URL (http://user:pass@host:9200) are sent as basic auth and never
// appear in a message: errors name the URL without them. Thread-safe.

#include <boost/json/value.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "core/status.h"
#include "http/client.h"

namespace sms::history {

using SearchReply = http::ClientReply;

class SearchClient {
 public:
  // InvalidArgument (field "search_url") unless `url` is http:// or https:// with a host.
  // A path in the URL (a node behind a proxy at /search) prefixes every request.
  static Result<std::unique_ptr<SearchClient>> Make(const std::string& url,
                                                    std::chrono::milliseconds connect_timeout);
  ~SearchClient();
  SearchClient(const SearchClient&) = delete;
  SearchClient& operator=(const SearchClient&) = delete;

  // Sends `method` to `path` (starting with '/', query included) with `body` when non-empty,
  // taking at most `timeout` in all. Unavailable when the node cannot be reached or does not
  // answer in time; otherwise the reply, whatever its HTTP status.
  Result<SearchReply> Send(std::string_view method, std::string_view path, std::string_view body,
                           std::string_view content_type, std::chrono::milliseconds timeout);

  // Send() mapping the HTTP status: 2xx -> the parsed JSON reply; 429 and 5xx ->
  // Unavailable; 404 -> NotFound; other -> Internal. Each error carries the node's reason.
  Result<boost::json::value> Call(std::string_view method, std::string_view path,
                                  std::string_view body, std::string_view content_type,
                                  std::chrono::milliseconds timeout);
  // Call() with a JSON body (none when `body` is null).
  Result<boost::json::value> Json(std::string_view method, std::string_view path,
                                  const boost::json::value& body,
                                  std::chrono::milliseconds timeout);

  // The base URL without credentials, for messages and logs.
  const std::string& display_url() const { return display_url_; }

 private:
  SearchClient() : client_(kMaxIdleHandles) {}

  static constexpr size_t kMaxIdleHandles = 16;

  std::string base_;  // scheme://host[:port][/path], no credentials, no trailing '/'
  std::string display_url_;
  std::string user_;
  std::string password_;
  bool has_credentials_ = false;
  std::chrono::milliseconds connect_timeout_{1000};
  http::HttpClient client_;
};

// The reason an OpenSearch/Elasticsearch error body gives ("type: reason"), or the start of
// the body when it is not such an error.
std::string SearchErrorReason(std::string_view body);

}  // namespace sms::history
