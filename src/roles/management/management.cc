#include "roles/management/management.h"

#include <boost/json.hpp>

#include "auth/scopes.h"
#include "core/query.h"
#include "core/server_json.h"
#include "core/time.h"
#include "core/validation.h"
#include "roles/common/server_cache.h"
#include "roles/management/alerts_api.h"
#include "roles/management/excel.h"
#include "roles/management/identity_api.h"
#include "roles/management/maintenance_api.h"
#include "roles/management/reports_api.h"
#include "roles/management/rollups.h"

namespace sms::management {
namespace {

namespace json = boost::json;

constexpr Millis kDay = 24 * 3600 * 1000LL;
constexpr Millis kMaxWindow = 400 * kDay;

http::Response ServerResponse(int status, const Server& s) {
  return http::JsonResponse(status, json::serialize(ServerToJson(s)));
}

const std::string& PathId(const http::Request& req) { return req.params.at("server_id"); }

// Rejects query parameters other than `allowed`, naming the first unknown one.
Status OnlyParams(const http::Request& req, std::initializer_list<const char*> allowed) {
  for (const auto& [name, value] : req.query) {
    bool ok = false;
    for (const char* a : allowed) ok = ok || name == a;
    if (!ok) return Status::InvalidArgument("unknown query parameter '" + name + "'", name);
  }
  return Status::Ok();
}

}  // namespace

Result<std::pair<Millis, Millis>> ParseWindow(const http::Request& req, Millis now) {
  Status only = OnlyParams(req, {"from", "to"});
  if (!only.ok()) return only;
  Millis to = now;
  Millis from = now - kDay;
  if (auto it = req.query.find("to"); it != req.query.end()) {
    auto t = ParseTime(it->second, "to");
    if (!t.ok()) return t.status();
    to = *t;
    if (!req.query.count("from")) from = to - kDay;
  }
  if (auto it = req.query.find("from"); it != req.query.end()) {
    auto f = ParseTime(it->second, "from");
    if (!f.ok()) return f.status();
    from = *f;
  }
  if (from >= to) return Status::InvalidArgument("from must be before to", "from");
  if (to - from > kMaxWindow) {
    return Status::InvalidArgument("the window may span at most 400 days", "from");
  }
  return std::make_pair(from, to);
}

Management::Management(ManagementBackends backends) : b_(std::move(backends)) {
  if (!b_.slow_work) {
    b_.slow_work = std::make_shared<WorkPool>(
        WorkPoolOptions{.threads = 2, .queue_limit = 64, .nice = 10, .name = "sms-slow-work"});
  }
}

void Management::Register(http::Router& router) {
  if (b_.events) RegisterEventStream(router, b_.events);
  RegisterRollups(router, b_.store, b_.store, b_.clock);
  auto bind = [this](http::Response (Management::*fn)(const http::Request&)) {
    return [this, fn](http::Request& req) { return (this->*fn)(req); };
  };
  router.Add("POST", "/api/v1/servers", auth::kServersWrite, bind(&Management::CreateServer));
  router.Add("GET", "/api/v1/servers", auth::kServersRead, bind(&Management::ListServers));
  router.Add("GET", "/api/v1/servers/{server_id}", auth::kServersRead,
             bind(&Management::GetServer));
  router.Add("PATCH", "/api/v1/servers/{server_id}", auth::kServersWrite,
             bind(&Management::UpdateServer));
  router.Add("DELETE", "/api/v1/servers/{server_id}", auth::kServersWrite,
             bind(&Management::DeleteServer));
  router.Add("GET", "/api/v1/servers/{server_id}/uptime", auth::kServersRead,
             bind(&Management::Uptime));
  router.Add("GET", "/api/v1/servers/{server_id}/events", auth::kServersRead,
             bind(&Management::Events));
  router.Add("GET", "/api/v1/stats", auth::kServersRead, bind(&Management::Stats));
  // /servers/import and /servers/export: literal segments win over {server_id}.
  RegisterExcel(router, b_);
  RegisterReports(router, b_);
  RegisterAlerts(router, b_);
  RegisterMaintenance(router, b_);
  if (b_.access) {
    RegisterIdentity(router, b_.access, b_.store, b_.clock, b_.slow_work);
    router.SetGuard([access = b_.access](http::Request& req, const http::Route& route) {
      return access->Guard(req, route);
    });
  }
}

http::Response Management::CreateServer(const http::Request& req) {
  auto input = ParseServerInput(req.body);
  if (!input.ok()) return http::ErrorResponse(input.status());
  auto created = b_.store->CreateServer(*input, b_.clock->Now());
  roles::RecordWrite(b_.write_health, created.status());
  if (!created.ok()) return http::ErrorResponse(created.status());
  http::Response r = ServerResponse(201, *created);
  r.headers.emplace_back("Location", "/api/v1/servers/" + created->server_id);
  return r;
}

http::Response Management::ListServers(const http::Request& req) {
  auto query = ParseServerQuery(req.query, req.QueryValues("tag"));
  if (!query.ok()) return http::ErrorResponse(query.status());
  auto page = b_.store->ListServers(*query);
  if (!page.ok()) return http::ErrorResponse(page.status());
  json::array items;
  items.reserve(page->items.size());
  for (const Server& s : page->items) items.emplace_back(ServerToJson(s));
  auto cursor = [](const std::string& c) { return c.empty() ? json::value() : json::value(c); };
  json::object body{{"total", page->total},       {"offset", query->offset},
                    {"limit", query->limit},      {"next", cursor(page->next)},
                    {"prev", cursor(page->prev)}, {"items", std::move(items)}};
  return http::JsonResponse(200, json::serialize(body));
}

http::Response Management::GetServer(const http::Request& req) {
  auto server = b_.store->GetServer(PathId(req));
  if (!server.ok()) return http::ErrorResponse(server.status());
  return ServerResponse(200, *server);
}

http::Response Management::UpdateServer(const http::Request& req) {
  auto patch = ParseServerPatch(req.body, PathId(req));
  if (!patch.ok()) return http::ErrorResponse(patch.status());
  auto updated = b_.store->UpdateServer(PathId(req), *patch, b_.clock->Now());
  roles::RecordWrite(b_.write_health, updated.status());
  if (!updated.ok()) return http::ErrorResponse(updated.status());
  Invalidate(PathId(req));
  return ServerResponse(200, *updated);
}

http::Response Management::DeleteServer(const http::Request& req) {
  Status deleted = b_.store->DeleteServer(PathId(req));
  roles::RecordWrite(b_.write_health, deleted);
  if (!deleted.ok()) return http::ErrorResponse(deleted);
  Invalidate(PathId(req));
  return http::Response{204, "application/json", "", {}};
}

http::Response Management::Uptime(const http::Request& req) {
  Millis now = b_.clock->Now();
  auto window = ParseWindow(req, now);
  if (!window.ok()) return http::ErrorResponse(window.status());
  auto server = b_.store->GetServer(PathId(req));
  if (!server.ok()) return http::ErrorResponse(server.status());
  auto uptime = b_.history->Uptime(*server, window->first, window->second, now);
  if (!uptime.ok()) return http::ErrorResponse(uptime.status());
  json::object body = UptimeToJson(*uptime);
  body["server_id"] = server->server_id;
  return http::JsonResponse(200, json::serialize(body));
}

http::Response Management::Events(const http::Request& req) {
  auto window = ParseWindow(req, b_.clock->Now());
  if (!window.ok()) return http::ErrorResponse(window.status());
  auto events = b_.store->ListEvents(PathId(req), window->first, window->second);
  if (!events.ok()) return http::ErrorResponse(events.status());
  json::array items;
  for (const StatusEvent& e : *events) {
    // The event before the window only tells the state at `from`; it is not in the window.
    if (e.at >= window->first) items.emplace_back(EventToJson(e));
  }
  json::object body{{"server_id", PathId(req)},
                    {"from", FormatTime(window->first)},
                    {"to", FormatTime(window->second)},
                    {"items", std::move(items)}};
  return http::JsonResponse(200, json::serialize(body));
}

http::Response Management::Stats(const http::Request& req) {
  Status only = OnlyParams(req, {});
  if (!only.ok()) return http::ErrorResponse(only);
  auto stats = b_.store->Stats();
  if (!stats.ok()) return http::ErrorResponse(stats.status());
  Millis now = b_.clock->Now();
  auto all = b_.history->UptimeAll(now - kDay, now, now);
  if (!all.ok()) return http::ErrorResponse(all.status());
  double sum = 0;
  int64_t counted = 0;
  for (const auto& [id, u] : *all) {
    if (u.window_seconds <= 0) continue;  // created after the window: no uptime to average
    sum += u.uptime;
    ++counted;
  }
  json::object body{{"total", stats->total}, {"on", stats->on}, {"off", stats->off}};
  if (counted > 0) {
    body["avg_uptime_24h"] = sum / double(counted);
  } else {
    body["avg_uptime_24h"] = nullptr;
  }
  // The longer windows from the daily rollups (rollups.h), never from a scan.
  if (Status s = AddDailyMeans(*b_.store, now, body); !s.ok()) return http::ErrorResponse(s);
  return http::JsonResponse(200, json::serialize(body));
}

void Management::Invalidate(const std::string& server_id) {
  // The record in SQL is the truth; a stale cache entry only costs the worker a fallback.
  b_.cache->Delete(roles::ServerCacheKey(server_id));
}

}  // namespace sms::management
