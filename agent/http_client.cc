#include "http_client.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>

namespace sms::agent {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

class HttpClient::Impl {
 public:
  Impl(HttpUrl url, std::string token, std::string user_agent, std::chrono::seconds timeout)
      : url_(std::move(url)),
        token_(std::move(token)),
        user_agent_(std::move(user_agent)),
        timeout_(timeout),
        stream_(ioc_) {}

  Result<HttpResponse> PostJson(const std::string& json) {
    bool reused = connected_;
    HttpResponse response;
    Status s = RunAttempt(json, &response);
    if (!s.ok() && reused && !timed_out_) {
      Close();
      s = RunAttempt(json, &response);
    }
    if (!s.ok() || response.status / 100 != 2) Close();
    if (!s.ok()) return s;
    return response;
  }

 private:
  // Runs one Attempt() to completion on the private io_context.
  Status RunAttempt(const std::string& json, HttpResponse* out) {
    std::optional<Status> result;
    ioc_.restart();
    asio::co_spawn(ioc_, Attempt(json, out), [&result](std::exception_ptr e, Status s) {
      result = e ? Status::Internal("unexpected error in the HTTP client") : std::move(s);
    });
    ioc_.run();
    return result.value_or(Status::Internal("the HTTP request did not complete"));
  }

  asio::awaitable<Status> Attempt(const std::string& json, HttpResponse* out) {
    beast::error_code ec;
    auto on_error = asio::redirect_error(asio::use_awaitable, ec);
    timed_out_ = false;
    stream_.expires_after(timeout_);
    if (!connected_) {
      tcp::resolver resolver(ioc_);
      // Synchronous on purpose: asynchronous resolution would start a thread.
      auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
      if (ec) co_return Fail("resolve " + url_.host, ec);
      co_await stream_.async_connect(endpoints, on_error);
      if (ec) co_return Fail("connect to " + url_.HostHeader(), ec);
      connected_ = true;
    }
    co_await http::async_write(stream_, MakeRequest(json), on_error);
    if (ec) co_return Fail("send to " + url_.HostHeader(), ec);
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    co_await http::async_read(stream_, buffer_, parser, on_error);
    if (ec) co_return Fail("read the response from " + url_.HostHeader(), ec);
    out->status = static_cast<int>(parser.get().result_int());
    out->body = std::move(parser.get().body());
    if (!parser.keep_alive()) Close();
    co_return Status::Ok();
  }

  http::request<http::string_body> MakeRequest(const std::string& json) const {
    http::request<http::string_body> req{http::verb::post, url_.target, 11};
    req.set(http::field::host, url_.HostHeader());
    req.set(http::field::user_agent, user_agent_);
    req.set(http::field::content_type, "application/json");
    if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
    req.keep_alive(true);
    req.body() = json;
    req.prepare_payload();
    return req;
  }

  Status Fail(const std::string& what, const beast::error_code& ec) {
    if (ec == beast::error::timeout) {
      timed_out_ = true;
      return Status::Unavailable(what + ": no answer within " + std::to_string(timeout_.count()) +
                                 " s");
    }
    return Status::Unavailable(what + ": " + ec.message());
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
    buffer_.clear();
    connected_ = false;
  }

  const HttpUrl url_;
  const std::string token_;
  const std::string user_agent_;
  const std::chrono::seconds timeout_;
  asio::io_context ioc_{1};
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_{16 * 1024};
  bool connected_ = false;
  bool timed_out_ = false;
};

HttpClient::HttpClient(HttpUrl url, std::string token, std::string user_agent,
                       std::chrono::seconds timeout)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(token), std::move(user_agent),
                                   timeout)) {}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::PostJson(const std::string& json) { return impl_->PostJson(json); }

}  // namespace sms::agent
