#include "history/search_history.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string_view>

#include "core/validation.h"
#include "history/daily_index.h"
#include "history/search_util.h"

namespace sms::history {
namespace {

namespace json = boost::json;

constexpr Millis kMaxIntervalMs = Millis(kMaxInterval) * 1000;
constexpr Millis kDayMs = 86'400'000;

Status CheckOptions(const SearchHistoryOptions& o) {
  const std::string& p = o.index_prefix;
  bool prefix_ok = !p.empty() && p.size() <= 200 && std::isalnum(static_cast<unsigned char>(p[0]));
  for (char c : p) {
    bool allowed =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    prefix_ok = prefix_ok && allowed;
  }
  if (!prefix_ok) {
    return Status::InvalidArgument(
        "the index prefix must be 1-200 characters of [a-z0-9._-], starting with a letter or digit",
        "index_prefix");
  }
  if (o.shards < 1 || o.shards > 1024) return Status::InvalidArgument("1..1024", "shards");
  if (o.replicas < 0 || o.replicas > 16) return Status::InvalidArgument("0..16", "replicas");
  if (o.bulk_max_docs < 1) return Status::InvalidArgument("at least 1", "bulk_max_docs");
  if (o.page_size < 1 || o.page_size > 10000) {
    return Status::InvalidArgument("1..10000", "page_size");
  }
  if (o.grace.count() < 0) return Status::InvalidArgument("not negative", "grace");
  if (o.retention_days < 0) return Status::InvalidArgument("not negative", "retention_days");
  if (o.connect_timeout.count() <= 0 || o.bulk_timeout.count() <= 0 ||
      o.search_timeout.count() <= 0) {
    return Status::InvalidArgument("timeouts must be positive", "timeout");
  }
  return Status::Ok();
}

json::value HeartbeatDocument(const Heartbeat& hb, const std::string& id) {
  json::object doc;
  doc["id"] = id;
  doc["server_id"] = hb.server_id;
  doc["received_at"] = hb.received_at;
  doc["interval"] = hb.interval;
  if (!hb.hostname.empty()) doc["hostname"] = hb.hostname;
  if (!hb.ipv4.empty()) doc["ipv4"] = hb.ipv4;
  if (!hb.agent_version.empty()) doc["agent_version"] = hb.agent_version;
  if (hb.sent_at != 0) doc["sent_at"] = hb.sent_at;
  return doc;
}

json::value TemplateBody(const SearchHistoryOptions& o) {
  json::object keyword{{"type", "keyword"}};
  json::object millis{{"type", "date"}, {"format", "epoch_millis"}};
  json::object properties{
      {"id", keyword},
      {"server_id", keyword},
      {"hostname", keyword},
      {"agent_version", keyword},
      {"received_at", millis},
      {"sent_at", millis},
      {"interval", json::object{{"type", "integer"}}},
      // ignore_malformed: a bad address drops the field, never the heartbeat.
      {"ipv4", json::object{{"type", "ip"}, {"ignore_malformed", true}}},
  };
  json::object settings{{"number_of_shards", o.shards}, {"number_of_replicas", o.replicas}};
  json::object mappings{{"dynamic", false}, {"properties", std::move(properties)}};
  return json::object{
      {"index_patterns", json::array{o.index_prefix + "-*"}},
      {"priority", 100},
      {"template", json::object{{"settings", std::move(settings)}, {"mappings", mappings}}},
      {"_meta", json::object{{"description", "SMS heartbeats, one document per heartbeat"}}},
  };
}

// One server's runs as read, ordered by start, into the runs UptimeFromRuns measures: an open
// run that a later run follows was closed by a sweep whose close is not recorded (yet), so it
// ends at its last extension (at most kRunExtendStep plus an interval before the off, on_runs.h).
class ServerRuns {
 public:
  void Add(const OnRun& run) {
    if (!runs_.empty() && runs_.back().open) runs_.back().open = false;
    runs_.push_back(run);
  }
  UptimeResult Measure(Millis created, Millis from, Millis to, Millis now) const {
    UptimeResult r = UptimeFromRuns(runs_, created, from, to, now);
    r.source = UptimeSource::kSearch;
    return r;
  }

 private:
  std::vector<OnRun> runs_;
};

// A composite aggregation page: each server's first on-run, by server_id.
json::object FirstRunsQuery(int page_size) {
  json::object terms{{"terms", json::object{{"field", "server_id"}}}};
  json::object composite{{"size", page_size},
                         {"sources", json::array{json::object{{"server_id", terms}}}}};
  json::object first{{"min", json::object{{"field", "start"}}}};
  json::object servers{{"composite", composite}, {"aggs", json::object{{"first", first}}}};
  return json::object{
      {"size", 0}, {"track_total_hits", false}, {"aggs", json::object{{"servers", servers}}}};
}

}  // namespace

Result<std::shared_ptr<SearchHistory>> SearchHistory::Make(SearchHistoryOptions options,
                                                           store::ServerStorePtr store) {
  Status checked = CheckOptions(options);
  if (!checked.ok()) return checked;
  Result<std::unique_ptr<SearchClient>> client =
      SearchClient::Make(options.url, options.connect_timeout);
  if (!client.ok()) return client.status();
  return std::shared_ptr<SearchHistory>(
      new SearchHistory(std::move(options), std::move(client).value(), std::move(store)));
}

std::string SearchHistory::IndexFor(Millis received_at) const {
  return DailyIndexName(options_.index_prefix, UtcDay(received_at));
}

Status SearchHistory::InstallTemplate() {
  Result<json::value> r = client_->Json("PUT", "/_index_template/" + options_.index_prefix,
                                        TemplateBody(options_), options_.bulk_timeout);
  return r.status();
}

Status SearchHistory::EnsureTemplate() {
  // Held across the request so concurrent first writers install it once, not each.
  std::lock_guard<std::mutex> lock(template_mu_);
  if (template_installed_) return Status::Ok();
  Status s = InstallTemplate();
  template_installed_ = s.ok();
  return s;
}

Status SearchHistory::Refresh() {
  std::string path =
      "/" + options_.index_prefix + "-*," + RunsIndex() + "/_refresh?" + std::string(kSearchParams);
  return client_->Json("POST", path, json::value(), options_.search_timeout).status();
}

Status SearchHistory::Ping() {
  auto health =
      client_->Json("GET", "/_cluster/health", json::value(), std::chrono::milliseconds(1000));
  if (!health.ok()) return health.status();
  const json::value* status =
      health->is_object() ? health->as_object().if_contains("status") : nullptr;
  if (status && status->is_string() && status->get_string() == "red") {
    return Status::Unavailable("search cluster " + client_->display_url() + " is red");
  }
  return Status::Ok();
}

Status SearchHistory::Record(const std::vector<Heartbeat>& batch) {
  if (batch.empty()) return Status::Ok();
  Status t = EnsureTemplate();
  if (!t.ok()) return t;
  for (size_t begin = 0; begin < batch.size(); begin += options_.bulk_max_docs) {
    Status s = WriteBulk(batch, begin, std::min(batch.size(), begin + options_.bulk_max_docs));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Status SearchHistory::WriteBulk(const std::vector<Heartbeat>& batch, size_t begin, size_t end) {
  std::string body;
  body.reserve((end - begin) * 256);
  for (size_t i = begin; i < end; ++i) {
    const Heartbeat& hb = batch[i];
    // The heartbeat id makes a redelivery overwrite; every accepted heartbeat has one, and
    // one without still gets a stable id.
    std::string id = hb.id.empty() ? hb.server_id + "@" + std::to_string(hb.received_at) : hb.id;
    json::object action{{"_index", IndexFor(hb.received_at)}, {"_id", id}};
    body += json::serialize(json::object{{"index", std::move(action)}});
    body += '\n';
    body += json::serialize(HeartbeatDocument(hb, id));
    body += '\n';
  }
  Result<json::value> reply =
      client_->Call("POST", "/_bulk?filter_path=errors,items.*.status,items.*.error", body,
                    "application/x-ndjson", options_.bulk_timeout);
  if (!reply.ok()) return reply.status();
  return BulkOutcome(*reply, end - begin);
}

Result<UptimeResult> SearchHistory::Uptime(const Server& server, Millis from, Millis to,
                                           Millis now) {
  Millis lo = std::max(from, server.created_time);
  Millis hi = std::min(to, now);
  ServerRuns runs;
  if (hi > lo) {
    Status s = ScanRuns(server.server_id, lo, hi, [&](std::string_view, const OnRun& run) {
      runs.Add(run);
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  return runs.Measure(server.created_time, from, to, now);
}

Result<std::vector<std::pair<std::string, UptimeResult>>> SearchHistory::UptimeAll(Millis from,
                                                                                   Millis to,
                                                                                   Millis now) {
  Result<std::map<std::string, Millis>> starts = Starts();
  if (!starts.ok()) return starts.status();
  std::map<std::string, ServerRuns, std::less<>> runs;
  Millis hi = std::min(to, now);
  if (hi > from) {
    Status s = ScanRuns("", from, hi, [&](std::string_view server_id, const OnRun& run) {
      auto it = runs.find(server_id);
      if (it == runs.end()) it = runs.try_emplace(std::string(server_id)).first;
      it->second.Add(run);
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  // With a Store, the servers are its servers: runs of a server deleted since are left out.
  std::vector<std::pair<std::string, UptimeResult>> out;
  out.reserve(starts->size());
  const ServerRuns none;
  for (const auto& [server_id, created] : *starts) {
    auto it = runs.find(server_id);
    const ServerRuns& own = it == runs.end() ? none : it->second;
    out.emplace_back(server_id, own.Measure(created, from, to, now));
  }
  return out;
}

Result<std::map<std::string, Millis>> SearchHistory::Starts() {
  if (store_ == nullptr) return FirstRuns();
  std::map<std::string, Millis> created;
  Status scanned = store_->ScanServers(ServerQuery{}, [&](const Server& s) {
    created.emplace_hint(created.end(), s.server_id, s.created_time);
    return Status::Ok();
  });
  if (!scanned.ok()) return scanned;
  return created;
}

Result<std::map<std::string, Millis>> SearchHistory::FirstRuns() {
  json::object body = FirstRunsQuery(options_.page_size);
  std::string path = std::string("/").append(RunsIndex()) + "/_search?" +
                     std::string(kSearchParams) + std::string(kWholeResults) +
                     "&filter_path=aggregations.servers.after_key,aggregations.servers.buckets";
  std::map<std::string, Millis> firsts;
  for (;;) {
    Result<json::value> reply = client_->Json("POST", path, body, options_.search_timeout);
    if (!reply.ok()) return reply.status();
    const json::value* buckets = Path(*reply, {"aggregations", "servers", "buckets"});
    if (buckets == nullptr || !buckets->is_array()) return firsts;
    for (const json::value& b : buckets->as_array()) {
      const json::value* id = Path(b, {"key", "server_id"});
      const json::value* first = Path(b, {"first", "value"});
      std::optional<int64_t> t = first ? ToInt(*first) : std::nullopt;
      if (id == nullptr || !id->is_string() || !t) return Unexpected("aggregation bucket");
      firsts.emplace(std::string(id->as_string()), *t);
    }
    const json::value* after = Path(*reply, {"aggregations", "servers", "after_key"});
    if (buckets->as_array().size() < size_t(options_.page_size) || after == nullptr) {
      return firsts;
    }
    body["aggs"].as_object()["servers"].as_object()["composite"].as_object()["after"] = *after;
  }
}

Millis SearchHistory::Horizon(Millis now) const {
  if (options_.retention_days == 0) return kKeepsEverything;
  return now - options_.retention_days * kDayMs + kMaxIntervalMs + options_.grace.count();
}

Result<int64_t> SearchHistory::Expire(Millis now) {
  if (options_.retention_days == 0) return int64_t{0};
  return DeleteIndicesBefore(now - options_.retention_days * kDayMs);
}

Result<int64_t> SearchHistory::DeleteIndicesBefore(Millis cutoff) {
  Result<json::value> listed =
      client_->Json("GET", "/_cat/indices/" + options_.index_prefix + "-*?format=json&h=index",
                    json::value(), options_.search_timeout);
  if (!listed.ok()) return listed.status();
  if (!listed->is_array()) return Unexpected("reply listing the indices");
  std::vector<std::string> expired;
  for (const json::value& row : listed->as_array()) {
    const json::value* name = Path(row, {"index"});
    if (name == nullptr || !name->is_string()) return Unexpected("row listing the indices");
    std::optional<int64_t> day = DailyIndexDay(name->as_string(), options_.index_prefix);
    if (day && (*day + 1) * kDayMs <= cutoff) expired.emplace_back(name->as_string());
  }
  std::sort(expired.begin(), expired.end());  // oldest first
  int64_t deleted = 0;
  for (const std::string& index : expired) {
    Result<json::value> r =
        client_->Json("DELETE", "/" + index, json::value(), options_.bulk_timeout);
    // NotFound: another replica deleted it since the listing.
    if (!r.ok() && r.status().code() != Code::kNotFound) return r.status();
    deleted += r.ok();
  }
  return deleted;
}

}  // namespace sms::history
