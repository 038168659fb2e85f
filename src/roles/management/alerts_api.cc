#include "roles/management/alerts_api.h"

#include <boost/json.hpp>
#include <set>

#include "alert/channel.h"
#include "alert/payload.h"
#include "auth/scopes.h"
#include "core/heartbeat.h"
#include "core/json_input.h"
#include "core/time.h"
#include "roles/management/crud.h"

namespace sms::management {
namespace {

namespace json = boost::json;
using store::AlertStore;

http::Response Json(int status, const json::value& v) {
  return http::JsonResponse(status, json::serialize(v));
}

using B = const ManagementBackends&;
constexpr const char* kNoAlerts = "alerts need the store here";

// A resource the AlertStore keeps, under the alerts scopes; ids are `id_prefix` + a new id.
template <typename Record>
CrudResource<Record, json::object> AlertResource(std::string collection, std::string id_param,
                                                 std::string id_prefix) {
  CrudResource<Record, json::object> r;
  r.collection = std::move(collection);
  r.id_param = std::move(id_param);
  r.read_scope = auth::kAlertsRead;
  r.write_scope = auth::kAlertsWrite;
  r.available = [](B b) { return b.alerts != nullptr; };
  r.unavailable = kNoAlerts;
  r.new_id = [id_prefix] { return id_prefix + NewHeartbeatId(); };
  r.parse = [](const http::Request& req) { return ParseObject(req.body); };
  return r;
}

// An AlertStore method as a resource's store call: OnAlerts(&AlertStore::GetRule).
template <typename R, typename... Args>
auto OnAlerts(R (AlertStore::*fn)(Args...)) {
  return [fn](B b, Args... args) { return ((*b.alerts).*fn)(args...); };
}

// ---- Channels ------------------------------------------------------------------------------

CrudResource<store::ChannelRecord, json::object> Channels() {
  auto r = AlertResource<store::ChannelRecord>("/api/v1/channels", "channel_id", "chn-");
  r.apply = [](B b, const json::object& body, bool create, store::ChannelRecord& c) {
    return alert::ApplyChannel(body, create, b.allow_private_webhooks, c);
  };
  r.get = OnAlerts(&AlertStore::GetChannel);
  r.create = OnAlerts(&AlertStore::CreateChannel);
  r.update = OnAlerts(&AlertStore::UpdateChannel);
  r.remove = OnAlerts(&AlertStore::DeleteChannel);
  r.list = [](B b, const http::Request&) { return b.alerts->ListChannels(); };
  r.to_json = alert::ChannelJson;
  return r;
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

CrudResource<store::RuleRecord, json::object> Rules() {
  auto r = AlertResource<store::RuleRecord>("/api/v1/alert-rules", "rule_id", "rul-");
  r.apply = [](B b, const json::object& body, bool create, store::RuleRecord& rule) {
    Status s = alert::ApplyRule(body, create, rule);
    return s.ok() ? CheckChannels(*b.alerts, rule) : s;
  };
  r.get = OnAlerts(&AlertStore::GetRule);
  r.create = OnAlerts(&AlertStore::CreateRule);
  r.update = OnAlerts(&AlertStore::UpdateRule);
  r.remove = OnAlerts(&AlertStore::DeleteRule);
  r.list = [](B b, const http::Request&) { return b.alerts->ListRules(); };
  r.to_json = alert::RuleJson;
  return r;
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
  return ListResponse(b.alerts->ListDeliveries(q), alert::DeliveryJson);
}

using AlertHandler = std::function<http::Response(const ManagementBackends&, const http::Request&)>;

}  // namespace

void RegisterAlerts(http::Router& router, const ManagementBackends& backends) {
  auto add = [&](const char* method, const char* pattern, std::string_view scope,
                 AlertHandler handler) {
    router.Add(method, pattern, scope, [backends, handler](http::Request& req) {
      if (!backends.alerts) {
        return http::ErrorResponse(Status::Unavailable(kNoAlerts));
      }
      return handler(backends, req);
    });
  };
  using R = const http::Request&;
  RegisterCrud(router, backends, Channels());
  add("POST", "/api/v1/channels/{channel_id}/test", auth::kAlertsWrite, TestChannel);
  RegisterCrud(router, backends, Rules());
  add("GET", "/api/v1/alerts", auth::kAlertsRead, [](B b, R r) {
    auto q = ReadAlertQuery(r);
    if (!q.ok()) return http::ErrorResponse(q.status());
    return ListResponse(b.alerts->ListAlerts(*q), alert::AlertJson);
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
