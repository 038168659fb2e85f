// Deferred answers (Router::AddDeferred, Reply) through a real server: a connection waiting
// for its answer holds no I/O thread, every answer reaches its own connection, and answers
// that come late, never, or after Stop do no harm.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"
#include "http/test_client.h"

namespace sms::http {
namespace {

using std::chrono::steady_clock;

class DeferredTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    router_->Add("GET", "/healthz", kPublic,
                 [](Request&) { return JsonResponse(200, R"({"status":"ok"})"); });
    router_->AddDeferred("POST", "/later", kPublic, [this](Request& req, Reply reply) {
      std::lock_guard lock(mu_);
      waiting_.emplace_back(req.body, std::move(reply));
    });
  }

  void StartServer() {
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;  // one thread: a held thread would block everything
    options.pinned = GetParam();
    server_ = std::make_unique<Server>(options, router_, std::make_shared<metrics::Metrics>());
    ASSERT_TRUE(server_->Start().ok());
  }

  void TearDown() override {
    if (server_) server_->Stop(1000);
  }

  // Waits (bounded) until `n` requests wait for their answer.
  bool WaitForWaiting(size_t n) {
    auto deadline = steady_clock::now() + std::chrono::seconds(10);
    while (steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (waiting_.size() >= n) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }

  static std::string Post(const std::string& body) {
    return "POST /later HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body;
  }

  std::shared_ptr<Router> router_ = std::make_shared<Router>();
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::vector<std::pair<std::string, Reply>> waiting_;  // guarded by mu_
};

TEST_P(DeferredTest, HealthzAnswersWhile64RequestsAwaitTheirAnswer) {
  StartServer();
  std::vector<std::unique_ptr<TestConnection>> conns;
  for (int i = 0; i < 64; ++i) {
    conns.push_back(std::make_unique<TestConnection>(server_->port()));
    conns.back()->Write(Post("\"hb-" + std::to_string(i) + "\""));
  }
  ASSERT_TRUE(WaitForWaiting(64));

  Response health = Fetch(server_->port(), "GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, R"({"status":"ok"})");

  // Answered from another thread, in reverse order: each answer reaches its own connection.
  std::thread answerer([this] {
    std::lock_guard lock(mu_);
    for (auto it = waiting_.rbegin(); it != waiting_.rend(); ++it) {
      it->second(JsonResponse(202, R"({"echo":)" + it->first + "}"));
    }
  });
  answerer.join();
  for (int i = 0; i < 64; ++i) {
    std::string got = conns[i]->ReadSome();
    EXPECT_NE(got.find("HTTP/1.1 202"), std::string::npos) << got;
    EXPECT_NE(got.find(R"({"echo":"hb-)" + std::to_string(i) + "\"}"), std::string::npos) << got;
  }
  // The connection stays usable after a deferred answer.
  Response again = conns[0]->Send("GET", "/healthz");
  EXPECT_EQ(again.status, 200);
}

TEST_P(DeferredTest, AnAnswerGivenTwiceIsSentOnce) {
  StartServer();
  TestConnection conn(server_->port());
  conn.Write(Post("1"));
  ASSERT_TRUE(WaitForWaiting(1));
  {
    std::lock_guard lock(mu_);
    waiting_[0].second(JsonResponse(202, "{}"));
    waiting_[0].second(JsonResponse(500, "{}"));
    EXPECT_TRUE(waiting_[0].second.answered());
  }
  std::string first = conn.ReadSome();
  EXPECT_NE(first.find("HTTP/1.1 202"), std::string::npos) << first;
  Response next = conn.Send("GET", "/healthz");  // the second answer never arrives
  EXPECT_EQ(next.status, 200);
}

TEST_P(DeferredTest, AnAnswerNeverGivenIs500) {
  router_->AddDeferred("GET", "/forgets", kPublic, [](Request&, Reply) {});
  router_->AddDeferred("GET", "/throws", kPublic, [](Request&, Reply) -> void {
    throw std::runtime_error("secret detail");
  });
  StartServer();
  for (const char* path : {"/forgets", "/throws"}) {
    Response res = Fetch(server_->port(), "GET", path);
    EXPECT_EQ(res.status, 500) << path;
    EXPECT_EQ(res.body.find("secret"), std::string::npos);
    EXPECT_NE(res.body.find(R"("code":"internal")"), std::string::npos) << res.body;
  }
}

TEST_P(DeferredTest, AnswersAfterTheConnectionOrTheServerIsGoneAreDropped) {
  StartServer();
  {
    TestConnection gone(server_->port());
    gone.Write(Post("1"));
    ASSERT_TRUE(WaitForWaiting(1));
  }  // the client leaves before its answer
  TestConnection stays(server_->port());
  stays.Write(Post("2"));
  ASSERT_TRUE(WaitForWaiting(2));
  std::lock_guard lock(mu_);
  waiting_[0].second(JsonResponse(202, "{}"));
  server_->Stop(200);  // the second still waits: dropped after the grace
  server_.reset();
  waiting_[1].second(JsonResponse(202, "{}"));  // nowhere to go: dropped, nothing crashes
  EXPECT_TRUE(stays.ClosedByPeer(2000));
}

TEST(DeferredRouterTest, HandleWaitsForTheAnswerOfADeferredRoute) {
  Router router;
  router.AddDeferred("POST", "/later", kPublic, [](Request& req, Reply reply) {
    std::thread([body = req.body, reply] { reply(JsonResponse(202, body)); }).detach();
  });
  Request req;
  req.method = "POST";
  req.path = "/later";
  req.body = R"({"x":1})";
  std::string route;
  Response res = router.Handle(req, &route);
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, R"({"x":1})");
  EXPECT_EQ(route, "/later");
}

INSTANTIATE_TEST_SUITE_P(IoThreads, DeferredTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "pinned" : "shared"; });

}  // namespace
}  // namespace sms::http
