#pragma once
// How both SQL stores keep an API token's scopes: one string, space-separated (a scope name
// never holds a space).

#include <string>
#include <string_view>
#include <vector>

namespace sms::store {

inline std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string out;
  for (const std::string& scope : scopes) out += (out.empty() ? "" : " ") + scope;
  return out;
}

inline std::vector<std::string> SplitScopes(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t end = text.find(' ');
    if (end != 0) out.emplace_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return out;
}

inline constexpr const char* kAdminRole = "admin";

}  // namespace sms::store
