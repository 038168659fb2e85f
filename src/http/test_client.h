#pragma once
// A small synchronous HTTP/1.1 client for tests: real TCP to a local server, Beast underneath.
// Every call has a timeout, so a misbehaving server fails a test instead of hanging it.
// A TestConnection is not thread-safe; use one per thread.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http/message.h"

namespace sms::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline constexpr int kTestTimeoutMs = 10000;

// One request on a new connection that closes afterwards. The response's headers have
// lower-case names; content_type is its Content-Type. Throws boost::system::system_error when
// the server cannot be reached, does not answer in time or closes without a response.
Response Fetch(int port, const std::string& method, const std::string& target,
               const std::string& body = "", const Headers& headers = {});

// The value of header `name` (any case) in `res`, or "".
std::string HeaderValue(const Response& res, const std::string& name);

// Sends `raw` bytes as they are and returns every byte the server sends back until it closes
// the connection (or `timeout_ms` passes, which throws).
std::string SendRaw(int port, const std::string& raw, int timeout_ms = kTestTimeoutMs);

// A keep-alive connection: several requests on one TCP connection.
class TestConnection {
 public:
  // Connects to host:port; throws boost::system::system_error on failure.
  explicit TestConnection(int port, const std::string& host = "127.0.0.1");
  ~TestConnection();
  TestConnection(const TestConnection&) = delete;
  TestConnection& operator=(const TestConnection&) = delete;

  // Sends one request (HTTP/1.1, keep-alive unless `headers` says otherwise) and reads the
  // response. Throws boost::system::system_error as Fetch does.
  Response Send(const std::string& method, const std::string& target, const std::string& body = "",
                const Headers& headers = {});
  // Writes raw bytes (e.g. half a request).
  void Write(const std::string& raw);
  // The bytes the server has sent so far, waiting up to `timeout_ms` for at least one.
  std::string ReadSome(int timeout_ms = kTestTimeoutMs);
  // Every byte the server sends until it closes the connection; throws after `timeout_ms`.
  std::string ReadUntilClose(int timeout_ms = kTestTimeoutMs);
  // True when the server closes the connection within `timeout_ms`; false when it is still
  // open then (or sends bytes instead).
  bool ClosedByPeer(int timeout_ms);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sms::http
