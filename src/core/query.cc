#include "core/query.h"

#include <algorithm>
#include <charconv>

#include "core/tags.h"
#include "core/validation.h"

namespace sms {
namespace {

inline constexpr size_t kMaxParamLength = 256;

// Parses a non-negative decimal integer with nothing else around it.
bool ParseCount(std::string_view s, int64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size() && out >= 0;
}

bool IsKnownParam(std::string_view key) {
  static constexpr std::string_view kKnown[] = {
      "server_id", "server_name", "ipv4", "status", "q", "tag", "sort", "order", "offset", "limit"};
  return std::find(std::begin(kKnown), std::end(kKnown), key) != std::end(kKnown);
}

std::string AllowedSortFields() {
  std::string list;
  for (const std::string& f : SortableFields()) list += (list.empty() ? "" : ", ") + f;
  return list;
}

// Applies one known, non-empty parameter to `q`.
Status Apply(const std::string& key, const std::string& value, ServerQuery& q) {
  if (key == "server_id") {
    q.server_id = value;
  } else if (key == "server_name") {
    q.server_name = NormalizeName(value);  // names are stored in NFC
  } else if (key == "ipv4") {
    q.ipv4 = value;
  } else if (key == "q") {
    q.q = NormalizeName(value);
  } else if (key == "status") {
    if (value != "on" && value != "off") {
      return Status::InvalidArgument("status must be on or off", "status");
    }
    q.status = value == "on" ? ServerStatus::kOn : ServerStatus::kOff;
  } else if (key == "sort") {
    if (!IsSortableField(value)) {
      return Status::InvalidArgument("sort must be one of: " + AllowedSortFields(), "sort");
    }
    q.sort = value;
  } else if (key == "order") {
    if (value != "asc" && value != "desc") {
      return Status::InvalidArgument("order must be asc or desc", "order");
    }
    q.order = value == "asc" ? SortOrder::kAsc : SortOrder::kDesc;
  } else if (key == "offset") {
    if (!ParseCount(value, q.offset)) {
      return Status::InvalidArgument("offset must be a whole number >= 0", "offset");
    }
  } else if (key == "limit") {
    int64_t n = 0;
    if (!ParseCount(value, n) || n < 1 || n > kMaxPageLimit) {
      return Status::InvalidArgument("limit must be a whole number from 1 to 1000", "limit");
    }
    q.limit = static_cast<int>(n);
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& SortableFields() {
  static const std::vector<std::string> kFields = {
      "server_id",    "server_name",  "ipv4",      "hostname",         "status",
      "created_time", "last_updated", "last_seen", "status_changed_at"};
  return kFields;
}

bool IsSortableField(std::string_view field) {
  const auto& f = SortableFields();
  return std::find(f.begin(), f.end(), field) != f.end();
}

namespace {

// The tag filters: every value given (empty ones ignored), normalised and valid.
Status ApplyTags(const std::vector<std::string>& given, ServerQuery& q) {
  std::vector<std::string> tags;
  for (const std::string& t : given) {
    if (!t.empty()) tags.push_back(t);
  }
  q.tags = NormalizeTags(tags);
  if (q.tags.size() > kMaxTags) return Status::InvalidArgument("at most 16 tag filters", "tag");
  for (const std::string& t : q.tags) {
    if (Status s = ValidateTag(t, "tag"); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

Result<ServerQuery> ParseServerQuery(const std::map<std::string, std::string>& params,
                                     const std::vector<std::string>& tags) {
  ServerQuery q;
  for (const auto& [key, value] : params) {
    if (!IsKnownParam(key)) {
      std::string shown = key.substr(0, 64);
      return Status::InvalidArgument("unknown query parameter \"" + shown + "\"", shown);
    }
    if (value.size() > kMaxParamLength) {
      return Status::InvalidArgument(key + " must be at most 256 bytes", key);
    }
    // Forms send empty values for fields left blank ("?status=&sort="): those mean "default".
    if (value.empty() || key == "tag") continue;
    if (Status s = Apply(key, value, q); !s.ok()) return s;
  }
  auto single = params.find("tag");
  if (!tags.empty() || single != params.end()) {
    Status s = ApplyTags(tags.empty() ? std::vector<std::string>{single->second} : tags, q);
    if (!s.ok()) return s;
  }
  return q;
}

Status CheckPageBounds(const ServerQuery& query) {
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    return Status::InvalidArgument("limit must be from 1 to 1000", "limit");
  }
  if (query.offset < 0) return Status::InvalidArgument("offset must be >= 0", "offset");
  return Status::Ok();
}

}  // namespace sms
