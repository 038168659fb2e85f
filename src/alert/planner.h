#pragma once
// The alerting rules, as one pure function over what a Dispatch transaction read
// (store::DispatchInput) to what it writes (store::DispatchWrites). Backend-neutral and
// deterministic but for fresh delivery ids, so both stores share it and tests drive it with
// any clock. Stateless; thread-safe.
//
//   transition off   -> per rule selecting the server with "off": an alert, "pending" until
//                       after_seconds have passed (opened at once when 0); opening sends "off"
//   transition on    -> per rule: its pending alerts go (never sent), open or acknowledged
//                       ones resolve; "on" is sent when an alert was open, or for a rule
//                       without "off"
//   open, unacked    -> every repeat_minutes a reminder ("off" again) until acknowledged
//   flapping         -> flap_transitions within flap_window: one "flapping" alert per rule,
//                       then nothing for that server until it has been stable flap_stable
//   maintenance      -> a transition inside a window sends nothing (open alerts still resolve)
//   grouping, storms -> a rule's notifications wait in a window of group_ms opened by the
//                       first; when more than storm_threshold fall in one window for a
//                       channel, that channel gets one "digest" listing them instead

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/alert_store.h"

namespace sms::alert {

struct AlertSettings {
  // --alert-group-seconds. 9 s: a storm's digest goes out when its window closes, and the
  // window opens at the first notification, which the sweep's transitions make; what comes
  // around it (committing the transitions, the notifier's tick, sending) takes ~0.6 s for
  // 10 000 servers, so 9 s keeps the digest within 10 s of the sweep (docs/BENCHMARKS.md).
  Millis group_ms = 9'000;
  int storm_threshold = 20;         // --alert-storm-threshold
  int flap_transitions = 4;         // --alert-flap-transitions
  Millis flap_window_ms = 600'000;  // --alert-flap-window-seconds
  Millis flap_stable_ms = 600'000;  // --alert-flap-stable-seconds
  size_t digest_items = 500;        // alerts listed in one digest (the count says how many)
};

// Whether a server is in a maintenance window at a time. Implementations are thread-safe.
class Maintenance {
 public:
  virtual ~Maintenance() = default;
  virtual bool Covers(const std::string& server_id, const std::vector<std::string>& tags,
                      Millis at) const = 0;
};
using MaintenancePtr = std::shared_ptr<const Maintenance>;

// True when `rule` selects the server: no tags and no server_ids (every server), or server_id
// listed, or every tag of the rule on the server.
bool RuleSelects(const store::RuleRecord& rule, const std::string& server_id,
                 const std::vector<std::string>& tags);

// What Dispatch writes for `in` (see the header comment). `maintenance` may be null.
store::DispatchWrites PlanDispatch(const store::DispatchInput& in, const AlertSettings& settings,
                                   const Maintenance* maintenance);

}  // namespace sms::alert
