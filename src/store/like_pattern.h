#pragma once
// The substring filters of ListServers, shared by the SQL stores.

#include <string>
#include <string_view>

namespace sms::store {

// A LIKE/ILIKE pattern matching `text` anywhere, with its % _ and \ taken literally; the
// statement must say ESCAPE '\'.
inline std::string ContainsPattern(std::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

}  // namespace sms::store
