#pragma once
// Test support for every Cache: what a lookup answered, as one comparable string, so that a
// test compares it without reading a Result it has not checked.

#include <string>

#include "cache/cache.h"

namespace sms::cache::testing {

// What Get answers for `key`: its value, "<none>", or "error: " and the status.
inline std::string Lookup(Cache& cache, const std::string& key) {
  auto got = cache.Get(key);
  if (!got.ok()) return "error: " + got.status().ToString();
  return got->value_or("<none>");
}

}  // namespace sms::cache::testing
