#include "bus/kafka_bus.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>
#include <utility>

#include "bus/kafka_consumer.h"
#include "bus/kafka_util.h"
#include "core/thread_name.h"
#include "metrics/metrics.h"

namespace sms::bus {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr Millis kProbeEvery = 1000;         // metadata probe period while brokers are down
constexpr Millis kRecreateAfter = 5000;      // asks again for a topic not created by then
constexpr milliseconds kAdminTimeout{5000};  // topic creation, waited for by Subscribe
constexpr milliseconds kDepthBudget{1000};   // all of Depth's requests together

Status Validate(const BusConfig& c) {
  if (c.partitions < 1 || c.partitions > 10'000) {
    return Status::InvalidArgument("kafka partitions must be 1..10000", "kafka_partitions");
  }
  if (c.replication_factor < 1 || c.replication_factor > 100) {
    return Status::InvalidArgument("kafka replication factor must be 1..100",
                                   "kafka_replication_factor");
  }
  if (c.linger.count() < 0 || c.linger.count() > 900'000) {
    return Status::InvalidArgument("kafka linger must be 0..900000 ms", "kafka_linger_ms");
  }
  if (c.delivery_timeout.count() < 0 ||
      (c.delivery_timeout.count() > 0 && c.delivery_timeout <= c.linger)) {
    return Status::InvalidArgument("kafka delivery timeout must be 0 (never) or exceed the linger",
                                   "kafka_delivery_timeout_ms");
  }
  if (c.unreachable_after.count() < 0) {
    return Status::InvalidArgument("kafka unreachable-after must not be negative",
                                   "kafka_unreachable_after_ms");
  }
  if (c.session_timeout.count() < 1 || c.session_timeout.count() > 3'600'000) {
    return Status::InvalidArgument("kafka session timeout must be 1..3600000 ms",
                                   "kafka_session_timeout_ms");
  }
  return Status::Ok();
}

// Deliveries that fail this way mean no broker took the message.
bool BrokerUnreachable(int err) {
  return err == RdKafka::ERR__MSG_TIMED_OUT || err == RdKafka::ERR__TRANSPORT ||
         err == RdKafka::ERR__ALL_BROKERS_DOWN || err == RdKafka::ERR__TIMED_OUT;
}

// The largest message a topic SMS creates takes (and the producer sends): a report mail with
// its workbook of 100 000 servers is about 4 MB; the brokers' default is 1 MB.
constexpr const char* kMaxMessageBytes = "33554432";

// Creates `names` asynchronously; the result event arrives on `queue`.
void CreateTopics(rd_kafka_t* rk, const std::vector<std::string>& names, const BusConfig& c,
                  rd_kafka_queue_t* queue) {
  std::vector<rd_kafka_NewTopic_t*> topics;
  char err[256];
  for (const std::string& name : names) {
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), c.partitions, c.replication_factor, err, sizeof err);
    if (t != nullptr &&
        rd_kafka_NewTopic_set_config(t, "max.message.bytes", kMaxMessageBytes) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
      spdlog::warn("kafka: topic {}: max.message.bytes not set; larger mails are refused", name);
    }
    if (t != nullptr) {
      topics.push_back(t);
    } else {
      spdlog::error("kafka: topic {} cannot be described: {}", name, err);
    }
  }
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(opts, int(kAdminTimeout.count()), err, sizeof err);
  // The answer then means the topic exists on the brokers, not only in the controller.
  rd_kafka_AdminOptions_set_operation_timeout(opts, int(kAdminTimeout.count()), err, sizeof err);
  rd_kafka_CreateTopics(rk, topics.data(), topics.size(), opts, queue);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
}

// Walks a CreateTopics result: `done(name, error)` per topic, error empty when it exists.
template <typename Done>
void ForEachCreated(rd_kafka_event_t* ev, Done done) {
  const rd_kafka_CreateTopics_result_t* res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t** results =
      res != nullptr ? rd_kafka_CreateTopics_result_topics(res, &n) : nullptr;
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    const bool exists =
        err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS;
    done(std::string(rd_kafka_topic_result_name(results[i])),
         exists ? std::string() : std::string(msg != nullptr ? msg : rd_kafka_err2str(err)));
  }
  if (n == 0 && rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    done(std::string(), std::string(rd_kafka_event_error_string(ev)));
  }
}

// What a group committed on one partition: the offset (-1: none) and the time in its metadata
// (KafkaConsumer::Commit's; 0: none).
struct Committed {
  int64_t offset = -1;
  Millis time = 0;
};

// The time a commit's metadata holds: decimal milliseconds; 0 for anything else.
Millis MetadataTime(const void* metadata, size_t size) {
  if (metadata == nullptr || size == 0 || size > 18) return 0;
  Millis time = 0;
  for (const char* c = static_cast<const char*>(metadata); size > 0; ++c, --size) {
    if (*c < '0' || *c > '9') return 0;
    time = time * 10 + (*c - '0');
  }
  return time;
}

// What the group of consumer handle `rk` committed on each of `partitions` partitions of
// `topic`. Asks through a consumer handle of that group, not the admin API: the
// admin ListConsumerGroupOffsets of librdkafka 2.0 dereferences a missing group handle when
// the coordinator answers NOT_COORDINATOR (right after a broker restart) and crashes.
Result<std::vector<Committed>> CommittedOffsets(rd_kafka_t* rk, const std::string& topic,
                                                size_t partitions, int timeout_ms) {
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>
      parts(rd_kafka_topic_partition_list_new(int(partitions)),
            rd_kafka_topic_partition_list_destroy);
  for (size_t p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(parts.get(), topic.c_str(), int32_t(p));
  }
  rd_kafka_resp_err_t err = rd_kafka_committed(rk, parts.get(), std::max(1, timeout_ms));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(std::string("kafka: committed offsets unknown: ") +
                               rd_kafka_err2str(err));
  }
  std::vector<Committed> committed(partitions);
  for (int i = 0; i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& tp = parts->elems[i];
    if (tp.err == RD_KAFKA_RESP_ERR_NO_ERROR && tp.partition >= 0 &&
        size_t(tp.partition) < partitions && tp.offset >= 0) {
      committed[size_t(tp.partition)] = {tp.offset, MetadataTime(tp.metadata, tp.metadata_size)};
    }
  }
  return committed;
}

}  // namespace

// librdkafka calls these from the thread that polls the producer (PollLoop or Flush).
struct KafkaBus::Callbacks final : public RdKafka::DeliveryReportCb, public RdKafka::EventCb {
  explicit Callbacks(KafkaBus* b) : bus(b) {}

  void dr_cb(RdKafka::Message& m) override {
    const bool ok = m.err() == RdKafka::ERR_NO_ERROR;
    bus->OnDelivery(ok, m.err(), m.errstr());
    // Publish's Delivered, owned by the message until its report.
    if (std::unique_ptr<Delivered> delivered{static_cast<Delivered*>(m.msg_opaque())}) {
      (*delivered)(ok ? Status::Ok() : Status::Unavailable("kafka delivery: " + m.errstr()));
    }
  }

  void event_cb(RdKafka::Event& e) override {
    if (e.type() == RdKafka::Event::EVENT_LOG) return LogKafkaEvent(e);
    if (e.type() != RdKafka::Event::EVENT_ERROR) return;
    if (e.fatal()) {
      std::string why;
      bus->producer_->fatal_error(why);
      spdlog::error("kafka: producer failed and stops publishing: {}", why);
      std::lock_guard lock(bus->state_mu_);
      bus->fatal_ = why.empty() ? e.str() : why;
      bus->has_fatal_ = true;
    } else if (e.err() == RdKafka::ERR__ALL_BROKERS_DOWN) {
      bus->MarkDown("all brokers down: " + e.str());
    } else if (e.err() != RdKafka::ERR__TRANSPORT) {  // transport errors are logged already
      spdlog::warn("kafka: {}: {}", RdKafka::err2str(e.err()), e.str());
    }
  }

  KafkaBus* const bus;
};

Result<std::shared_ptr<KafkaBus>> KafkaBus::Open(const BusConfig& config, ClockPtr clock) {
  if (config.brokers.empty()) return Status::InvalidArgument("no kafka brokers", "kafka_brokers");
  if (config.queue_capacity == 0) {
    return Status::InvalidArgument("bus queue capacity must be positive", "bus_queue_capacity");
  }
  Status valid = Validate(config);
  if (!valid.ok()) return valid;
  if (!clock) clock = std::make_shared<SystemClock>();
  std::shared_ptr<KafkaBus> bus(new KafkaBus(config, std::move(clock)));
  Status started = bus->Start();
  if (!started.ok()) return started;
  return bus;
}

KafkaBus::KafkaBus(const BusConfig& config, ClockPtr clock)
    : config_(config), clock_(std::move(clock)), callbacks_(std::make_unique<Callbacks>(this)) {}

Status KafkaBus::Start() {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  std::string features;
  conf->get("builtin.features", features);
  const bool lz4 = features.find("lz4") != std::string::npos;
  const auto capacity = std::min<size_t>(config_.queue_capacity, INT_MAX);
  Status s =
      SetKafkaConf(*conf, {{"bootstrap.servers", config_.brokers},
                           {"client.id", config_.client_id},
                           {"enable.idempotence", "true"},
                           {"acks", "all"},
                           {"linger.ms", std::to_string(config_.linger.count())},
                           {"compression.type", lz4 ? "lz4" : "none"},
                           {"queue.buffering.max.messages", std::to_string(capacity)},
                           {"message.max.bytes", kMaxMessageBytes},
                           {"message.timeout.ms", std::to_string(config_.delivery_timeout.count())},
                           {"allow.auto.create.topics", "false"},  // only with our partitions
                           {"log.connection.close", "false"},
                           // A broker back from an outage is seen within a second, not ten.
                           {"reconnect.backoff.max.ms", "1000"}});
  if (!s.ok()) return s;
  s = SetKafkaCallback(*conf, "dr_cb", static_cast<RdKafka::DeliveryReportCb*>(callbacks_.get()));
  if (!s.ok()) return s;
  s = SetKafkaCallback(*conf, "event_cb", static_cast<RdKafka::EventCb*>(callbacks_.get()));
  if (!s.ok()) return s;
  std::string err;
  producer_.reset(RdKafka::Producer::create(conf.get(), err));
  if (!producer_) return Status::Internal("kafka producer: " + err);
  admin_queue_ = rd_kafka_queue_new(producer_->c_ptr());
  std::vector<std::string> standard{kHeartbeatTopic, kMailTopic, kMailDeadLetterTopic};
  {
    std::unique_lock lock(topics_mu_);
    for (const auto& t : standard) topics_[t].requested = SteadyNowMs();
  }
  RequestTopics(standard);
  poller_ = std::thread([this] {
    NameThisThread("sms-kafka-poll");
    PollLoop();
  });
  return Status::Ok();
}

KafkaBus::~KafkaBus() {
  stop_ = true;
  if (poller_.joinable()) poller_.join();
  if (!producer_) return;
  // What is still queued would be lost silently by the destroy: report it as failed instead.
  producer_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
  producer_->flush(100);
  LogFailures(true);
  if (producer_->outq_len() > 0) {
    spdlog::error("kafka: {} messages left unacknowledged at shutdown", producer_->outq_len());
  }
  topics_.clear();
  for (auto& [group, reader] : readers_) {
    rd_kafka_consumer_close(static_cast<rd_kafka_t*>(reader));
    rd_kafka_destroy(static_cast<rd_kafka_t*>(reader));
  }
  rd_kafka_queue_destroy(static_cast<rd_kafka_queue_t*>(admin_queue_));
  producer_.reset();
}

void KafkaBus::PollLoop() {
  Millis last_probe = 0;
  while (!stop_) {
    producer_->poll(100);
    ServeAdminResults();
    LogFailures(false);
    if (down_since_.load() >= 0 && SteadyNowMs() - last_probe >= kProbeEvery) {
      last_probe = SteadyNowMs();
      Probe(milliseconds(500));
    }
  }
}

RdKafka::Topic* KafkaBus::TopicFor(const std::string& name) {
  {
    std::shared_lock lock(topics_mu_);
    auto it = topics_.find(name);
    if (it != topics_.end() && it->second.handle &&
        (it->second.ready || SteadyNowMs() - it->second.requested < kRecreateAfter)) {
      return it->second.handle.get();
    }
  }
  std::unique_lock lock(topics_mu_);
  TopicState& t = topics_[name];
  if (!t.handle) {
    std::string err;
    t.handle.reset(RdKafka::Topic::create(producer_.get(), name, nullptr, err));
    if (!t.handle) {
      spdlog::error("kafka: topic handle {}: {}", name, err);
      return nullptr;
    }
  }
  if (!t.ready && (t.requested < 0 || SteadyNowMs() - t.requested >= kRecreateAfter)) {
    t.requested = SteadyNowMs();
    RequestTopics({name});
  }
  return t.handle.get();
}

void KafkaBus::RequestTopics(const std::vector<std::string>& topics) {
  CreateTopics(producer_->c_ptr(), topics, config_, static_cast<rd_kafka_queue_t*>(admin_queue_));
}

void KafkaBus::ServeAdminResults() {
  auto* queue = static_cast<rd_kafka_queue_t*>(admin_queue_);
  std::vector<std::string> created;
  while (rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, 0)) {
    ForEachCreated(ev, [&](const std::string& name, const std::string& error) {
      if (!error.empty()) {
        spdlog::warn("kafka: creating topic{} {} failed (asked again later): {}",
                     name.empty() ? "s" : "", name, error);
        return;
      }
      std::unique_lock lock(topics_mu_);
      topics_[name].ready = true;
      created.push_back(name);
    });
    rd_kafka_event_destroy(ev);
  }
  // Messages already queued for a new topic wait for its metadata, which librdkafka would
  // only ask for again a second later.
  for (const std::string& name : created) PartitionCount(name);
}

Status KafkaBus::EnsureTopic(const std::string& name) {
  {
    std::shared_lock lock(topics_mu_);
    auto it = topics_.find(name);
    if (it != topics_.end() && it->second.ready) return Status::Ok();
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(producer_->c_ptr());
  CreateTopics(producer_->c_ptr(), {name}, config_, queue);
  std::string failure = "no answer within " + std::to_string(kAdminTimeout.count() * 2) + " ms";
  if (rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, int(kAdminTimeout.count()) * 2)) {
    failure = "no result";
    ForEachCreated(ev, [&](const std::string&, const std::string& error) { failure = error; });
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_queue_destroy(queue);
  if (!failure.empty()) return Status::Unavailable("kafka: topic " + name + ": " + failure);
  // Metadata can lag the creation; a consumer subscribing before it is seen waits minutes.
  const auto deadline = steady_clock::now() + kAdminTimeout;
  Result<int> partitions = PartitionCount(name);
  while (!partitions.ok() && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
    partitions = PartitionCount(name);
  }
  if (!partitions.ok()) return Status::Unavailable("kafka: topic " + name + " not visible yet");
  std::unique_lock lock(topics_mu_);
  topics_[name].ready = true;
  return Status::Ok();
}

Result<int> KafkaBus::PartitionCount(const std::string& name) {
  RdKafka::Topic* topic = nullptr;
  {
    std::unique_lock lock(topics_mu_);
    TopicState& t = topics_[name];
    if (!t.handle) {
      std::string err;
      t.handle.reset(RdKafka::Topic::create(producer_.get(), name, nullptr, err));
      if (!t.handle) return Status::Internal("kafka topic handle " + name + ": " + err);
    }
    topic = t.handle.get();
  }
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = producer_->metadata(false, topic, &raw, 500);
  std::unique_ptr<RdKafka::Metadata> md(raw);
  if (err != RdKafka::ERR_NO_ERROR) {
    return Status::Unavailable("kafka metadata: " + RdKafka::err2str(err));
  }
  for (const RdKafka::TopicMetadata* t : *md->topics()) {
    if (t->topic() != name) continue;
    if (t->err() == RdKafka::ERR_NO_ERROR && !t->partitions()->empty()) {
      return static_cast<int>(t->partitions()->size());
    }
    if (t->err() == RdKafka::ERR_UNKNOWN_TOPIC_OR_PART || t->err() == RdKafka::ERR_NO_ERROR) break;
    return Status::Unavailable("kafka metadata of " + name + ": " + RdKafka::err2str(t->err()));
  }
  return Status::NotFound("kafka topic " + name + " does not exist");
}

Status KafkaBus::Publish(const std::string& topic_name, const std::string& key,
                         const std::string& payload, Delivered delivered) {
  if (topic_name.empty()) return Status::InvalidArgument("bus topic is empty", "topic");
  if (has_fatal_.load()) {
    std::lock_guard lock(state_mu_);
    return Status::Unavailable("kafka producer failed: " + fatal_);
  }
  if (const Millis down = down_since_.load(); down >= 0) {
    const Millis for_ms = clock_->Now() - down;
    if (for_ms >= config_.unreachable_after.count()) {
      std::lock_guard lock(state_mu_);
      return Status::Unavailable("kafka unreachable for " + std::to_string(for_ms / 1000) + " s (" +
                                 down_reason_ + ")");
    }
  }
  RdKafka::Topic* topic = TopicFor(topic_name);
  if (topic == nullptr) return Status::Internal("kafka: no handle for topic " + topic_name);
  // The delivery report (acks=all, idempotent) hands this back to dr_cb, which calls it.
  auto note = delivered ? std::make_unique<Delivered>(std::move(delivered)) : nullptr;
  // RK_MSG_COPY: librdkafka copies the bytes before produce returns, so nothing is written.
  RdKafka::ErrorCode err =
      producer_->produce(topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
                         const_cast<char*>(payload.data()), payload.size(),
                         key.empty() ? nullptr : key.data(), key.size(), note.get());
  switch (err) {
    case RdKafka::ERR_NO_ERROR:
      note.release();  // dr_cb owns it now
      return Status::Ok();
    case RdKafka::ERR__QUEUE_FULL:
      // The limit in messages, or librdkafka's 1 GiB of them, whichever came first.
      return Status::Unavailable("bus queue full (" + std::to_string(config_.queue_capacity) +
                                 " messages waiting for kafka)");
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
      return Status::InvalidArgument(
          "message of " + std::to_string(payload.size()) + " bytes is too large for kafka",
          "payload");
    default:
      return Status::Unavailable("kafka produce: " + RdKafka::err2str(err));
  }
}

Result<std::unique_ptr<Consumer>> KafkaBus::Subscribe(const std::string& topic,
                                                      const std::string& group) {
  if (topic.empty()) return Status::InvalidArgument("bus topic is empty", "topic");
  if (group.empty()) return Status::InvalidArgument("consumer group is empty", "group");
  Status ready = EnsureTopic(topic);
  if (!ready.ok()) return ready;
  auto member = KafkaConsumer::Create(config_, topic, group);
  if (!member.ok()) return member.status();
  {
    std::lock_guard lock(groups_mu_);
    groups_[topic].insert(group);
  }
  return std::unique_ptr<Consumer>(std::move(member).value());
}

Result<void*> KafkaBus::OffsetReader(const std::string& group) {
  std::lock_guard lock(readers_mu_);
  auto found = readers_.find(group);
  if (found != readers_.end()) return found->second;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  const std::pair<const char*, std::string> settings[] = {
      {"bootstrap.servers", config_.brokers}, {"client.id", config_.client_id + "-offsets"},
      {"group.id", group},                    {"enable.auto.commit", "false"},
      {"log.connection.close", "false"},      {"reconnect.backoff.max.ms", "1000"}};
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::Internal(std::string("kafka offsets reader: ") + err);
    }
  }
  // The producer reports outages; this handle stays quiet and queues no errors.
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t*, int, const char*, const char*) {});
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t*, int, const char*, void*) {});
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Internal(std::string("kafka offsets reader: ") + err);
  }
  readers_.emplace(group, rk);
  return static_cast<void*>(rk);
}

Result<int64_t> KafkaBus::GroupLag(const std::string& topic, const std::string& group,
                                   const std::vector<std::pair<int64_t, int64_t>>& marks,
                                   bool require_commits, int timeout_ms) {
  auto reader = OffsetReader(group);
  if (!reader.ok()) return reader.status();
  auto committed =
      CommittedOffsets(static_cast<rd_kafka_t*>(*reader), topic, marks.size(), timeout_ms);
  if (!committed.ok()) return committed.status();
  int64_t lag = 0;
  bool committed_any = false;
  for (size_t p = 0; p < marks.size(); ++p) {
    const auto [low, high] = marks[p];
    committed_any = committed_any || (*committed)[p].offset >= 0;
    lag += std::max<int64_t>(0, high - std::max(low, (*committed)[p].offset));
  }
  if (require_commits && !committed_any) return int64_t{-1};  // not a reader of this topic
  return lag;
}

Result<std::vector<std::pair<int64_t, int64_t>>> KafkaBus::Watermarks(
    const std::string& topic, steady_clock::time_point deadline) {
  Result<int> partitions = PartitionCount(topic);
  if (!partitions.ok()) return partitions.status();
  std::vector<std::pair<int64_t, int64_t>> marks(static_cast<size_t>(*partitions));
  for (int p = 0; p < *partitions; ++p) {
    auto& [low, high] = marks[static_cast<size_t>(p)];
    for (;;) {
      const RdKafka::ErrorCode err =
          producer_->query_watermark_offsets(topic, p, &low, &high, RemainingMs(deadline));
      if (err == RdKafka::ERR_NO_ERROR) break;
      // A new topic's partitions get their leader a moment after the topic exists.
      const bool leader_moving =
          err == RdKafka::ERR_NOT_LEADER_FOR_PARTITION || err == RdKafka::ERR_LEADER_NOT_AVAILABLE;
      if (!leader_moving || RemainingMs(deadline) < 20) {
        return Status::Unavailable("kafka offsets of " + topic + "[" + std::to_string(p) +
                                   "]: " + RdKafka::err2str(err));
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  return marks;
}

Result<int64_t> KafkaBus::Depth(const std::string& topic) {
  const auto deadline = steady_clock::now() + kDepthBudget;
  auto marks = Watermarks(topic, deadline);
  if (marks.status().code() == Code::kNotFound) return int64_t{0};
  if (!marks.ok()) return marks.status();
  std::vector<std::pair<std::string, bool>> groups;  // name, require_commits
  {
    std::lock_guard lock(groups_mu_);
    if (auto it = groups_.find(topic); it != groups_.end()) {
      for (const auto& g : it->second) groups.emplace_back(g, false);
    }
  }
  const bool subscribed_here = std::any_of(
      groups.begin(), groups.end(), [&](const auto& g) { return g.first == config_.depth_group; });
  if (!config_.depth_group.empty() && !subscribed_here) {
    groups.emplace_back(config_.depth_group, true);
  }
  int64_t depth = 0;
  for (const auto& [group, require_commits] : groups) {
    auto lag = GroupLag(topic, group, *marks, require_commits, RemainingMs(deadline));
    if (!lag.ok()) return lag.status();
    depth = std::max(depth, *lag);
  }
  return depth;
}

Result<std::optional<Millis>> KafkaBus::ConsumedThrough(const std::string& topic,
                                                        const std::string& group) {
  const auto deadline = steady_clock::now() + kDepthBudget;
  auto marks = Watermarks(topic, deadline);
  if (marks.status().code() == Code::kNotFound) return std::optional<Millis>();
  if (!marks.ok()) return marks.status();
  auto reader = OffsetReader(group);
  if (!reader.ok()) return reader.status();
  auto committed = CommittedOffsets(static_cast<rd_kafka_t*>(*reader), topic, marks->size(),
                                    RemainingMs(deadline));
  if (!committed.ok()) return committed.status();
  std::optional<Millis> through;
  for (size_t p = 0; p < marks->size(); ++p) {
    const auto [low, high] = (*marks)[p];
    const Committed& c = (*committed)[p];
    const int64_t waiting = high - std::max(low, c.offset);
    if (waiting <= 0) continue;
    if (c.time == 0) {
      return Status::Unavailable("kafka: " + std::to_string(waiting) + " messages wait on " +
                                 topic + "[" + std::to_string(p) + "] and no time was committed");
    }
    through = std::min(through.value_or(c.time), c.time);
  }
  return through;
}

Status KafkaBus::Flush(milliseconds timeout) {
  const int64_t failed_before = failed_.load();
  RdKafka::ErrorCode err = producer_->flush(ClampMs(timeout.count()));
  if (err == RdKafka::ERR__TIMED_OUT) {
    return Status::Unavailable(std::to_string(producer_->outq_len()) +
                               " messages not yet acknowledged by kafka after " +
                               std::to_string(timeout.count()) + " ms");
  }
  if (const int64_t failed = failed_.load() - failed_before; failed > 0) {
    std::lock_guard lock(log_mu_);
    return Status::Unavailable(std::to_string(failed) +
                               " messages could not be delivered to kafka (" + last_failure_ + ")");
  }
  return Status::Ok();
}

void KafkaBus::RegisterMetrics(metrics::Metrics& registry) {
  registry.AddCounter("sms_bus_messages_delivered_total",
                      "Messages the bus made durable since start (Kafka: acknowledged).",
                      [this] { return uint64_t(DeliveredCount()); });
  registry.AddCounter("sms_bus_messages_failed_total",
                      "Messages the bus accepted and then lost since start (Kafka: never "
                      "acknowledged within the delivery timeout, or dropped at shutdown).",
                      [this] { return uint64_t(DeliveryFailures()); });
  registry.AddGauge("sms_bus_messages_queued",
                    "Messages published and not yet acknowledged or failed.",
                    [this] { return double(producer_->outq_len()); });
}

Status KafkaBus::Ping() {
  if (has_fatal_.load()) {
    std::lock_guard lock(state_mu_);
    return Status::Unavailable("kafka producer failed: " + fatal_);
  }
  std::lock_guard lock(ping_mu_);
  if (ping_at_ >= 0 && SteadyNowMs() - ping_at_ < 1000) return ping_;
  ping_ = Probe(milliseconds(1000));
  ping_at_ = SteadyNowMs();
  return ping_;
}

Status KafkaBus::Probe(milliseconds timeout) {
  RdKafka::Metadata* raw = nullptr;
  RdKafka::ErrorCode err = producer_->metadata(false, nullptr, &raw, ClampMs(timeout.count()));
  delete raw;
  if (err != RdKafka::ERR_NO_ERROR) {
    const std::string why = "metadata request failed: " + RdKafka::err2str(err);
    MarkDown(why);
    return Status::Unavailable("kafka unreachable (" + why + ")");
  }
  MarkUp();
  return Status::Ok();
}

// The reason kept is the signal that started the period.
void KafkaBus::MarkDown(const std::string& reason) {
  std::lock_guard lock(state_mu_);
  if (down_since_.load() >= 0) return;
  down_reason_ = reason;
  down_since_.store(clock_->Now());
  spdlog::warn("kafka: brokers unreachable: {}", reason);
}

void KafkaBus::MarkUp() {
  if (down_since_.load(std::memory_order_relaxed) < 0) return;  // the common case, lock-free
  std::lock_guard lock(state_mu_);
  const Millis since = down_since_.exchange(-1);
  if (since >= 0) {
    spdlog::info("kafka: brokers reachable again after {} s", (clock_->Now() - since) / 1000);
  }
}

void KafkaBus::OnDelivery(bool ok, int error_code, const std::string& error) {
  if (ok) {
    delivered_.fetch_add(1, std::memory_order_relaxed);
    MarkUp();
    return;
  }
  failed_.fetch_add(1);
  {
    std::lock_guard lock(log_mu_);
    ++unlogged_failures_;
    last_failure_ = error;
  }
  if (BrokerUnreachable(error_code)) MarkDown("deliveries failing: " + error);
  LogFailures(false);
}

// At most one line a second, however many messages fail.
void KafkaBus::LogFailures(bool force) {
  std::lock_guard lock(log_mu_);
  if (unlogged_failures_ == 0) return;
  const Millis now = SteadyNowMs();
  if (!force && now - last_failure_log_ < 1000) return;
  spdlog::error("kafka: {} messages could not be delivered and are lost ({} in all): {}",
                unlogged_failures_, failed_.load(), last_failure_);
  unlogged_failures_ = 0;
  last_failure_log_ = now;
}

}  // namespace sms::bus
