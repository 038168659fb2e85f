#include "store/heartbeat_merge.h"

#include <algorithm>

namespace sms::store {

bool ChangedBeyondLastSeen(const Server& a, const Server& b) {
  return a.status != b.status || a.ipv4 != b.ipv4 || a.hostname != b.hostname ||
         a.interval != b.interval;
}

Server MergeHeartbeat(const Server& s, const Heartbeat& hb) {
  Server next = s;
  next.last_seen = std::max(s.last_seen, hb.received_at);
  // Fields come from the newest heartbeat only: a redelivered old one must not revert them.
  if (hb.received_at >= s.last_seen) {
    if (!hb.ipv4.empty()) next.ipv4 = hb.ipv4;
    if (!hb.hostname.empty()) next.hostname = hb.hostname;
    next.interval = hb.interval;
  }
  if (s.status == ServerStatus::kOff) {
    if (s.last_seen == 0) {
      // Never seen (created through the API): nothing contradicts this heartbeat.
      next.status = ServerStatus::kOn;
      next.status_changed_at = std::max(hb.received_at, s.status_changed_at);
    } else if (hb.received_at >= s.status_changed_at) {
      next.status = ServerStatus::kOn;
      next.status_changed_at = hb.received_at;
    }
    // Otherwise the heartbeat predates the off transition: a stale redelivery.
  }
  if (ChangedBeyondLastSeen(next, s)) {
    next.last_updated = std::max(s.last_updated, hb.received_at);
  }
  return next;
}

}  // namespace sms::store
