#include "core/tags.h"

#include <algorithm>

namespace sms {
namespace {

bool IsTagChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '-';
}

}  // namespace

std::string NormalizeTag(std::string_view tag) {
  std::string out(tag);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> NormalizeTags(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  out.reserve(tags.size());
  for (const std::string& tag : tags) {
    std::string t = NormalizeTag(tag);
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(std::move(t));
  }
  return out;
}

Status ValidateTag(std::string_view tag, const std::string& field) {
  bool ok = !tag.empty() && tag.size() <= kMaxTagLength;
  for (size_t i = 0; ok && i < tag.size(); ++i) ok = IsTagChar(tag[i]);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "a tag must be 1-64 characters of letters, digits, '.', '_', ':' or '-'", field);
}

Status ValidateTags(const std::vector<std::string>& tags, const std::string& field) {
  if (tags.size() > kMaxTags) {
    return Status::InvalidArgument("a server has at most 16 tags", field);
  }
  for (const std::string& tag : tags) {
    if (Status s = ValidateTag(tag, field); !s.ok()) return s;
  }
  return Status::Ok();
}

std::vector<std::string> SplitTags(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    size_t end = text.find(',');
    std::string_view item = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
  }
  return NormalizeTags(items);
}

std::string JoinTags(const std::vector<std::string>& tags) {
  std::string out;
  for (const std::string& tag : tags) {
    if (!out.empty()) out += ',';
    out += tag;
  }
  return out;
}

}  // namespace sms
