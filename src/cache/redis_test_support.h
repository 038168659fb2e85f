#pragma once
// Test support for RedisCache: the shared Redis named by SMS_REDIS_URL, a raw hiredis
// connection to look behind the cache, and a redis-server process a test starts, kills,
// pauses and restarts itself. Tests only; not thread-safe.

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cache/redis_cache.h"

extern char** environ;

namespace sms::cache::testing {

inline constexpr char kNoRedisUrl[] = "SMS_REDIS_URL not set: start engines with scripts/services";

// SMS_REDIS_URL, or nullopt when it is unset or empty.
inline std::optional<std::string> RedisUrlFromEnv() {
  const char* url = std::getenv("SMS_REDIS_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// A plain connection to Redis, authenticated and on the options' database.
class RawRedis {
 public:
  using Reply = std::unique_ptr<redisReply, void (*)(void*)>;

  explicit RawRedis(const RedisOptions& options)
      : context_(redisConnect(options.host.c_str(), options.port)) {
    if (context_ == nullptr || context_->err != 0) return;
    if (!options.password.empty()) {
      if (options.user.empty()) {
        Command({"AUTH", options.password});
      } else {
        Command({"AUTH", options.user, options.password});
      }
    }
    Command({"SELECT", std::to_string(options.db)});
  }
  ~RawRedis() {
    if (context_ != nullptr) redisFree(context_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  bool connected() const { return context_ != nullptr && context_->err == 0; }

  // The reply, or null when the connection failed.
  Reply Command(const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    return Reply(static_cast<redisReply*>(redisCommandArgv(context_, static_cast<int>(args.size()),
                                                           argv.data(), lengths.data())),
                 freeReplyObject);
  }

  // GET as the server sees it: nullopt when absent.
  std::optional<std::string> Get(const std::string& key) {
    Reply reply = Command({"GET", key});
    if (!reply || reply->type != REDIS_REPLY_STRING) return std::nullopt;
    return std::string(reply->str, reply->len);
  }

  // TTL in seconds: -2 when absent, -1 without expiry, -100 on a failed connection.
  long long Ttl(const std::string& key) {
    Reply reply = Command({"TTL", key});
    return reply && reply->type == REDIS_REPLY_INTEGER ? reply->integer : -100;
  }

 private:
  redisContext* context_;
};

// A redis-server child process on a free loopback port, which a test can kill, pause and
// start again on the same port. Without persistence, so a restart starts empty.
class RedisServerProcess {
 public:
  explicit RedisServerProcess(std::vector<std::string> extra_args = {})
      : port_(FreePort()), extra_args_(std::move(extra_args)) {}
  ~RedisServerProcess() { Kill(); }
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // True when redis-server is in PATH.
  static bool Installed() { return std::system("command -v redis-server >/dev/null 2>&1") == 0; }

  int port() const { return port_; }

  // Starts the server and waits (up to 5 s) until it accepts connections.
  bool Start() {
    std::vector<std::string> args = {
        "redis-server", "--port", std::to_string(port_), "--bind",   "127.0.0.1", "--save", "",
        "--appendonly", "no",     "--logfile",           "/dev/null"};
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, "redis-server", nullptr, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
      return false;
    }
    for (int i = 0; i < 500; ++i) {
      if (Accepts()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  void Pause() { kill(pid_, SIGSTOP); }
  void Resume() { kill(pid_, SIGCONT); }

 private:
  static int FreePort() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
  }

  bool Accepts() const {
    redisContext* c = redisConnect("127.0.0.1", port_);
    bool up = false;
    if (c != nullptr && c->err == 0) {
      // Any reply, NOAUTH included, means it is serving.
      void* reply = redisCommand(c, "PING");
      up = reply != nullptr;
      if (reply != nullptr) freeReplyObject(reply);
    }
    if (c != nullptr) redisFree(c);
    return up;
  }

  const int port_;
  const std::vector<std::string> extra_args_;
  pid_t pid_ = -1;
};

}  // namespace sms::cache::testing
