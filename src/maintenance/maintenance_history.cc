#include "maintenance/maintenance_history.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

namespace sms::maintenance {
namespace {

Millis UpMillis(const UptimeResult& r) { return std::llround(r.up_seconds * 1000.0); }

using UptimeList = std::vector<std::pair<std::string, UptimeResult>>;

// The stretches between consecutive boundaries of every occurrence in [from, to) that lie
// inside some occurrence: each server's maintenance is a union of some of them.
history::Spans Pieces(const std::vector<store::MaintenanceWindow>& windows, Millis from, Millis to,
                      const report::Calendar& calendar) {
  history::Spans all;
  for (const store::MaintenanceWindow& w : windows) {
    history::Spans some = Occurrences(w, from, to, calendar);
    all.insert(all.end(), some.begin(), some.end());
  }
  std::vector<Millis> cuts = {from, to};
  for (const history::Span& s : history::Clip(all, from, to)) {
    cuts.push_back(s.from);
    cuts.push_back(s.to);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  history::Spans covered = history::Clip(history::Union(all), from, to);
  history::Spans pieces;
  for (size_t i = 0; i + 1 < cuts.size(); ++i) {
    history::Span piece{cuts[i], cuts[i + 1]};
    bool inside = std::any_of(covered.begin(), covered.end(), [&](const history::Span& c) {
      return c.from <= piece.from && piece.to <= c.to;
    });
    if (inside) pieces.push_back(piece);
  }
  return pieces;
}

}  // namespace

Result<UptimeResult> MaintenanceHistory::Uptime(const Server& server, Millis from, Millis to,
                                                Millis now) {
  Result<UptimeResult> whole = inner_->Uptime(server, from, to, now);
  if (!whole.ok() || whole->to <= whole->from) return whole;
  Result<history::Spans> spans = maintenance_->Spans(server, whole->from, whole->to);
  if (!spans.ok()) return spans.status();
  return history::LeaveOutMaintenance(
      *whole, std::move(*spans), [&](Millis lo, Millis hi) -> Result<Millis> {
        Result<UptimeResult> part = inner_->Uptime(server, lo, hi, now);
        if (!part.ok()) return part.status();
        return UpMillis(*part);
      });
}

Result<UptimeList> MaintenanceHistory::UptimeAll(Millis from, Millis to, Millis now) {
  Result<UptimeList> whole = inner_->UptimeAll(from, to, now);
  if (!whole.ok()) return whole;
  Result<std::vector<store::MaintenanceWindow>> windows = maintenance_->Windows(from, to);
  if (!windows.ok()) return windows.status();
  const report::Calendar& calendar = maintenance_->calendar();
  history::Spans pieces = Pieces(*windows, from, std::min(to, now), calendar);
  if (pieces.empty()) return whole;
  // Each piece's on-time per server, from the wrapped history (which clips each piece to the
  // server's [created_time, now] as it clips the whole window).
  struct Piece {
    Millis end = 0;
    std::unordered_map<std::string, Millis> up;
  };
  std::map<Millis, Piece> up_in;  // by piece start
  for (const history::Span& piece : pieces) {
    Result<UptimeList> part = inner_->UptimeAll(piece.from, piece.to, now);
    if (!part.ok()) return part.status();
    Piece& p = up_in[piece.from];
    p.end = piece.to;
    for (const auto& [id, r] : *part) p.up[id] = UpMillis(r);
  }
  std::unordered_map<std::string, Server> servers;
  Status scan = store_->ScanServers(ServerQuery{}, [&](const Server& s) {
    servers.emplace(s.server_id, s);
    return Status::Ok();
  });
  if (!scan.ok()) return scan;
  for (auto& [id, r] : *whole) {
    auto found = servers.find(id);
    if (found == servers.end() || r.to <= r.from) continue;
    history::Spans spans = MaintenanceOf(*windows, found->second, r.from, r.to, calendar);
    // A span is a union of whole pieces, but for its ends, clipped to the server's window
    // as the pieces' answers are: the pieces that overlap it add up to its on-time.
    auto up_between = [&, &id = id](Millis lo, Millis hi) -> Result<Millis> {
      Millis up = 0;
      auto it = up_in.upper_bound(lo);
      if (it != up_in.begin() && std::prev(it)->second.end > lo) --it;
      for (; it != up_in.end() && it->first < hi; ++it) {
        auto u = it->second.up.find(id);
        if (u != it->second.up.end()) up += u->second;
      }
      return up;
    };
    Result<UptimeResult> cut = history::LeaveOutMaintenance(r, std::move(spans), up_between);
    if (!cut.ok()) return cut.status();
    r = *cut;
  }
  return whole;
}

}  // namespace sms::maintenance
