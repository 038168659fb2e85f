// HttpClient against a local server: what the request carries, what of the reply is kept, and
// which failures are retryable.

#include "http/client.h"

#include <gtest/gtest.h>

#include <memory>

#include "http/server.h"
#include "support/local_port.h"

namespace sms::http {
namespace {

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    // Echoes what reached it: method, basic auth, content type and body.
    router->Add("PUT", "/echo", kPublic, [](Request& req) {
      return JsonResponse(201, req.method + "|" + req.Header("authorization") + "|" +
                                   req.Header("content-type") + "|" + req.body);
    });
    router->Add("GET", "/big", kPublic,
                [](Request&) { return JsonResponse(503, std::string(100'000, 'x')); });
    ServerOptions so;
    so.listen = "127.0.0.1:0";
    so.threads = 1;
    server_ = std::make_unique<Server>(so, router, nullptr);
    ASSERT_TRUE(server_->Start().ok());
    base_ = "http://127.0.0.1:" + std::to_string(server_->port());
  }

  std::unique_ptr<Server> server_;
  std::string base_;
};

TEST_F(HttpClientTest, SendsMethodBodyHeadersAndBasicAuth) {
  HttpClient client(2);
  ClientRequest req;
  req.method = "PUT";
  req.url = base_ + "/echo";
  req.body = "{\"a\":1}";
  req.headers.push_back("Content-Type: application/json");
  req.basic_auth = true;
  req.user = "u";
  req.password = "p";
  Result<ClientReply> reply = client.Send(req);
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 201);
  EXPECT_EQ(reply->body, "PUT|Basic dTpw|application/json|{\"a\":1}");
  // On a kept handle nothing of the last request stays.
  req.basic_auth = false;
  req.body = "";
  req.headers.clear();
  for (int i = 0; i < 2; ++i) {
    Result<ClientReply> bare = client.Send(req);
    ASSERT_TRUE(bare.ok()) << bare.status().ToString();
    EXPECT_EQ(bare->body, "PUT|||");
  }
}

TEST_F(HttpClientTest, KeepsAtMostTheReplyBytesAskedForWhateverTheStatus) {
  HttpClient client;
  ClientRequest req;
  req.url = base_ + "/big";
  Result<ClientReply> whole = client.Send(req);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  EXPECT_EQ(whole->status, 503);
  EXPECT_EQ(whole->body.size(), 100'000u);
  req.max_reply_bytes = 10;
  Result<ClientReply> start = client.Send(req);
  ASSERT_TRUE(start.ok());
  EXPECT_EQ(start->body, std::string(10, 'x'));
  req.max_reply_bytes = 0;
  EXPECT_EQ(client.Send(req)->body, "");
}

TEST_F(HttpClientTest, NoAnswerInTimeAndNoServerAreRetryableAndAnotherSchemeIsNot) {
  HttpClient client;
  sms::testing::LocalPort silent;  // accepts into its backlog and never answers
  ClientRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(silent.port()) + "/";
  req.timeout = std::chrono::milliseconds(200);
  Result<ClientReply> late = client.Send(req);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Code::kUnavailable) << late.status().ToString();

  req.url = base_ + "/big";
  server_.reset();  // the listening socket is closed once the server is gone
  Result<ClientReply> refused = client.Send(req);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnavailable) << refused.status().ToString();

  req.url = "ftp://127.0.0.1/";
  Result<ClientReply> ftp = client.Send(req);
  ASSERT_FALSE(ftp.ok());
  EXPECT_EQ(ftp.status().code(), Code::kInternal) << ftp.status().ToString();
}

}  // namespace
}  // namespace sms::http
