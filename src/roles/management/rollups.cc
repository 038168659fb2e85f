#include "roles/management/rollups.h"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "auth/scopes.h"
#include "core/time.h"
#include "roles/management/management.h"

namespace sms::management {
namespace {

namespace json = boost::json;

constexpr Millis kMinute = 60'000;
constexpr Millis kDay = 86'400'000;
constexpr Millis kMaxWindow = 31 * kDay;
constexpr Millis kMaxPoints = 1440;

Millis Floor(Millis t, Millis unit) { return t - ((t % unit) + unit) % unit; }

// The figures of the overview besides the series: the counts now (the store's counters) and
// the 7 and 30 day means (the daily rollups).
Status AddFigures(store::ServerStore& store, store::DashboardStore& dash, Millis now,
                  json::object& body) {
  auto stats = store.Stats();
  if (!stats.ok()) return stats.status();
  body["now"] = json::object{{"total", stats->total}, {"on", stats->on}, {"off", stats->off}};
  return AddDailyMeans(dash, now, body);
}

http::Response Series(store::ServerStore& base, store::DashboardStore& store, const Clock& clock,
                      const http::Request& req) {
  auto window = ParseWindow(req, clock.Now());
  if (!window.ok()) return http::ErrorResponse(window.status());
  auto [from, to] = *window;
  if (to - from > kMaxWindow) {
    return http::ErrorResponse(400, "invalid_argument", "the window is at most 31 days", "from");
  }
  // Whole minutes, thinned to a step that keeps the answer under kMaxPoints.
  Millis step = kMinute;
  while ((to - from) / step > kMaxPoints) step += kMinute;
  if (step > kMinute && step % (5 * kMinute) != 0) step = (step / (5 * kMinute) + 1) * 5 * kMinute;
  auto minutes = store.FleetSeries(from, to, step);
  if (!minutes.ok()) return http::ErrorResponse(minutes.status());
  json::array items;
  double on_share = 0;  // the mean share of servers on: the fleet's mean uptime in the window
  for (const store::FleetMinute& m : *minutes) {
    on_share += m.total > 0 ? double(m.on) / double(m.total) : 0;
    items.emplace_back(json::object{
        {"at", FormatTime(m.minute)}, {"total", m.total}, {"on", m.on}, {"off", m.total - m.on}});
  }
  json::object body{{"from", FormatTime(from)},
                    {"to", FormatTime(to)},
                    {"step_seconds", step / 1000},
                    {"items", std::move(items)}};
  body["avg_on_share"] =
      minutes->empty() ? json::value(nullptr) : json::value(on_share / double(minutes->size()));
  if (Status s = AddFigures(base, store, clock.Now(), body); !s.ok()) {
    return http::ErrorResponse(s);
  }
  return http::JsonResponse(200, json::serialize(body));
}

}  // namespace

Status Rollups::Tick() {
  Millis now = b_.clock->Now();
  Millis minute = Floor(now, kMinute);
  if (minute != last_minute_) {
    auto stats = b_.servers->Stats();
    if (!stats.ok()) return stats.status();
    Status s = b_.dashboard->RecordFleetMinute(store::FleetMinute{minute, stats->total, stats->on});
    if (!s.ok()) return s;
    last_minute_ = minute;
  }
  return CloseDay(now);
}

Status Rollups::CloseDay(Millis now) {
  Millis today = Floor(now, kDay);
  // One replica per closed day: the claim's next run is the end of today.
  auto claimed = b_.schedule->ClaimRun(kDayJob, now, today + kDay);
  if (!claimed.ok()) return claimed.status();
  if (!*claimed) return Status::Ok();
  Millis day = today - kDay;
  auto all = b_.history->UptimeAll(day, today, now);
  if (!all.ok()) return all.status();  // the claim is spent: tomorrow's run covers that day
  double sum = 0;
  int64_t counted = 0;
  for (const auto& [id, u] : *all) {
    if (u.window_seconds <= 0) continue;  // created after that day
    sum += u.uptime;
    ++counted;
  }
  if (counted == 0) return Status::Ok();
  int64_t ppb = static_cast<int64_t>(sum / double(counted) * 1e9 + 0.5);
  spdlog::info("rollups: uptime of {} over {} servers: {:.4f}", FormatTime(day), counted,
               double(ppb) / 1e9);
  return b_.dashboard->RecordUptimeDay(store::UptimeDay{day, ppb, counted, now});
}

void Rollups::Start() {
  thread_.Start("sms-rollups", std::chrono::seconds(10), [this] {
    if (Status s = Tick(); !s.ok()) spdlog::warn("rollups: {}", s.ToString());
  });
}

Status AddDailyMeans(store::DashboardStore& store, Millis now, json::object& body) {
  Millis today = Floor(now, kDay);
  for (auto [key, days] : {std::pair{"avg_uptime_7d", 7}, std::pair{"avg_uptime_30d", 30}}) {
    auto mean = MeanDailyUptime(store, today - days * kDay, today);
    if (!mean.ok()) return mean.status();
    body[key] = *mean ? json::value(**mean) : json::value(nullptr);
  }
  return Status::Ok();
}

Result<std::optional<double>> MeanDailyUptime(store::DashboardStore& store, Millis from,
                                              Millis to) {
  auto days = store.UptimeDays(from, to);
  if (!days.ok()) return days.status();
  double weighted = 0;
  int64_t servers = 0;
  for (const store::UptimeDay& d : *days) {
    weighted += double(d.avg_ppb) / 1e9 * double(d.servers);
    servers += d.servers;
  }
  if (servers == 0) return std::optional<double>();
  return std::optional<double>(weighted / double(servers));
}

void RegisterRollups(http::Router& router, store::ServerStorePtr servers,
                     store::DashboardStorePtr dashboard, ClockPtr clock) {
  router.Add("GET", "/api/v1/stats/series", auth::kServersRead,
             [servers, dashboard, clock](http::Request& req) {
               return Series(*servers, *dashboard, *clock, req);
             });
}

}  // namespace sms::management
