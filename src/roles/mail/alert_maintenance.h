#pragma once
// alert::Maintenance over the maintenance windows (maintenance/windows.h): the notifier's
// planner asks whether a server is in one of its windows when a transition would alert.

#include <memory>
#include <string>
#include <vector>

#include "alert/planner.h"
#include "maintenance/windows.h"

namespace sms::mail {

class AlertMaintenance final : public alert::Maintenance {
 public:
  explicit AlertMaintenance(maintenance::MaintenancePtr windows) : windows_(std::move(windows)) {}

  // True when a window that selects the server (by id or tag) holds `at`. A window that cannot
  // be read covers nothing: the alert goes out (a missed suppression beats a missed alert).
  bool Covers(const std::string& server_id, const std::vector<std::string>& tags,
              Millis at) const override;

 private:
  maintenance::MaintenancePtr windows_;
};

}  // namespace sms::mail
