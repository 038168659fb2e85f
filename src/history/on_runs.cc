#include "history/on_runs.h"

#include <algorithm>
#include <map>

#include "core/uptime.h"

namespace sms::history {

std::vector<RunUpdate> RunsOfBatch(const std::vector<Heartbeat>& batch,
                                   const std::unordered_map<std::string, Millis>& on_since) {
  struct Seen {
    RunUpdate run;
    Millis oldest = 0;   // received_at of the batch's oldest heartbeat of the run
    Millis newest = 0;   // received_at of the beat that gave the interval
    bool first = false;  // a heartbeat of the run's first interval
  };
  std::map<std::string, Seen> runs;
  for (const Heartbeat& hb : batch) {
    auto since = on_since.find(hb.server_id);
    if (since == on_since.end() || hb.received_at < since->second) continue;
    auto [it, added] = runs.try_emplace(hb.server_id);
    Seen& seen = it->second;
    RunUpdate& run = seen.run;
    if (added) {
      run.server_id = hb.server_id;
      run.start = since->second;
      run.end = since->second;
      seen.oldest = hb.received_at;
    }
    seen.oldest = std::min(seen.oldest, hb.received_at);
    seen.first = seen.first || hb.received_at < run.start + Millis(hb.interval) * 1000;
    // As the sweep stamps the off: the newest heartbeat plus its own interval.
    if (added || hb.received_at >= seen.newest) {
      seen.newest = hb.received_at;
      run.interval = hb.interval;
      run.end = std::max(since->second, hb.received_at + Millis(hb.interval) * 1000);
    }
  }
  std::vector<RunUpdate> out;
  out.reserve(runs.size());
  for (auto& [id, seen] : runs) {
    Millis step_before = (seen.oldest - seen.run.start) / kRunExtendStep;
    Millis step_after = (seen.run.end - seen.run.start) / kRunExtendStep;
    if (seen.first || step_after > step_before) out.push_back(std::move(seen.run));
  }
  return out;
}

void NoteOnSince(const std::vector<Server>& servers,
                 std::unordered_map<std::string, Millis>& on_since) {
  for (const Server& s : servers) {
    if (s.status == ServerStatus::kOn) {
      on_since[s.server_id] = s.status_changed_at;
    } else {
      on_since.erase(s.server_id);
    }
  }
}

std::vector<RunUpdate> RunsClosedBy(const std::vector<store::OffTransition>& offs) {
  std::vector<RunUpdate> out;
  out.reserve(offs.size());
  for (const store::OffTransition& off : offs) {
    out.push_back({off.server_id, off.on_since, off.off_at, 0, true});
  }
  return out;
}

std::optional<RunUpdate> CloseOfOpenRun(const RunUpdate& run,
                                        const std::vector<StatusEvent>& events) {
  // The off must follow the run's own on: an off stamped at the same millisecond as the run's
  // start is the previous run's close when the on comes after it.
  bool on_seen = false;
  for (const StatusEvent& e : events) {
    if (e.at < run.start) continue;
    if (e.status == ServerStatus::kOn) {
      on_seen = true;
    } else if (on_seen || e.at > run.start) {
      return RunUpdate{.server_id = run.server_id, .start = run.start, .end = e.at, .closes = true};
    }
  }
  return std::nullopt;
}

std::vector<RunUpdate> RunsOfTimelines(const std::vector<store::ServerTimeline>& timelines) {
  std::vector<RunUpdate> out;
  for (const store::ServerTimeline& t : timelines) {
    for (const OnRun& run : RunsFromEvents(t.events)) {
      out.push_back({t.server_id, run.start, run.open ? run.start : run.end, 0, !run.open});
    }
  }
  return out;
}

}  // namespace sms::history
