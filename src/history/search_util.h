#pragma once
// Helpers shared by the parts of SearchHistory: reading JSON replies, paging a sorted search,
// judging a _bulk reply. Internal to the history module.

#include <boost/json.hpp>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "history/search_client.h"
#include "history/search_history.h"

namespace sms::history {

inline constexpr std::string_view kSearchParams = "ignore_unavailable=true&allow_no_indices=true";
// Searches fail rather than answer from some shards only: an uptime computed from part of the
// records would be wrong without saying so.
inline constexpr std::string_view kWholeResults = "&allow_partial_search_results=false";

// A JSON number as an integer; nullopt for anything else.
std::optional<int64_t> ToInt(const boost::json::value& v);
// The value at `keys` below `v`; null when a key is missing or a step is not an object.
const boost::json::value* Path(const boost::json::value& v,
                               std::initializer_list<std::string_view> keys);

// The outcome of a _bulk reply: OK, Unavailable when every failed item may succeed on a
// retry (429, 5xx), Internal otherwise; both name how many failed and the first reason.
Status BulkOutcome(const boost::json::value& reply, size_t sent);

using HitFn = std::function<Status(const boost::json::array& sort, const boost::json::value& hit)>;

// Calls `fn` for every hit of `query` in `indices` (the first `max_hits` when that is not 0),
// in `sort` order, paging with search_after; each hit carries its sort values and the
// `docvalues` asked for (under "fields"). REQUIRES: the last sort key is unique per document.
Status ScanSorted(SearchClient& client, const SearchHistoryOptions& o, const std::string& indices,
                  boost::json::value query, boost::json::array sort, boost::json::array docvalues,
                  const HitFn& fn, size_t max_hits = 0);

// Internal: "search backend: unexpected <what>".
Status Unexpected(const char* what);

}  // namespace sms::history
