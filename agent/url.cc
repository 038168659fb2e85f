#include "url.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace sms::agent {
namespace {

// True when `s` starts with `lower_prefix`, ignoring the case of `s`.
bool StartsWithNoCase(std::string_view s, std::string_view lower_prefix) {
  return s.size() >= lower_prefix.size() &&
         std::equal(lower_prefix.begin(), lower_prefix.end(), s.begin(), [](char p, char c) {
           return std::tolower(static_cast<unsigned char>(c)) == p;
         });
}

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message), "url"); }

// Splits "host[:port]" / "[v6]:port" into url->host and url->port.
Status ParseAuthority(std::string_view authority, HttpUrl* url) {
  std::optional<std::string_view> port_text;  // set when a ':' follows the host
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad("unterminated [ in the URL's host");
    url->host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Bad("unexpected text after ] in the URL");
    if (!rest.empty()) port_text = rest.substr(1);
  } else {
    size_t colon = authority.find(':');
    url->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url->host.empty()) return Bad("the URL has no host");
  if (!port_text) return Status::Ok();
  int port = 0;
  for (char c : *port_text) {
    if (c < '0' || c > '9' || port > 65535) return Bad("the URL's port must be 1-65535");
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) return Bad("the URL's port must be 1-65535");
  url->port = static_cast<uint16_t>(port);
  return Status::Ok();
}

}  // namespace

std::string HttpUrl::HostHeader() const {
  // Appends piecewise: GCC 12 at -O3 reports a false -Wrestrict for "literal" + std::string.
  bool v6 = host.find(':') != std::string::npos;
  std::string h;
  if (v6) h += '[';
  h += host;
  if (v6) h += ']';
  if (port != 80) {
    h += ':';
    h += std::to_string(port);
  }
  return h;
}

std::string HttpUrl::ToString() const { return "http://" + HostHeader() + target; }

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  if (StartsWithNoCase(url, "https://")) {
    return Bad("https:// is not supported; use an http:// URL (put TLS in a gateway or tunnel)");
  }
  if (!StartsWithNoCase(url, kHttp)) return Bad("the URL must start with http://");
  std::string_view rest = url.substr(kHttp.size());
  rest = rest.substr(0, rest.find('#'));
  size_t path_start = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_start);
  if (authority.find('@') != std::string_view::npos) {
    return Bad("user info in the URL is not supported");
  }
  HttpUrl out;
  if (Status s = ParseAuthority(authority, &out); !s.ok()) return s;
  if (path_start != std::string_view::npos) out.target = rest.substr(path_start);
  if (out.target.empty() || out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  return out;
}

}  // namespace sms::agent
