#include "http/message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

namespace sms::http {
namespace {

boost::json::object ErrorOf(const Response& res) {
  return boost::json::parse(res.body).as_object().at("error").as_object();
}

TEST(MessageTest, HeaderFindsFirstByLowerCaseName) {
  Request req;
  req.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  EXPECT_EQ(req.Header("x-a"), "1");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("missing"), "");
}

TEST(MessageTest, ErrorResponseIsValidJsonWhateverTheText) {
  Response res = ErrorResponse(400, "invalid_argument", "bad \"quote\" \\ and\nnewline", "ipv4");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  auto error = ErrorOf(res);
  EXPECT_EQ(error.at("code").as_string(), "invalid_argument");
  EXPECT_EQ(error.at("message").as_string(), "bad \"quote\" \\ and\nnewline");
  EXPECT_EQ(error.at("field").as_string(), "ipv4");
}

TEST(MessageTest, ErrorResponseOmitsEmptyField) {
  auto error = ErrorOf(ErrorResponse(404, "not_found", "no such server"));
  EXPECT_FALSE(error.contains("field"));
  EXPECT_EQ(error.at("message").as_string(), "no such server");
}

TEST(MessageTest, StatusMapsToHttpStatusAndCode) {
  struct Case {
    Status status;
    int http;
    const char* code;
  };
  const Case cases[] = {
      {Status::InvalidArgument("bad", "name"), 400, "invalid_argument"},
      {Status::NotFound("gone"), 404, "not_found"},
      {Status::Conflict("taken", "server_name"), 409, "conflict"},
      {Status::Unavailable("down"), 503, "unavailable"},
      {Status::ResourceExhausted("big"), 413, "resource_exhausted"},
      {Status::Internal("db: disk I/O error at /var/x"), 500, "internal"},
  };
  for (const auto& c : cases) {
    Response res = ErrorResponse(c.status);
    EXPECT_EQ(res.status, c.http) << c.code;
    auto error = ErrorOf(res);
    EXPECT_EQ(error.at("code").as_string(), c.code);
  }
  auto field = ErrorOf(ErrorResponse(Status::InvalidArgument("bad", "name")));
  EXPECT_EQ(field.at("field").as_string(), "name");
  EXPECT_EQ(field.at("message").as_string(), "bad");
}

TEST(MessageTest, InternalStatusHidesItsMessage) {
  Response res = ErrorResponse(Status::Internal("db: disk I/O error at /var/x"));
  EXPECT_EQ(res.body.find("disk"), std::string::npos);
  EXPECT_EQ(ErrorOf(res).at("message").as_string(), "internal error");
}

TEST(MessageTest, JsonResponseKeepsBody) {
  Response res = JsonResponse(202, R"({"status":"accepted"})");
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, R"({"status":"accepted"})");
}

TEST(AwaitReplyTest, WaitsForTheAnswerGivenOnAnotherThread) {
  std::thread answerer;
  Response res = AwaitReply([&](Reply reply) {
    answerer = std::thread([reply] { reply(JsonResponse(202, R"({"status":"accepted"})")); });
  });
  answerer.join();
  EXPECT_EQ(res.status, 202);
  EXPECT_EQ(res.body, R"({"status":"accepted"})");
}

TEST(AwaitReplyTest, AReplyDroppedUnansweredGives500) {
  Response res = AwaitReply([](Reply) {});
  EXPECT_EQ(res.status, 500);
}

TEST(BearerCredentialTest, TakesTheCredentialOfTheBearerSchemeOnly) {
  EXPECT_EQ(BearerCredential("Bearer abc.def"), "abc.def");
  EXPECT_EQ(BearerCredential("bEaReR \t tok \t"), "tok");
  for (const char* refused : {"", "Bearer", "Bearer ", "Bearer  \t ", "Basic dXNlcjpwdw==",
                              "Bearerabc", "Token abc"}) {
    EXPECT_FALSE(BearerCredential(refused).has_value()) << refused;
  }
}

}  // namespace
}  // namespace sms::http
