#pragma once
// Request and Response as handlers see them: plain values, no socket, no Beast types, so
// handlers are unit-tested without a network.

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sms::http {

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string target;                         // raw request-target
  std::string path;                           // decoded path, no query
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  std::map<std::string, std::string> params;  // path parameters filled by the router
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // peer address

  // The first header named `name` (lower-case), or "".
  const std::string& Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// {"error":{"code","message","field"}} with the given HTTP status; "field" is omitted when
// empty. Always valid JSON, whatever the strings hold.
Response ErrorResponse(int status, const std::string& code, const std::string& message,
                       const std::string& field = {});
// Maps a non-ok Status: InvalidArgument 400, NotFound 404, Conflict 409, Unavailable 503,
// ResourceExhausted 413, Internal 500 (its message is replaced by "internal error": it may
// hold details a client must not see).
Response ErrorResponse(const Status& status);
// A response with Content-Type application/json and `body` as given (not validated).
Response JsonResponse(int status, std::string body);

}  // namespace sms::http
