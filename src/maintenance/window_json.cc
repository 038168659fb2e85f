#include "maintenance/window_json.h"

#include <array>
#include <boost/json.hpp>

#include "core/json_input.h"
#include "core/tags.h"
#include "core/time.h"
#include "core/validation.h"

namespace sms::maintenance {
namespace {

namespace json = boost::json;
using store::MaintenanceWindow;
using store::WeeklyRecurrence;

constexpr std::array<std::string_view, 7> kDays = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

Status Bad(const std::string& field, const std::string& message) {
  return Status::InvalidArgument(message, field);
}

Result<int> ParseClock(const json::value* v) {
  const char* kMessage = "weekly.start must be a local time of day HH:MM (00:00 to 23:59)";
  if (v == nullptr || !v->is_string() || v->get_string().size() != 5) {
    return Bad("weekly.start", kMessage);
  }
  std::string_view s = v->get_string();
  auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9'; };
  if (!digit(0) || !digit(1) || s[2] != ':' || !digit(3) || !digit(4)) {
    return Bad("weekly.start", kMessage);
  }
  int hours = (s[0] - '0') * 10 + (s[1] - '0');
  int minutes = (s[3] - '0') * 10 + (s[4] - '0');
  if (hours > 23 || minutes > 59) return Bad("weekly.start", kMessage);
  return hours * 60 + minutes;
}

Result<int> ParseDays(const json::value* v) {
  if (v == nullptr || !v->is_array() || v->get_array().empty()) {
    return Bad("weekly.days", "weekly.days must be a non-empty list of sun, mon, … sat");
  }
  int days = 0;
  for (const json::value& d : v->get_array()) {
    std::string name = d.is_string() ? std::string(d.get_string()) : "";
    for (char& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    auto it = std::find(kDays.begin(), kDays.end(), name);
    if (it == kDays.end()) {
      return Bad("weekly.days", "unknown day \"" + name.substr(0, 16) +
                                    "\": weekly.days takes sun, mon, tue, wed, thu, fri, sat");
    }
    days |= 1 << (it - kDays.begin());
  }
  return days;
}

Result<WeeklyRecurrence> ParseWeekly(const json::value& v) {
  if (!v.is_object()) return Bad("weekly", "weekly must be an object");
  const json::object& o = v.get_object();
  for (const auto& member : o) {
    std::string_view key = member.key();
    if (key != "days" && key != "start" && key != "duration_minutes") {
      return Bad("weekly." + std::string(key.substr(0, 64)), "unknown field in weekly");
    }
  }
  WeeklyRecurrence w;
  Result<int> days = ParseDays(o.if_contains("days"));
  if (!days.ok()) return days.status();
  w.days = *days;
  Result<int> start = ParseClock(o.if_contains("start"));
  if (!start.ok()) return start.status();
  w.start_minute = *start;
  const json::value* d = o.if_contains("duration_minutes");
  if (d == nullptr || !d->is_int64() || d->get_int64() < 1 || d->get_int64() > kMaxWeeklyMinutes) {
    return Bad("weekly.duration_minutes",
               "weekly.duration_minutes must be a whole number from 1 to 10080 (7 days)");
  }
  w.duration_minutes = static_cast<int>(d->get_int64());
  return w;
}

Status ParseServers(const json::value& v, MaintenanceWindow& w) {
  w.tags.clear();
  w.server_ids.clear();
  if (v.is_null()) return Status::Ok();
  if (!v.is_object()) return Bad("servers", "servers must be an object {tags, server_ids}");
  const json::object& o = v.get_object();
  if (Status s = RejectUnknown(o, {"tags", "server_ids"}); !s.ok()) {
    return Bad("servers." + s.field(), s.message());
  }
  auto tags = ReadStringList(o, "tags");
  if (!tags.ok()) return Bad("servers.tags", tags.status().message());
  w.tags = NormalizeTags(tags->value_or(std::vector<std::string>()));
  if (Status s = ValidateTags(w.tags, "servers.tags"); !s.ok()) return s;
  auto ids = ReadStringList(o, "server_ids");
  if (!ids.ok()) return Bad("servers.server_ids", ids.status().message());
  w.server_ids = ids->value_or(std::vector<std::string>());
  if (w.server_ids.size() > kMaxScopeServers) {
    return Bad("servers.server_ids", "at most 1000 server_ids");
  }
  for (const std::string& id : w.server_ids) {
    if (Status s = ValidateServerId(id, "servers.server_ids"); !s.ok()) return s;
  }
  return Status::Ok();
}

Result<Millis> ReadTime(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Bad(key, std::string(key) + " must be an RFC 3339 time");
  }
  return ParseTime(std::string_view(v->get_string()), key);
}

// Applies the members of `o` present to `w`.
Status Apply(const json::object& o, MaintenanceWindow& w) {
  if (Status s = RejectUnknown(o, {"name", "start", "end", "weekly", "servers"}); !s.ok()) {
    return s;
  }
  if (o.contains("name")) {
    std::string name;
    if (Status s = RequireString(o, "name", name); !s.ok()) return s;
    w.name = NormalizeName(name);
    if (Status s = ValidateName(w.name, "name"); !s.ok()) return s;
  }
  bool one_off = o.contains("start") || o.contains("end");
  if (one_off && o.contains("weekly")) {
    return Bad("weekly", "a window is either one-off (start, end) or weekly, not both");
  }
  if (one_off) {
    // A window that is not one-off yet (a new one, or a weekly one) needs both.
    bool both = w.weekly || (w.start == 0 && w.end == 0);
    for (const char* key : {"start", "end"}) {
      if (!both && !o.contains(key)) continue;
      Result<Millis> t = ReadTime(o, key);
      if (!t.ok()) return t.status();
      (key[0] == 's' ? w.start : w.end) = *t;
    }
    w.weekly.reset();
  }
  if (const json::value* weekly = o.if_contains("weekly")) {
    Result<WeeklyRecurrence> r = ParseWeekly(*weekly);
    if (!r.ok()) return r.status();
    w.weekly = *r;
    w.start = w.end = 0;
  }
  if (const json::value* servers = o.if_contains("servers")) return ParseServers(*servers, w);
  return Status::Ok();
}

}  // namespace

Status ValidateWindow(const MaintenanceWindow& w) {
  if (w.name.empty()) return Bad("name", "name is required");
  if (w.weekly) return Status::Ok();
  if (w.start == 0 && w.end == 0) {
    return Bad("start", "a window needs start and end, or weekly");
  }
  if (w.end <= w.start) return Bad("end", "end must be after start");
  return Status::Ok();
}

Result<MaintenanceWindow> ParseWindow(std::string_view body) {
  auto obj = ParseObject(body);
  if (!obj.ok()) return obj.status();
  if (!obj->contains("name")) return Bad("name", "name is required");
  MaintenanceWindow w;
  if (Status s = Apply(*obj, w); !s.ok()) return s;
  if (Status s = ValidateWindow(w); !s.ok()) return s;
  return w;
}

Status ApplyWindowPatch(std::string_view body, MaintenanceWindow& window) {
  auto obj = ParseObject(body);
  if (!obj.ok()) return obj.status();
  if (obj->empty()) return Status::InvalidArgument("nothing to update", "");
  MaintenanceWindow changed = window;
  if (Status s = Apply(*obj, changed); !s.ok()) return s;
  if (Status s = ValidateWindow(changed); !s.ok()) return s;
  window = std::move(changed);
  return Status::Ok();
}

json::object WindowToJson(const MaintenanceWindow& w) {
  json::object o;
  o["id"] = w.id;
  o["name"] = w.name;
  o["start"] = w.weekly ? json::value(nullptr) : json::value(FormatTime(w.start));
  o["end"] = w.weekly ? json::value(nullptr) : json::value(FormatTime(w.end));
  if (w.weekly) {
    json::array days;
    for (int d = 0; d < 7; ++d) {
      if (w.weekly->days >> d & 1) days.emplace_back(kDays[static_cast<size_t>(d)]);
    }
    auto two = [](int n) { return std::string{char('0' + n / 10), char('0' + n % 10)}; };
    std::string clock = two(w.weekly->start_minute / 60) + ":" + two(w.weekly->start_minute % 60);
    o["weekly"] = json::object{{"days", std::move(days)},
                               {"start", clock},
                               {"duration_minutes", w.weekly->duration_minutes}};
  } else {
    o["weekly"] = nullptr;
  }
  json::array tags(w.tags.begin(), w.tags.end());
  json::array ids(w.server_ids.begin(), w.server_ids.end());
  o["servers"] = json::object{{"tags", std::move(tags)}, {"server_ids", std::move(ids)}};
  o["created_at"] = FormatTime(w.created_at);
  o["updated_at"] = FormatTime(w.updated_at);
  return o;
}

}  // namespace sms::maintenance
