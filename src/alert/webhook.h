#pragma once
// Sending one notification over HTTP (webhook, slack, teams, discord, telegram): the address
// guard against requests into the internal network, the HMAC signature, and a blocking POST on
// libcurl. Thread-safe (each Post uses its own curl handle).
//
// The guard: a channel URL must be http(s) and its host must resolve only to public addresses;
// loopback, private (RFC 1918, fc00::/7), link-local (169.254/16, fe80::/10, the cloud metadata
// address 169.254.169.254 with it), unspecified, CGNAT (100.64/10) and multicast are refused
// unless allow_private. It is checked when a channel is saved and again at every send, on the
// resolved address, and the connection is pinned to the address checked (CURLOPT_RESOLVE), so
// a name that resolves differently a moment later (DNS rebinding) cannot slip past. Redirects
// are not followed.

#include <chrono>
#include <string>
#include <vector>

#include "core/status.h"

namespace sms::alert {

// InvalidArgument (field `field`) unless `url` is http:// or https:// with a host.
Status ValidateUrl(const std::string& url, const std::string& field);

// True when the textual address `ip` (v4 or v6) is one the guard refuses.
bool PrivateAddress(const std::string& ip);

// Resolves the host of `url` and returns the first address the guard lets through;
// PermissionDenied naming the address when every one is refused, Unavailable when the name
// does not resolve.
Result<std::string> ResolveAllowed(const std::string& url, bool allow_private);

// "sha256=<hex HMAC-SHA256 of body with secret>".
std::string Signature(const std::string& secret, const std::string& body);

struct PostRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value"
  bool allow_private = false;
  std::chrono::milliseconds timeout{10'000};
};

// POSTs the request. OK on 2xx. Unavailable (retryable) on a connection failure, a timeout, a
// 429 or a 5xx; PermissionDenied when the guard refuses the address; InvalidArgument on any
// other status (the receiver will not take it). Messages never hold the URL's path or query
// (Slack, Teams, Discord and Telegram URLs carry tokens): only scheme, host and port.
Status Post(const PostRequest& request);

// scheme://host[:port] of `url`, for logs and errors.
std::string UrlOrigin(const std::string& url);

}  // namespace sms::alert
