#pragma once
// Store: every interface of one SQL backend on one database — the inventory and its status
// history (ServerStore), reports and mail outcomes (ReportStore), users, sessions and API
// tokens (IdentityStore), the dashboard's feed and rollups (DashboardStore), the claims of
// scheduled runs (ScheduleStore) and the retention (RetentionStore) — and the backend's health.
// What a consumer uses, it takes as the narrow interface; Store is what MakeStore opens and
// what main hands out, one interface per consumer.
// Implementations: SqliteStore (embedded default), PostgresStore (postgresql:// URLs).
// Every method is thread-safe; implementations serialise or pool as they need.

#include <memory>
#include <string>

#include "core/status.h"
#include "store/dashboard_store.h"
#include "store/identity_store.h"
#include "store/maintenance_store.h"
#include "store/report_store.h"
#include "store/retention_store.h"
#include "store/schedule_store.h"
#include "store/server_store.h"

namespace sms::store {

class Store : public ServerStore,
              public ReportStore,
              public IdentityStore,
              public DashboardStore,
              public ScheduleStore,
              public RetentionStore {
 public:
  // OK when the backend answers; Unavailable otherwise. On the aggregate, not on a narrow
  // interface: it is the health of the database every interface shares (the readiness check).
  virtual Status Ping() = 0;
};

using StorePtr = std::shared_ptr<Store>;

struct StoreConfig {
  std::string url;       // "sqlite:<path>" (default), "sqlite::memory:", "postgresql://…"
};

// The one factory: picks the implementation from the URL scheme. Runs migrations.
Result<StorePtr> MakeStore(const StoreConfig& config);

// Every interface one backend offers, on the same database (and the same connections): the
// Store, the alerts (store/alert_store.h) and the maintenance windows.
class AlertStore;
struct Stores {
  StorePtr store;
  std::shared_ptr<AlertStore> alerts;
  MaintenanceStorePtr maintenance;
};
// As MakeStore, handing out each interface of the backend it opens.
Result<Stores> OpenStores(const StoreConfig& config);

}  // namespace sms::store
