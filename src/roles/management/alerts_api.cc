#include "roles/management/alerts_api.h"

#include <boost/json.hpp>
#include <set>

#include "alert/channel.h"
#include "alert/payload.h"
#include "auth/scopes.h"
#include "core/heartbeat.h"
#include "core/json_input.h"
#include "core/time.h"

namespace sms::management {
namespace {

namespace json = boost::json;
using store::AlertStore;

http::Response Json(int status, const json::value& v) {
  return http::JsonResponse(status, json::serialize(v));
}

template <typename T, typename F>
http::Response List(const Result<std::vector<T>>& items, F to_json) {
  if (!items.ok()) return http::ErrorResponse(items.status());
  json::array a;
  for (const T& item : *items) a.push_back(to_json(item));
  return Json(200, json::object{{"total", a.size()}, {"items", std::move(a)}});
}

// ---- Channels ------------------------------------------------------------------------------

http::Response SaveChannel(const ManagementBackends& b, const http::Request& req, bool create) {
  auto body = ParseObject(req.body);
  if (!body.ok()) return http::ErrorResponse(body.status());
  store::ChannelRecord c;
  Millis now = b.clock->Now();
  if (!create) {
    auto found = b.alerts->GetChannel(req.params.at("channel_id"));
    if (!found.ok()) return http::ErrorResponse(found.status());
    c = *found;
  } else {
    c.id = "chn-" + NewHeartbeatId();
    c.created_at = now;
  }
  if (Status s = alert::ApplyChannel(*body, create, b.allow_private_webhooks, c); !s.ok()) {
    return http::ErrorResponse(s);
  }
  c.updated_at = now;
  Status s = create ? b.alerts->CreateChannel(c) : b.alerts->UpdateChannel(c);
  if (!s.ok()) return http::ErrorResponse(s);
  return Json(create ? 201 : 200, alert::ChannelJson(c));
}

http::Response TestChannel(const ManagementBackends& b, const http::Request& req) {
  auto c = b.alerts->GetChannel(req.params.at("channel_id"));
  if (!c.ok()) return http::ErrorResponse(c.status());
  store::NotificationRecord n;
  n.id = "dlv-" + NewHeartbeatId();
  n.key = "test:" + n.id;
  n.channel_id = c->id;
  n.event = "test";
  n.state = "pending";
  n.created_at = n.next_at = b.clock->Now();
  n.payload = alert::TestBody(c->id, c->name, n.created_at);
  if (Status s = b.alerts->EnqueueNotification(n); !s.ok()) return http::ErrorResponse(s);
  return Json(202, json::object{{"delivery_id", n.id}, {"state", "pending"}});
}

// ---- Rules ---------------------------------------------------------------------------------

Status CheckChannels(AlertStore& alerts, const store::RuleRecord& r) {
  for (const std::string& id : r.channels) {
    auto c = alerts.GetChannel(id);
    if (c.status().code() == Code::kNotFound) {
      return Status::InvalidArgument("no channel \"" + id + "\"", "channels");
    }
    if (!c.ok()) return c.status();
  }
  return Status::Ok();
}

http::Response SaveRule(const ManagementBackends& b, const http::Request& req, bool create) {
  auto body = ParseObject(req.body);
  if (!body.ok()) return http::ErrorResponse(body.status());
  store::RuleRecord r;
  Millis now = b.clock->Now();
  if (!create) {
    auto found = b.alerts->GetRule(req.params.at("rule_id"));
    if (!found.ok()) return http::ErrorResponse(found.status());
    r = *found;
  } else {
    r.id = "rul-" + NewHeartbeatId();
    r.created_at = now;
  }
  Status s = alert::ApplyRule(*body, create, r);
  if (s.ok()) s = CheckChannels(*b.alerts, r);
  if (!s.ok()) return http::ErrorResponse(s);
  r.updated_at = now;
  s = create ? b.alerts->CreateRule(r) : b.alerts->UpdateRule(r);
  if (!s.ok()) return http::ErrorResponse(s);
  return Json(create ? 201 : 200, alert::RuleJson(r));
}

// ---- Alerts and deliveries -----------------------------------------------------------------

Result<int> ReadLimit(const http::Request& req) {
  auto it = req.query.find("limit");
  if (it == req.query.end()) return 100;
  int limit = 0;
  try {
    limit = std::stoi(it->second);
  } catch (const std::exception&) {
    limit = 0;
  }
  if (limit < 1 || limit > 1000) return Status::InvalidArgument("limit must be 1 to 1000", "limit");
  return limit;
}

Result<store::AlertQuery> ReadAlertQuery(const http::Request& req) {
  store::AlertQuery q;
  auto get = [&](const char* key) {
    auto it = req.query.find(key);
    return it == req.query.end() ? std::string() : it->second;
  };
  q.server_id = get("server_id");
  if (q.server_id.empty()) q.server_id = get("server");
  q.state = get("state");
  if (!q.state.empty() && q.state != "open" && q.state != "acknowledged" && q.state != "resolved") {
    return Status::InvalidArgument("state must be open, acknowledged or resolved", "state");
  }
  for (auto [key, out] : {std::pair{"from", &q.from}, {"to", &q.to}}) {
    if (get(key).empty()) continue;
    auto t = ParseTime(get(key), key);
    if (!t.ok()) return t.status();
    *out = *t;
  }
  auto limit = ReadLimit(req);
  if (!limit.ok()) return limit.status();
  q.limit = *limit;
  return q;
}

http::Response ListDeliveries(const ManagementBackends& b, const http::Request& req) {
  store::DeliveryQuery q;
  if (auto it = req.query.find("state"); it != req.query.end()) q.state = it->second;
  if (auto it = req.query.find("alert_id"); it != req.query.end()) q.alert_id = it->second;
  static const std::set<std::string> kStates = {"", "held", "pending", "sent", "dead", "digested"};
  if (!kStates.contains(q.state)) {
    return http::ErrorResponse(
        Status::InvalidArgument("state must be held, pending, sent, dead or digested", "state"));
  }
  auto limit = ReadLimit(req);
  if (!limit.ok()) return http::ErrorResponse(limit.status());
  q.limit = *limit;
  return List(b.alerts->ListDeliveries(q), alert::DeliveryJson);
}

using AlertHandler = std::function<http::Response(const ManagementBackends&, const http::Request&)>;

}  // namespace

void RegisterAlerts(http::Router& router, const ManagementBackends& backends) {
  auto add = [&](const char* method, const char* pattern, std::string_view scope,
                 AlertHandler handler) {
    router.Add(method, pattern, scope, [backends, handler](http::Request& req) {
      if (!backends.alerts) {
        return http::ErrorResponse(Status::Unavailable("alerts need the store here"));
      }
      return handler(backends, req);
    });
  };
  using B = const ManagementBackends&;
  using R = const http::Request&;
  add("POST", "/api/v1/channels", auth::kAlertsWrite,
      [](B b, R r) { return SaveChannel(b, r, true); });
  add("GET", "/api/v1/channels", auth::kAlertsRead,
      [](B b, R) { return List(b.alerts->ListChannels(), alert::ChannelJson); });
  add("GET", "/api/v1/channels/{channel_id}", auth::kAlertsRead, [](B b, R r) {
    auto c = b.alerts->GetChannel(r.params.at("channel_id"));
    return c.ok() ? Json(200, alert::ChannelJson(*c)) : http::ErrorResponse(c.status());
  });
  add("PATCH", "/api/v1/channels/{channel_id}", auth::kAlertsWrite,
      [](B b, R r) { return SaveChannel(b, r, false); });
  add("DELETE", "/api/v1/channels/{channel_id}", auth::kAlertsWrite, [](B b, R r) {
    Status s = b.alerts->DeleteChannel(r.params.at("channel_id"));
    return s.ok() ? http::Response{204, "application/json", "", {}} : http::ErrorResponse(s);
  });
  add("POST", "/api/v1/channels/{channel_id}/test", auth::kAlertsWrite, TestChannel);
  add("POST", "/api/v1/alert-rules", auth::kAlertsWrite,
      [](B b, R r) { return SaveRule(b, r, true); });
  add("GET", "/api/v1/alert-rules", auth::kAlertsRead,
      [](B b, R) { return List(b.alerts->ListRules(), alert::RuleJson); });
  add("GET", "/api/v1/alert-rules/{rule_id}", auth::kAlertsRead, [](B b, R r) {
    auto rule = b.alerts->GetRule(r.params.at("rule_id"));
    return rule.ok() ? Json(200, alert::RuleJson(*rule)) : http::ErrorResponse(rule.status());
  });
  add("PATCH", "/api/v1/alert-rules/{rule_id}", auth::kAlertsWrite,
      [](B b, R r) { return SaveRule(b, r, false); });
  add("DELETE", "/api/v1/alert-rules/{rule_id}", auth::kAlertsWrite, [](B b, R r) {
    Status s = b.alerts->DeleteRule(r.params.at("rule_id"));
    return s.ok() ? http::Response{204, "application/json", "", {}} : http::ErrorResponse(s);
  });
  add("GET", "/api/v1/alerts", auth::kAlertsRead, [](B b, R r) {
    auto q = ReadAlertQuery(r);
    if (!q.ok()) return http::ErrorResponse(q.status());
    return List(b.alerts->ListAlerts(*q), alert::AlertJson);
  });
  add("GET", "/api/v1/alerts/{alert_id}", auth::kAlertsRead, [](B b, R r) {
    auto a = b.alerts->GetAlert(r.params.at("alert_id"));
    return a.ok() ? Json(200, alert::AlertJson(*a)) : http::ErrorResponse(a.status());
  });
  add("POST", "/api/v1/alerts/{alert_id}/ack", auth::kAlertsWrite, [](B b, R r) {
    auto a = b.alerts->AckAlert(r.params.at("alert_id"), r.caller.name, b.clock->Now());
    return a.ok() ? Json(200, alert::AlertJson(*a)) : http::ErrorResponse(a.status());
  });
  add("GET", "/api/v1/alert-deliveries", auth::kAlertsRead, ListDeliveries);
}

}  // namespace sms::management
