#pragma once
// The live feed: GET /api/v1/events/stream (scope servers:read, like the events of a server),
// Server-Sent Events carrying every status transition as it commits:
//
//   retry: 3000
//   event: ready / id: <seq> / data: {"seq":…}          once, where the stream starts
//   event: transition / id: <seq> / data: {"seq","server_id","server_name","status","at","cause"}
//   : keep-alive                                         when nothing else was sent for a while
//
// A client that reconnects with Last-Event-ID (EventSource does) gets every transition after
// that seq, from any replica: seqs are given in commit order by the store
// (DashboardStore::EventsAfter), never by one process. A client without it starts at the newest
// seq; the ready event tells it to load its view then, so nothing falls between the load and the
// stream.
//
// One EventHub per process polls the store (one query per poll, whatever the number of
// clients) and feeds every client from a window of recent transitions; a client further behind
// is caught up from the store. Streams hold no thread: the HTTP server asks each for its next
// piece (http::BodyStream). Bounded: max_clients streams (503 above), and a client that lets
// max_pending bytes pile up is dropped. Thread-safe.

#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "core/clock.h"
#include "core/periodic.h"
#include "http/router.h"
#include "store/dashboard_store.h"

namespace sms::management {

struct EventStreamOptions {
  Millis poll = 1000;         // how often the store is asked for new transitions
  Millis heartbeat = 15'000;  // a comment when nothing was sent this long (under proxies' idle
                              // timeouts, and under the HTTP server's read timeout)
  size_t max_clients = 1000;
  size_t window = 10'000;        // recent transitions kept for clients that lag a little
  int batch = 1000;              // transitions read per store call
  size_t max_pending = 4 << 20;  // bytes waiting for a client before it is dropped
  Millis retry = 3000;           // the reconnection delay clients are told
};

class EventHub {
 public:
  EventHub(store::DashboardStorePtr store, ClockPtr clock, EventStreamOptions options = {});
  ~EventHub();  // Stop()
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // Starts the polling thread (Tick every options.poll). Stop ends it and every stream.
  void Start();
  void Stop();

  // A stream of the transitions after seq `after` (nullopt: from the newest). nullptr when
  // max_clients streams are open.
  std::shared_ptr<http::BodyStream> Subscribe(std::optional<int64_t> after);

  // One turn: reads new transitions and feeds every stream, with keep-alives due. The thread
  // calls it; tests call it instead. Store errors are logged and retried next turn.
  void Tick();

  size_t clients() const;

 private:
  class Client;
  struct Item {
    int64_t seq;
    std::string text;  // the SSE message
  };
  Status ReadNew();
  void Feed(Client& c, Millis now);

  store::DashboardStorePtr store_;
  ClockPtr clock_;
  EventStreamOptions o_;
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<Client>> clients_;  // guarded by mu_
  // Touched by Tick only (one caller at a time: the thread, or a test).
  std::optional<int64_t> cursor_;  // the newest seq read
  int64_t window_base_ = 0;        // window_ holds every transition with seq in (base, cursor]
  std::deque<Item> window_;
  Periodic thread_;
};

// GET /api/v1/events/stream. Last-Event-ID (header, or ?last_event_id= for clients that cannot
// set headers) must be a non-negative integer: 400 otherwise; 503 too_many_streams when full.
void RegisterEventStream(http::Router& router, std::shared_ptr<EventHub> hub);

// The SSE message of a transition.
std::string TransitionMessage(const store::FeedEvent& e);

}  // namespace sms::management
