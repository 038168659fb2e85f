#include "history/tiered_history.h"

#include <algorithm>

namespace sms::history {

Status TieredHistory::Ping() {
  Status archive = archive_->Ping();
  return archive.ok() ? recent().Ping() : archive;
}

Status TieredHistory::Record(const std::vector<Heartbeat>& batch) {
  Status archive = archive_->Record(batch);
  return archive.ok() ? recent().Record(batch) : archive;
}

History& TieredHistory::For(Millis from, Millis now) const {
  return from < recent().Horizon(now) ? *archive_ : recent();
}

Result<UptimeResult> TieredHistory::Uptime(const Server& server, Millis from, Millis to,
                                           Millis now) {
  // A window reaching back before the server existed only measures from its creation.
  return For(std::max(from, server.created_time), now).Uptime(server, from, to, now);
}

Result<std::vector<std::pair<std::string, UptimeResult>>> TieredHistory::UptimeAll(Millis from,
                                                                                   Millis to,
                                                                                   Millis now) {
  return For(from, now).UptimeAll(from, to, now);
}

}  // namespace sms::history
