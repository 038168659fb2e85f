#include "roles/management/maintenance_api.h"

#include <boost/json.hpp>

#include "auth/api_token.h"
#include "auth/scopes.h"
#include "maintenance/window_json.h"

namespace sms::management {
namespace {

namespace json = boost::json;
using store::MaintenanceWindow;

constexpr size_t kMaintenanceBodyLimit = 64 * 1024;

http::Response WindowResponse(int status, const MaintenanceWindow& w) {
  return http::JsonResponse(status, json::serialize(maintenance::WindowToJson(w)));
}

http::Response Unconfigured() {
  return http::ErrorResponse(Status::Unavailable("maintenance windows are not kept here"));
}

const std::string& PathId(const http::Request& req) { return req.params.at("id"); }

http::Response Create(const ManagementBackends& b, const http::Request& req) {
  Result<MaintenanceWindow> w = maintenance::ParseWindow(req.body);
  if (!w.ok()) return http::ErrorResponse(w.status());
  w->id = "mw-" + auth::RandomHex(8);
  w->created_at = w->updated_at = b.clock->Now();
  Status st = b.maintenance->InsertMaintenance(*w);
  if (!st.ok()) return http::ErrorResponse(st);
  http::Response r = WindowResponse(201, *w);
  r.headers.emplace_back("Location", "/api/v1/maintenance/" + w->id);
  return r;
}

http::Response List(const ManagementBackends& b, const http::Request& req) {
  if (!req.query.empty()) {
    const std::string& name = req.query.begin()->first;
    return http::ErrorResponse(
        Status::InvalidArgument("unknown query parameter '" + name + "'", name));
  }
  auto all = b.maintenance->ListMaintenance(0, store::MaintenanceStore::kForever);
  if (!all.ok()) return http::ErrorResponse(all.status());
  json::array items;
  for (const MaintenanceWindow& w : *all) items.emplace_back(maintenance::WindowToJson(w));
  json::object body{{"total", items.size()}, {"items", std::move(items)}};
  // The zone weekly windows are read in, so that a client can place their occurrences.
  if (b.calendar) body["tz"] = b.calendar->tz();
  return http::JsonResponse(200, json::serialize(body));
}

http::Response Get(const ManagementBackends& b, const http::Request& req) {
  auto w = b.maintenance->GetMaintenance(PathId(req));
  if (!w.ok()) return http::ErrorResponse(w.status());
  return WindowResponse(200, *w);
}

http::Response Patch(const ManagementBackends& b, const http::Request& req) {
  auto w = b.maintenance->GetMaintenance(PathId(req));
  if (!w.ok()) return http::ErrorResponse(w.status());
  if (Status s = maintenance::ApplyWindowPatch(req.body, *w); !s.ok()) {
    return http::ErrorResponse(s);
  }
  w->updated_at = b.clock->Now();
  Status st = b.maintenance->ReplaceMaintenance(*w);
  if (!st.ok()) return http::ErrorResponse(st);
  return WindowResponse(200, *w);
}

http::Response Delete(const ManagementBackends& b, const http::Request& req) {
  Status st = b.maintenance->DeleteMaintenance(PathId(req));
  if (!st.ok()) return http::ErrorResponse(st);
  return http::Response{204, "application/json", "", {}};
}

}  // namespace

void RegisterMaintenance(http::Router& router, const ManagementBackends& backends) {
  using Handler = http::Response (*)(const ManagementBackends&, const http::Request&);
  auto bind = [&backends](Handler fn) {
    return [b = backends, fn](http::Request& req) {
      return b.maintenance ? fn(b, req) : Unconfigured();
    };
  };
  router.Add("POST", "/api/v1/maintenance", auth::kAlertsWrite, bind(&Create),
             kMaintenanceBodyLimit);
  router.Add("GET", "/api/v1/maintenance", auth::kAlertsRead, bind(&List));
  router.Add("GET", "/api/v1/maintenance/{id}", auth::kAlertsRead, bind(&Get));
  router.Add("PATCH", "/api/v1/maintenance/{id}", auth::kAlertsWrite, bind(&Patch),
             kMaintenanceBodyLimit);
  router.Add("DELETE", "/api/v1/maintenance/{id}", auth::kAlertsWrite, bind(&Delete));
}

}  // namespace sms::management
