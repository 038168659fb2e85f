#include "roles/mail/alert_maintenance.h"

#include <spdlog/spdlog.h>

namespace sms::mail {

bool AlertMaintenance::Covers(const std::string& server_id, const std::vector<std::string>& tags,
                              Millis at) const {
  Server server;
  server.server_id = server_id;
  server.tags = tags;
  Result<bool> in = windows_->InMaintenance(server, at);
  if (!in.ok()) {
    spdlog::warn("alerts: maintenance windows unreadable, alerting anyway: {}",
                 in.status().ToString());
    return false;
  }
  return *in;
}

}  // namespace sms::mail
