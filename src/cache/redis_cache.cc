#include "cache/redis_cache.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/time.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <utility>
#include <vector>

#include "metrics/metrics.h"

namespace sms::cache {
namespace {

constexpr int kDefaultPort = 6379;
constexpr int kMaxDb = 1 << 20;  // Redis's "databases" setting; 16 unless configured

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextDeleter>;

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

Status UrlError(const std::string& what) {
  return Status::InvalidArgument("invalid redis url: " + what, "redis_url");
}

bool ParseInt(std::string_view text, int min, int max, int& out) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) {
    return false;
  }
  out = value;
  return true;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

// Sends one command, every argument binary-safe. Null when the connection failed.
redisReply* Call(redisContext* context, std::span<const std::string_view> args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  return static_cast<redisReply*>(
      redisCommandArgv(context, static_cast<int>(args.size()), argv.data(), lengths.data()));
}

// Runs a command of the connection handshake (AUTH, SELECT) and expects a status reply.
Status Handshake(redisContext* context, std::initializer_list<std::string_view> args) {
  const std::string what(*args.begin());
  std::unique_ptr<redisReply, void (*)(void*)> reply(
      Call(context, std::span<const std::string_view>(args.begin(), args.size())), freeReplyObject);
  if (!reply) return Status::Unavailable(what + ": " + context->errstr);
  if (reply->type == REDIS_REPLY_ERROR) {
    // Redis's error text names no credential ("WRONGPASS invalid username-password pair").
    return Status::Unavailable(what + " refused: " + std::string(reply->str, reply->len));
  }
  return Status::Ok();
}

Status ErrorReply(const redisReply& reply) {
  const std::string text(reply.str, reply.len);
  // WRONGTYPE: the key holds something other than a string; asking again will not help.
  if (text.rfind("WRONGTYPE", 0) == 0) return Status::Internal("redis: " + text);
  return Status::Unavailable("redis: " + text);
}

Status UnexpectedReply(const redisReply& reply) {
  return Status::Internal("redis: unexpected reply of type " + std::to_string(reply.type));
}

bool SigpipeIgnored() {
  struct sigaction action {};
  return sigaction(SIGPIPE, nullptr, &action) == 0 && action.sa_handler == SIG_IGN;
}

// hiredis writes with write(2), which raises SIGPIPE on a connection Redis has closed. Unless
// the process ignores SIGPIPE, this blocks it in the calling thread for the guard's life and
// swallows the one a write raised, so a vanished Redis cannot kill the process.
class SigpipeGuard {
 public:
  explicit SigpipeGuard(bool active) : active_(active) {
    if (!active_) return;
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &saved_);
  }
  ~SigpipeGuard() {
    if (!active_) return;
    sigset_t pending;
    sigpending(&pending);
    if (!was_pending_ && sigismember(&pending, SIGPIPE) == 1) {
      const timespec now{0, 0};
      sigtimedwait(&pipe_, nullptr, &now);
    }
    pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  const bool active_;
  bool was_pending_ = false;
  sigset_t pipe_{};
  sigset_t saved_{};
};

}  // namespace

Result<RedisOptions> ParseRedisUrl(const std::string& url) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return UrlError("expected redis://[[user]:password@]host[:port][/db]");
  const boost::urls::url_view& u = *parsed;
  if (EqualsIgnoringCase(u.scheme(), "rediss")) {
    return UrlError("TLS (rediss://) is not supported; use redis://");
  }
  if (!EqualsIgnoringCase(u.scheme(), "redis")) return UrlError("the scheme must be redis://");
  if (u.has_query() || u.has_fragment()) return UrlError("no query or fragment is accepted");
  RedisOptions options;
  options.host = u.host_address();
  if (options.host.empty()) return UrlError("no host");
  options.port = kDefaultPort;
  if (u.has_port() && !ParseInt(u.port(), 1, 65535, options.port)) {
    return UrlError("the port must be 1-65535");
  }
  if (u.has_userinfo()) {
    if (!u.has_password() || u.password().empty()) {
      return UrlError("credentials need a password: redis://[user]:password@host");
    }
    options.user = u.user();
    options.password = u.password();
  }
  std::string_view path = u.encoded_path();
  if (!path.empty() && path != "/" && !ParseInt(path.substr(1), 0, kMaxDb, options.db)) {
    return UrlError("the path must be a database number, e.g. /0");
  }
  return options;
}

std::string DescribeRedis(const RedisOptions& options) {
  std::string out = "redis://";
  if (!options.password.empty()) {
    out.append(options.user);
    out.append(":***@");
  }
  const bool ipv6 = options.host.find(':') != std::string::npos;
  if (ipv6) out.push_back('[');
  out.append(options.host);
  if (ipv6) out.push_back(']');
  out.push_back(':');
  out.append(std::to_string(options.port));
  out.push_back('/');
  out.append(std::to_string(options.db));
  return out;
}

struct RedisCache::Slot {
  std::mutex mu;
  ContextPtr context;  // null until connected, and again after any failure on it
};

void RedisCache::ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

RedisCache::RedisCache(RedisOptions options)
    : options_(std::move(options)),
      endpoint_(DescribeRedis(options_)),
      guard_sigpipe_(!SigpipeIgnored()) {
  for (size_t i = 0; i < std::max<size_t>(options_.pool_size, 1); ++i) {
    slots_.push_back(std::make_unique<Slot>());
  }
}

RedisCache::~RedisCache() = default;

Result<std::optional<std::string>> RedisCache::Get(const std::string& key) {
  auto reply = Run({"GET", key});
  if (!reply.ok()) return reply.status();
  const redisReply& r = **reply;
  switch (r.type) {
    case REDIS_REPLY_NIL:
      return std::optional<std::string>();
    case REDIS_REPLY_STRING:
      return std::optional<std::string>(std::string(r.str, r.len));
    case REDIS_REPLY_ERROR:
      return Fail(ErrorReply(r));
    default:
      return Fail(UnexpectedReply(r));
  }
}

Result<std::vector<std::optional<std::string>>> RedisCache::GetMany(
    const std::vector<std::string>& keys) {
  std::vector<std::optional<std::string>> values;
  values.reserve(keys.size());
  std::vector<std::string_view> args;
  for (size_t begin = 0; begin < keys.size(); begin += kGetManyChunk) {
    const size_t end = std::min(keys.size(), begin + kGetManyChunk);
    args.assign({"MGET"});
    args.insert(args.end(), keys.begin() + begin, keys.begin() + end);
    auto reply = Run(args);
    if (!reply.ok()) return reply.status();
    const redisReply& r = **reply;
    if (r.type == REDIS_REPLY_ERROR) return Fail(ErrorReply(r));
    if (r.type != REDIS_REPLY_ARRAY || r.elements != end - begin) return Fail(UnexpectedReply(r));
    for (size_t i = 0; i < r.elements; ++i) {
      const redisReply& item = *r.element[i];
      if (item.type == REDIS_REPLY_STRING) {
        values.emplace_back(std::string(item.str, item.len));
      } else if (item.type == REDIS_REPLY_NIL) {
        values.emplace_back();
      } else {
        return Fail(UnexpectedReply(item));
      }
    }
  }
  return values;
}

Status RedisCache::Set(const std::string& key, const std::string& value, std::chrono::seconds ttl) {
  if (ttl.count() <= 0) return Status::InvalidArgument("cache ttl must be positive", "ttl");
  const std::string seconds = std::to_string(ttl.count());
  auto reply = Run({"SET", key, value, "EX", seconds});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return Fail(ErrorReply(**reply));
  if ((*reply)->type != REDIS_REPLY_STATUS) return Fail(UnexpectedReply(**reply));
  return Status::Ok();
}

Status RedisCache::Delete(const std::string& key) {
  auto reply = Run({"DEL", key});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return Fail(ErrorReply(**reply));
  if ((*reply)->type != REDIS_REPLY_INTEGER) return Fail(UnexpectedReply(**reply));
  return Status::Ok();
}

void RedisCache::RegisterMetrics(metrics::Metrics& registry) {
  registry.AddCounter("sms_cache_failures_total",
                      "Cache calls that failed since start (reads and writes fall back to SQL).",
                      [this] { return failures(); });
}

Status RedisCache::Ping() {
  auto reply = Run({"PING"});
  if (!reply.ok()) return reply.status();
  if ((*reply)->type == REDIS_REPLY_ERROR) return Fail(ErrorReply(**reply));
  return Status::Ok();
}

Result<RedisCache::ReplyPtr> RedisCache::Run(std::span<const std::string_view> args) {
  // Checked before queueing for a connection too, so that callers during an outage never wait.
  if (down_.load(std::memory_order_acquire) && !RetryDue()) return Fail(RefusedStatus());
  std::unique_lock<std::mutex> lock;
  Slot& slot = Acquire(lock);
  const Admission admission = Admit();
  if (admission == Admission::kRefused) return Fail(RefusedStatus());
  Result<ReplyPtr> reply = Execute(slot, args);
  lock.unlock();
  if (!reply.ok()) {
    MarkDown(reply.status().message());
    return Fail(Status::Unavailable("redis unavailable: " + reply.status().message()));
  }
  if (admission == Admission::kProbe) MarkUp();
  return reply;
}

RedisCache::Slot& RedisCache::Acquire(std::unique_lock<std::mutex>& lock) {
  // The first free connection, so that light traffic keeps reusing the same few.
  for (const auto& slot : slots_) {
    std::unique_lock<std::mutex> attempt(slot->mu, std::try_to_lock);
    if (attempt.owns_lock()) {
      lock = std::move(attempt);
      return *slot;
    }
  }
  // All busy: wait for one, spreading the waiters. Each is freed within a command timeout.
  Slot& slot = *slots_[next_slot_.fetch_add(1, std::memory_order_relaxed) % slots_.size()];
  lock = std::unique_lock<std::mutex>(slot.mu);
  return slot;
}

bool RedisCache::RetryDue() const {
  const Millis now = options_.clock->Now();
  const Millis at = retry_at_.load(std::memory_order_acquire);
  // A clock set back by more than an interval must not postpone the retry for that long.
  return now >= at || now < at - options_.retry_interval.count();
}

RedisCache::Admission RedisCache::Admit() {
  if (!down_.load(std::memory_order_acquire)) return Admission::kUp;
  Millis at = retry_at_.load(std::memory_order_acquire);
  if (!RetryDue()) return Admission::kRefused;
  // One caller per interval gets to try Redis; the others keep failing fast meanwhile.
  const Millis next = options_.clock->Now() + options_.retry_interval.count();
  return retry_at_.compare_exchange_strong(at, next) ? Admission::kProbe : Admission::kRefused;
}

Result<RedisCache::ReplyPtr> RedisCache::Execute(Slot& slot,
                                                 std::span<const std::string_view> args) {
  SigpipeGuard guard(guard_sigpipe_);
  const bool reused = slot.context != nullptr;
  for (int attempt = 0;; ++attempt) {
    if (!slot.context) {
      if (Status connected = Connect(slot); !connected.ok()) return connected;
    }
    ReplyPtr reply(Call(slot.context.get(), args));
    const int saved_errno = errno;
    if (reply) return Result<ReplyPtr>(std::move(reply));
    const bool timed_out =
        slot.context->err == REDIS_ERR_IO && (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK);
    std::string error =
        timed_out ? "no reply within " + std::to_string(options_.command_timeout.count()) + " ms"
                  : std::string(slot.context->errstr);
    slot.context.reset();  // its state is unknown after an error: never reuse it
    // A pooled connection may have been closed while idle (Redis restarted, or dropped idle
    // clients): it gets one fresh connection. A timeout does not, so a hung Redis costs one.
    if (attempt == 0 && reused && !timed_out) continue;
    return Status::Unavailable(std::move(error));
  }
}

Status RedisCache::Connect(Slot& slot) const {
  ContextPtr context(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                             ToTimeval(options_.connect_timeout)));
  if (!context) return Status::Unavailable("connect: out of memory");
  if (context->err != 0) return Status::Unavailable(std::string("connect: ") + context->errstr);
  if (redisSetTimeout(context.get(), ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Status::Unavailable(std::string("connect: ") + context->errstr);
  }
  redisEnableKeepAlive(context.get());  // best effort: only speeds up noticing a dead peer
  if (!options_.password.empty()) {
    Status auth = options_.user.empty()
                      ? Handshake(context.get(), {"AUTH", options_.password})
                      : Handshake(context.get(), {"AUTH", options_.user, options_.password});
    if (!auth.ok()) return auth;
  }
  if (options_.db != 0) {
    const std::string db = std::to_string(options_.db);
    if (Status selected = Handshake(context.get(), {"SELECT", db}); !selected.ok()) {
      return selected;
    }
  }
  slot.context = std::move(context);
  return Status::Ok();
}

void RedisCache::MarkDown(const std::string& reason) {
  retry_at_.store(options_.clock->Now() + options_.retry_interval.count(),
                  std::memory_order_release);
  if (down_.exchange(true, std::memory_order_acq_rel)) return;  // already logged this outage
  outages_.fetch_add(1, std::memory_order_relaxed);
  spdlog::warn("redis unavailable: {} ({}); cache calls fail fast, retrying every {} ms", reason,
               endpoint_, options_.retry_interval.count());
}

void RedisCache::MarkUp() {
  if (down_.exchange(false, std::memory_order_acq_rel)) {
    spdlog::info("redis reachable again ({})", endpoint_);
  }
}

Status RedisCache::Fail(Status status) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  return status;
}

Status RedisCache::RefusedStatus() const {
  return Status::Unavailable("redis unavailable (" + endpoint_ + "); next try within " +
                             std::to_string(options_.retry_interval.count()) + " ms");
}

}  // namespace sms::cache
