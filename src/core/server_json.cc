#include "core/server_json.h"

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>

#include "core/json_input.h"
#include "core/time.h"
#include "core/validation.h"

namespace sms {
namespace {

namespace json = boost::json;

json::value TimeOrNull(Millis t) {
  return t == 0 ? json::value(nullptr) : json::value(FormatTime(t));
}

json::value StringOrNull(const std::string& s) {
  return s.empty() ? json::value(nullptr) : json::value(s);
}

}  // namespace

json::object ServerToJson(const Server& s) {
  json::object o;
  o.reserve(11);
  o["server_id"] = s.server_id;
  o["server_name"] = s.server_name;
  o["ipv4"] = StringOrNull(s.ipv4);
  o["hostname"] = StringOrNull(s.hostname);
  o["status"] = StatusName(s.status);
  o["interval"] = s.interval;
  o["created_time"] = TimeOrNull(s.created_time);
  o["last_updated"] = TimeOrNull(s.last_updated);
  o["last_seen"] = TimeOrNull(s.last_seen);
  o["status_changed_at"] = TimeOrNull(s.status_changed_at);
  json::array tags;
  tags.reserve(s.tags.size());
  for (const std::string& t : s.tags) tags.emplace_back(t);
  o["tags"] = std::move(tags);
  return o;
}

json::object EventToJson(const StatusEvent& e) {
  json::object o;
  o["server_id"] = e.server_id;
  o["status"] = StatusName(e.status);
  o["at"] = TimeOrNull(e.at);
  o["cause"] = e.cause;
  return o;
}

json::object UptimeToJson(const UptimeResult& u) {
  json::object o;
  o["uptime"] = u.uptime;
  o["up_seconds"] = u.up_seconds;
  o["window_seconds"] = u.window_seconds;
  o["maintenance_seconds"] = u.maintenance_seconds;
  o["from"] = TimeOrNull(u.from);
  o["to"] = TimeOrNull(u.to);
  o["source"] = SourceName(u.source);
  return o;
}

Result<ServerInput> ParseServerInput(std::string_view body) {
  auto obj = ParseObject(body);
  if (!obj.ok()) return obj.status();
  if (Status s = RejectUnknown(*obj, {"server_id", "server_name", "ipv4", "hostname", "tags"});
      !s.ok()) {
    return s;
  }
  ServerInput in;
  std::optional<std::string> ipv4, hostname;
  for (Status s :
       {RequireString(*obj, "server_id", in.server_id),
        RequireString(*obj, "server_name", in.server_name), OptionalString(*obj, "ipv4", ipv4),
        OptionalString(*obj, "hostname", hostname)}) {
    if (!s.ok()) return s;
  }
  in.ipv4 = ipv4.value_or("");
  in.hostname = hostname.value_or("");
  auto tags = ReadStringList(*obj, "tags");
  if (!tags.ok()) return tags.status();
  in.tags = tags->value_or(std::vector<std::string>());
  NormalizeServerInput(in);
  if (Status s = ValidateServerInput(in); !s.ok()) return s;
  return in;
}

Result<ServerPatch> ParseServerPatch(std::string_view body, const std::string& server_id) {
  auto obj = ParseObject(body);
  if (!obj.ok()) return obj.status();
  if (Status s = RejectUnknown(*obj, {"server_id", "server_name", "ipv4", "hostname", "tags"});
      !s.ok()) {
    return s;
  }
  auto id = ReadString(*obj, "server_id", false);
  if (!id.ok()) return id.status();
  if (id->has_value() && **id != server_id) {
    return Status::InvalidArgument("server_id is immutable", "server_id");
  }
  auto name = ReadString(*obj, "server_name", false);
  if (!name.ok()) return name.status();
  ServerPatch p;
  p.server_name = std::move(*name);
  for (Status s :
       {OptionalString(*obj, "ipv4", p.ipv4), OptionalString(*obj, "hostname", p.hostname)}) {
    if (!s.ok()) return s;
  }
  auto tags = ReadStringList(*obj, "tags");
  if (!tags.ok()) return tags.status();
  p.tags = std::move(*tags);
  if (!p.server_name && !p.ipv4 && !p.hostname && !p.tags) {
    return Status::InvalidArgument("nothing to update", "");
  }
  NormalizeServerPatch(p);
  if (Status s = ValidateServerPatch(p); !s.ok()) return s;
  return p;
}

}  // namespace sms
