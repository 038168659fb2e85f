#pragma once
// Test helpers for SearchHistory against a real node: the node from SMS_SEARCH_URL, a unique
// index prefix per run, and removal of that run's indices and template afterwards.

#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "history/search_history.h"

namespace sms::history::testing {

inline constexpr const char* kNoSearchUrl =
    "SMS_SEARCH_URL not set: start engines with scripts/services";

// The node's URL, or empty when SMS_SEARCH_URL is unset.
inline std::string SearchUrl() {
  const char* url = std::getenv("SMS_SEARCH_URL");
  return url == nullptr ? std::string() : std::string(url);
}

// An index prefix no other run uses (and that no default template pattern matches).
inline std::string UniquePrefix() {
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof buf, "sms-test-%d-%08x", int(getpid()), unsigned(rd()));
  return buf;
}

// Deletes the indices <prefix>-* and <prefix>.runs by name (some clusters refuse wildcard
// deletes) and the template <prefix>. True when all went (or were never made).
inline bool DropIndices(SearchClient& client, const std::string& prefix) {
  namespace json = boost::json;
  auto listed = client.Json("GET",
                            "/_cat/indices/" + prefix + "-*," + prefix +
                                ".runs*?format=json&h=index",
                            json::value(), std::chrono::seconds(10));
  if (!listed.ok() || !listed->is_array()) return false;
  std::string names;
  for (const json::value& row : listed->as_array()) {
    names += (names.empty() ? "" : ",") + std::string(row.at("index").as_string());
  }
  if (!names.empty() &&
      !client.Json("DELETE", "/" + names, json::value(), std::chrono::seconds(30)).ok()) {
    return false;
  }
  auto dropped =
      client.Json("DELETE", "/_index_template/" + prefix, json::value(), std::chrono::seconds(10));
  return dropped.ok() || dropped.status().code() == Code::kNotFound;
}

}  // namespace sms::history::testing
