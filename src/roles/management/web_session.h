#pragma once
// The dashboard's session cookie: a login's JWT in an HttpOnly, SameSite=Strict cookie, scoped to
// where the API is mounted, and the rules around it (docs/DASHBOARD.md). Pure functions;
// thread-safe.
//
// Path: "/" when smsd is reached directly; behind a gateway that strips a prefix (Traefik's
// StripPrefix sets X-Forwarded-Prefix: /server-management) the cookie's Path is that prefix, so
// the browser sends it to this service only. The header needs no trust: it scopes the cookie the
// client itself receives, and a value that is not a plain path is ignored.

#include <optional>
#include <string>
#include <string_view>

#include "core/types.h"
#include "http/message.h"

namespace sms::management {

inline constexpr std::string_view kSessionCookie = "sms_session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

// The value of cookie `name` in a Cookie header ("a=1; sms_session=…"), or nullopt.
std::optional<std::string_view> CookieValue(std::string_view cookie_header, std::string_view name);

// The Path for the session cookie of `req`: X-Forwarded-Prefix without its trailing "/" when it
// is a plain path ("/" + [A-Za-z0-9._~/-], at most 200 bytes), else "/".
std::string CookiePath(const http::Request& req);

// A Set-Cookie value carrying `value` for `max_age` (0: deletes the cookie). Secure when the
// request came over https (X-Forwarded-Proto: https from the gateway).
std::string SessionCookie(const http::Request& req, std::string_view value, Millis max_age);

// GET, HEAD and OPTIONS change nothing: every other method needs the CSRF header with a cookie.
bool IsSafeMethod(std::string_view method);

}  // namespace sms::management
