#include "http/test_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace sms::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct TestConnection::Impl {
  net::io_context ioc;
  tcp::socket socket{ioc};
  beast::flat_buffer buffer;
  std::string host;
  int port = 0;
  bool peer_closed = false;

  // Runs one asynchronous operation to completion or until `timeout_ms`, then cancels it.
  template <typename Start>
  beast::error_code Run(Start start, int timeout_ms) {
    beast::error_code result;
    bool done = false;
    bool timed_out = false;
    net::steady_timer timer(ioc, std::chrono::milliseconds(timeout_ms));
    timer.async_wait([&](beast::error_code ec) {
      if (ec || done) return;
      timed_out = true;
      beast::error_code ignored;
      socket.cancel(ignored);
    });
    start([&](beast::error_code ec, auto&&...) {
      done = true;
      result = ec;
      timer.cancel();
    });
    ioc.restart();
    ioc.run();
    return timed_out ? beast::error_code(beast::error::timeout) : result;
  }

  void Check(beast::error_code ec, const char* what) {
    if (ec) throw boost::system::system_error(ec, what);
  }
};

namespace {

Response ToResponse(bhttp::response<bhttp::string_body>&& msg) {
  Response res;
  res.status = static_cast<int>(msg.result_int());
  res.content_type = std::string(msg[bhttp::field::content_type]);
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    res.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  res.body = std::move(msg.body());
  return res;
}

}  // namespace

TestConnection::TestConnection(int port, const std::string& host) : impl_(new Impl) {
  impl_->host = host;
  impl_->port = port;
  tcp::endpoint endpoint(net::ip::make_address(host), static_cast<uint16_t>(port));
  auto ec = impl_->Run([&](auto handler) { impl_->socket.async_connect(endpoint, handler); },
                       kTestTimeoutMs);
  impl_->Check(ec, "connect");
}

TestConnection::~TestConnection() = default;

Response TestConnection::Send(const std::string& method, const std::string& target,
                              const std::string& body, const Headers& headers) {
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, impl_->host + ":" + std::to_string(impl_->port));
  req.body() = body;
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.prepare_payload();
  }
  for (const auto& [name, value] : headers) req.set(name, value);
  auto ec = impl_->Run([&](auto handler) { bhttp::async_write(impl_->socket, req, handler); },
                       kTestTimeoutMs);
  impl_->Check(ec, "write request");
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(boost::none);
  parser.skip(method == "HEAD");
  ec = impl_->Run(
      [&](auto handler) { bhttp::async_read(impl_->socket, impl_->buffer, parser, handler); },
      kTestTimeoutMs);
  impl_->Check(ec, "read response");
  return ToResponse(parser.release());
}

void TestConnection::Write(const std::string& raw) {
  auto ec =
      impl_->Run([&](auto handler) { net::async_write(impl_->socket, net::buffer(raw), handler); },
                 kTestTimeoutMs);
  impl_->Check(ec, "write");
}

bool TestConnection::ClosedByPeer(int timeout_ms) {
  if (impl_->peer_closed) return true;
  char byte;
  auto ec = impl_->Run(
      [&](auto handler) { impl_->socket.async_read_some(net::buffer(&byte, 1), handler); },
      timeout_ms);
  // Asio does not report EOF twice on a socket; remember it.
  if (ec == net::error::eof || ec == net::error::connection_reset) impl_->peer_closed = true;
  return impl_->peer_closed;
}

std::string TestConnection::ReadSome(int timeout_ms) {
  std::string out(static_cast<const char*>(impl_->buffer.data().data()), impl_->buffer.size());
  impl_->buffer.clear();
  if (!out.empty()) return out;
  char chunk[4096];
  size_t got = 0;
  auto ec = impl_->Run(
      [&](auto handler) {
        impl_->socket.async_read_some(net::buffer(chunk), [&got, handler](auto ec, size_t n) {
          got = n;
          handler(ec);
        });
      },
      timeout_ms);
  impl_->Check(ec, "read");
  return std::string(chunk, got);
}

std::string TestConnection::ReadUntilClose(int timeout_ms) {
  std::string out(static_cast<const char*>(impl_->buffer.data().data()), impl_->buffer.size());
  impl_->buffer.clear();
  auto ec = impl_->Run(
      [&](auto handler) { net::async_read(impl_->socket, net::dynamic_buffer(out), handler); },
      timeout_ms);
  if (ec != net::error::eof && ec != net::error::connection_reset) impl_->Check(ec, "read");
  return out;
}

Response Fetch(int port, const std::string& method, const std::string& target,
               const std::string& body, const Headers& headers) {
  TestConnection conn(port);
  Headers with_close = headers;
  with_close.emplace_back("Connection", "close");
  return conn.Send(method, target, body, with_close);
}

std::string HeaderValue(const Response& res, const std::string& name) {
  for (const auto& [key, value] : res.headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

std::string SendRaw(int port, const std::string& raw, int timeout_ms) {
  TestConnection conn(port);
  conn.Write(raw);
  return conn.ReadUntilClose(timeout_ms);
}

}  // namespace sms::http
