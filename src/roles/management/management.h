#pragma once
// The management role: the REST API under /api/v1 (servers CRUD, list with filter/sort/page,
// uptime, events, stats). Handlers parse, call one Store/History function and map the result.
// Thread-safe.

#include <memory>
#include <optional>

#include "cache/cache.h"
#include "core/clock.h"
#include "core/work_pool.h"
#include "history/history.h"
#include "http/message.h"
#include "http/router.h"
#include "report/calendar.h"
#include "report/scheduler.h"
#include "roles/common/write_health.h"
#include "roles/management/access.h"
#include "roles/management/event_stream.h"
#include "store/alert_store.h"
#include "store/maintenance_store.h"
#include "store/store.h"

namespace sms::management {

struct ManagementBackends {
  // The whole Store: the role serves servers, reports, users and the dashboard. Each part is
  // handed the interfaces it uses (Access, RegisterIdentity, RegisterRollups, the workbooks).
  store::StorePtr store;
  history::HistoryPtr history;
  cache::CachePtr cache;    // invalidated on writes (the worker caches server records)
  ClockPtr clock;
  // Reports (POST/GET /api/v1/reports): unset, those routes answer 503.
  std::shared_ptr<report::Reporter> reporter;
  std::optional<report::Calendar> calendar;  // --tz: the days of a report
  // Who may call what: with it, Register adds the identity routes and guards the router;
  // without it (handler tests) every route is open.
  std::shared_ptr<Access> access;
  // Where slow handlers run, off the I/O threads: password hashing and xlsx imports. Unset:
  // Management makes its own (2 threads at a lower CPU priority, 64 waiting at most).
  std::shared_ptr<WorkPool> slow_work;
  // The live feed (GET /api/v1/events/stream): unset, that route is not served.
  std::shared_ptr<EventHub> events;
  // Maintenance windows (/api/v1/maintenance): unset, those routes answer 503.
  store::MaintenanceStorePtr maintenance;
  // Told the outcome of every server create, update, delete and import (/readyz). Optional.
  roles::WriteHealthPtr write_health;
  // Channels, rules and alerts (alerts_api.h): unset, those routes answer 503.
  store::AlertStorePtr alerts;
  bool allow_private_webhooks = false;  // --allow-private-webhooks: channel URLs may be private
};

class Management {
 public:
  explicit Management(ManagementBackends backends);

  // Adds every /api/v1 route to `router` and, with an Access, makes it the router's guard.
  void Register(http::Router& router);

  http::Response CreateServer(const http::Request& req);
  http::Response ListServers(const http::Request& req);
  http::Response GetServer(const http::Request& req);
  http::Response UpdateServer(const http::Request& req);
  http::Response DeleteServer(const http::Request& req);
  http::Response Uptime(const http::Request& req);
  http::Response Events(const http::Request& req);
  http::Response Stats(const http::Request& req);

 private:
  void Invalidate(const std::string& server_id);
  ManagementBackends b_;
};

// The window of an uptime/events request: `from`/`to` RFC 3339, default the last 24 h ending
// now; from < to; at most 400 days.
Result<std::pair<Millis, Millis>> ParseWindow(const http::Request& req, Millis now);

}  // namespace sms::management
