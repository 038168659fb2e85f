#pragma once
// LoginThrottle: slows password guessing. Failures are counted per key (a username, a client
// address); after `max_failures` in a row the key is locked for `first_lock`, doubling with each
// further lock up to `max_lock`. While locked, every attempt is refused without looking at the
// password, the right one included. A success clears the key. Memory is bounded: at most
// `max_keys` keys, the stalest dropped first. Thread-safe.

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "core/types.h"

namespace sms::auth {

struct ThrottleOptions {
  int max_failures = 5;
  Millis first_lock = 60'000;
  Millis max_lock = 15 * 60'000;
  Millis forget_after = 15 * 60'000;  // a key idle this long (and unlocked) starts afresh
  size_t max_keys = 100'000;
};

class LoginThrottle {
 public:
  explicit LoginThrottle(ThrottleOptions options = {}) : o_(options) {}

  // Milliseconds until `key` may try again; 0 when it may now.
  Millis RetryAfter(const std::string& key, Millis now);
  // Counts a failed attempt; may lock the key.
  void Fail(const std::string& key, Millis now);
  void Succeed(const std::string& key);

 private:
  struct Entry {
    int failures = 0;  // since the last lock (or success)
    int locks = 0;     // locks so far: each doubles the next
    Millis locked_until = 0;
    Millis last = 0;
    std::list<std::string>::iterator order;
  };
  Entry* Find(const std::string& key, Millis now);
  ThrottleOptions o_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // most recently failed last
};

}  // namespace sms::auth
