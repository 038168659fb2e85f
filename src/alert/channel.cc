#include "alert/channel.h"

#include <boost/json.hpp>
#include <set>

#include "alert/webhook.h"
#include "core/json_input.h"
#include "core/time.h"
#include "mail/mime.h"

namespace sms::alert {
namespace {

namespace json = boost::json;

const std::set<std::string> kTypes = {"webhook", "email", "slack", "teams", "discord", "telegram"};
constexpr size_t kMaxName = 200;
constexpr size_t kMaxList = 1000;

json::array Array(const std::vector<std::string>& items) {
  json::array a;
  for (const std::string& s : items) a.emplace_back(s);
  return a;
}

json::value Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  return ec ? json::value(json::object()) : v;
}

// Reads `key` as a list of non-empty strings without newlines into `out` (absent: unchanged).
Status ReadList(const json::object& o, const char* key, const std::string& field,
                std::vector<std::string>& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_array()) return Status::InvalidArgument(field + " must be a list of strings", field);
  std::vector<std::string> items;
  for (const json::value& item : v->as_array()) {
    if (!item.is_string() || item.as_string().empty() ||
        item.as_string().find('\n') != json::string::npos) {
      return Status::InvalidArgument(field + " must be a list of non-empty strings", field);
    }
    items.emplace_back(item.as_string());
  }
  if (items.size() > kMaxList) return Status::InvalidArgument(field + " is too long", field);
  out = std::move(items);
  return Status::Ok();
}

Status ReadName(const json::object& o, bool create, std::string& name) {
  std::optional<std::string> value;
  if (Status s = OptionalString(o, "name", value); !s.ok()) return s;
  if (value) name = *value;
  if ((create || value) && (name.empty() || name.size() > kMaxName)) {
    return Status::InvalidArgument("name must be 1 to 200 characters", "name");
  }
  return Status::Ok();
}

Status CheckConfig(const std::string& type, const ChannelConfig& c, bool allow_private) {
  if (type == "email") {
    if (c.emails.empty()) return Status::InvalidArgument("an email channel needs emails", "emails");
    for (const std::string& e : c.emails) {
      if (Status s = mail::ValidateAddress(e, "emails"); !s.ok()) return s;
    }
    return Status::Ok();
  }
  if (c.url.empty()) return Status::InvalidArgument("a " + type + " channel needs a url", "url");
  if (Status s = ValidateUrl(c.url, "url"); !s.ok()) return s;
  if (type == "telegram" && c.chat_id.empty()) {
    return Status::InvalidArgument("a telegram channel needs a chat_id", "chat_id");
  }
  Result<std::string> addr = ResolveAllowed(c.url, allow_private);
  if (addr.status().code() == Code::kPermissionDenied) {
    return Status::InvalidArgument(addr.status().message(), "url");
  }
  return Status::Ok();  // a name that does not resolve yet is checked again at send time
}

std::string ConfigText(const ChannelConfig& c) {
  json::object o{
      {"url", c.url}, {"secret", c.secret}, {"emails", Array(c.emails)}, {"chat_id", c.chat_id}};
  return json::serialize(o);
}

}  // namespace

ChannelConfig ReadChannelConfig(const std::string& config) {
  ChannelConfig c;
  json::value v = Parse(config);
  if (!v.is_object()) return c;
  const json::object& o = v.as_object();
  auto str = [&](const char* key) {
    const json::value* x = o.if_contains(key);
    return x != nullptr && x->is_string() ? std::string(x->as_string()) : std::string();
  };
  c.url = str("url");
  c.secret = str("secret");
  c.chat_id = str("chat_id");
  (void)ReadList(o, "emails", "emails", c.emails);
  return c;
}

Status ApplyChannel(const json::object& body, bool create, bool allow_private,
                    store::ChannelRecord& channel) {
  if (Status s = RejectUnknown(body, {"name", "type", "url", "secret", "emails", "chat_id"});
      !s.ok()) {
    return s;
  }
  if (Status s = ReadName(body, create, channel.name); !s.ok()) return s;
  std::optional<std::string> type;
  if (Status s = OptionalString(body, "type", type); !s.ok()) return s;
  if (type) channel.type = *type;
  if (!kTypes.contains(channel.type)) {
    return Status::InvalidArgument(
        "type must be one of webhook, email, slack, teams, discord, telegram", "type");
  }
  ChannelConfig c = ReadChannelConfig(channel.config);
  for (auto [key, out] :
       {std::pair{"url", &c.url}, {"secret", &c.secret}, {"chat_id", &c.chat_id}}) {
    std::optional<std::string> value;
    if (Status s = OptionalString(body, key, value); !s.ok()) return s;
    if (value) *out = *value;
  }
  if (Status s = ReadList(body, "emails", "emails", c.emails); !s.ok()) return s;
  if (Status s = CheckConfig(channel.type, c, allow_private); !s.ok()) return s;
  channel.config = ConfigText(c);
  return Status::Ok();
}

json::object ChannelJson(const store::ChannelRecord& ch) {
  ChannelConfig c = ReadChannelConfig(ch.config);
  json::object o{{"id", ch.id}, {"name", ch.name}, {"type", ch.type}};
  if (ch.type == "email") {
    o["emails"] = Array(c.emails);
  } else {
    o["url"] = ch.type == "webhook" ? c.url : UrlOrigin(c.url) + "/…";
  }
  if (ch.type == "webhook") o["secret_set"] = !c.secret.empty();
  if (ch.type == "telegram") o["chat_id"] = c.chat_id;
  o["created_at"] = FormatTime(ch.created_at);
  o["updated_at"] = FormatTime(ch.updated_at);
  return o;
}

Status ApplyRule(const json::object& body, bool create, store::RuleRecord& rule) {
  if (Status s = RejectUnknown(
          body, {"name", "channels", "servers", "events", "after_seconds", "repeat_minutes"});
      !s.ok()) {
    return s;
  }
  if (Status s = ReadName(body, create, rule.name); !s.ok()) return s;
  if (create) rule.events = {"off", "on"};
  if (Status s = ReadList(body, "channels", "channels", rule.channels); !s.ok()) return s;
  if (rule.channels.empty()) {
    return Status::InvalidArgument("a rule needs at least one channel", "channels");
  }
  if (const json::value* servers = body.if_contains("servers"); servers != nullptr) {
    if (!servers->is_object())
      return Status::InvalidArgument("servers must be an object", "servers");
    const json::object& so = servers->as_object();
    if (Status s = RejectUnknown(so, {"tags", "server_ids"}); !s.ok()) {
      return Status::InvalidArgument(s.message(), "servers." + s.field());
    }
    rule.tags.clear();
    rule.server_ids.clear();
    if (Status s = ReadList(so, "tags", "servers.tags", rule.tags); !s.ok()) return s;
    if (Status s = ReadList(so, "server_ids", "servers.server_ids", rule.server_ids); !s.ok())
      return s;
  }
  if (Status s = ReadList(body, "events", "events", rule.events); !s.ok()) return s;
  if (rule.events.empty()) return Status::InvalidArgument("a rule needs events", "events");
  for (const std::string& e : rule.events) {
    if (e != "off" && e != "on") return Status::InvalidArgument("events are off and on", "events");
  }
  for (auto [key, out, max] : {std::tuple{"after_seconds", &rule.after_seconds, 86400},
                               {"repeat_minutes", &rule.repeat_minutes, 10080}}) {
    const json::value* v = body.if_contains(key);
    if (v == nullptr) continue;
    if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > max) {
      return Status::InvalidArgument(std::string(key) + " must be 0 to " + std::to_string(max),
                                     key);
    }
    *out = static_cast<int>(v->as_int64());
  }
  return Status::Ok();
}

json::object RuleJson(const store::RuleRecord& r) {
  return json::object{
      {"id", r.id},
      {"name", r.name},
      {"channels", Array(r.channels)},
      {"servers", json::object{{"tags", Array(r.tags)}, {"server_ids", Array(r.server_ids)}}},
      {"events", Array(r.events)},
      {"after_seconds", r.after_seconds},
      {"repeat_minutes", r.repeat_minutes},
      {"created_at", FormatTime(r.created_at)},
      {"updated_at", FormatTime(r.updated_at)}};
}

json::object AlertJson(const store::AlertRecord& a) {
  auto time_or_null = [](Millis t) {
    return t == 0 ? json::value(nullptr) : json::value(FormatTime(t));
  };
  return json::object{{"id", a.id},
                      {"rule_id", a.rule_id},
                      {"server_id", a.server_id},
                      {"event", a.event},
                      {"state", a.state},
                      {"since", FormatTime(a.since)},
                      {"opened_at", time_or_null(a.opened_at)},
                      {"acknowledged_at", time_or_null(a.acked_at)},
                      {"acknowledged_by", a.acked_by},
                      {"resolved_at", time_or_null(a.resolved_at)},
                      {"reminders", a.repeats},
                      {"server", Parse(a.server)}};
}

json::object DeliveryJson(const store::NotificationRecord& n) {
  json::object o{{"id", n.id},
                 {"channel_id", n.channel_id},
                 {"rule_id", n.rule_id},
                 {"alert_id", n.alert_id},
                 {"event", n.event},
                 {"state", n.state},
                 {"attempts", n.attempts},
                 {"error", n.error},
                 {"created_at", FormatTime(n.created_at)},
                 {"payload", Parse(n.payload)}};
  if (n.done_at != 0) o["done_at"] = FormatTime(n.done_at);
  if (n.state == "pending" && n.attempts > 0) o["next_attempt_at"] = FormatTime(n.next_at);
  return o;
}

}  // namespace sms::alert
