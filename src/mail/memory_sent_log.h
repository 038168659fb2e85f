#pragma once
// MemorySentLog: the in-process SentLog. It remembers the newest `capacity` ids (recording an
// id again refreshes it); the oldest is forgotten first, so memory stays bounded while a
// redelivery, which comes soon after the first delivery, still finds its id. Lost with the
// process, like the in-process bus whose redeliveries it guards. Thread-safe.

#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "mail/sent_log.h"

namespace sms::mail {

class MemorySentLog final : public SentLog {
 public:
  static constexpr size_t kDefaultCapacity = 100'000;

  // REQUIRES: capacity > 0.
  explicit MemorySentLog(size_t capacity = kDefaultCapacity);

  // Never fails.
  Result<std::optional<JobState>> Get(const std::string& id) override;
  // Never fails. Forgets the least recently recorded id when `capacity` would be exceeded.
  Status Put(const std::string& id, const JobState& state) override;

  size_t size() const;

 private:
  struct Entry {
    JobState state;
    std::list<std::string>::iterator order;  // its place in order_
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::string> order_;  // ids, least recently recorded first
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace sms::mail
