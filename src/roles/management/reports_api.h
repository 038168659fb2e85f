#pragma once
// The reports API:
//   POST /api/v1/reports {"start","end","emails"}  -> 202 {report_id, status, summary, …}: the
//        summary is computed at once, the mail (text, HTML, xlsx) is queued for the mail service
//   GET  /api/v1/reports/{report_id}                -> the report and what became of its mail:
//        status queued, sent or failed (with the error)
// Dates are calendar days in --tz. Thread-safe.

#include "http/router.h"
#include "roles/management/management.h"

namespace sms::management {

// Adds both routes; they answer 503 when `backends` has no reporter (a role without a bus).
void RegisterReports(http::Router& router, const ManagementBackends& backends);

}  // namespace sms::management
