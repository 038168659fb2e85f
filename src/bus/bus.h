#pragma once
// Bus: topics of messages between roles ("healthcheck", "mail"). At-least-once: a message a
// consumer polled but did not commit is delivered again (to it or another group member).
// Implementations: MemoryBus (embedded default), KafkaBus (brokers configured). Thread-safe.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::metrics {
class Metrics;
}

namespace sms::bus {

inline constexpr const char* kHeartbeatTopic = "healthcheck";
inline constexpr const char* kMailTopic = "mail";

struct Message {
  std::string topic;
  std::string key;
  std::string payload;
};

// One member of a consumer group. Not thread-safe: one thread polls and commits.
class Consumer {
 public:
  virtual ~Consumer() = default;
  // Waits up to `timeout` for at least one message; returns up to `max` (maybe none).
  // Unavailable when the bus is unreachable.
  virtual Result<std::vector<Message>> Poll(size_t max, std::chrono::milliseconds timeout) = 0;
  // Marks everything returned by Poll so far as processed. `times`, if not empty, holds one
  // instant per message Poll returned since the last Commit call, in order (a heartbeat's
  // arrival; 0: none): the bus keeps, with each partition committed, the latest of them, for
  // Bus::ConsumedThrough. A failed Commit keeps them for the next.
  virtual Status Commit(const std::vector<Millis>& times) = 0;
  Status Commit() { return Commit({}); }
};

// Told once whether a published message is durable: OK once it will survive the process (a
// journal synced to disk, a broker's acknowledgement), an error once it is known to be lost.
// Called on a bus thread (or inside Publish): it must not block.
using Delivered = std::function<void(const Status&)>;

class Bus {
 public:
  virtual ~Bus() = default;
  Bus() = default;
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  // Queues a message. Never blocks: Unavailable when the queue is full or the bus is down
  // (the message says which). When it answers OK, `delivered` (if set) is called exactly once
  // later, or before Publish returns; when it answers an error, never.
  virtual Status Publish(const std::string& topic, const std::string& key,
                         const std::string& payload, Delivered delivered) = 0;
  // Publish without waiting to hear of durability.
  Status Publish(const std::string& topic, const std::string& key, const std::string& payload) {
    return Publish(topic, key, payload, nullptr);
  }
  // True when `delivered` means the message survives this process being killed (a journal
  // on disk, Kafka); false when it lives in this process's memory only.
  virtual bool durable() const = 0;
  // True when other processes may read its topics (Kafka): what one consumer leaves
  // uncommitted, another group member reads. False for a bus inside this process.
  virtual bool shared() const { return false; }
  // Joins `group` on `topic`. Members of one group share the messages.
  virtual Result<std::unique_ptr<Consumer>> Subscribe(const std::string& topic,
                                                      const std::string& group) = 0;
  // Messages published on `topic` and not yet committed by its slowest consumer group (for
  // /metrics and the drain at stop). 0 for an unknown topic. Unavailable when it cannot be
  // told (the bus does not answer in time): never a guess, since 0 reads as "all consumed".
  // Blocks for at most about a second.
  virtual Result<int64_t> Depth(const std::string& topic) = 0;
  // How far in time `group` has read `topic`, over every partition (every member's): nullopt
  // when nothing published waits for it; otherwise the earliest, over the partitions where
  // messages wait, of the latest time committed there (Consumer::Commit's `times`). Every
  // message still waiting came after that time (within the partition's order). Unavailable
  // when it cannot be told: the bus does not answer in time, or messages wait in a partition
  // where no time was committed yet. Blocks for at most about a second.
  virtual Result<std::optional<Millis>> ConsumedThrough(const std::string& topic,
                                                        const std::string& group) = 0;
  // Waits until every published message has been handed to the backend (for shutdown).
  virtual Status Flush(std::chrono::milliseconds timeout) = 0;
  virtual Status Ping() = 0;
  // Adds what this bus counts (deliveries, its journal) to `registry`, read at each render;
  // call once. The default adds nothing. REQUIRES: the bus outlives every Render of `registry`.
  virtual void RegisterMetrics(metrics::Metrics& registry) { (void)registry; }
};

using BusPtr = std::shared_ptr<Bus>;

// Adds sms_bus_queue_depth{topic="<topic>"} to `registry`: Depth(topic) at each render, NaN
// while it cannot be told (so a stalled broker never reads as an empty queue).
void AddDepthGauge(metrics::Metrics& registry, BusPtr bus, const std::string& topic);

inline constexpr const char* kMailDeadLetterTopic = "mail.dlq";

struct BusConfig {
  std::string brokers;              // empty: in-process MemoryBus; "host:9092,…": KafkaBus
  // In-process bus only: the directory of its journal (see memory_bus.h), which makes the
  // heartbeat and mail topics durable; empty: memory only.
  std::string journal_dir;
  size_t journal_lanes = 4;  // its writers that sync side by side (see journal.h)
  size_t queue_capacity = 1 << 20;  // messages held before Publish answers Unavailable (Memory:
                                    // uncommitted per topic; Kafka: not yet acknowledged)
  // Kafka only (see kafka_bus.h).
  int partitions = 6;                    // of the topics KafkaBus creates when missing
  int replication_factor = 1;            // of the topics it creates (1: a one-broker cluster)
  std::string client_id = "smsd";        // names the connections in broker logs
  // Producer batching delay (a 202 waits for the ack): 10 ms sends a fifth of the produce
  // requests 2 ms did, which cost Kafka ~45 % less CPU per heartbeat (docs/CAPACITY.md).
  std::chrono::milliseconds linger{10};
  // A published message Kafka has not acknowledged by then is dropped and counted as failed.
  // 0 (the default): never; a message is retried until Kafka takes it, however long the
  // brokers are down, and the bounded queue pushes back (Publish answers Unavailable).
  std::chrono::milliseconds delivery_timeout{0};
  // Publish answers Unavailable once the brokers have been unreachable this long.
  std::chrono::milliseconds unreachable_after{10'000};
  // A group member silent this long is dropped; its uncommitted messages go to the others.
  std::chrono::milliseconds session_timeout{10'000};
  std::string depth_group = "sms-worker";  // Depth also counts this group's lag
  // Prepended to every topic and group name ("staging." -> "staging.healthcheck"), so that
  // several SMS installations (or test runs) can share one Kafka cluster without meeting.
  std::string topic_prefix;
};

Result<BusPtr> MakeBus(const BusConfig& config);

}  // namespace sms::bus
