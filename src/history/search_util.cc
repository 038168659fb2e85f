#include "history/search_util.h"

#include <algorithm>
#include <cmath>

namespace sms::history {
namespace {

namespace json = boost::json;

// "type: reason" of a failed _bulk item.
std::string ItemReason(const json::value& result) {
  const json::value* type = Path(result, {"error", "type"});
  const json::value* reason = Path(result, {"error", "reason"});
  std::string out = type && type->is_string() ? std::string(type->as_string()) : "error";
  if (reason && reason->is_string()) out += ": " + std::string(reason->as_string());
  return out;
}

}  // namespace

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

// Calls `fn` for every hit of `query` in `indices` (the first `max_hits` when that is not 0),
// in `sort` order, paging with search_after; each hit carries its sort values and the
// `docvalues` asked for (under "fields"). REQUIRES: the last sort key is unique per document.
Status ScanSorted(SearchClient& client, const SearchHistoryOptions& o, const std::string& indices,
                  json::value query, json::array sort, json::array docvalues, const HitFn& fn,
                  size_t max_hits) {
  size_t left = max_hits;  // 0: no bound
  auto page = [&] { return left == 0 ? size_t(o.page_size) : std::min(left, size_t(o.page_size)); };
  size_t asked = page();
  json::object body{{"size", asked},
                    {"_source", false},
                    {"stored_fields", "_none_"},
                    {"track_total_hits", false},
                    {"query", std::move(query)},
                    {"sort", std::move(sort)}};
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
      if (max_hits > 0 && --left == 0) return Status::Ok();
    }
    if (hits->as_array().size() < asked) return Status::Ok();
    body["search_after"] = *Path(hits->as_array().back(), {"sort"});
    asked = page();
    body["size"] = asked;
  }
}

Status Unexpected(const char* what) {
  return Status::Internal(std::string("search backend: unexpected ") + what);
}

}  // namespace sms::history
