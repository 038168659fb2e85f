#pragma once
// How one heartbeat changes a stored server record: the rules of Store::ApplyHeartbeats,
// shared by every Store implementation so they cannot drift apart. Pure functions.

#include "core/types.h"

namespace sms::store {

// True when the records differ in more than last_seen (and last_updated).
bool ChangedBeyondLastSeen(const Server& a, const Server& b);

// The stored record `s` after heartbeat `hb`: last_seen never moves backwards; ipv4, hostname
// and interval come from the newest heartbeat only; an off server turns on unless the
// heartbeat predates its off transition (a stale redelivery).
Server MergeHeartbeat(const Server& s, const Heartbeat& hb);

}  // namespace sms::store
