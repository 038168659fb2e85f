#include "bus/kafka_consumer.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

#include "bus/kafka_util.h"

namespace sms::bus {

KafkaConsumer::KafkaConsumer(std::string topic, std::string group)
    : topic_(std::move(topic)), group_(std::move(group)) {}

Result<std::unique_ptr<KafkaConsumer>> KafkaConsumer::Create(const BusConfig& c,
                                                             const std::string& topic,
                                                             const std::string& group) {
  auto member = std::unique_ptr<KafkaConsumer>(new KafkaConsumer(topic, group));
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  const int64_t session = c.session_timeout.count();
  // Frequent heartbeats make rebalances (a member joining or leaving) quick.
  const int64_t heartbeat = std::clamp<int64_t>(session / 3, 1, 1000);
  Status s = SetKafkaConf(*conf, {{"bootstrap.servers", c.brokers},
                                  {"client.id", c.client_id},
                                  {"group.id", group},
                                  {"enable.auto.commit", "false"},
                                  {"enable.auto.offset.store", "false"},
                                  {"auto.offset.reset", "earliest"},
                                  {"partition.assignment.strategy", "cooperative-sticky"},
                                  {"session.timeout.ms", std::to_string(session)},
                                  {"heartbeat.interval.ms", std::to_string(heartbeat)},
                                  {"log.connection.close", "false"},
                                  // A broker back from an outage is seen within a second, not ten.
                                  {"reconnect.backoff.max.ms", "1000"}});
  if (!s.ok()) return s;
  s = SetKafkaCallback(*conf, "rebalance_cb", static_cast<RdKafka::RebalanceCb*>(member.get()));
  if (!s.ok()) return s;
  s = SetKafkaCallback(*conf, "event_cb", static_cast<RdKafka::EventCb*>(member.get()));
  if (!s.ok()) return s;
  std::string err;
  member->consumer_.reset(RdKafka::KafkaConsumer::create(conf.get(), err));
  if (!member->consumer_) return Status::Internal("kafka consumer: " + err);
  RdKafka::ErrorCode sub = member->consumer_->subscribe({topic});
  if (sub != RdKafka::ERR_NO_ERROR) {
    return Status::Unavailable("kafka subscribe to " + topic + ": " + RdKafka::err2str(sub));
  }
  return member;
}

KafkaConsumer::~KafkaConsumer() {
  if (!consumer_) return;
  consumer_->close();  // leaves the group; auto-commit is off, so nothing is committed
  consumer_.reset();
}

Result<std::vector<Message>> KafkaConsumer::Poll(size_t max, std::chrono::milliseconds timeout) {
  if (max == 0) return std::vector<Message>{};
  batch_.clear();
  down_.clear();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (batch_.size() < max) {
    // The first message may be waited for; the rest only if already fetched.
    const int wait = batch_.empty() ? RemainingMs(deadline) : 0;
    std::unique_ptr<RdKafka::Message> m(consumer_->consume(wait));
    if (m->err() == RdKafka::ERR_NO_ERROR) {
      batch_.push_back(Fetched{m->key() != nullptr ? *m->key() : std::string(),
                               std::string(static_cast<const char*>(m->payload()), m->len()),
                               m->partition(), m->offset()});
    } else if (m->err() == RdKafka::ERR__TIMED_OUT) {
      if (!batch_.empty() || wait == 0) break;
    } else if (m->err() != RdKafka::ERR__PARTITION_EOF) {
      spdlog::warn("kafka consumer {} on {}: {}", group_, topic_, m->errstr());
      if (batch_.empty() && RemainingMs(deadline) == 0) break;
    }
  }
  std::vector<Message> out;
  out.reserve(batch_.size());
  for (Fetched& f : batch_) {
    int64_t& next = uncommitted_[f.partition];
    next = std::max(next, f.offset + 1);
    returned_.push_back(f.partition);
    out.push_back(Message{topic_, std::move(f.key), std::move(f.payload)});
  }
  batch_.clear();
  if (out.empty() && !down_.empty()) {
    return Status::Unavailable("kafka unreachable (" + down_ + ")");
  }
  return out;
}

Status KafkaConsumer::Commit(const std::vector<Millis>& times) {
  for (size_t i = 0; i < std::min(times.size(), returned_.size()); ++i) {
    if (times[i] <= 0 || uncommitted_.count(returned_[i]) == 0) continue;  // 0: forgotten
    Millis& latest = times_[returned_[i]];
    latest = std::max(latest, times[i]);
  }
  returned_.clear();
  if (uncommitted_.empty()) return Status::Ok();
  // The C API: librdkafka 2.0's C++ TopicPartition cannot carry commit metadata.
  std::unique_ptr<rd_kafka_topic_partition_list_t, void (*)(rd_kafka_topic_partition_list_t*)>
      offsets(rd_kafka_topic_partition_list_new(int(uncommitted_.size())),
              rd_kafka_topic_partition_list_destroy);
  for (const auto& [partition, next] : uncommitted_) {
    rd_kafka_topic_partition_t* tp =
        rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(), partition);
    tp->offset = next;
    if (auto t = times_.find(partition); t != times_.end()) {
      const std::string text = std::to_string(t->second);
      tp->metadata = malloc(text.size());  // the list frees it
      memcpy(tp->metadata, text.data(), text.size());
      tp->metadata_size = text.size();
    }
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(consumer_->c_ptr(), offsets.get(), 0 /* sync */);
  for (int i = 0; i < offsets->cnt && err == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    err = offsets->elems[i].err;
  }
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Unavailable(std::string("kafka commit failed: ") + rd_kafka_err2str(err) +
                               " (the messages will be delivered again)");
  }
  uncommitted_.clear();
  return Status::Ok();
}

void KafkaConsumer::rebalance_cb(RdKafka::KafkaConsumer* c, RdKafka::ErrorCode err,
                                 std::vector<RdKafka::TopicPartition*>& parts) {
  const bool cooperative = c->rebalance_protocol() == "COOPERATIVE";
  std::string list;
  for (const RdKafka::TopicPartition* tp : parts) {
    list += ' ';
    list += std::to_string(tp->partition());
  }
  std::unique_ptr<RdKafka::Error> error;
  if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
    spdlog::info("kafka consumer {} on {}: assigned partitions{}", group_, topic_, list);
    if (cooperative) {
      error.reset(c->incremental_assign(parts));
    } else {
      c->assign(parts);
    }
  } else {
    spdlog::info("kafka consumer {} on {}: {} partitions{}", group_, topic_,
                 c->assignment_lost() ? "lost" : "revoked", list);
    Forget(parts);
    if (cooperative) {
      error.reset(c->incremental_unassign(parts));
    } else {
      c->unassign();
    }
  }
  if (error) spdlog::error("kafka consumer {} on {}: rebalance: {}", group_, topic_, error->str());
}

void KafkaConsumer::event_cb(RdKafka::Event& e) {
  if (e.type() == RdKafka::Event::EVENT_LOG) return LogKafkaEvent(e);
  if (e.type() != RdKafka::Event::EVENT_ERROR) return;
  if (e.err() == RdKafka::ERR__ALL_BROKERS_DOWN || e.fatal()) down_ = e.str();
  if (e.err() != RdKafka::ERR__TRANSPORT) {  // transport errors are in librdkafka's log
    spdlog::warn("kafka consumer {} on {}: {}: {}", group_, topic_, RdKafka::err2str(e.err()),
                 e.str());
  }
}

void KafkaConsumer::Forget(const std::vector<RdKafka::TopicPartition*>& parts) {
  for (const RdKafka::TopicPartition* tp : parts) {
    uncommitted_.erase(tp->partition());
    times_.erase(tp->partition());
    std::erase_if(batch_, [&](const Fetched& f) { return f.partition == tp->partition(); });
  }
}

}  // namespace sms::bus
