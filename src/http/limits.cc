#include "http/limits.h"

#include <cctype>

namespace sms::http {

bool JsonTooDeep(std::string_view body, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return false;
}

bool IsJsonBody(std::string_view content_type) {
  std::string_view t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  if (t.empty()) return content_type.empty();
  auto lower_ends = [t](std::string_view suffix) {
    if (t.size() < suffix.size()) return false;
    std::string_view tail = t.substr(t.size() - suffix.size());
    for (size_t i = 0; i < suffix.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(tail[i])) != suffix[i]) return false;
    }
    return true;
  };
  constexpr std::string_view kApp = "application/";
  if (t.size() <= kApp.size()) return false;
  for (size_t i = 0; i < kApp.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(t[i])) != kApp[i]) return false;
  }
  return t.size() == kApp.size() + 4 ? lower_ends("/json") : lower_ends("+json");
}

}  // namespace sms::http
