#include "alert/payload.h"

#include <boost/json.hpp>

#include "core/time.h"

namespace sms::alert {
namespace {

namespace json = boost::json;

json::object Parse(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return v.as_object();
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::string ServerJson(const std::string& server_id, const std::string& server_name,
                       const std::string& ipv4, const std::vector<std::string>& tags) {
  json::array t;
  for (const std::string& tag : tags) t.emplace_back(tag);
  return json::serialize(json::object{{"server_id", server_id},
                                      {"server_name", server_name},
                                      {"ipv4", ipv4},
                                      {"tags", std::move(t)}});
}

std::string EventBody(const std::string& event, const std::string& alert_id, Millis at,
                      const std::string& server, Millis since) {
  return json::serialize(json::object{{"event", event},
                                      {"alert_id", alert_id},
                                      {"at", FormatTime(at)},
                                      {"since", FormatTime(since)},
                                      {"server", Parse(server)}});
}

std::string DigestBody(const std::string& rule_id, const std::string& rule_name, Millis at,
                       const std::vector<std::string>& bodies, size_t max_items) {
  json::array alerts;
  for (size_t i = 0; i < bodies.size() && i < max_items; ++i) alerts.emplace_back(Parse(bodies[i]));
  return json::serialize(json::object{{"event", "digest"},
                                      {"at", FormatTime(at)},
                                      {"rule", json::object{{"id", rule_id}, {"name", rule_name}}},
                                      {"count", bodies.size()},
                                      {"alerts", std::move(alerts)}});
}

std::string TestBody(const std::string& channel_id, const std::string& channel_name, Millis at) {
  return json::serialize(
      json::object{{"event", "test"},
                   {"alert_id", ""},
                   {"at", FormatTime(at)},
                   {"channel", json::object{{"id", channel_id}, {"name", channel_name}}}});
}

std::string Summary(const std::string& body) {
  json::object o = Parse(body);
  std::string event = Str(o, "event");
  if (event == "digest") {
    const json::value* count = o.if_contains("count");
    const json::value* rule = o.if_contains("rule");
    std::string name = rule != nullptr && rule->is_object() ? Str(rule->as_object(), "name") : "";
    return "SMS digest: " + (count ? json::serialize(*count) : std::string("0")) +
           " alerts of rule \"" + name + "\"";
  }
  if (event == "test") return "SMS test message";
  json::object server;
  if (const json::value* s = o.if_contains("server"); s != nullptr && s->is_object()) {
    server = s->as_object();
  }
  std::string what = event == "off" ? "OFF" : event == "on" ? "back ON" : "FLAPPING";
  std::string line = "SMS: " + Str(server, "server_name") + " (" + Str(server, "server_id");
  if (!Str(server, "ipv4").empty()) line += ", " + Str(server, "ipv4");
  return line + ") is " + what + " since " + Str(o, "since");
}

std::string Render(const std::string& type, const std::string& body, const std::string& chat_id) {
  if (type == "webhook") return body;
  std::string text = Summary(body);
  if (type == "slack") return json::serialize(json::object{{"text", text}});
  if (type == "discord") return json::serialize(json::object{{"content", text}});
  if (type == "teams") {
    return json::serialize(json::object{{"@type", "MessageCard"},
                                        {"@context", "https://schema.org/extensions"},
                                        {"summary", text},
                                        {"text", text}});
  }
  if (type == "telegram") {
    return json::serialize(json::object{{"chat_id", chat_id}, {"text", text}});
  }
  return body;
}

}  // namespace sms::alert
