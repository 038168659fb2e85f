#include "roles/management/event_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "auth/scopes.h"
#include "core/time.h"

namespace sms::management {

namespace json = boost::json;

// One stream: what is waiting to be sent, and the server's request for it (http::BodyStream).
class EventHub::Client final : public http::BodyStream {
 public:
  Client(std::optional<int64_t> after, size_t max_pending, Millis now)
      : cursor(after), last_sent(now), max_pending_(max_pending) {}

  void Next(std::function<void(std::string)> give) override {
    std::unique_lock lock(mu_);
    if (cancelled_) return;
    if (pending_.empty()) {
      waiting_ = std::move(give);
      return;
    }
    std::string piece = std::move(pending_);
    pending_.clear();
    lock.unlock();
    give(std::move(piece));
  }

  void Cancel() override {
    std::lock_guard lock(mu_);
    cancelled_ = true;
    waiting_ = nullptr;
    std::string().swap(pending_);
  }

  // Queues `text`, handing it over at once when the server is waiting for it. A client that
  // does not read lets bytes pile up: past max_pending it is dropped (its connection then ends
  // at the server's write deadline).
  void Push(std::string_view text) {
    std::unique_lock lock(mu_);
    if (cancelled_) return;
    pending_.append(text);
    auto give = std::move(waiting_);
    waiting_ = nullptr;
    if (give) {
      std::string piece = std::move(pending_);
      pending_.clear();
      lock.unlock();
      give(std::move(piece));
      return;
    }
    if (pending_.size() > max_pending_) {
      spdlog::warn("events: dropped a stream that does not read ({} bytes waiting)",
                   pending_.size());
      cancelled_ = true;
      std::string().swap(pending_);
    }
  }

  // Ends the stream (the server stops).
  void End() {
    std::unique_lock lock(mu_);
    cancelled_ = true;
    auto give = std::move(waiting_);
    waiting_ = nullptr;
    lock.unlock();
    if (give) give(std::string());
  }

  bool cancelled() const {
    std::lock_guard lock(mu_);
    return cancelled_;
  }

  // Touched by Tick only.
  std::optional<int64_t> cursor;  // the last seq sent; nullopt until the stream starts
  bool started = false;
  Millis last_sent;

 private:
  mutable std::mutex mu_;
  std::string pending_;
  std::function<void(std::string)> waiting_;
  bool cancelled_ = false;
  size_t max_pending_;
};

std::string TransitionMessage(const store::FeedEvent& e) {
  json::object data{{"seq", e.seq},
                    {"server_id", e.server_id},
                    {"server_name", e.server_name},
                    {"status", StatusName(e.status)},
                    {"at", FormatTime(e.at)},
                    {"cause", e.cause}};
  return "event: transition\nid: " + std::to_string(e.seq) + "\ndata: " + json::serialize(data) +
         "\n\n";
}

EventHub::EventHub(store::DashboardStorePtr store, ClockPtr clock, EventStreamOptions options)
    : store_(std::move(store)), clock_(std::move(clock)), o_(options) {}

EventHub::~EventHub() { Stop(); }

void EventHub::Start() {
  thread_.Start("sms-events", std::chrono::milliseconds(o_.poll), [this] { Tick(); });
}

void EventHub::Stop() {
  thread_.Stop();
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard lock(mu_);
    clients.swap(clients_);
  }
  for (auto& c : clients) c->End();
}

std::shared_ptr<http::BodyStream> EventHub::Subscribe(std::optional<int64_t> after) {
  std::lock_guard lock(mu_);
  if (clients_.size() >= o_.max_clients) return nullptr;
  auto c = std::make_shared<Client>(after, o_.max_pending, clock_->Now());
  clients_.push_back(c);
  c->Push("retry: " + std::to_string(o_.retry) + "\n\n");
  return c;
}

size_t EventHub::clients() const {
  std::lock_guard lock(mu_);
  return clients_.size();
}

Status EventHub::ReadNew() {
  if (!cursor_) {
    auto last = store_->LastEventSeq();
    if (!last.ok()) return last.status();
    cursor_ = window_base_ = *last;
  }
  for (int round = 0; round < 100; ++round) {  // bounded: the rest comes next turn
    auto events = store_->EventsAfter(*cursor_, o_.batch);
    if (!events.ok()) return events.status();
    for (const store::FeedEvent& e : *events) {
      window_.push_back(Item{e.seq, TransitionMessage(e)});
      cursor_ = e.seq;
    }
    while (window_.size() > o_.window) {
      window_base_ = window_.front().seq;
      window_.pop_front();
    }
    if (events->size() < static_cast<size_t>(o_.batch)) break;
  }
  return Status::Ok();
}

void EventHub::Feed(Client& c, Millis now) {
  // From now; or from the client's id, which may be ahead of this replica's last read (it
  // streamed from another replica before): it then waits until this one catches up.
  if (!c.cursor) c.cursor = *cursor_;
  std::string out;
  if (!c.started) {
    c.started = true;
    out = "event: ready\nid: " + std::to_string(*c.cursor) +
          "\ndata: {\"seq\":" + std::to_string(*c.cursor) + "}\n\n";
  }
  if (*c.cursor < window_base_) {
    // Behind the window: caught up from the store, a batch per turn.
    auto events = store_->EventsAfter(*c.cursor, o_.batch);
    if (!events.ok()) {
      spdlog::warn("events: catching a stream up failed: {}", events.status().ToString());
    } else {
      for (const store::FeedEvent& e : *events) out += TransitionMessage(e);
      if (!events->empty()) c.cursor = events->back().seq;
    }
  }
  if (*c.cursor >= window_base_) {
    auto it = std::upper_bound(window_.begin(), window_.end(), *c.cursor,
                               [](int64_t seq, const Item& item) { return seq < item.seq; });
    for (; it != window_.end(); ++it) out += it->text;
    c.cursor = std::max(*c.cursor, *cursor_);
  }
  if (out.empty() && now - c.last_sent >= o_.heartbeat) out = ": keep-alive\n\n";
  if (out.empty()) return;
  c.last_sent = now;
  c.Push(out);
}

void EventHub::Tick() {
  if (Status s = ReadNew(); !s.ok()) {
    spdlog::warn("events: reading new transitions failed: {}", s.ToString());
    if (!cursor_) return;  // nothing to start streams from yet
  }
  std::vector<std::shared_ptr<Client>> clients;
  {
    std::lock_guard lock(mu_);
    std::erase_if(clients_, [](const auto& c) { return c->cancelled(); });
    clients = clients_;
  }
  Millis now = clock_->Now();
  for (auto& c : clients) Feed(*c, now);
}

namespace {

// Last-Event-ID, or ?last_event_id=: nullopt when absent; InvalidArgument when not a seq.
Result<std::optional<int64_t>> ResumeAfter(const http::Request& req) {
  std::string_view text = req.Header("last-event-id");
  auto q = req.query.find("last_event_id");
  if (text.empty() && q != req.query.end()) text = q->second;
  if (text.empty()) return std::optional<int64_t>();
  int64_t seq = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seq);
  if (ec != std::errc() || end != text.data() + text.size() || seq < 0) {
    return Status::InvalidArgument("Last-Event-ID is the id of an event of this stream",
                                   "last_event_id");
  }
  return std::optional<int64_t>(seq);
}

}  // namespace

void RegisterEventStream(http::Router& router, std::shared_ptr<EventHub> hub) {
  router.Add("GET", "/api/v1/events/stream", auth::kServersRead, [hub](http::Request& req) {
    auto after = ResumeAfter(req);
    if (!after.ok()) return http::ErrorResponse(after.status());
    auto stream = hub->Subscribe(*after);
    if (stream == nullptr) {
      http::Response busy = http::ErrorResponse(503, "too_many_streams",
                                                "too many event streams are open; try again later");
      busy.headers.emplace_back("Retry-After", "5");
      return busy;
    }
    http::Response r;
    r.content_type = "text/event-stream; charset=utf-8";
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Accel-Buffering", "no");  // nginx-style proxies: do not buffer
    r.stream = std::move(stream);
    return r;
  });
}

}  // namespace sms::management
