#include "roles/management/web_session.h"

#include <algorithm>
#include <cctype>

namespace sms::management {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool PlainPath(std::string_view p) {
  if (p.empty() || p.front() != '/' || p.size() > 200) return false;
  if (p.find("//") != std::string_view::npos) return false;
  return std::all_of(p.begin(), p.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '~' ||
           c == '/' || c == '-';
  });
}

}  // namespace

std::optional<std::string_view> CookieValue(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t semi = header.find(';');
    std::string_view pair = TrimSpaces(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || TrimSpaces(pair.substr(0, eq)) != name) continue;
    std::string_view value = TrimSpaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return std::nullopt;
}

std::string CookiePath(const http::Request& req) {
  std::string_view prefix = TrimSpaces(req.Header("x-forwarded-prefix"));
  if (!PlainPath(prefix)) return "/";
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  return std::string(prefix);
}

std::string SessionCookie(const http::Request& req, std::string_view value, Millis max_age) {
  std::string c(kSessionCookie);
  c += '=';
  c += value;
  c += "; Path=" + CookiePath(req);
  c += "; Max-Age=" + std::to_string(std::max<Millis>(0, max_age / 1000));
  c += "; HttpOnly; SameSite=Strict";
  if (TrimSpaces(req.Header("x-forwarded-proto")) == "https") c += "; Secure";
  return c;
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

}  // namespace sms::management
