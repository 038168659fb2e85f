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

#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"

namespace sms::http {

// What Stop needs of a session, whatever its executor.
class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // From any thread: close now if idle between requests; otherwise close after the current
  // response.
  virtual void Shutdown() = 0;
};

// Lets answers given on other threads (Reply) reach their sessions while the server runs.
// Stop closes it before the io_contexts go away, so no answer is posted to one that is gone.
struct ReplyGate {
  std::mutex mu;
  bool open = true;  // guarded by mu
};

// Everything sessions share. Declaration order matters: the io_contexts are destroyed first,
// and the handlers they still hold destroy sessions, which touch the members declared before.
struct ServerState {
  ServerOptions options;
  std::shared_ptr<const Router> router;
  std::shared_ptr<metrics::Metrics> metrics;
  metrics::Counter* rejected = nullptr;  // connections refused over max_connections
  std::shared_ptr<std::atomic<size_t>> connections = std::make_shared<std::atomic<size_t>>(0);
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> next_request_id{0};
  std::shared_ptr<ReplyGate> reply_gate = std::make_shared<ReplyGate>();
  std::string request_id_prefix;
  std::mutex sessions_mu;
  std::list<std::weak_ptr<SessionBase>> sessions;  // guarded by sessions_mu
  // Pinned: one io_context per I/O thread, run by that thread alone, so a connection's
  // handlers never race (no strand) and threads do not wake each other. Shared: one io_context
  // run by every thread, a strand per connection.
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts;
  size_t next_context = 0;  // round robin; touched by the accept loop only
};

// Beast's HTTP/1.1 request parser writing straight into a Request: method, target (raw, for
// the session to parse), header fields with lower-cased names, and the body. The previous
// request's strings are overwritten in place, so a keep-alive connection sending requests of
// the same shape allocates nothing here. Limits, framing (Content-Length, chunked) and
// keep-alive are Beast's. One parser per request, as with beast::http::parser.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  // `req`'s headers and body are replaced; `target` receives the raw request-target.
  RequestParser(Request* req, std::string* target) : req_(req), target_(target) {}

  int version() const { return version_; }
  bool expect_continue() const { return expect_continue_; }
  // True once a Transfer-Encoding field was read. The header is then refused (as
  // error::bad_transfer_encoding) unless the request is HTTP/1.1 and its codings are exactly
  // "chunked" (RFC 9112 6.3): a body framed any other way may be framed differently by a proxy
  // in front, and what it takes for the next request would be served here.
  bool transfer_encoding() const { return te_fields_ > 0; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;

  void on_request_impl(boost::beast::http::verb, string_view method, string_view target,
                       int version, error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<uint64_t>& length, error_code&) override;
  size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(uint64_t, string_view, error_code&) override {}
  size_t on_chunk_body_impl(uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}
  void AddTransferCodings(std::string_view list);

  Request* req_;
  std::string* target_;
  size_t fields_ = 0;  // header fields so far
  int version_ = 11;
  bool expect_seen_ = false;
  bool expect_continue_ = false;  // the first Expect field is 100-continue
  size_t te_fields_ = 0;          // Transfer-Encoding fields
  size_t te_codings_ = 0;         // transfer codings in them, all fields together
  bool te_chunked_last_ = false;  // the final coding is chunked
};

// Concrete executor types (not any_io_executor): no type erasure on the request path.
using PinnedExecutor = boost::asio::io_context::executor_type;
using SharedExecutor = boost::asio::strand<boost::asio::io_context::executor_type>;

// One connection. Lives as long as an operation on it is pending; all its work runs on its
// executor (PinnedExecutor or SharedExecutor), one handler at a time.
template <typename Executor>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Executor>> {
 public:
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Executor>;
  using Clock = std::chrono::steady_clock;

  // `reject`: answer the first request with 503 and close (over max_connections).
  Session(Socket&& socket, ServerState* state, bool reject);
  ~Session() override;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers with the server and starts reading. Call once, right after make_shared.
  void Start();
  void Shutdown() override;

 private:
  enum class Phase { kIdle, kReading, kHandling, kStreaming, kLingering, kClosed };

  void NextRequest();
  void BeginRequest();
  void ReadSome();
  void OnRead(boost::beast::error_code ec, size_t n);
  void Parse();
  void ParseFailed(boost::beast::error_code ec);
  bool OnHeader();  // false: a response was sent, or parsing resumes asynchronously
  bool ParseTarget(std::string_view target);
  bool QueryWithinLimits();  // false: an error response was sent
  bool Admitted();           // the router's guard; false: its refusal was sent
  std::string ClientAddress() const;  // remote_, or whom a trusted proxy forwarded for
  void Dispatch();
  // Runs a deferred route: the connection waits (its read deadline still running) until the
  // handler's Reply posts the answer back to this session's executor.
  void Defer(bool keep_alive);
  Response Handle();  // the router's response; a 500 for anything thrown around the handler
  void Respond(Response res, bool keep_alive);
  void OnWrite(bool keep_alive, boost::beast::error_code ec, size_t n);
  // Sends the next chunk of file_ after the previous write, then goes on as OnWrite.
  void WriteFile(bool keep_alive, boost::beast::error_code ec, size_t n);
  // Asks stream_ for its next piece after the previous write; the piece is written on this
  // session's executor, and the loop goes on until the stream ends or the connection fails.
  void WriteStream(boost::beast::error_code ec, size_t n);
  void OnStreamPiece(std::string piece);
  void Linger();
  void Drain();
  void Close();
  const std::string& RequestId();
  // At debug, or warn for a 500, with the request id the response carries.
  void LogRequest(int status, double seconds, std::string_view request_id);
  // The metrics series of this request's route and method with status `code`.
  const metrics::Metrics::RequestSeries& RequestSeries(int code);
  // Deadlines: one timer per connection, set lazily. Moving the deadline later (every request
  // does) costs no timer operation; the timer, never set further ahead than `horizon_`, finds
  // the new deadline when it fires and waits again.
  void SetDeadline(Clock::time_point now, Clock::duration timeout);
  void ArmTimer(Clock::time_point at);
  void OnTimer(boost::beast::error_code ec);

  using Timer = boost::asio::basic_waitable_timer<Clock, boost::asio::wait_traits<Clock>, Executor>;
  Socket socket_;
  Timer timer_;
  Clock::time_point deadline_;  // the connection is closed when this passes
  bool timer_armed_ = false;    // a wait on timer_ is pending (not cancelled)
  Clock::duration horizon_;     // the shortest read or idle timeout
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string target_;  // raw request-target of the request being read
  ServerState* state_;
  bool reject_;
  bool registered_ = false;
  std::list<std::weak_ptr<SessionBase>>::iterator registry_pos_;
  Phase phase_ = Phase::kIdle;
  bool first_request_ = true;
  bool header_handled_ = false;
  Clock::time_point start_;
  Request req_;
  const Route* matched_ = nullptr;                  // the request's route, once its header is in
  // The series of the last response: cache key below.
  const metrics::Metrics::RequestSeries* series_ = nullptr;
  std::string series_route_;
  const std::string* series_method_ = nullptr;  // MethodLabel's string
  int series_code_ = 0;
  std::string route_;
  std::string head_;  // serialized status line and headers of the response being written
  std::string body_;
  std::shared_ptr<const BodyFile> file_;  // the body being sent, when it is a file
  uint64_t file_offset_ = 0;              // of the next chunk of file_
  std::shared_ptr<BodyStream> stream_;    // the body being sent, when it is a stream
  std::string remote_;
  std::string request_id_;
};

extern template class Session<PinnedExecutor>;
extern template class Session<SharedExecutor>;

// Serializes the status line and headers of `res` (Content-Length from body_size).
void SerializeHead(const Response& res, size_t body_size, bool keep_alive, bool http10,
                   std::string_view request_id, std::string* out);

// A bounded method label for metrics: the method if standard, else "other".
const std::string& MethodLabel(std::string_view method);

}  // namespace sms::http
