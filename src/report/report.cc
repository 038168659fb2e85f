#include "report/report.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include <boost/json.hpp>

#include "mail/mime.h"

namespace sms::report {
namespace {

namespace json = boost::json;

Result<Day> DayMember(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr) return Status::InvalidArgument(std::string(key) + " is required", key);
  if (!v->is_string()) {
    return Status::InvalidArgument(std::string(key) + " must be a date YYYY-MM-DD", key);
  }
  return ParseDay(v->get_string(), key);
}

Result<std::vector<std::string>> Emails(const json::object& o) {
  const json::value* v = o.if_contains("emails");
  if (v == nullptr) return Status::InvalidArgument("emails is required", "emails");
  if (!v->is_array() || v->get_array().empty() || v->get_array().size() > kMaxRecipients) {
    return Status::InvalidArgument(
        "emails must be an array of 1 to " + std::to_string(kMaxRecipients) + " addresses",
        "emails");
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const json::value& e : v->get_array()) {
    if (!e.is_string()) return Status::InvalidArgument("emails must be strings", "emails");
    std::string address(e.get_string());
    Status ok = mail::ValidateAddress(address, "emails");
    if (!ok.ok()) return ok;
    if (seen.insert(address).second) out.push_back(std::move(address));
  }
  return out;
}

// Transitions inside [from, to): events that changed the state the one before had set.
int64_t CountTransitions(const std::vector<StatusEvent>& events, Millis from, Millis to) {
  int64_t n = 0;
  for (size_t i = 1; i < events.size(); ++i) {
    const StatusEvent& e = events[i];
    if (e.at >= from && e.at < to && e.status != events[i - 1].status) ++n;
  }
  return n;
}

void Rank(Report& r) {
  double sum = 0;
  for (size_t i = 0; i < r.servers.size(); ++i) {
    const ServerLine& s = r.servers[i];
    if (s.measured) {
      sum += s.uptime;
      ++r.measured;
      if (s.uptime < kUptimeThreshold) r.below.push_back(i);
    }
    if (s.transitions > 0) r.changed.push_back(i);
  }
  r.average_uptime = r.measured > 0 ? sum / double(r.measured) : 0;
  r.below_total = int64_t(r.below.size());
  auto by_uptime = [&](size_t a, size_t b) {
    return r.servers[a].uptime != r.servers[b].uptime ? r.servers[a].uptime < r.servers[b].uptime
                                                      : a < b;
  };
  std::stable_sort(r.below.begin(), r.below.end(), by_uptime);
  if (r.below.size() > kWorstListed) r.below.resize(kWorstListed);
  std::stable_sort(r.changed.begin(), r.changed.end(), [&](size_t a, size_t b) {
    return r.servers[a].transitions > r.servers[b].transitions;
  });
}

}  // namespace

Window MakeWindow(const Calendar& calendar, Day first, Day last) {
  return Window{first, last, calendar.tz(), calendar.StartOf(first), calendar.StartOf(last + 1)};
}

Result<ReportRequest> ParseReportRequest(std::string_view body, const Calendar& calendar,
                                         Millis now) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    return Status::InvalidArgument("the body must be a JSON object {start, end, emails}", "body");
  }
  const json::object& o = v.get_object();
  for (const auto& member : o) {
    std::string_view key = member.key();
    if (key != "start" && key != "end" && key != "emails") {
      return Status::InvalidArgument("unknown member '" + std::string(key) + "'",
                                     std::string(key));
    }
  }
  auto first = DayMember(o, "start");
  if (!first.ok()) return first.status();
  auto last = DayMember(o, "end");
  if (!last.ok()) return last.status();
  if (*first > *last) return Status::InvalidArgument("start must not be after end", "start");
  if (last->days - first->days + 1 > kMaxSpanDays) {
    return Status::InvalidArgument(
        "a report spans at most " + std::to_string(kMaxSpanDays) + " days", "end");
  }
  Day today = calendar.DayOf(now);
  if (*last > today) {
    return Status::InvalidArgument(
        "end must not be after today (" + FormatDay(today) + " in " + calendar.tz() + ")", "end");
  }
  auto emails = Emails(o);
  if (!emails.ok()) return emails.status();
  return ReportRequest{MakeWindow(calendar, *first, *last), std::move(emails).value()};
}

Result<Report> ComputeReport(store::ServerStore& store, history::History& history,
                             const Window& window, Millis now) {
  Report r;
  r.window = window;
  r.generated_at = now;
  auto stats = store.Stats();
  if (!stats.ok()) return stats.status();
  auto uptimes = history.UptimeAll(window.from, window.to, now);
  if (!uptimes.ok()) return uptimes.status();
  auto timelines = store.Timelines(window.from, window.to);
  if (!timelines.ok()) return timelines.status();
  std::unordered_map<std::string, const UptimeResult*> uptime_of;
  for (const auto& [id, u] : *uptimes) uptime_of.emplace(id, &u);
  if (!uptimes->empty()) r.source = uptimes->front().second.source;  // one source per call
  std::unordered_map<std::string, int64_t> transitions_of;
  for (const store::ServerTimeline& t : *timelines) {
    int64_t n = CountTransitions(t.events, window.from, window.to);
    if (n > 0) transitions_of.emplace(t.server_id, n);
  }
  Millis end = std::min(window.to, now);
  ServerQuery all;  // every server, by server_id
  Status scanned = store.ScanServers(all, [&](const Server& s) {
    ServerLine line{s.server_id, s.server_name, s.ipv4, s.status};
    auto u = uptime_of.find(s.server_id);
    Millis begin = std::max(window.from, s.created_time);
    if (u != uptime_of.end() && u->second->window_seconds > 0) {
      line.measured = true;
      line.uptime = u->second->uptime;
      line.downtime_seconds = u->second->window_seconds - u->second->up_seconds;
    } else if (begin < end) {
      // Never heard from in the window (a search history has no document of it): down.
      line.measured = true;
      line.downtime_seconds = double(end - begin) / 1000.0;
    }
    auto t = transitions_of.find(s.server_id);
    if (t != transitions_of.end()) line.transitions = t->second;
    r.servers.push_back(std::move(line));
    return Status::Ok();
  });
  if (!scanned.ok()) return scanned;
  r.total = stats->total;
  r.on = stats->on;
  r.off = stats->off;
  Rank(r);
  return r;
}

}  // namespace sms::report
