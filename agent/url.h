#pragma once
// The heartbeat URL: http://host[:port][/path][?query]. Only plain HTTP is supported.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sms::agent {

struct HttpUrl {
  std::string host;  // a name or an address; an IPv6 address without its brackets
  uint16_t port = 80;
  std::string target;  // path and query, at least "/"

  // The Host header value: host (IPv6 in brackets), plus ":port" when it is not 80.
  std::string HostHeader() const;
  // "http://" + HostHeader() + target.
  std::string ToString() const;
};

// Parses an absolute http:// URL (scheme case-insensitive; the fragment is dropped).
// InvalidArgument, with a message naming the problem, for https:// (not supported), other
// schemes, user info, an empty host, or a port outside 1-65535.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

}  // namespace sms::agent
