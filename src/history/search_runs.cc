// SearchHistory, its on-runs: the index <prefix>.runs, one document per on-run, written by
// scripted upserts and read back for uptime.

#include <boost/json.hpp>
#include <string_view>

#include "history/search_history.h"
#include "history/search_util.h"

namespace sms::history {
namespace {

namespace json = boost::json;

// An extension moves the end of an open run later; a close sets the end for good. Anything
// else (a redelivery, an extension after the close) is a no-op, so updates commute.
constexpr std::string_view kRunScript =
    "if (params.closes) {"
    "  if (ctx._source.open == false && ctx._source.end == params.end) { ctx.op = 'noop'; }"
    "  else { ctx._source.open = false; ctx._source.end = params.end; }"
    "} else if (ctx._source.open == true && params.end > ctx._source.end) {"
    "  ctx._source.end = params.end; ctx._source.interval = params.interval;"
    "} else { ctx.op = 'noop'; }";

json::value RunsIndexBody(const SearchHistoryOptions& o) {
  json::object keyword{{"type", "keyword"}};
  json::object number{{"type", "long"}};
  json::object properties{{"server_id", keyword},
                          {"start", number},
                          {"end", number},
                          {"interval", json::object{{"type", "integer"}}},
                          {"open", json::object{{"type", "boolean"}}}};
  // Stored in the order ScanRuns reads them, so each page of the sorted scan stops early
  // instead of sorting every run again.
  json::array sort_fields{"server_id", "start", "end", "open"};
  json::array sort_orders{"asc", "asc", "asc", "asc"};
  json::object settings{{"number_of_shards", o.shards},
                        {"number_of_replicas", o.replicas},
                        {"sort.field", std::move(sort_fields)},
                        {"sort.order", std::move(sort_orders)}};
  return json::object{
      {"settings", std::move(settings)},
      {"mappings", json::object{{"dynamic", false}, {"properties", std::move(properties)}}}};
}

std::string RunId(const RunUpdate& u) { return u.server_id + "@" + std::to_string(u.start); }

void AppendUpdate(std::string& body, const std::string& index, const RunUpdate& u) {
  json::object action{{"_index", index}, {"_id", RunId(u)}, {"retry_on_conflict", 5}};
  body += json::serialize(json::object{{"update", std::move(action)}});
  body += '\n';
  json::object params{{"closes", u.closes}, {"end", u.end}, {"interval", u.interval}};
  json::object upsert{{"server_id", u.server_id},
                      {"start", u.start},
                      {"end", u.end},
                      {"interval", u.interval},
                      {"open", !u.closes}};
  json::object script{{"lang", "painless"}, {"source", kRunScript}, {"params", std::move(params)}};
  body += json::serialize(json::object{{"script", std::move(script)}, {"upsert", upsert}});
  body += '\n';
}

std::optional<bool> ToBool(const json::value& v) {
  if (v.is_bool()) return v.as_bool();
  std::optional<int64_t> i = ToInt(v);
  if (i) return *i != 0;
  if (v.is_string()) return v.as_string() == "true";
  return std::nullopt;
}

// Runs that start by `hi` and are open or end at `lo` or later.
json::array RunsTouching(Millis lo, Millis hi) {
  json::object open{{"term", json::object{{"open", true}}}};
  json::object ends{{"range", json::object{{"end", json::object{{"gte", lo}}}}}};
  json::object either{
      {"bool", json::object{{"should", json::array{open, ends}}, {"minimum_should_match", 1}}}};
  json::object starts{{"range", json::object{{"start", json::object{{"lte", hi}}}}}};
  return json::array{std::move(starts), std::move(either)};
}

}  // namespace

std::string SearchHistory::RunsIndex() const { return options_.index_prefix + ".runs"; }

Status SearchHistory::EnsureRunsIndex() {
  std::lock_guard<std::mutex> lock(template_mu_);
  if (runs_index_ready_) return Status::Ok();
  Result<SearchReply> r = client_->Send("PUT", std::string("/").append(RunsIndex()),
                                        json::serialize(RunsIndexBody(options_)),
                                        "application/json", options_.bulk_timeout);
  if (!r.ok()) return r.status();
  bool exists = r->status == 400 && r->body.find("resource_already_exists") != std::string::npos;
  if (r->status / 100 != 2 && !exists) {
    if (r->status == 429 || r->status >= 500) {
      return Status::Unavailable("search backend: " + SearchErrorReason(r->body));
    }
    return Status::Internal("search backend: creating the runs index: " +
                            SearchErrorReason(r->body));
  }
  runs_index_ready_ = true;
  return Status::Ok();
}

Status SearchHistory::RecordRuns(const std::vector<RunUpdate>& updates) {
  if (updates.empty()) return Status::Ok();
  Status ready = EnsureRunsIndex();
  if (!ready.ok()) return ready;
  const std::string index = RunsIndex();
  for (size_t begin = 0; begin < updates.size(); begin += options_.bulk_max_docs) {
    size_t end = std::min(updates.size(), begin + options_.bulk_max_docs);
    std::string body;
    body.reserve((end - begin) * 640);
    for (size_t i = begin; i < end; ++i) AppendUpdate(body, index, updates[i]);
    Result<json::value> reply =
        client_->Call("POST", "/_bulk?filter_path=errors,items.*.status,items.*.error", body,
                      "application/x-ndjson", options_.bulk_timeout);
    if (!reply.ok()) return reply.status();
    Status s = BulkOutcome(*reply, end - begin);
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

Result<std::vector<RunUpdate>> SearchHistory::OpenRunsEndedBefore(Millis before, size_t limit) {
  json::array filter{json::object{{"term", json::object{{"open", true}}}},
                     json::object{{"range", json::object{{"end", json::object{{"lt", before}}}}}}};
  json::value query = json::object{{"bool", json::object{{"filter", std::move(filter)}}}};
  json::array sort{json::object{{"end", "asc"}}, json::object{{"server_id", "asc"}},
                   json::object{{"start", "asc"}}};
  std::vector<RunUpdate> runs;
  Status s = ScanSorted(
      *client_, options_, RunsIndex(), std::move(query), std::move(sort), json::array{},
      [&](const json::array& key, const json::value&) {
        std::optional<int64_t> end = key.size() < 3 ? std::nullopt : ToInt(key[0]);
        std::optional<int64_t> start = end ? ToInt(key[2]) : std::nullopt;
        if (!start || !key[1].is_string()) return Unexpected("sort values of a run");
        runs.push_back(
            {.server_id = std::string(key[1].as_string()), .start = *start, .end = *end});
        return Status::Ok();
      },
      limit);
  if (!s.ok()) return s;
  return runs;
}

Status SearchHistory::ScanRuns(const std::string& server_id, Millis lo, Millis hi,
                               const RunFn& fn) {
  json::array filter = RunsTouching(lo, hi);
  if (!server_id.empty()) {
    filter.push_back(json::object{{"term", json::object{{"server_id", server_id}}}});
  }
  json::value query = json::object{{"bool", json::object{{"filter", std::move(filter)}}}};
  // Every value needed is a sort value, so no document is fetched; server_id and start name
  // a run, so the last keys are unique.
  json::array sort{json::object{{"server_id", "asc"}}, json::object{{"start", "asc"}},
                   json::object{{"end", "asc"}}, json::object{{"open", "asc"}}};
  return ScanSorted(*client_, options_, RunsIndex(), std::move(query), std::move(sort),
                    json::array{}, [&](const json::array& key, const json::value&) {
                      std::optional<int64_t> start = key.size() < 4 ? std::nullopt : ToInt(key[1]);
                      std::optional<int64_t> end = start ? ToInt(key[2]) : std::nullopt;
                      std::optional<bool> open = end ? ToBool(key[3]) : std::nullopt;
                      if (!open || !key[0].is_string()) return Unexpected("sort values of a run");
                      return fn(key[0].as_string(), OnRun{*start, *end, *open});
                    });
}

}  // namespace sms::history
