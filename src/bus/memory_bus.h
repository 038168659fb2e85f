#pragma once
// MemoryBus: the in-process Bus, both the embedded default and the fake for unit tests.
//
// Per topic, every consumer group has its own FIFO queue, so each group sees every message
// (like Kafka) and the members of one group compete for them. A message is stored once per
// group that will read it: with the usual single group it is stored exactly once. Messages
// published before any group has joined wait in the topic and go to the first group that
// joins; a group that joins later starts with the messages published after it joined. A
// group outlives its members: messages published while it has none wait for the next one.
//
// Bound: Publish answers Unavailable once Depth(topic) reaches the capacity. Messages a
// member polled stay "in flight" until it commits; a member destroyed before committing puts
// them back at the front of its group's queue, in their original order (at-least-once).
// Order: one member reads its group's messages in publish order (redeliveries first); with
// several members, order across members (even for one key) is not kept.
//
// Durability: a MemoryBus opened with a journal (the embedded default, Open) appends every
// message of its journaled topics to a Journal under the data directory before Publish
// returns, and tells Publish's Delivered once the journal synced it; the messages a previous
// process left uncommitted are replayed into their topics at open (a message committed just
// before a crash may come again: consumers are idempotent). A message's journal segment is
// released when every group it went to committed it. Without a journal, a message is in
// memory only and its Delivered is called before Publish returns.
//
// Thread-safe. Consumers may outlive the bus; their Poll then answers Unavailable.

#include <cstddef>
#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "bus/bus.h"
#include "bus/journal.h"

namespace sms::bus {

class MemoryBus final : public Bus {
 public:
  // REQUIRES: queue_capacity > 0.
  explicit MemoryBus(size_t queue_capacity = BusConfig{}.queue_capacity);
  // A bus whose `journaled` topics are kept in a journal under journal.dir, replaying what
  // a previous process left there. Unavailable when the journal cannot be opened.
  static Result<std::shared_ptr<MemoryBus>> Open(size_t queue_capacity,
                                                 const JournalOptions& journal,
                                                 std::vector<std::string> journaled);
  ~MemoryBus() override;

  // InvalidArgument for an empty topic; Unavailable "bus queue full (N messages)" when
  // Depth(topic) has reached the capacity N. Never blocks on consumers.
  using Bus::Publish;
  Status Publish(const std::string& topic, const std::string& key, const std::string& payload,
                 Delivered delivered) override;
  bool durable() const override { return journal_ != nullptr; }
  // InvalidArgument for an empty topic or group.
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& topic,
                                              const std::string& group) override;
  // Messages published and not yet committed by the slowest group (in flight included);
  // with no group yet, the messages waiting for the first one. 0 for an unknown topic.
  Result<int64_t> Depth(const std::string& topic) override;
  // A group's queue is its one partition: the latest time committed by its members, while
  // messages wait for it (in flight included); Unavailable while they wait and none was
  // committed. With no group yet, Unavailable while messages wait for the first one.
  Result<std::optional<Millis>> ConsumedThrough(const std::string& topic,
                                                const std::string& group) override;
  // Always OK: a message is in the bus as soon as Publish returns.
  Status Flush(std::chrono::milliseconds timeout) override;
  Status Ping() override;
  // With a journal: its counters (journal_stats) as sms_bus_journal_{records,bytes,syncs,
  // failures}_total and the gauge sms_bus_journal_segments. Without one: nothing.
  void RegisterMetrics(metrics::Metrics& registry) override;

  // The journal's counters (zero without one).
  Journal::Stats journal_stats() const;

 private:
  struct Topic;  // one topic's groups and queues; shared with its consumers
  class Member;  // the Consumer handed out by Subscribe

  const std::shared_ptr<Topic>* FindTopic(const std::string& name);  // nullptr if unknown
  bool Journaled(const std::string& topic) const;
  const std::shared_ptr<Topic>& FindOrCreateTopic(const std::string& name);

  const size_t capacity_;
  std::shared_ptr<Journal> journal_;  // null: memory only
  std::vector<std::string> journaled_;
  std::shared_mutex mu_;  // guards topics_ (the map, not the topics)
  std::unordered_map<std::string, std::shared_ptr<Topic>> topics_;
};

}  // namespace sms::bus
