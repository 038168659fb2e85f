#pragma once
// Internal to the server: the shared state of one Server and one HTTP/1.1 connection
// (Beast's session: read, handle, write, close). Not part of the module's interface.

#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace sms::http {

class Session;
class Listener;

// Everything sessions share. Declaration order matters: io_context is destroyed first, and
// the handlers it still holds destroy sessions, which touch the members declared before it.
struct ServerState {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::shared_ptr<Metrics> metrics;
  Counter* rejected = nullptr;  // connections refused over max_connections
  std::shared_ptr<std::atomic<size_t>> connections = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_request_id{0};
  std::string request_id_prefix;
  std::mutex sessions_mu;
  std::list<std::weak_ptr<Session>> sessions;  // guarded by sessions_mu
  boost::asio::io_context ioc;
};

// One connection. Lives as long as an operation on it is pending; all its work runs on its
// strand. Thread-compatible through that strand only.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `reject`: answer the first request with 503 and close (over max_connections).
  Session(boost::asio::ip::tcp::socket&& socket, ServerState* state, bool reject);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers with the server and starts reading. Call once, right after make_shared.
  void Start();
  // From any thread: close now if idle between requests; otherwise close after the current
  // response.
  void Shutdown();

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase { kIdle, kReading, kHandling, kLingering, kClosed };

  void NextRequest();
  void BeginRequest();
  void ReadSome();
  void OnRead(boost::beast::error_code ec, size_t n);
  void Parse();
  void ParseFailed(boost::beast::error_code ec);
  bool OnHeader();  // false: a response was sent, or parsing resumes asynchronously
  void CopyHeaders();
  bool ParseTarget(std::string_view target);
  void Dispatch();
  void Respond(Response res, bool keep_alive);
  void OnWrite(bool keep_alive, boost::beast::error_code ec, size_t n);
  void Linger();
  void Drain();
  void Close();
  const std::string& RequestId();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  ServerState* state_;
  bool reject_;
  bool registered_ = false;
  std::list<std::weak_ptr<Session>>::iterator registry_pos_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool header_handled_ = false;
  Clock::time_point start_;
  Request req_;
  std::string route_;
  std::string head_;  // serialized status line and headers of the response being written
  std::string body_;
  std::string remote_;
  std::string request_id_;
};

// Serializes the status line and headers of `res` (Content-Length from body_size).
void SerializeHead(const Response& res, size_t body_size, bool keep_alive, bool http10,
                   std::string_view request_id, std::string* out);

// A bounded method label for metrics: the method if standard, else "other".
const std::string& MethodLabel(std::string_view method);

}  // namespace sms::http
