#include "bus/memory_bus.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "metrics/metrics.h"

namespace sms::bus {
namespace {

// A message as stored: the topic is implied by where it is stored.
struct Entry {
  std::string key;
  std::string payload;
  uint64_t segment = 0;  // its journal segment; 0: not journaled
};

struct Group {
  std::deque<Entry> queue;        // ready for any member, oldest first
  size_t in_flight = 0;           // polled by members, not yet committed
  Millis through = 0;             // the latest time committed (Consumer::Commit); 0: none
  std::condition_variable ready;  // signalled when `queue` gains entries

  size_t Uncommitted() const { return queue.size() + in_flight; }
};

}  // namespace

struct MemoryBus::Topic {
  explicit Topic(std::string n) : name(std::move(n)) {}

  // REQUIRES: mu held.
  void Enqueue(Entry&& entry) {
    if (groups.empty()) {
      backlog.push_back(std::move(entry));
      return;
    }
    size_t left = groups.size();
    for (auto& [group_name, group] : groups) {
      // Every group but the last gets a copy; the last takes the original.
      if (--left == 0) {
        group.queue.push_back(std::move(entry));
      } else {
        group.queue.push_back(entry);
      }
      group.ready.notify_one();
    }
  }

  // REQUIRES: mu held.
  size_t DepthLocked() const {
    if (groups.empty()) return backlog.size();
    size_t depth = 0;
    for (const auto& [name, group] : groups) depth = std::max(depth, group.Uncommitted());
    return depth;
  }

  const std::string name;
  std::shared_ptr<Journal> journal;  // null: memory only
  std::mutex mu;
  bool closed = false;                            // the bus is gone
  std::deque<Entry> backlog;                      // published before any group joined
  std::unordered_map<std::string, Group> groups;  // never erased: nodes stay put
};

// Member of `group` on `topic`. Keeps the topic alive, so it may outlive the bus.
class MemoryBus::Member final : public Consumer {
 public:
  Member(std::shared_ptr<Topic> topic, Group* group) : topic_(std::move(topic)), group_(group) {}

  // Hands the in-flight messages back to the group, ahead of everything else.
  ~Member() override {
    if (in_flight_.empty()) return;
    std::lock_guard lock(topic_->mu);
    for (auto it = in_flight_.rbegin(); it != in_flight_.rend(); ++it) {
      group_->queue.push_front(std::move(*it));
    }
    group_->in_flight -= in_flight_.size();
    group_->ready.notify_all();
  }

  Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) override {
    const size_t first = in_flight_.size();
    {
      std::unique_lock lock(topic_->mu);
      auto ready = [&] { return topic_->closed || !group_->queue.empty(); };
      if (!ready() && timeout.count() > 0) {
        group_->ready.wait_until(lock, std::chrono::steady_clock::now() + timeout, ready);
      }
      if (topic_->closed) return Status::Unavailable("bus closed");
      // Only moves under the lock; the copies for the caller are made after it.
      const size_t n = std::min(max, group_->queue.size());
      for (size_t i = 0; i < n; ++i) {
        in_flight_.push_back(std::move(group_->queue.front()));
        group_->queue.pop_front();
      }
      group_->in_flight += n;
      // A publish wakes one member; if this one left messages, let another take them.
      if (!group_->queue.empty()) group_->ready.notify_one();
    }
    std::vector<Message> out;
    out.reserve(in_flight_.size() - first);
    for (size_t i = first; i < in_flight_.size(); ++i) {
      out.push_back(Message{topic_->name, in_flight_[i].key, in_flight_[i].payload});
    }
    return out;
  }

  Status Commit(const std::vector<Millis>& times) override {
    if (in_flight_.empty()) return Status::Ok();
    const Millis latest = times.empty() ? 0 : *std::max_element(times.begin(), times.end());
    {
      std::lock_guard lock(topic_->mu);
      group_->in_flight -= in_flight_.size();
      group_->through = std::max(group_->through, latest);
    }
    if (topic_->journal) ReleaseJournal();
    in_flight_.clear();
    return Status::Ok();
  }

 private:
  // Tells the journal this group is done with the committed messages, a run of one segment
  // at a time (a batch rarely spans two).
  void ReleaseJournal() {
    size_t run = 0;
    uint64_t segment = 0;
    for (const Entry& e : in_flight_) {
      if (e.segment != segment && run > 0) topic_->journal->Release(segment, run);
      if (e.segment != segment) run = 0;
      segment = e.segment;
      run += segment != 0 ? 1 : 0;
    }
    if (run > 0) topic_->journal->Release(segment, run);
  }

  const std::shared_ptr<Topic> topic_;
  Group* const group_;            // owned by topic_
  std::vector<Entry> in_flight_;  // polled, not committed; oldest first
};

MemoryBus::MemoryBus(size_t queue_capacity) : capacity_(queue_capacity) {}

Result<std::shared_ptr<MemoryBus>> MemoryBus::Open(size_t queue_capacity,
                                                   const JournalOptions& journal,
                                                   std::vector<std::string> journaled) {
  auto bus = std::make_shared<MemoryBus>(queue_capacity);
  bus->journaled_ = std::move(journaled);
  // Replayed messages wait in their topic for the first group, past the capacity if need be:
  // they were accepted once.
  auto opened = Journal::Open(journal, [&bus](JournalRecord&& r) {
    Topic* topic = bus->FindOrCreateTopic(r.topic).get();
    std::lock_guard lock(topic->mu);
    topic->backlog.push_back(Entry{std::move(r.key), std::move(r.payload), r.segment});
  });
  if (!opened.ok()) return opened.status();
  bus->journal_ = std::move(opened).value();
  std::shared_lock lock(bus->mu_);
  for (auto& [name, topic] : bus->topics_) {  // the topics replay created
    if (bus->Journaled(name)) topic->journal = bus->journal_;
  }
  return bus;
}

bool MemoryBus::Journaled(const std::string& topic) const {
  return journal_ && std::find(journaled_.begin(), journaled_.end(), topic) != journaled_.end();
}

Journal::Stats MemoryBus::journal_stats() const {
  return journal_ ? journal_->stats() : Journal::Stats{};
}

MemoryBus::~MemoryBus() {
  for (auto& [name, topic] : topics_) {
    std::lock_guard lock(topic->mu);
    topic->closed = true;
    for (auto& [group_name, group] : topic->groups) group.ready.notify_all();
  }
}

// Topics are never erased and unordered_map nodes never move, so the returned pointer stays
// valid, and the shared_ptr it points to unchanged, for the life of the bus.
const std::shared_ptr<MemoryBus::Topic>* MemoryBus::FindTopic(const std::string& name) {
  std::shared_lock lock(mu_);
  auto it = topics_.find(name);
  return it == topics_.end() ? nullptr : &it->second;
}

const std::shared_ptr<MemoryBus::Topic>& MemoryBus::FindOrCreateTopic(const std::string& name) {
  if (const auto* topic = FindTopic(name)) return *topic;
  std::unique_lock lock(mu_);
  auto [it, inserted] = topics_.try_emplace(name);
  if (inserted) {
    it->second = std::make_shared<Topic>(name);
    if (Journaled(name)) it->second->journal = journal_;
  }
  return it->second;
}

Status MemoryBus::Publish(const std::string& topic_name, const std::string& key,
                          const std::string& payload, Delivered delivered) {
  if (topic_name.empty()) return Status::InvalidArgument("bus topic is empty", "topic");
  Topic* topic = FindOrCreateTopic(topic_name).get();
  Entry entry{key, payload};
  {
    std::lock_guard lock(topic->mu);
    if (topic->DepthLocked() >= capacity_) {
      return Status::Unavailable("bus queue full (" + std::to_string(capacity_) + " messages)");
    }
    if (topic->journal) {
      // Under the topic's lock, so that the holders counted are the groups it goes to.
      size_t holders = std::max<size_t>(1, topic->groups.size());
      entry.segment = topic->journal->Append(topic_name, key, payload, holders,
                                             std::move(delivered));
      topic->Enqueue(std::move(entry));
      return Status::Ok();
    }
    topic->Enqueue(std::move(entry));
  }
  if (delivered) delivered(Status::Ok());  // memory only: as durable as it gets
  return Status::Ok();
}

Result<std::unique_ptr<Consumer>> MemoryBus::Subscribe(const std::string& topic_name,
                                                       const std::string& group_name) {
  if (topic_name.empty()) return Status::InvalidArgument("bus topic is empty", "topic");
  if (group_name.empty()) return Status::InvalidArgument("consumer group is empty", "group");
  std::shared_ptr<Topic> topic = FindOrCreateTopic(topic_name);
  std::lock_guard lock(topic->mu);
  auto [it, inserted] = topic->groups.try_emplace(group_name);
  if (inserted && topic->groups.size() == 1) it->second.queue = std::exchange(topic->backlog, {});
  return std::unique_ptr<Consumer>(std::make_unique<Member>(topic, &it->second));
}

Result<int64_t> MemoryBus::Depth(const std::string& topic_name) {
  const auto* topic = FindTopic(topic_name);
  if (topic == nullptr) return int64_t{0};
  std::lock_guard lock((*topic)->mu);
  return static_cast<int64_t>((*topic)->DepthLocked());
}

Result<std::optional<Millis>> MemoryBus::ConsumedThrough(const std::string& topic_name,
                                                         const std::string& group_name) {
  const auto* topic = FindTopic(topic_name);
  if (topic == nullptr) return std::optional<Millis>();
  std::lock_guard lock((*topic)->mu);
  auto it = (*topic)->groups.find(group_name);
  size_t waiting = it != (*topic)->groups.end() ? it->second.Uncommitted()
                   : (*topic)->groups.empty()   ? (*topic)->backlog.size()
                                                : 0;
  if (waiting == 0) return std::optional<Millis>();
  if (it == (*topic)->groups.end() || it->second.through == 0) {
    return Status::Unavailable("bus: " + std::to_string(waiting) + " messages wait on " +
                               topic_name + " and no time was committed");
  }
  return std::optional<Millis>(it->second.through);
}

Status MemoryBus::Flush(std::chrono::milliseconds /*timeout*/) { return Status::Ok(); }

Status MemoryBus::Ping() { return Status::Ok(); }

void MemoryBus::RegisterMetrics(metrics::Metrics& registry) {
  if (!journal_) return;
  using Stats = Journal::Stats;
  struct Count {
    const char* name;
    const char* help;
    uint64_t (*read)(const Stats&);
  };
  const Count counts[] = {
      {"sms_bus_journal_records_total", "Records written to the bus journal since start.",
       [](const Stats& s) { return s.records; }},
      {"sms_bus_journal_bytes_total", "Bytes written to the bus journal since start.",
       [](const Stats& s) { return s.bytes; }},
      {"sms_bus_journal_syncs_total", "fdatasync calls of the bus journal since start.",
       [](const Stats& s) { return s.syncs; }},
      {"sms_bus_journal_failures_total", "Bus journal writes or syncs that failed since start.",
       [](const Stats& s) { return s.failures; }}};
  for (const Count& c : counts) {
    registry.AddCounter(c.name, c.help,
                        [journal = journal_, read = c.read] { return read(journal->stats()); });
  }
  registry.AddGauge("sms_bus_journal_segments", "Segment files of the bus journal on disk.",
                    [journal = journal_] { return double(journal->stats().segments); });
}

}  // namespace sms::bus
