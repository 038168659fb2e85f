#pragma once
// KafkaConsumer: the Consumer that KafkaBus::Subscribe hands out (internal to the bus module).
//
// One librdkafka consumer in consumer group `group` on one topic: cooperative-sticky
// assignment, no auto-commit, no auto offset store, reset to the earliest offset for a group
// that never committed. Poll returns up to `max` messages: the first may wait for `timeout`,
// the rest are those already fetched. Commit synchronously commits, per partition, the
// offset after the last message Poll returned, with the latest of the times given for the
// partition's messages as the offset's metadata (decimal milliseconds; none: empty), which
// KafkaBus::ConsumedThrough reads back. Destroying it leaves the group without
// committing, so the group reads the uncommitted messages again. When a rebalance takes a
// partition away, the member forgets its uncommitted messages of that partition (the new
// owner reads them again from the committed offset) and drops any it fetched but had not
// returned yet; committing them instead could skip messages the caller never processed.
//
// Not thread-safe (one thread polls and commits); its callbacks run inside that thread's
// Poll, Commit and destructor. Independent of the KafkaBus that created it.

#include <librdkafka/rdkafkacpp.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus.h"

namespace sms::bus {

class KafkaConsumer final : public Consumer, public RdKafka::RebalanceCb, public RdKafka::EventCb {
 public:
  // Joins `group` on `topic` (asynchronously: the assignment arrives during Poll).
  // REQUIRES: the topic exists; non-empty names.
  static Result<std::unique_ptr<KafkaConsumer>> Create(const BusConfig& config,
                                                       const std::string& topic,
                                                       const std::string& group);
  ~KafkaConsumer() override;

  // Unavailable when librdkafka reported every broker down during this call and nothing
  // was read.
  Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) override;
  // Unavailable when the commit failed; the messages stay uncommitted (delivered again).
  // While the group coordinator is unreachable this waits up to the session timeout.
  using Consumer::Commit;
  Status Commit(const std::vector<Millis>& times) override;

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override;
  void event_cb(RdKafka::Event& event) override;

 private:
  struct Fetched {
    std::string key;
    std::string payload;
    int32_t partition;
    int64_t offset;
  };

  KafkaConsumer(std::string topic, std::string group);
  void Forget(const std::vector<RdKafka::TopicPartition*>& partitions);

  const std::string topic_;
  const std::string group_;
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::vector<Fetched> batch_;              // being collected by Poll
  std::map<int32_t, int64_t> uncommitted_;  // partition -> offset after the last returned
  std::vector<int32_t> returned_;           // the partition of each returned since Commit
  std::map<int32_t, Millis> times_;         // partition -> latest time given for it
  std::string down_;                        // set during a Poll: why no broker answers
};

}  // namespace sms::bus
