#pragma once
// KafkaBus: the Bus on Apache Kafka (librdkafka), for the distributed shape.
//
// Topics: "healthcheck", "mail" and "mail.dlq" are created at start if missing, any other
// topic on its first Publish or Subscribe; with BusConfig::partitions partitions and
// BusConfig::replication_factor replicas, and messages up to 32 MiB (a report mail with its
// workbook is several MB). The broker's own auto-creation is never relied on.
//
// Producer: idempotent (acks=all, retries keep per-partition order), lz4-compressed when the
// library has it, batched for BusConfig::linger. Publish only enqueues into librdkafka's local
// queue (bounded by BusConfig::queue_capacity messages) and never blocks: it answers
// Unavailable "bus queue full (…)" when that queue is full, and Unavailable "kafka unreachable
// for N s (…)" once the brokers have been unreachable for BusConfig::unreachable_after. The
// brokers count as unreachable from librdkafka's "all brokers down" error, a delivery that
// failed for lack of a broker, or a failed metadata request (Ping, or the probe the bus runs
// every second while they are down); the message names the signal that started the period.
// A successful delivery or metadata request ends it.
// A message that Publish accepted and Kafka never acknowledged within
// BusConfig::delivery_timeout is counted (DeliveryFailures) and logged, never silently lost.
// Messages of one key go to one partition, so they are read in publish order.
//
// Consumer: one librdkafka consumer per Subscribe, in consumer group `group`, cooperative-
// sticky assignment, no auto-commit. Poll returns up to `max` messages: the first may wait
// for `timeout`, the rest are what is already fetched. Commit synchronously commits, per
// partition, the offset after the last message Poll returned, with the latest time given for
// the partition's messages as the offset's metadata (read back by ConsumedThrough). A member
// that dies or leaves without committing leaves its messages uncommitted, and the group reads
// them again (after BusConfig::session_timeout if it died without leaving). When a partition
// is taken away in a rebalance, the member forgets its uncommitted messages of that partition
// (the new owner reads them again) and Poll drops any it fetched but had not returned.
//
// Depth(topic): the largest committed-offset lag, summed over partitions, among the groups
// subscribed to `topic` through this bus and BusConfig::depth_group (if that group has
// committed offsets on the topic); 0 when the topic is unknown or the broker does not answer
// within a short timeout. The log persists on the brokers, so a stopping consumer need not
// drain (what it leaves uncommitted, the group reads again): Depth is for metrics and for
// telling whether a backlog exists. A drain loop waiting for Depth 0 waits for the whole
// group (every member's partitions), so it ends at its own deadline when others lag.
//
// Thread-safe. Consumers have their own connections and may outlive the bus.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bus/bus.h"
#include "core/clock.h"

namespace RdKafka {
class Producer;
class Topic;
}  // namespace RdKafka

namespace sms::bus {

class KafkaBus final : public Bus {
 public:
  // Connects to config.brokers (lazily: an unreachable broker is not an error here) and asks
  // for the standard topics. `clock` times the unreachable period (SystemClock if null).
  // InvalidArgument for a bad setting, naming it.
  static Result<std::shared_ptr<KafkaBus>> Open(const BusConfig& config, ClockPtr clock = {});
  // Stops the background thread. Messages not yet acknowledged are dropped, counted and
  // logged: call Flush first to wait for them.
  ~KafkaBus() override;

  // InvalidArgument for an empty topic or a message larger than the producer accepts;
  // Unavailable as described above. Thread-safe and wait-free of the network. `delivered` is
  // called from the polling thread with the delivery report: OK once every in-sync replica
  // has the message (acks=all), Unavailable when it was dropped (delivery timeout, shutdown).
  using Bus::Publish;
  Status Publish(const std::string& topic, const std::string& key, const std::string& payload,
                 Delivered delivered) override;
  bool durable() const override { return true; }
  bool shared() const override { return true; }
  // Creates the topic if missing (waits for it) and joins `group`. InvalidArgument for empty
  // names; Unavailable when the brokers do not answer.
  Result<std::unique_ptr<Consumer>> Subscribe(const std::string& topic,
                                              const std::string& group) override;
  // See the header comment. Blocks for at most about a second.
  Result<int64_t> Depth(const std::string& topic) override;
  // From the watermarks and the group's committed offsets with their metadata (see
  // KafkaConsumer::Commit); nullopt for an unknown topic. Blocks for at most about a second.
  Result<std::optional<Millis>> ConsumedThrough(const std::string& topic,
                                                const std::string& group) override;
  // Waits up to `timeout` until every published message was acknowledged or failed. OK only
  // if none is left and none of those failed; otherwise Unavailable saying how many.
  Status Flush(std::chrono::milliseconds timeout) override;
  // OK when a broker answered a metadata request within 1 s; the answer is reused for 1 s.
  Status Ping() override;
  // The counters sms_bus_messages_delivered_total, sms_bus_messages_failed_total
  // (DeliveredCount, DeliveryFailures) and the gauge sms_bus_messages_queued (messages in
  // librdkafka's queue, not yet acknowledged or failed).
  void RegisterMetrics(metrics::Metrics& registry) override;

  // Messages Publish accepted that Kafka never acknowledged (timed out, rejected, or dropped
  // at destruction). Monotonic.
  int64_t DeliveryFailures() const { return failed_.load(); }
  // Messages Kafka acknowledged. Monotonic.
  int64_t DeliveredCount() const { return delivered_.load(); }
  // Partitions of `topic` from the brokers' metadata; NotFound if the topic does not exist.
  Result<int> PartitionCount(const std::string& topic);

 private:
  struct Callbacks;  // librdkafka's delivery-report and event callbacks, bound to this bus

  KafkaBus(const BusConfig& config, ClockPtr clock);
  Status Start();
  void PollLoop();
  struct TopicState {
    std::unique_ptr<RdKafka::Topic> handle;
    bool ready = false;     // known to exist
    Millis requested = -1;  // steady ms when its creation was last asked for
  };

  RdKafka::Topic* TopicFor(const std::string& topic);          // creation asked for if not ready
  void RequestTopics(const std::vector<std::string>& topics);  // asynchronous
  Status EnsureTopic(const std::string& topic);                // waits for it
  void ServeAdminResults();
  Status Probe(std::chrono::milliseconds timeout);  // metadata request; updates the state
  // (low, high) watermark offsets of each partition of `topic`.
  Result<std::vector<std::pair<int64_t, int64_t>>> Watermarks(
      const std::string& topic, std::chrono::steady_clock::time_point deadline);
  // Sum over partitions of high watermark - committed offset (`marks`: low, high per
  // partition); -1 if `require_commits` and the group committed nothing on the topic.
  Result<int64_t> GroupLag(const std::string& topic, const std::string& group,
                           const std::vector<std::pair<int64_t, int64_t>>& marks,
                           bool require_commits, int timeout_ms);

  // Broker reachability. The first "down" signal starts the period; "up" ends it.
  void MarkDown(const std::string& reason);
  void MarkUp();
  void OnDelivery(bool ok, int error_code, const std::string& error);
  void LogFailures(bool force);

  const BusConfig config_;
  const ClockPtr clock_;
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  void* admin_queue_ = nullptr;  // rd_kafka_queue_t* for asynchronous topic creation
  // A consumer handle (rd_kafka_t*) of `group` that never subscribes, opened on first use: it
  // reads the group's committed offsets for Depth.
  Result<void*> OffsetReader(const std::string& group);
  std::mutex readers_mu_;
  std::map<std::string, void*> readers_;  // guarded by readers_mu_

  std::shared_mutex topics_mu_;
  std::map<std::string, TopicState> topics_;  // guarded by topics_mu_
  std::mutex groups_mu_;
  std::map<std::string, std::set<std::string>> groups_;  // topic -> groups subscribed here

  std::atomic<Millis> down_since_{-1};  // -1: reachable; written under state_mu_
  std::mutex state_mu_;
  std::string down_reason_;  // guarded by state_mu_
  std::string fatal_;        // guarded by state_mu_; non-empty: producer unusable
  std::atomic<bool> has_fatal_{false};

  std::atomic<int64_t> delivered_{0};
  std::atomic<int64_t> failed_{0};
  std::mutex log_mu_;
  int64_t unlogged_failures_ = 0;  // guarded by log_mu_
  std::string last_failure_;       // guarded by log_mu_
  Millis last_failure_log_ = 0;    // guarded by log_mu_

  std::mutex ping_mu_;
  Millis ping_at_ = -1;  // guarded by ping_mu_ (steady ms)
  Status ping_;          // guarded by ping_mu_

  std::atomic<bool> stop_{false};
  std::thread poller_;
};

}  // namespace sms::bus
