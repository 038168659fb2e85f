#pragma once
// The alerts API (scopes alerts:read and alerts:write):
//   POST|GET /api/v1/channels, GET|PATCH|DELETE /api/v1/channels/{channel_id},
//   POST /api/v1/channels/{channel_id}/test        -> 202 {"delivery_id"}: queued for the notifier
//   POST|GET /api/v1/alert-rules, GET|PATCH|DELETE /api/v1/alert-rules/{rule_id}
//   GET /api/v1/alerts?server_id=&state=&from=&to=&limit=, GET /api/v1/alerts/{alert_id},
//   POST /api/v1/alerts/{alert_id}/ack
//   GET /api/v1/alert-deliveries?state=&alert_id=&limit=  (state=dead: the dead-letter list)
// Handlers parse, call alert/channel.h and the AlertStore, and map the result. Thread-safe.

#include "http/router.h"
#include "roles/management/management.h"

namespace sms::management {

// Adds every route; they answer 503 when `backends` has no alert store.
void RegisterAlerts(http::Router& router, const ManagementBackends& backends);

}  // namespace sms::management
