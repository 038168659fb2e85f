#include "store/row_table.h"

#include <charconv>

namespace sms::store {

std::string JoinTimes(const std::vector<int64_t>& times) {
  std::string out;
  for (int64_t t : times) {
    if (!out.empty()) out += ',';
    out += std::to_string(t);
  }
  return out;
}

std::vector<int64_t> SplitTimes(std::string_view text) {
  std::vector<int64_t> out;
  for (const std::string& item : SplitColumn(text, ',')) {
    int64_t t = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), t);
    if (ec == std::errc() && end == item.data() + item.size()) out.push_back(t);
  }
  return out;
}

std::string Placeholders(size_t count, char mark) {
  std::string out;
  for (size_t i = 1; i <= count; ++i) {
    if (i > 1) out += ", ";
    out += mark + std::to_string(i);
  }
  return out;
}

}  // namespace sms::store
