// The live feed as a client reads it: the ready event, every transition in order, resuming
// after Last-Event-ID (from the recent window and from the store), keep-alives, bounds.
#include "roles/management/event_stream.h"

#include <gtest/gtest.h>

#include <utility>

#include "store/store.h"
#include "support/assert_ok.h"

namespace sms::management {
namespace {

constexpr Millis kT0 = 1'795'000'000'000;

// Reads a stream as the HTTP server does: asks for the next piece again after each one.
class Reader {
 public:
  explicit Reader(std::shared_ptr<http::BodyStream> s) : state_(std::make_shared<State>()) {
    Ask(std::move(s), state_);
  }
  // What came since the last call.
  std::string Take() { return std::exchange(state_->got, ""); }
  bool ended() const { return state_->ended; }

 private:
  struct State {
    std::string got;
    bool ended = false;
  };
  static void Ask(const std::shared_ptr<http::BodyStream>& s, std::shared_ptr<State> st) {
    s->Next([weak = std::weak_ptr<http::BodyStream>(s), st](std::string piece) {
      if (piece.empty()) {
        st->ended = true;
        return;
      }
      st->got += piece;
      if (auto again = weak.lock()) Ask(again, st);
    });
  }
  std::shared_ptr<State> state_;
};

class EventStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kT0);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
  }
  std::shared_ptr<EventHub> Hub(EventStreamOptions o = {}) {
    return std::make_shared<EventHub>(store_, clock_, o);
  }
  void Create(const std::string& id) {
    ServerInput in;
    in.server_id = id;
    in.server_name = id + "-name";
    ASSERT_TRUE(store_->CreateServer(in, clock_->Now()).ok());
  }
  static std::vector<std::string> Ids(const std::string& text) {
    std::vector<std::string> ids;
    for (size_t at = text.find("event: transition\nid: "); at != std::string::npos;
         at = text.find("event: transition\nid: ", at + 1)) {
      size_t from = at + 22;
      ids.push_back(text.substr(from, text.find('\n', from) - from));
    }
    return ids;
  }
  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
};

TEST_F(EventStreamTest, AStreamStartsReadyThenCarriesEachTransitionOnce) {
  Create("old");
  auto hub = Hub();
  auto stream = hub->Subscribe(std::nullopt);
  ASSERT_NE(stream, nullptr);
  Reader reader(stream);
  hub->Tick();
  std::string first = reader.Take();
  EXPECT_EQ(first.rfind("retry: 3000\n\n", 0), 0u) << first;
  EXPECT_NE(first.find("event: ready\nid: 1\n"), std::string::npos) << first;
  EXPECT_TRUE(Ids(first).empty());  // what happened before is in the view the client loads
  Create("a");
  Create("b");
  hub->Tick();  // hands both to the waiting request at once
  std::string got = reader.Take();
  EXPECT_EQ(Ids(got), (std::vector<std::string>{"2", "3"}));
  EXPECT_NE(got.find("data: {\"seq\":2,\"server_id\":\"a\",\"server_name\":\"a-name\","
                     "\"status\":\"off\",\"at\":\"2026-11-18T"),
            std::string::npos)
      << got;
  hub->Tick();
  EXPECT_EQ(reader.Take(), "");
}

TEST_F(EventStreamTest, ResumesAfterLastEventIdFromTheWindowAndFromTheStore) {
  EventStreamOptions o;
  o.window = 2;  // keeps the last two: earlier ones come from the store
  auto hub = Hub(o);
  hub->Tick();
  for (const char* id : {"a", "b", "c", "d", "e"}) Create(id);
  hub->Tick();
  Reader near(hub->Subscribe(3));  // within the window
  Reader far(hub->Subscribe(1));   // before it: another replica's client, say
  hub->Tick();
  EXPECT_EQ(Ids(near.Take()), (std::vector<std::string>{"4", "5"}));
  EXPECT_EQ(Ids(far.Take()), (std::vector<std::string>{"2", "3", "4", "5"}));
  Create("f");
  hub->Tick();
  EXPECT_EQ(Ids(far.Take()), (std::vector<std::string>{"6"}));
  // A client ahead of this replica's last read (it streamed elsewhere) gets nothing twice.
  Reader ahead(hub->Subscribe(7));
  Create("g");
  Create("h");
  hub->Tick();
  EXPECT_EQ(Ids(ahead.Take()), (std::vector<std::string>{"8"}));
}

TEST_F(EventStreamTest, KeepAlivesFlowWhenNothingHappens) {
  auto hub = Hub();
  Reader reader(hub->Subscribe(std::nullopt));
  hub->Tick();
  reader.Take();
  clock_->Advance(14'000);
  hub->Tick();
  EXPECT_EQ(reader.Take(), "");
  clock_->Advance(1'000);
  hub->Tick();
  EXPECT_EQ(reader.Take(), ": keep-alive\n\n");
}

TEST_F(EventStreamTest, StreamsAreBoundedAndANonReaderIsDropped) {
  EventStreamOptions o;
  o.max_clients = 2;
  o.max_pending = 600;
  auto hub = Hub(o);
  auto stream = hub->Subscribe(std::nullopt);
  Reader reader(stream);
  auto idle = hub->Subscribe(std::nullopt);
  EXPECT_EQ(hub->Subscribe(std::nullopt), nullptr);
  hub->Tick();
  reader.Take();
  for (int i = 0; i < 5; ++i) Create("s" + std::to_string(i));
  hub->Tick();  // idle never asks: its bytes pile up past 600
  EXPECT_EQ(Ids(reader.Take()).size(), 5u);
  bool given = false;
  idle->Next([&](std::string) { given = true; });
  EXPECT_FALSE(given);  // dropped: nothing more comes
  hub->Tick();
  EXPECT_EQ(hub->clients(), 1u);
  stream->Cancel();  // the connection closed
  hub->Tick();
  EXPECT_EQ(hub->clients(), 0u);
  EXPECT_NE(hub->Subscribe(std::nullopt), nullptr);
}

TEST_F(EventStreamTest, StopEndsAWaitingStream) {
  auto hub = Hub();
  Reader reader(hub->Subscribe(std::nullopt));
  hub->Tick();
  reader.Take();
  hub->Stop();
  EXPECT_TRUE(reader.ended());
}

}  // namespace
}  // namespace sms::management
