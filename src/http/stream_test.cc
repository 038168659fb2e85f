// Streamed responses (Response::stream, for Server-Sent Events) through a real server: many
// open streams on one I/O thread, pieces given later from another thread, no Content-Length,
// Cancel when the client leaves, and Stop closing them.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "http/server.h"
#include "http/test_client.h"

namespace sms::http {
namespace {

// A stream a test drives: pieces are handed over when both a piece and a request are there.
class TestStream final : public BodyStream {
 public:
  void Next(std::function<void(std::string)> give) override {
    std::unique_lock lock(mu_);
    if (pieces_.empty()) {
      waiting_ = std::move(give);
      return;
    }
    std::string p = pieces_.front();
    pieces_.erase(pieces_.begin());
    lock.unlock();
    give(std::move(p));
  }
  void Cancel() override { cancelled = true; }
  void Push(std::string p) {
    std::unique_lock lock(mu_);
    if (!waiting_) {
      pieces_.push_back(std::move(p));
      return;
    }
    auto give = std::move(waiting_);
    waiting_ = nullptr;
    lock.unlock();
    give(std::move(p));
  }
  std::atomic<bool> cancelled{false};

 private:
  std::mutex mu_;
  std::vector<std::string> pieces_{"hello\n"};
  std::function<void(std::string)> waiting_;
};

class StreamTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->Add("GET", "/healthz", kPublic, [](Request&) { return JsonResponse(200, "{}"); });
    router->Add("GET", "/stream", kPublic, [this](Request&) {
      auto s = std::make_shared<TestStream>();
      {
        std::lock_guard lock(mu_);
        streams_.push_back(s);
      }
      Response r;
      r.content_type = "text/event-stream";
      r.stream = s;
      return r;
    });
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;  // a stream holding the thread would stop everything else
    options.pinned = GetParam();
    server_ = std::make_unique<Server>(options, router, std::make_shared<metrics::Metrics>());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) server_->Stop(1000);
  }
  std::shared_ptr<TestStream> Stream(size_t i) {
    std::lock_guard lock(mu_);
    return streams_.at(i);
  }
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<std::shared_ptr<TestStream>> streams_;
};

const char kGet[] = "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n";

// Asks for the stream on `conn` and reads until its first piece ("hello\n"): the head and
// the piece may arrive in separate reads. Returns what was read.
std::string OpenStream(TestConnection& conn) {
  conn.Write(kGet);
  std::string head;
  while (head.find("hello\n") == std::string::npos) head += conn.ReadSome();
  return head;
}

TEST_P(StreamTest, ManyStreamsShareOneThreadAndGetTheirPieces) {
  std::vector<std::unique_ptr<TestConnection>> conns;
  for (int i = 0; i < 20; ++i) {
    conns.push_back(std::make_unique<TestConnection>(server_->port()));
    std::string head = OpenStream(*conns.back());
    EXPECT_NE(head.find("HTTP/1.1 200 OK\r\n"), std::string::npos);
    EXPECT_NE(head.find("Content-Type: text/event-stream\r\n"), std::string::npos);
    EXPECT_NE(head.find("Connection: close\r\n"), std::string::npos);
    EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  }
  EXPECT_EQ(Fetch(server_->port(), "GET", "/healthz").status, 200);  // the thread is free
  std::thread([this] { Stream(7)->Push("data: seven\n\n"); }).join();
  EXPECT_EQ(conns[7]->ReadSome(), "data: seven\n\n");
  Stream(3)->Push("");  // the end: the server closes that connection
  EXPECT_TRUE(conns[3]->ClosedByPeer(5000));
}

TEST_P(StreamTest, AClientLeavingCancelsItsStreamAndStopClosesTheRest) {
  auto leaving = std::make_unique<TestConnection>(server_->port());
  TestConnection staying(server_->port());
  OpenStream(*leaving);
  OpenStream(staying);  // all of it: a byte left unread would be taken for the server's answer
  leaving.reset();
  auto gone = Stream(0);
  for (int i = 0; i < 200 && !gone->cancelled; ++i) {
    gone->Push(std::string(64 * 1024, 'x'));  // a write to the closed socket fails (bounded)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(gone->cancelled);
  server_->Stop(1000);
  EXPECT_TRUE(staying.ClosedByPeer(5000));
  EXPECT_TRUE(Stream(1)->cancelled);
  server_.reset();
}

INSTANTIATE_TEST_SUITE_P(Executors, StreamTest, ::testing::Bool());

}  // namespace
}  // namespace sms::http
