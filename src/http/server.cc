#include "http/server.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "core/thread_name.h"
#include "http/session.h"

namespace sms::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// Connections past max_connections get a 503; past this many more, they are closed unanswered.
constexpr size_t kRejectSlack = 64;

// The IMF-fixdate of now, formatted once a second per thread.
std::string_view Date() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local std::time_t cached = -1;
  thread_local std::array<char, 40> text{};
  thread_local int length = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached) {
    std::tm tm{};
    gmtime_r(&now, &tm);
    length = std::snprintf(text.data(), text.size(), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                           kDays[tm.tm_wday % 7], tm.tm_mday, kMonths[tm.tm_mon % 12],
                           tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached = now;
  }
  return {text.data(), static_cast<size_t>(std::clamp(length, 0, 39))};
}

// Writes pieces into memory the caller sized beforehand (no capacity check per piece).
class Writer {
 public:
  explicit Writer(char* at) : at_(at) {}
  Writer& operator<<(std::string_view s) {
    std::memcpy(at_, s.data(), s.size());
    at_ += s.size();
    return *this;
  }
  Writer& Header(std::string_view name, std::string_view value) {
    return *this << name << ": " << value << "\r\n";
  }
  char* at() const { return at_; }

 private:
  char* at_;
};

// Headers the server writes itself, and header text that could split the response.
bool HandlerMayWrite(const std::string& name, const std::string& value) {
  if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
      value.find_first_of("\r\n") != std::string::npos) {
    return false;
  }
  for (const char* own : {"content-length", "connection", "transfer-encoding", "date"}) {
    if (beast::iequals(name, own)) return false;
  }
  return true;
}

}  // namespace

void SerializeHead(const Response& res, size_t body_size, bool keep_alive, bool http10,
                   std::string_view request_id, std::string* out) {
  int status = res.status >= 100 && res.status <= 999 ? res.status : 500;
  bool bodiless = status < 200 || status == 204 || status == 304;
  auto known = bhttp::int_to_status(static_cast<unsigned>(status));
  std::string_view reason = known == bhttp::status::unknown ? "Unknown" : obsolete_reason(known);
  char code[4];
  std::to_chars(code, code + 3, status);
  char length[24];
  std::string_view length_text(
      length, std::to_chars(length, length + sizeof length, body_size).ptr - length);
  // Fixed text (status line, Date, Content-Length, X-Request-Id and Connection headers) is
  // well under 256 bytes; the rest is counted.
  size_t size = 256 + reason.size() + res.content_type.size() + request_id.size();
  for (const auto& [name, value] : res.headers) size += name.size() + value.size() + 4;
  out->resize(size);
  Writer w(out->data());
  w << "HTTP/1.1 " << std::string_view(code, 3) << " " << reason << "\r\n";
  w.Header("Date", Date());
  if (!bodiless) {
    if (!res.content_type.empty()) w.Header("Content-Type", res.content_type);
    // A stream's end is the connection's end (it always says Connection: close).
    if (res.stream == nullptr) w.Header("Content-Length", length_text);
  }
  w.Header("X-Request-Id", request_id);
  if (!keep_alive) {
    w.Header("Connection", "close");
  } else if (http10) {
    w.Header("Connection", "keep-alive");
  }
  for (const auto& [name, value] : res.headers) {
    if (HandlerMayWrite(name, value)) w.Header(name, value);
  }
  w << "\r\n";
  out->resize(static_cast<size_t>(w.at() - out->data()));
}

const std::string& MethodLabel(std::string_view method) {
  static const std::array<std::string, 7> kKnown = {"GET",    "HEAD",  "POST",   "PUT",
                                                    "DELETE", "PATCH", "OPTIONS"};
  static const std::string kOther = "other";
  for (const auto& m : kKnown) {
    if (m == method) return m;
  }
  return kOther;
}

// Beast's listener: accepts connections, each on its own strand, until closed.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(ServerState* state, tcp::acceptor acceptor)
      : state_(state), acceptor_(std::move(acceptor)), retry_(acceptor_.get_executor()) {}

  void Accept() {
    auto& contexts = state_->contexts;
    net::io_context& target = *contexts[state_->next_context++ % contexts.size()];
    if (state_->options.pinned) {
      acceptor_.async_accept(
          target.get_executor(),
          beast::bind_front_handler(&Listener::OnAccept<PinnedExecutor>, shared_from_this()));
    } else {
      acceptor_.async_accept(
          net::make_strand(target),
          beast::bind_front_handler(&Listener::OnAccept<SharedExecutor>, shared_from_this()));
    }
  }

  // From any thread: stop accepting.
  void Close() {
    net::post(acceptor_.get_executor(), [self = shared_from_this()] {
      self->closed_ = true;
      beast::error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  template <typename Executor>
  void OnAccept(beast::error_code ec, typename Session<Executor>::Socket socket) {
    if (closed_) return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning on the error.
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([self = shared_from_this()](beast::error_code wait_ec) {
        if (!wait_ec && !self->closed_) self->Accept();
      });
      return;
    }
    size_t open = state_->connections->load(std::memory_order_relaxed);
    size_t max = state_->options.max_connections;
    if (open >= max) state_->rejected->Inc();
    if (open >= max + kRejectSlack) {
      socket.close(ec);
    } else {
      std::make_shared<Session<Executor>>(std::move(socket), state_, open >= max)->Start();
    }
    Accept();
  }

  ServerState* state_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  bool closed_ = false;  // on the acceptor's strand
};

struct Server::Impl {
  ServerState state;  // first: destroyed last, after the listener and the threads
  std::mutex lifecycle_mu;
  bool started = false;
  bool stopped = false;
  int port = 0;
  std::shared_ptr<Listener> listener;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work;
  std::vector<std::thread> threads;
};

namespace {

// "host:port", "[v6]:port" or ":port" (all interfaces).
Result<tcp::endpoint> ParseListen(const std::string& listen, net::io_context& ioc) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("listen address must be host:port: " + listen, "listen");
  }
  std::string host = listen.substr(0, colon);
  std::string port_text = listen.substr(colon + 1);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return Status::InvalidArgument("bad port in listen address: " + listen, "listen");
  }
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  beast::error_code addr_ec;
  auto address = net::ip::make_address(host, addr_ec);
  if (!addr_ec) return tcp::endpoint(address, static_cast<uint16_t>(port));
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port_text, addr_ec);
  if (addr_ec || results.empty()) {
    return Status::InvalidArgument("cannot resolve listen host " + host, "listen");
  }
  return results.begin()->endpoint();
}

std::string RandomPrefix() {
  std::random_device device;
  char text[16];
  std::snprintf(text, sizeof text, "%08x-", static_cast<unsigned>(device()));
  return text;
}

}  // namespace

Server::Server(ServerOptions options, std::shared_ptr<const Router> router,
               std::shared_ptr<metrics::Metrics> metrics)
    : impl_(std::make_unique<Impl>()) {
  ServerState& s = impl_->state;
  s.options = std::move(options);
  s.router = std::move(router);
  s.metrics = metrics ? std::move(metrics) : std::make_shared<metrics::Metrics>();
  s.rejected = &s.metrics->GetCounter("sms_http_connections_rejected_total",
                                      "Connections refused over max_connections");
  s.metrics->AddGauge("sms_http_open_connections", "Open HTTP connections",
                      [c = s.connections] { return static_cast<double>(c->load()); });
  s.request_id_prefix = RandomPrefix();
}

Server::~Server() { Stop(0); }

Status Server::Start() {
  std::lock_guard lock(impl_->lifecycle_mu);
  ServerState& s = impl_->state;
  if (impl_->started) return Status::Internal("server already started");
  if (!s.router) return Status::InvalidArgument("server needs a router");
  int n = s.options.threads > 0
              ? s.options.threads
              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int contexts = s.options.pinned ? n : 1;
  s.contexts.clear();  // from a failed Start
  for (int i = 0; i < contexts; ++i) {
    s.contexts.push_back(std::make_unique<net::io_context>(s.options.pinned ? 1 : n));
  }
  auto endpoint = ParseListen(s.options.listen, *s.contexts[0]);
  if (!endpoint.ok()) return endpoint.status();
  tcp::acceptor acceptor(*s.contexts[0]);
  beast::error_code ec;
  acceptor.open(endpoint->protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(*endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("listen on " + s.options.listen + ": " + ec.message());
  impl_->port = acceptor.local_endpoint().port();
  impl_->listener = std::make_shared<Listener>(&s, std::move(acceptor));
  impl_->listener->Accept();
  for (auto& context : s.contexts) {
    impl_->work.push_back(net::make_work_guard(*context));  // idle contexts keep running
  }
  for (int i = 0; i < n; ++i) {
    impl_->threads.emplace_back([c = s.contexts[i % contexts].get()] {
      NameThisThread("sms-http");
      c->run();
    });
  }
  impl_->started = true;
  return Status::Ok();
}

int Server::port() const { return impl_->port; }

void Server::Stop(int grace_ms) {
  std::lock_guard lock(impl_->lifecycle_mu);
  ServerState& s = impl_->state;
  if (!impl_->started || impl_->stopped) return;
  impl_->stopped = true;
  s.stopping.store(true, std::memory_order_release);
  impl_->listener->Close();
  std::vector<std::shared_ptr<SessionBase>> open;
  {
    std::lock_guard sessions_lock(s.sessions_mu);
    for (auto& weak : s.sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  // Outside the lock: dropping the last reference runs ~Session, which takes sessions_mu.
  for (auto& session : open) session->Shutdown();
  open.clear();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
  while (s.connections->load(std::memory_order_acquire) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  impl_->work.clear();
  for (auto& context : s.contexts) context->stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  std::lock_guard gate_lock(s.reply_gate->mu);
  s.reply_gate->open = false;  // answers still to come are dropped, never posted
}

}  // namespace sms::http
