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
#include "history/coverage.h"
#include "history/daily_index.h"

namespace sms::history {
namespace {

namespace json = boost::json;

constexpr Millis kMaxIntervalMs = Millis(kMaxInterval) * 1000;
constexpr Millis kDayMs = 86'400'000;
constexpr int64_t kMaxListedDays = 31;  // beyond this, search <prefix>-* instead of a list
constexpr std::string_view kSearchParams = "ignore_unavailable=true&allow_no_indices=true";
// Searches fail rather than answer from some shards only: an uptime computed from part of the
// heartbeats would be wrong without saying so.
constexpr std::string_view kWholeResults = "&allow_partial_search_results=false";

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

// The window actually measured: [from, to] clipped to [created, now]; empty when inverted.
UptimeResult Window(Millis created, Millis from, Millis to, Millis now) {
  UptimeResult r;
  r.source = UptimeSource::kSearch;
  r.from = std::max(from, created);
  r.to = std::min(to, now);
  if (r.to < r.from) r.to = r.from;
  return r;
}

void Measure(UptimeResult& r, Millis up) {
  Millis window = r.to - r.from;
  if (window <= 0) return;
  r.up_seconds = double(up) / 1000.0;
  r.window_seconds = double(window) / 1000.0;
  r.uptime = double(up) / double(window);
}

std::optional<int64_t> ToInt(const json::value& v) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64()) return int64_t(v.as_uint64());
  if (v.is_double()) return int64_t(std::llround(v.as_double()));
  return std::nullopt;
}

const json::value* Path(const json::value& v, std::initializer_list<std::string_view> keys) {
  const json::value* cur = &v;
  for (std::string_view k : keys) {
    if (!cur->is_object()) return nullptr;
    cur = cur->as_object().if_contains(k);
    if (cur == nullptr) return nullptr;
  }
  return cur;
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

// "type: reason" of a failed _bulk item.
std::string ItemReason(const json::value& result) {
  const json::value* type = Path(result, {"error", "type"});
  const json::value* reason = Path(result, {"error", "reason"});
  std::string out = type && type->is_string() ? std::string(type->as_string()) : "error";
  if (reason && reason->is_string()) out += ": " + std::string(reason->as_string());
  return out;
}

// The outcome of a _bulk reply: OK, Unavailable when every failed item may succeed on a
// retry (429, 5xx), Internal otherwise; both name how many failed and the first reason.
Status BulkOutcome(const json::value& reply, size_t sent) {
  const json::value* errors = Path(reply, {"errors"});
  if (errors == nullptr || !errors->is_bool()) {
    return Status::Internal("search backend: a _bulk reply without \"errors\"");
  }
  if (!errors->as_bool()) return Status::Ok();
  const json::value* items = Path(reply, {"items"});
  size_t failed = 0;
  std::string first_retryable;
  std::string first_permanent;
  if (items != nullptr && items->is_array()) {
    for (const json::value& item : items->as_array()) {
      if (!item.is_object() || item.as_object().empty()) continue;
      const json::value& result = item.as_object().begin()->value();
      const json::value* status_value = Path(result, {"status"});
      std::optional<int64_t> status = status_value ? ToInt(*status_value) : std::nullopt;
      if (!status || *status < 300) continue;
      ++failed;
      std::string reason = "HTTP " + std::to_string(*status) + ": " + ItemReason(result);
      bool retryable = *status == 429 || *status >= 500;
      std::string& first = retryable ? first_retryable : first_permanent;
      if (first.empty()) first = std::move(reason);
    }
  }
  std::string what = "search backend rejected " + std::to_string(failed) + " of " +
                     std::to_string(sent) + " heartbeats: ";
  if (!first_permanent.empty()) return Status::Internal(what + first_permanent);
  if (!first_retryable.empty()) return Status::Unavailable(what + first_retryable);
  return Status::Internal("search backend: a _bulk reply with errors but no failed item");
}

using HitFn = std::function<Status(const json::array& sort, const json::value& hit)>;

// Calls `fn` for every hit of `query` in `indices`, in `sort` order, paging with
// search_after; each hit carries its sort values and the `docvalues` asked for (under
// "fields"). REQUIRES: the last sort key is unique per document.
Status ScanSorted(SearchClient& client, const SearchHistoryOptions& o, const std::string& indices,
                  json::value query, json::array sort, json::array docvalues, const HitFn& fn) {
  json::object body{{"size", o.page_size},       {"_source", false},
                    {"stored_fields", "_none_"}, {"track_total_hits", false},
                    {"query", std::move(query)}, {"sort", std::move(sort)}};
  if (!docvalues.empty()) body["docvalue_fields"] = std::move(docvalues);
  std::string path = "/" + indices + "/_search?" + std::string(kSearchParams) +
                     std::string(kWholeResults) + "&filter_path=hits.hits.sort,hits.hits.fields";
  for (;;) {
    Result<json::value> reply = client.Json("POST", path, body, o.search_timeout);
    if (!reply.ok()) return reply.status();
    const json::value* hits = Path(*reply, {"hits", "hits"});
    if (hits == nullptr || !hits->is_array() || hits->as_array().empty()) return Status::Ok();
    for (const json::value& hit : hits->as_array()) {
      const json::value* sort_values = Path(hit, {"sort"});
      if (sort_values == nullptr || !sort_values->is_array()) {
        return Status::Internal("search backend: a hit without sort values");
      }
      Status s = fn(sort_values->as_array(), hit);
      if (!s.ok()) return s;
    }
    if (hits->as_array().size() < size_t(o.page_size)) return Status::Ok();
    body["search_after"] = *Path(hits->as_array().back(), {"sort"});
  }
}

// Heartbeats received in [lo, hi].
json::value ReceivedBetween(Millis lo, Millis hi) {
  json::object bounds{{"gte", lo}, {"lte", hi}};
  return json::object{{"range", json::object{{"received_at", std::move(bounds)}}}};
}

Status Unexpected(const char* what) {
  return Status::Internal(std::string("search backend: unexpected ") + what);
}

// Folds hits sorted by received_at, their sort values (received_at, server_id, interval, id),
// into each server's covered milliseconds of [max(from, first heartbeat), hi], as of `now`.
// One Coverage per server heard from: memory O(servers).
class FleetFold {
 public:
  FleetFold(Millis from, Millis hi, Millis now, Millis grace, std::map<std::string, Millis>& firsts)
      : from_(from), hi_(hi), now_(now), grace_(grace), firsts_(firsts) {}

  Status Add(const json::array& key) {
    std::optional<int64_t> t = key.size() < 4 ? std::nullopt : ToInt(key[0]);
    std::optional<int64_t> interval_s = t ? ToInt(key[2]) : std::nullopt;
    if (!interval_s || !key[1].is_string()) return Unexpected("sort values in a hit");
    std::string_view server_id = key[1].as_string();
    auto it = runs_.find(server_id);
    if (it == runs_.end()) {
      // Known from the caller, unless first heard from since: then this is the first.
      Millis first = firsts_.emplace(std::string(server_id), *t).first->second;
      it = runs_.try_emplace(std::string(server_id), std::max(from_, first), hi_, grace_).first;
    }
    it->second.Add(*t, *interval_s * 1000);
    return Status::Ok();
  }

  // The covered milliseconds of every server heard from, by server_id.
  void Finish(std::map<std::string, Millis>& covered) {
    for (auto& [server_id, coverage] : runs_) {
      coverage.StillOnAt(now_);
      covered[server_id] = coverage.Covered();
    }
  }

 private:
  Millis from_;
  Millis hi_;
  Millis now_;
  Millis grace_;
  std::map<std::string, Millis>& firsts_;
  std::map<std::string, Coverage, std::less<>> runs_;
};

// A composite aggregation page: each server's first heartbeat, by server_id.
json::object FirstHeartbeatsQuery(int page_size) {
  json::object terms{{"terms", json::object{{"field", "server_id"}}}};
  json::object composite{{"size", page_size},
                         {"sources", json::array{json::object{{"server_id", terms}}}}};
  json::object first{{"min", json::object{{"field", "received_at"}}}};
  json::object servers{{"composite", composite}, {"aggs", json::object{{"first", first}}}};
  return json::object{
      {"size", 0}, {"track_total_hits", false}, {"aggs", json::object{{"servers", servers}}}};
}

}  // namespace

Result<std::shared_ptr<SearchHistory>> SearchHistory::Make(SearchHistoryOptions options,
                                                           store::StorePtr store) {
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

std::string SearchHistory::IndicesFor(Millis lo, Millis hi) const {
  int64_t first = UtcDay(lo);
  int64_t last = UtcDay(std::max(lo, hi - 1));
  if (last - first >= kMaxListedDays) return options_.index_prefix + "-*";
  std::string out;
  for (int64_t d = first; d <= last; ++d) {
    if (!out.empty()) out += ',';
    out += DailyIndexName(options_.index_prefix, d);
  }
  return out;
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
  std::string path = "/" + options_.index_prefix + "-*/_refresh?" + std::string(kSearchParams);
  return client_->Json("POST", path, json::value(), options_.search_timeout).status();
}

Status SearchHistory::Ping() {
  auto health = client_->Json("GET", "/_cluster/health", json::value(),
                              std::chrono::milliseconds(1000));
  if (!health.ok()) return health.status();
  const json::value* status = health->is_object() ? health->as_object().if_contains("status")
                                                  : nullptr;
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
  UptimeResult r = Window(server.created_time, from, to, now);
  if (r.to <= r.from) return r;
  auto [lo, hi] = FetchRange(r.from, r.to, now);
  json::array filter{json::object{{"term", json::object{{"server_id", server.server_id}}}},
                     ReceivedBetween(lo, hi)};
  json::value query = json::object{{"bool", json::object{{"filter", std::move(filter)}}}};
  json::array sort{json::object{{"received_at", "asc"}}, json::object{{"id", "asc"}}};
  Coverage coverage(r.from, r.to, options_.grace.count());
  auto add = [&](const json::array& key, const json::value& hit) {
    std::optional<int64_t> t = key.empty() ? std::nullopt : ToInt(key[0]);
    const json::value* interval = Path(hit, {"fields", "interval"});
    std::optional<int64_t> seconds;
    if (interval != nullptr && interval->is_array() && !interval->as_array().empty()) {
      seconds = ToInt(interval->as_array().front());
    }
    if (!t || !seconds) return Unexpected("hit without received_at or interval");
    coverage.Add(*t, *seconds * 1000);
    return Status::Ok();
  };
  Status s = ScanSorted(*client_, options_, IndicesFor(lo, hi), std::move(query), std::move(sort),
                        json::array{"interval"}, add);
  if (!s.ok()) return s;
  coverage.StillOnAt(now);
  Measure(r, coverage.Covered());
  return r;
}

Result<std::vector<std::pair<std::string, UptimeResult>>> SearchHistory::UptimeAll(Millis from,
                                                                                   Millis to,
                                                                                   Millis now) {
  Result<std::map<std::string, Millis>> starts = Starts();
  if (!starts.ok()) return starts.status();
  // With a Store, the servers are its servers: a server heard from in the window but absent
  // from the Store (deleted since) is measured by CoverAll and then left out.
  std::map<std::string, Millis> firsts = *starts;
  std::map<std::string, Millis> covered;
  if (std::min(to, now) > from) {
    Status s = CoverAll(from, to, now, firsts, covered);
    if (!s.ok()) return s;
  }
  const std::map<std::string, Millis>& listed = store_ != nullptr ? *starts : firsts;
  std::vector<std::pair<std::string, UptimeResult>> out;
  out.reserve(listed.size());
  for (const auto& [server_id, first] : listed) {
    UptimeResult r = Window(first, from, to, now);
    auto c = covered.find(server_id);
    Measure(r, c == covered.end() ? 0 : c->second);
    out.emplace_back(server_id, r);
  }
  return out;
}

Result<std::map<std::string, Millis>> SearchHistory::Starts() {
  if (store_ == nullptr) return FirstHeartbeats();
  std::map<std::string, Millis> created;
  Status scanned = store_->ScanServers(ServerQuery{}, [&](const Server& s) {
    created.emplace_hint(created.end(), s.server_id, s.created_time);
    return Status::Ok();
  });
  if (!scanned.ok()) return scanned;
  return created;
}

Result<std::map<std::string, Millis>> SearchHistory::FirstHeartbeats() {
  json::object body = FirstHeartbeatsQuery(options_.page_size);
  std::string path = "/" + options_.index_prefix + "-*/_search?" + std::string(kSearchParams) +
                     std::string(kWholeResults) +
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

Status SearchHistory::CoverAll(Millis from, Millis to, Millis now,
                               std::map<std::string, Millis>& firsts,
                               std::map<std::string, Millis>& covered) {
  Millis end = std::min(to, now);
  auto [lo, hi] = FetchRange(from, end, now);
  // Time order across servers: the date sort skips what a page cannot hold, and every value
  // the fold needs is a sort value, so no document is fetched.
  json::array sort{json::object{{"received_at", "asc"}}, json::object{{"server_id", "asc"}},
                   json::object{{"interval", "asc"}}, json::object{{"id", "asc"}}};
  FleetFold fold(from, end, now, options_.grace.count(), firsts);
  Status s = ScanSorted(*client_, options_, IndicesFor(lo, hi), ReceivedBetween(lo, hi),
                        std::move(sort), json::array{},
                        [&](const json::array& key, const json::value&) { return fold.Add(key); });
  if (!s.ok()) return s;
  fold.Finish(covered);
  return Status::Ok();
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

std::pair<Millis, Millis> SearchHistory::FetchRange(Millis from, Millis to, Millis now) const {
  Millis grace = options_.grace.count();
  // Earlier heartbeats end their span, grace included, before the window starts; later ones
  // than `to + grace` cannot continue a run that is on inside it.
  return {from - kMaxIntervalMs - grace, std::min(to + grace, now)};
}

}  // namespace sms::history
