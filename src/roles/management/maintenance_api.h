#pragma once
// Maintenance windows over HTTP: POST/GET /api/v1/maintenance, GET/PATCH/DELETE
// /api/v1/maintenance/{id} (scopes alerts:read and alerts:write). The JSON is
// maintenance/window_json.h. Without a MaintenanceStore the routes answer 503.

#include "http/router.h"
#include "roles/management/management.h"

namespace sms::management {

void RegisterMaintenance(http::Router& router, const ManagementBackends& backends);

}  // namespace sms::management
