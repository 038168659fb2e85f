#include "auth/throttle.h"

#include <algorithm>

namespace sms::auth {

LoginThrottle::Entry* LoginThrottle::Find(const std::string& key, Millis now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  Entry& e = it->second;
  if (e.locked_until <= now && now - e.last >= o_.forget_after) {
    order_.erase(e.order);
    entries_.erase(it);
    return nullptr;
  }
  return &e;
}

Millis LoginThrottle::RetryAfter(const std::string& key, Millis now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* e = Find(key, now);
  return e != nullptr && e->locked_until > now ? e->locked_until - now : 0;
}

void LoginThrottle::Fail(const std::string& key, Millis now) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry* e = Find(key, now);
  if (e == nullptr) {
    if (entries_.size() >= o_.max_keys) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    e = &entries_[key];
    e->order = std::prev(order_.end());
  } else {
    order_.splice(order_.end(), order_, e->order);
  }
  e->last = now;
  if (e->locked_until > now) return;  // refused unread: does not lengthen the lock
  if (++e->failures < o_.max_failures) return;
  Millis lock_for = o_.first_lock;
  for (int i = 0; i < e->locks && lock_for < o_.max_lock; ++i) lock_for *= 2;
  e->locked_until = now + std::min(lock_for, o_.max_lock);
  e->locks++;
  e->failures = 0;
}

void LoginThrottle::Succeed(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  order_.erase(it->second.order);
  entries_.erase(it);
}

}  // namespace sms::auth
