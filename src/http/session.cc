#include "http/session.h"

#include <algorithm>
#include <array>
#include <boost/url.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <spdlog/spdlog.h>
#include <utility>

#include "http/limits.h"

namespace sms::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kReadSize = 4096;       // small: an idle keep-alive connection keeps this much
constexpr size_t kBodyReadSize = 65536;  // while reading a body
constexpr size_t kKeepCapacity = 16384;  // buffers grown past this shrink between requests
constexpr size_t kFileChunk = 65536;     // a file body is read and written this much at a time
constexpr auto kLinger = std::chrono::seconds(2);
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::chrono::seconds Seconds(int s) { return std::chrono::seconds(std::max(1, s)); }

bool ValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

std::string_view EncodedPath(std::string_view target) { return target.substr(0, target.find('?')); }

// ASCII only: header names are tokens, and std::tolower would consult the locale per byte.
void AssignLower(std::string* out, std::string_view s) {
  out->resize(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    (*out)[i] = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  }
}

// True when `target` is an origin-form path with no query and nothing to decode: every byte a
// pchar (RFC 3986: unreserved, sub-delims, ':' or '@') or '/'. Its decoded path is itself.
bool IsPlainPath(std::string_view target) {
  static constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = '0'; c <= '9'; ++c) plain[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) plain[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) plain[c] = true;
    for (char c : std::string_view("-._~!$&'()*+,;=:@/"))
      plain[static_cast<unsigned char>(c)] = true;
    return plain;
  }();
  if (target.empty() || target.front() != '/') return false;
  return std::all_of(target.begin(), target.end(),
                     [](char c) { return kPlain[static_cast<unsigned char>(c)]; });
}

}  // namespace

void RequestParser::on_request_impl(bhttp::verb, string_view method, string_view target,
                                    int version, error_code&) {
  req_->method.assign(method.data(), method.size());
  target_->assign(target.data(), target.size());
  version_ = version;
  fields_ = 0;
  req_->body.clear();
  req_->caller = Caller{};  // a kept-alive connection's next request starts unknown
  req_->admitted = false;
}

void RequestParser::on_field_impl(bhttp::field name, string_view name_string, string_view value,
                                  error_code&) {
  auto& headers = req_->headers;
  if (fields_ == headers.size()) headers.emplace_back();
  auto& [key, text] = headers[fields_++];
  AssignLower(&key, std::string_view(name_string.data(), name_string.size()));
  text.assign(value.data(), value.size());
  if (name == bhttp::field::transfer_encoding) {
    AddTransferCodings(std::string_view(value.data(), value.size()));
  }
  if (name == bhttp::field::expect && !expect_seen_) {  // as message[field::expect] reads it
    expect_seen_ = true;
    expect_continue_ = beast::iequals(value, "100-continue");
  }
}

void RequestParser::AddTransferCodings(std::string_view list) {
  ++te_fields_;
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view coding = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    while (!coding.empty() && (coding.front() == ' ' || coding.front() == '\t'))
      coding.remove_prefix(1);
    while (!coding.empty() && (coding.back() == ' ' || coding.back() == '\t'))
      coding.remove_suffix(1);
    if (coding.empty()) continue;  // a list may have empty elements (RFC 9110 5.6.1)
    ++te_codings_;
    te_chunked_last_ = beast::iequals(coding, "chunked");
  }
}

void RequestParser::on_header_impl(error_code& ec) {
  req_->headers.resize(fields_);
  // Beast frames "chunked" last as chunked, anything else as no body at all, and HTTP/1.0 as
  // 1.1; only a lone "chunked" on HTTP/1.1 means the same to every reader.
  bool lone_chunked = te_codings_ == 1 && te_chunked_last_ && version_ >= 11;
  if (transfer_encoding() && !lone_chunked) ec = bhttp::error::bad_transfer_encoding;
}

void RequestParser::on_body_init_impl(const boost::optional<uint64_t>& length, error_code& ec) {
  if (!length) return;
  if (*length > req_->body.max_size()) {
    ec = bhttp::error::buffer_overflow;
    return;
  }
  req_->body.reserve(static_cast<size_t>(*length));
}

size_t RequestParser::on_body_impl(string_view body, error_code&) {
  req_->body.append(body.data(), body.size());
  return body.size();
}

size_t RequestParser::on_chunk_body_impl(uint64_t, string_view body, error_code&) {
  req_->body.append(body.data(), body.size());
  return body.size();
}

template <typename Executor>
Session<Executor>::Session(Socket&& socket, ServerState* state, bool reject)
    : socket_(std::move(socket)),
      timer_(socket_.get_executor()),
      horizon_(std::min(Seconds(state->options.read_timeout_seconds),
                        Seconds(state->options.idle_timeout_seconds))),
      state_(state),
      reject_(reject) {
  state_->connections->fetch_add(1, std::memory_order_relaxed);
  beast::error_code ec;
  auto peer = socket_.remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string();
  socket_.set_option(tcp::no_delay(true), ec);  // one write per response anyway
  socket_.non_blocking(true, ec);               // Respond's direct write must not wait
}

template <typename Executor>
Session<Executor>::~Session() {
  if (stream_ != nullptr) stream_->Cancel();
  if (registered_) {
    std::lock_guard lock(state_->sessions_mu);
    state_->sessions.erase(registry_pos_);
  }
  state_->connections->fetch_sub(1, std::memory_order_acq_rel);
}

template <typename Executor>
void Session<Executor>::Start() {
  {
    std::lock_guard lock(state_->sessions_mu);
    state_->sessions.push_front(this->weak_from_this());
    registry_pos_ = state_->sessions.begin();
    registered_ = true;
  }
  net::dispatch(socket_.get_executor(),
                beast::bind_front_handler(&Session::NextRequest, this->shared_from_this()));
}

template <typename Executor>
void Session<Executor>::Shutdown() {
  net::post(socket_.get_executor(), [self = this->shared_from_this()] {
    // A request being read or handled finishes; its response then says Connection: close.
    if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kLingering ||
        self->phase_ == Phase::kStreaming) {
      self->Close();  // a stream has no end to wait for
    }
  });
}

template <typename Executor>
void Session<Executor>::NextRequest() {
  if (state_->stopping.load(std::memory_order_acquire)) return Close();
  parser_.emplace(&req_, &target_);
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(state_->options.header_limit, UINT32_MAX)));
  // The route's limit is applied once the header names the route (OnHeader).
  parser_->body_limit(boost::none);
  parser_->eager(false);
  header_handled_ = false;
  matched_ = nullptr;
  route_.assign("unmatched");
  if (buffer_.size() > 0) {  // pipelined: the next request is already here
    BeginRequest();
    return Parse();
  }
  if (buffer_.capacity() > kKeepCapacity) buffer_.shrink_to_fit();
  if (req_.body.capacity() > kKeepCapacity) std::string().swap(req_.body);  // a big upload
  phase_ = Phase::kIdle;
  const auto& o = state_->options;
  SetDeadline(Clock::now(),
              Seconds(first_request_ ? o.read_timeout_seconds : o.idle_timeout_seconds));
  ReadSome();
}

template <typename Executor>
void Session<Executor>::BeginRequest() {
  phase_ = Phase::kReading;
  start_ = Clock::now();
  // One deadline for the whole request (header and body): a slow client cannot hold on.
  SetDeadline(start_, Seconds(state_->options.read_timeout_seconds));
}

template <typename Executor>
void Session<Executor>::ReadSome() {
  size_t size = header_handled_ ? kBodyReadSize : kReadSize;
  socket_.async_read_some(buffer_.prepare(size),
                          beast::bind_front_handler(&Session::OnRead, this->shared_from_this()));
}

template <typename Executor>
void Session<Executor>::OnRead(beast::error_code ec, size_t n) {
  // EOF, reset, timeout or Close(): the peer is gone or silent, nobody to answer.
  if (ec) return Close();
  buffer_.commit(n);
  if (phase_ == Phase::kIdle) BeginRequest();
  Parse();
}

template <typename Executor>
void Session<Executor>::Parse() {
  for (;;) {
    if (parser_->is_header_done() && !header_handled_ && !OnHeader()) return;
    if (parser_->is_done()) return Dispatch();
    if (buffer_.size() == 0) break;
    beast::error_code ec;
    size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == bhttp::error::need_more) break;
    if (ec) return ParseFailed(ec);
    if (used == 0) break;
  }
  ReadSome();
}

template <typename Executor>
void Session<Executor>::ParseFailed(beast::error_code ec) {
  if (ec == bhttp::error::header_limit) {
    return Respond(
        ErrorResponse(431, "request_header_fields_too_large", "request header fields too large"),
        false);
  }
  if (ec == bhttp::error::body_limit) {
    return Respond(ErrorResponse(413, "payload_too_large", "request body too large"), false);
  }
  // Beast refuses Transfer-Encoding with Content-Length (the one read last is named).
  if (ec == bhttp::error::bad_transfer_encoding ||
      (ec == bhttp::error::bad_content_length && parser_->transfer_encoding())) {
    return Respond(ErrorResponse(400, "bad_request",
                                 "unsupported framing: Transfer-Encoding must be chunked alone, "
                                 "on HTTP/1.1, without Content-Length"),
                   false);
  }
  Respond(ErrorResponse(400, "bad_request", "malformed HTTP request"), false);
}

template <typename Executor>
bool Session<Executor>::OnHeader() {
  header_handled_ = true;
  start_ = Clock::now();
  if (reject_) {
    Respond(ErrorResponse(503, "unavailable", "too many connections"), false);
    return false;
  }
  if (!ParseTarget(target_)) {
    Respond(ErrorResponse(400, "bad_request", "malformed request target"), false);
    return false;
  }
  if (!QueryWithinLimits()) return false;
  matched_ = state_->router->Find(req_.method, EncodedPath(req_.target));
  size_t limit = matched_ != nullptr ? matched_->body_limit : kDefaultBodyLimit;
  if (matched_ != nullptr) route_.assign(matched_->pattern);
  // Who may call the route is settled before the body is read (and before its size is
  // judged): an unauthenticated upload is refused without receiving it.
  if (matched_ != nullptr && !Admitted()) return false;
  auto length = parser_->content_length();
  if (length && *length > limit) {
    Respond(ErrorResponse(413, "payload_too_large", "request body too large"), false);
    return false;
  }
  parser_->body_limit(limit);  // chunked bodies are checked chunk by chunk
  parser_->eager(true);
  if (!parser_->is_done() && parser_->version() >= 11 && parser_->expect_continue()) {
    net::async_write(socket_, net::buffer(kContinue),
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Parse();
                     });
    return false;
  }
  return true;
}

template <typename Executor>
bool Session<Executor>::ParseTarget(std::string_view target) {
  req_.query.clear();
  req_.query_list.clear();
  if (IsPlainPath(target)) {  // the usual case, without a URL parser
    req_.target.assign(target);
    req_.path.assign(target);
    return true;
  }
  if (!target.empty() && target.front() != '/') {
    // absolute-form (RFC 9112 3.2.2): route on its path, as if origin-form had been sent
    auto uri = boost::urls::parse_absolute_uri(target);
    if (!uri) return false;
    req_.target.assign(uri->encoded_path().empty() ? "/" : uri->encoded_path());
    if (uri->has_query()) req_.target.append("?").append(uri->encoded_query());
  } else {
    req_.target.assign(target);
  }
  auto url = boost::urls::parse_origin_form(req_.target);
  if (!url) return false;
  req_.path = url->path();
  for (auto param : url->params()) {
    req_.query_list.emplace_back(param.key, param.value);
    req_.query.insert_or_assign(std::move(param.key), std::move(param.value));
  }
  return true;
}

template <typename Executor>
std::string Session<Executor>::ClientAddress() const {
  const TrustedProxies& proxies = state_->options.trusted_proxies;
  if (proxies.empty()) return remote_;
  return proxies.ClientAddress(remote_, req_.Header("x-forwarded-for"));
}

template <typename Executor>
bool Session<Executor>::Admitted() {
  req_.remote = ClientAddress();
  std::optional<Response> refused;
  try {
    refused = state_->router->Admit(req_, *matched_);
  } catch (const std::exception&) {  // must not escape into the I/O thread (as in Handle)
    refused = ErrorResponse(500, "internal", "internal error");
  }
  if (!refused) return true;
  // A request without a body may keep its connection; one with a body unread may not.
  Respond(std::move(*refused), parser_->is_done() && parser_->keep_alive());
  return false;
}

template <typename Executor>
bool Session<Executor>::QueryWithinLimits() {
  const ServerOptions& o = state_->options;
  size_t mark = req_.target.find('?');
  if (mark == std::string::npos) return true;
  if (req_.target.size() - mark - 1 > o.max_query_length) {
    Respond(ErrorResponse(414, "uri_too_long", "query string too long", "query"), false);
    return false;
  }
  // Repeated keys count each time: the map keeps only the last, the client sent them all.
  size_t params = 1 + static_cast<size_t>(
                          std::count(req_.target.begin() + static_cast<long>(mark),
                                     req_.target.end(), '&'));
  if (params > o.max_query_params) {
    Respond(ErrorResponse(400, "too_many_query_parameters", "too many query parameters",
                          "query"),
            false);
    return false;
  }
  return true;
}

template <typename Executor>
void Session<Executor>::LogRequest(int status, double seconds, std::string_view request_id) {
  // Every request at debug; internal errors at warn, so an operator can find the request a
  // client reports by its X-Request-Id. Not 503: back-pressure under overload would flood the
  // log when it can least afford it. The path only: a query may carry what must not be logged.
  auto level = status == 500 ? spdlog::level::warn : spdlog::level::debug;
  if (!spdlog::should_log(level)) return;
  std::string_view method = header_handled_ ? std::string_view(req_.method) : "-";
  std::string_view path = header_handled_ ? std::string_view(req_.path) : "-";
  spdlog::log(level, "http {} {} {} {:.1f}ms request_id={} remote={}", method, path, status,
              seconds * 1000, request_id, header_handled_ ? ClientAddress() : remote_);
}

template <typename Executor>
void Session<Executor>::Dispatch() {
  req_.remote = ClientAddress();
  if (!req_.body.empty() && IsJsonBody(req_.Header("content-type")) &&
      JsonTooDeep(req_.body, state_->options.max_json_depth)) {
    return Respond(ErrorResponse(400, "json_too_deep", "JSON nested too deeply", "body"),
                   parser_->keep_alive());
  }
  if (matched_ != nullptr && matched_->deferred) return Defer(parser_->keep_alive());
  Respond(Handle(), parser_->keep_alive());
}

template <typename Executor>
void Session<Executor>::Defer(bool keep_alive) {
  phase_ = Phase::kHandling;
  // Weak: a connection closed meanwhile (deadline, Stop) is not kept for its answer; its timer
  // holds it while it waits.
  Reply reply([gate = state_->reply_gate, weak = this->weak_from_this(),
               keep_alive](Response res) {
    std::lock_guard lock(gate->mu);
    if (!gate->open) return;
    auto self = weak.lock();
    if (!self) return;
    net::post(self->socket_.get_executor(),
              [self, keep_alive, res = std::move(res)]() mutable {
                self->Respond(std::move(res), keep_alive);
              });
  });
  try {
    state_->router->Dispatch(req_, *matched_, std::move(reply));
  } catch (const std::exception&) {
    // Dispatch answers what a handler throws; this is for failures around it (bad_alloc). The
    // Reply, if it was lost with them, answers 500 as it is destroyed.
  }
}

template <typename Executor>
Response Session<Executor>::Handle() {
  try {
    // The route was found once already, for the body limit.
    if (matched_ != nullptr) return state_->router->Handle(req_, *matched_);
    return state_->router->Handle(req_, &route_);
  } catch (const std::exception&) {
    // Handle catches handler exceptions; this is for failures around them (bad_alloc), which
    // must not escape into the I/O thread.
    return ErrorResponse(500, "internal", "internal error");
  }
}

template <typename Executor>
void Session<Executor>::Respond(Response res, bool keep_alive) {
  if (phase_ == Phase::kClosed) return;  // a deferred answer after the connection was closed
  phase_ = Phase::kHandling;
  keep_alive = keep_alive && !reject_ && !state_->stopping.load(std::memory_order_acquire);
  bool http10 = header_handled_ && parser_->version() == 10;
  bool head = header_handled_ && req_.method == "HEAD";
  if (res.stream != nullptr) keep_alive = false;
  body_ = std::move(res.body);
  size_t body_size = res.file != nullptr ? res.file->size() : body_.size();
  const std::string& request_id = RequestId();  // once: each call makes a new one
  SerializeHead(res, body_size, keep_alive, http10, request_id, &head_);
  bool bodiless = head || res.status == 204 || res.status == 304;
  if (bodiless || res.file != nullptr) body_.clear();
  Clock::time_point now = Clock::now();
  double seconds = std::chrono::duration<double>(now - start_).count();
  metrics::Metrics::Observe(RequestSeries(res.status), seconds);
  LogRequest(res.status, seconds, request_id);
  SetDeadline(now, Seconds(state_->options.read_timeout_seconds));  // a client not reading
  if (res.stream != nullptr && !bodiless) {
    stream_ = std::move(res.stream);
    phase_ = Phase::kStreaming;
    net::async_write(socket_, net::buffer(head_),
                     beast::bind_front_handler(&Session::WriteStream, this->shared_from_this()));
    return;
  }
  if (res.stream != nullptr) res.stream->Cancel();
  if (res.file != nullptr && !bodiless) {
    file_ = std::move(res.file);
    file_offset_ = 0;
    net::async_write(
        socket_, net::buffer(head_),
        beast::bind_front_handler(&Session::WriteFile, this->shared_from_this(), keep_alive));
    return;
  }
  std::array<net::const_buffer, 2> buffers{net::buffer(head_), net::buffer(body_)};
  size_t written = 0;
  if (buffer_.size() == 0) {
    // A response usually fits in the socket's send buffer: write it now and go on, saving a
    // trip through the event loop. Not with a pipelined request already buffered: its
    // handling would nest inside this one.
    beast::error_code ec;
    written = socket_.write_some(buffers, ec);
    if (ec == net::error::would_block || ec == net::error::try_again) {
      written = 0;
    } else if (ec || written == head_.size() + body_.size()) {
      return OnWrite(keep_alive, ec, written);
    }
  }
  if (written < head_.size()) {
    buffers = {net::buffer(head_) + written, net::buffer(body_)};
  } else {
    buffers = {net::const_buffer(), net::buffer(body_) + (written - head_.size())};
  }
  net::async_write(
      socket_, buffers,
      beast::bind_front_handler(&Session::OnWrite, this->shared_from_this(), keep_alive));
}

template <typename Executor>
const metrics::Metrics::RequestSeries& Session<Executor>::RequestSeries(int code) {
  const std::string& method = MethodLabel(header_handled_ ? req_.method : "");
  // A keep-alive connection mostly repeats one series: look it up only when it changes.
  if (series_ == nullptr || series_code_ != code || series_method_ != &method ||
      series_route_ != route_) {
    series_ = &state_->metrics->Series(route_, method, code);
    series_code_ = code;
    series_method_ = &method;
    series_route_ = route_;
  }
  return *series_;
}

template <typename Executor>
void Session<Executor>::WriteFile(bool keep_alive, beast::error_code ec, size_t) {
  if (ec || phase_ == Phase::kClosed) return Close();
  if (file_offset_ >= file_->size()) {
    file_.reset();
    std::string().swap(body_);  // the chunk buffer
    return OnWrite(keep_alive, ec, 0);
  }
  // The deadline moves with every chunk: a client that keeps reading is never cut off, one
  // that stops is dropped after the read timeout.
  SetDeadline(Clock::now(), Seconds(state_->options.read_timeout_seconds));
  body_.resize(static_cast<size_t>(std::min<uint64_t>(kFileChunk, file_->size() - file_offset_)));
  Result<size_t> n = file_->Read(file_offset_, body_.data(), body_.size());
  // Content-Length is sent already: a file that shrank or fails can only end the connection.
  if (!n.ok() || *n == 0) return Close();
  body_.resize(*n);
  file_offset_ += *n;
  net::async_write(
      socket_, net::buffer(body_),
      beast::bind_front_handler(&Session::WriteFile, this->shared_from_this(), keep_alive));
}

template <typename Executor>
void Session<Executor>::WriteStream(beast::error_code ec, size_t) {
  if (ec || phase_ == Phase::kClosed) return Close();
  // The stream sends something (an SSE comment at least) more often than the read timeout: a
  // client that stops reading is dropped when its writes stall that long.
  SetDeadline(Clock::now(), Seconds(state_->options.read_timeout_seconds));
  // Weak, as in Defer: a stream holding a closed session's callback keeps nothing alive.
  stream_->Next([gate = state_->reply_gate, weak = this->weak_from_this()](std::string piece) {
    std::lock_guard lock(gate->mu);
    if (!gate->open) return;
    auto self = weak.lock();
    if (!self) return;
    net::post(self->socket_.get_executor(), [self, piece = std::move(piece)]() mutable {
      self->OnStreamPiece(std::move(piece));
    });
  });
}

template <typename Executor>
void Session<Executor>::OnStreamPiece(std::string piece) {
  if (phase_ == Phase::kClosed || stream_ == nullptr) return;
  if (piece.empty()) return Linger();
  body_ = std::move(piece);
  net::async_write(socket_, net::buffer(body_),
                   beast::bind_front_handler(&Session::WriteStream, this->shared_from_this()));
}

template <typename Executor>
void Session<Executor>::OnWrite(bool keep_alive, beast::error_code ec, size_t) {
  if (ec) return Close();
  if (!keep_alive) return Linger();
  first_request_ = false;
  NextRequest();
}

// Half-closes and discards what the client still sends (e.g. the rest of a refused body), so
// that our response is not destroyed by a reset before the client reads it.
template <typename Executor>
void Session<Executor>::Linger() {
  phase_ = Phase::kLingering;
  if (stream_ != nullptr) std::exchange(stream_, nullptr)->Cancel();
  beast::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec || state_->stopping.load(std::memory_order_acquire)) return Close();
  SetDeadline(Clock::now(), kLinger);
  Drain();
}

template <typename Executor>
void Session<Executor>::Drain() {
  buffer_.clear();
  socket_.async_read_some(buffer_.prepare(kReadSize),
                          [self = this->shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->Close();
                            self->Drain();
                          });
}

template <typename Executor>
void Session<Executor>::Close() {
  phase_ = Phase::kClosed;
  file_.reset();
  if (stream_ != nullptr) std::exchange(stream_, nullptr)->Cancel();
  beast::error_code ec;
  socket_.close(ec);  // pending operations complete with operation_aborted
  timer_.cancel();
  timer_armed_ = false;
}

template <typename Executor>
void Session<Executor>::SetDeadline(Clock::time_point now, Clock::duration timeout) {
  deadline_ = now + timeout;
  // A pending wait ends no later than now + horizon_; a deadline at least that far away is
  // found when it fires. Only a shorter timeout (lingering) needs the timer moved.
  if (!timer_armed_ || deadline_ < timer_.expiry()) ArmTimer(std::min(deadline_, now + horizon_));
}

template <typename Executor>
void Session<Executor>::ArmTimer(Clock::time_point at) {
  if (phase_ == Phase::kClosed) return;
  timer_.expires_at(at);  // cancels a pending wait, which then completes as aborted
  timer_armed_ = true;
  timer_.async_wait(beast::bind_front_handler(&Session::OnTimer, this->shared_from_this()));
}

template <typename Executor>
void Session<Executor>::OnTimer(beast::error_code ec) {
  // Aborted: moved or closed. Expiry in the future: moved after this wait had already ended.
  Clock::time_point now = Clock::now();
  if (ec || phase_ == Phase::kClosed || timer_.expiry() > now) return;
  timer_armed_ = false;
  // The deadline passed: the peer is too slow or silent; closing ends its pending operation.
  if (now >= deadline_) return Close();
  ArmTimer(std::min(deadline_, now + horizon_));
}

template <typename Executor>
const std::string& Session<Executor>::RequestId() {
  if (header_handled_) {
    const std::string& incoming = req_.Header("x-request-id");
    if (ValidRequestId(incoming)) return incoming;  // keep the gateway's id for tracing
  }
  uint64_t n = state_->next_request_id.fetch_add(1, std::memory_order_relaxed) + 1;
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  request_id_.assign(state_->request_id_prefix).append(digits, end);
  return request_id_;
}

template class Session<PinnedExecutor>;
template class Session<SharedExecutor>;

}  // namespace sms::http
