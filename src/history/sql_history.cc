#include "history/sql_history.h"

namespace sms::history {

Status SqlHistory::Record(const std::vector<Heartbeat>& /*batch*/) { return Status::Ok(); }

Result<UptimeResult> SqlHistory::Uptime(const Server& server, Millis from, Millis to, Millis now) {
  Result<std::vector<StatusEvent>> events = store_->ListEvents(server.server_id, from, to);
  if (!events.ok()) return events.status();
  return ComputeUptime(*events, server.created_time, from, to, now);
}

Result<std::vector<std::pair<std::string, UptimeResult>>> SqlHistory::UptimeAll(Millis from,
                                                                                Millis to,
                                                                                Millis now) {
  Result<std::vector<store::ServerTimeline>> timelines = store_->Timelines(from, to);
  if (!timelines.ok()) return timelines.status();
  std::vector<std::pair<std::string, UptimeResult>> out;
  out.reserve(timelines->size());
  for (store::ServerTimeline& t : *timelines) {
    UptimeResult u = ComputeUptime(t.events, t.created_time, from, to, now);
    out.emplace_back(std::move(t.server_id), u);
  }
  return out;
}

}  // namespace sms::history
