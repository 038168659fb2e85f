#include "mail/memory_sent_log.h"

namespace sms::mail {

MemorySentLog::MemorySentLog(size_t capacity) : capacity_(capacity) {}

Result<std::optional<JobState>> MemorySentLog::Get(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::optional<JobState>();
  return std::optional<JobState>(it->second.state);
}

Status MemorySentLog::Put(const std::string& id, const JobState& state) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it != entries_.end()) {
    it->second.state = state;
    order_.splice(order_.end(), order_, it->second.order);
    return Status::Ok();
  }
  if (entries_.size() >= capacity_) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(id);
  entries_.emplace(id, Entry{state, std::prev(order_.end())});
  return Status::Ok();
}

size_t MemorySentLog::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace sms::mail
