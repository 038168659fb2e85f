// The notifier's view of maintenance: a window scoped by tag or id covers its servers while it
// lasts, on a real store.

#include "roles/mail/alert_maintenance.h"

#include <gtest/gtest.h>

#include "core/time.h"
#include "store/store.h"

namespace sms::mail {
namespace {

Millis T(const char* rfc3339) {
  Result<Millis> t = ParseTime(rfc3339, "t");
  EXPECT_TRUE(t.ok()) << rfc3339;
  return t.ok() ? *t : 0;
}

TEST(AlertMaintenanceTest, AWindowCoversItsServersWhileItLasts) {
  Result<store::Stores> stores = store::OpenStores({"sqlite::memory:"});
  ASSERT_TRUE(stores.ok()) << stores.status().ToString();
  store::MaintenanceWindow w;
  w.id = "mw-1";
  w.name = "rack b7";
  w.tags = {"rack:b7"};
  w.server_ids = {"db-1"};
  w.start = T("2026-12-06T10:00:00Z");
  w.end = T("2026-12-06T11:00:00Z");
  ASSERT_TRUE(stores->maintenance->InsertMaintenance(w).ok());
  auto calendar = report::Calendar::Make("UTC");
  ASSERT_TRUE(calendar.ok());
  AlertMaintenance m(std::make_shared<maintenance::Maintenance>(stores->maintenance, *calendar));
  const Millis during = T("2026-12-06T10:30:00Z");
  EXPECT_TRUE(m.Covers("web-1", {"prod", "rack:b7"}, during));
  EXPECT_TRUE(m.Covers("db-1", {}, during));
  EXPECT_FALSE(m.Covers("web-2", {"prod"}, during));
  EXPECT_FALSE(m.Covers("web-1", {"rack:b7"}, T("2026-12-06T11:00:00Z")));  // ended
}

}  // namespace
}  // namespace sms::mail
