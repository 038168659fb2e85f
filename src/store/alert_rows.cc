#include "store/alert_rows.h"

#include <charconv>

namespace sms::store {

std::string JoinTimes(const std::vector<Millis>& times) {
  std::string out;
  for (Millis t : times) {
    if (!out.empty()) out += ',';
    out += std::to_string(t);
  }
  return out;
}

std::vector<Millis> SplitTimes(std::string_view text) {
  std::vector<Millis> out;
  for (const std::string& item : SplitColumn(text, ',')) {
    Millis t = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), t);
    if (ec == std::errc() && end == item.data() + item.size()) out.push_back(t);
  }
  return out;
}

}  // namespace sms::store
