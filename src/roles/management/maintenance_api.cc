#include "roles/management/maintenance_api.h"

#include <boost/json.hpp>

#include "auth/api_token.h"
#include "auth/scopes.h"
#include "maintenance/window_json.h"
#include "roles/management/crud.h"

namespace sms::management {
namespace {

using store::MaintenanceWindow;
using B = const ManagementBackends&;

constexpr size_t kMaintenanceBodyLimit = 64 * 1024;

// A body is read as a whole window (POST) or a patch of the stored one (PATCH).
Status ApplyWindow(B, const std::string& body, bool create, MaintenanceWindow& w) {
  if (!create) return maintenance::ApplyWindowPatch(body, w);
  Result<MaintenanceWindow> parsed = maintenance::ParseWindow(body);
  if (!parsed.ok()) return parsed.status();
  parsed->id = w.id;
  parsed->created_at = w.created_at;
  w = *std::move(parsed);
  return Status::Ok();
}

// Every window; the list takes no query parameter.
Result<std::vector<MaintenanceWindow>> ListWindows(B b, const http::Request& req) {
  if (!req.query.empty()) {
    const std::string& name = req.query.begin()->first;
    return Status::InvalidArgument("unknown query parameter '" + name + "'", name);
  }
  return b.maintenance->ListMaintenance(0, store::MaintenanceStore::kForever);
}

CrudResource<MaintenanceWindow, std::string> Windows() {
  CrudResource<MaintenanceWindow, std::string> r;
  r.collection = "/api/v1/maintenance";
  r.id_param = "id";
  r.read_scope = auth::kAlertsRead;
  r.write_scope = auth::kAlertsWrite;
  r.body_limit = kMaintenanceBodyLimit;
  r.location = true;
  r.available = [](B b) { return b.maintenance != nullptr; };
  r.unavailable = "maintenance windows are not kept here";
  r.new_id = [] { return "mw-" + auth::RandomHex(8); };
  r.parse = [](const http::Request& req) { return Result<std::string>(req.body); };
  r.apply = ApplyWindow;
  r.get = [](B b, const std::string& id) { return b.maintenance->GetMaintenance(id); };
  r.create = [](B b, const MaintenanceWindow& w) { return b.maintenance->InsertMaintenance(w); };
  r.update = [](B b, const MaintenanceWindow& w) { return b.maintenance->ReplaceMaintenance(w); };
  r.remove = [](B b, const std::string& id) { return b.maintenance->DeleteMaintenance(id); };
  r.list = ListWindows;
  r.to_json = [](const MaintenanceWindow& w) -> boost::json::value {
    return maintenance::WindowToJson(w);
  };
  // The zone weekly windows are read in, so that a client can place their occurrences.
  r.list_extra = [](B b, boost::json::object& body) {
    if (b.calendar) body["tz"] = b.calendar->tz();
  };
  return r;
}

}  // namespace

void RegisterMaintenance(http::Router& router, const ManagementBackends& backends) {
  RegisterCrud(router, backends, Windows());
}

}  // namespace sms::management
