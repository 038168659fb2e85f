#pragma once
// How both SQL stores keep a list of strings in one column: the items joined by a separator
// that no item holds (a report's recipients by '\n', an API token's scopes by ' ').

#include <string>
#include <string_view>
#include <vector>

namespace sms::store {

inline std::string JoinColumn(const std::vector<std::string>& items, char separator) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

inline std::vector<std::string> SplitColumn(std::string_view text, char separator) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t end = text.find(separator);
    out.emplace_back(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return out;
}

}  // namespace sms::store
