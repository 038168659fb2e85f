// Runs the real sms-agent binary against a small HTTP listener on 127.0.0.1 and checks what
// an operator would see: the requests that arrive, exit codes, log lines, and its footprint.

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/time.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace json = boost::json;

constexpr int kNoAnswer = 0;  // a status that makes FakeSmsd hold the request unanswered

struct Request {
  int connection = 0;  // which accepted connection carried it, from 1
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  Clock::time_point at;
};

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses one complete request from the front of `buf` and removes it; false if incomplete.
bool TakeRequest(std::string& buf, Request* out) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::istringstream head(buf.substr(0, end));
  std::string line;
  std::getline(head, line);
  std::istringstream request_line(line);
  request_line >> out->method >> out->target;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t value = line.find_first_not_of(' ', colon + 1);
    out->headers[Lower(line.substr(0, colon))] =
        value == std::string::npos ? "" : line.substr(value);
  }
  size_t length =
      out->headers.count("content-length") ? std::stoul(out->headers["content-length"]) : 0;
  if (buf.size() < end + 4 + length) return false;
  out->body = buf.substr(end + 4, length);
  buf.erase(0, end + 4 + length);
  return true;
}

// FakeSmsd: an HTTP/1.1 listener on 127.0.0.1:<ephemeral> that records requests and answers
// with the given statuses in turn (the last one repeats). Keeps connections alive, unless
// `drop_after_answer`: then it closes each connection right after answering, without saying
// so in the response, as a server whose idle timeout is shorter than the interval would.
class FakeSmsd {
 public:
  explicit FakeSmsd(std::vector<int> statuses, bool drop_after_answer = false)
      : statuses_(std::move(statuses)), drop_after_answer_(drop_after_answer) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~FakeSmsd() {
    stop_ = true;
    thread_.join();
    for (auto& [fd, buf] : conns_) close(fd);
    close(listen_fd_);
  }

  int port() const { return port_; }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/healthcheck"; }

  // Waits until at least n requests arrived (or the timeout passed); returns all so far.
  std::vector<Request> WaitFor(size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
    return requests_;
  }

 private:
  void Serve() {
    while (!stop_) {
      std::vector<pollfd> fds{{listen_fd_, POLLIN, 0}};
      for (auto& [fd, buf] : conns_) fds.push_back({fd, POLLIN, 0});
      if (poll(fds.data(), fds.size(), 20) <= 0) continue;
      if (fds[0].revents & POLLIN) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) conns_.emplace(fd, Conn{++accepted_, ""});
      }
      for (size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ReadFrom(fds[i].fd);
      }
    }
  }

  void ReadFrom(int fd) {
    char chunk[4096];
    ssize_t n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      close(fd);
      conns_.erase(fd);
      return;
    }
    Conn& conn = conns_[fd];
    conn.buf.append(chunk, static_cast<size_t>(n));
    Request req;
    while (TakeRequest(conn.buf, &req)) {
      req.connection = conn.id;
      req.at = Clock::now();
      int status = statuses_[std::min(answered_++, statuses_.size() - 1)];
      {
        std::lock_guard lock(mu_);
        requests_.push_back(req);
      }
      cv_.notify_all();
      if (status == kNoAnswer) continue;
      Answer(fd, status);
      if (drop_after_answer_) {
        close(fd);
        conns_.erase(fd);
        return;
      }
    }
  }

  static void Answer(int fd, int status) {
    std::string body = status / 100 == 2 ? R"({"status":"accepted"})"
                                         : R"({"error":{"code":"internal","message":"boom"}})";
    std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json" +
                    "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    EXPECT_EQ(send(fd, r.data(), r.size(), MSG_NOSIGNAL), static_cast<ssize_t>(r.size()));
  }

  struct Conn {
    int id = 0;
    std::string buf;
  };

  const std::vector<int> statuses_;
  const bool drop_after_answer_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::map<int, Conn> conns_;  // by fd; only the serving thread touches it
  int accepted_ = 0;
  size_t answered_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Request> requests_;
  std::thread thread_;
};

// A running sms-agent whose stderr goes to a file.
class AgentProcess {
 public:
  AgentProcess(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    static int counter = 0;
    stderr_path_ = testing::TempDir() + "sms_agent_stderr_" + std::to_string(getpid()) + "_" +
                   std::to_string(++counter);
    std::vector<std::string> argv_s{SMS_AGENT_BIN};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s = env;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("SMS_AGENT_", 0) != 0) env_s.emplace_back(*e);
    }
    std::vector<char*> argv = Pointers(argv_s), envp = Pointers(env_s);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    EXPECT_EQ(rc, 0) << "cannot start " << SMS_AGENT_BIN;
  }

  ~AgentProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    unlink(stderr_path_.c_str());
  }

  pid_t pid() const { return pid_; }

  // Exit status, 128+N when killed by signal N, or -1 when still running after `timeout`.
  int Wait(std::chrono::milliseconds timeout = 15s) {
    auto deadline = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < deadline) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(5ms);
    }
    return -1;
  }

  std::string Stderr() const {
    std::ifstream in(stderr_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Waits until stderr contains `text`; false after `timeout`.
  bool WaitForLog(const std::string& text, std::chrono::milliseconds timeout = 10s) const {
    for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
      if (Stderr().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  // A "Name:" line of /proc/<pid>/status, e.g. "VmRSS" → "3512 kB".
  std::string ProcStatus(const std::string& name) const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind(name + ":", 0) == 0) {
        return line.substr(line.find_first_not_of(" \t", name.size() + 1));
      }
    }
    return "";
  }

 private:
  static std::vector<char*> Pointers(std::vector<std::string>& v) {
    std::vector<char*> p;
    for (auto& s : v) p.push_back(s.data());
    p.push_back(nullptr);
    return p;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  std::string stderr_path_;
};

sms::Millis WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

json::object Body(const Request& r) {
  json::error_code ec;
  json::value v = json::parse(r.body, ec);
  EXPECT_FALSE(ec) << "not JSON: " << r.body;
  return !ec && v.is_object() ? v.as_object() : json::object{};
}

int CountLines(const std::string& text, const std::string& needle) {
  int n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  bind(fd, reinterpret_cast<sockaddr*>(&addr), len);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// How long a SIGTERM'd agent may take to exit: far below the waits it must cut short (the
// interval, a 60 s request timeout), with room for a loaded machine and the coverage build's
// counter dump at exit (which waits on the counter files' locks other test processes hold).
constexpr auto kExitBound = 5s;

TEST(AgentProcessTest, OnceSendsTheHeartbeatWithBearerTokenAndExitsZeroOn202) {
  FakeSmsd smsd({202});
  sms::Millis before = WallMillis();
  AgentProcess agent({"--once", "--url", smsd.Url(), "--server-id", "web-01", "--hostname",
                      "web-01.example", "--token", "s3cret-t0ken", "--ipv4", "10.0.0.5",
                      "--interval", "45"});
  EXPECT_EQ(agent.Wait(), 0) << agent.Stderr();
  sms::Millis after = WallMillis();
  std::vector<Request> reqs = smsd.WaitFor(1);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].target, "/healthcheck");
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer s3cret-t0ken");
  EXPECT_EQ(reqs[0].headers["content-type"], "application/json");
  EXPECT_EQ(reqs[0].headers["host"], "127.0.0.1:" + std::to_string(smsd.port()));
  json::object o = Body(reqs[0]);
  EXPECT_EQ(o.size(), 6u);
  EXPECT_EQ(o["server_id"], "web-01");
  EXPECT_EQ(o["hostname"], "web-01.example");
  EXPECT_EQ(o["ipv4"], "10.0.0.5");
  EXPECT_EQ(o["interval"], 45);
  EXPECT_EQ(o["agent_version"], SMS_AGENT_VERSION);
  ASSERT_TRUE(o["sent_at"].is_string());
  auto sent = sms::ParseTime(std::string(o["sent_at"].as_string()), "sent_at");
  ASSERT_TRUE(sent.ok()) << o["sent_at"];
  EXPECT_GE(*sent, before - 1000);
  EXPECT_LE(*sent, after);
  EXPECT_EQ(agent.Stderr(), "");  // success is silent
}

TEST(AgentProcessTest, DefaultsToTheHostnameNoTokenAndADetectedIpv4) {
  FakeSmsd smsd({202});
  AgentProcess agent({"--once", "--url", smsd.Url()});
  EXPECT_EQ(agent.Wait(), 0) << agent.Stderr();
  std::vector<Request> reqs = smsd.WaitFor(1);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers.count("authorization"), 0u);
  json::object o = Body(reqs[0]);
  EXPECT_EQ(json::value_to<std::string>(o["server_id"]), Hostname());
  EXPECT_EQ(json::value_to<std::string>(o["hostname"]), Hostname());
  EXPECT_EQ(o["interval"], 30);
  if (o.contains("ipv4")) {  // omitted on a machine with no non-loopback IPv4
    std::string ip(o["ipv4"].as_string());
    in_addr a{};
    EXPECT_EQ(inet_pton(AF_INET, ip.c_str(), &a), 1) << ip;
    EXPECT_NE(ip.rfind("127.", 0), 0u) << "a loopback address identifies no server";
  }
}

TEST(AgentProcessTest, EnvironmentSuppliesEverySettingAndFlagsWin) {
  FakeSmsd smsd({202});
  AgentProcess agent(
      {"--server-id", "flag-id"},
      {"SMS_AGENT_URL=" + smsd.Url(), "SMS_AGENT_ONCE=1", "SMS_AGENT_SERVER_ID=env-id",
       "SMS_AGENT_HOSTNAME=env-host", "SMS_AGENT_TOKEN=env-token", "SMS_AGENT_INTERVAL=77",
       "SMS_AGENT_IPV4=192.0.2.7", "SMS_AGENT_TIMEOUT=5"});
  EXPECT_EQ(agent.Wait(), 0) << agent.Stderr();
  std::vector<Request> reqs = smsd.WaitFor(1);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer env-token");
  json::object o = Body(reqs[0]);
  EXPECT_EQ(o["server_id"], "flag-id");
  EXPECT_EQ(o["hostname"], "env-host");
  EXPECT_EQ(o["interval"], 77);
  EXPECT_EQ(o["ipv4"], "192.0.2.7");
}

TEST(AgentProcessTest, OnceExitsOneOnServerError) {
  FakeSmsd smsd({500});
  AgentProcess agent({"--once", "--url", smsd.Url()});
  EXPECT_EQ(agent.Wait(), 1);
  EXPECT_EQ(smsd.WaitFor(1).size(), 1u);
  EXPECT_NE(agent.Stderr().find("HTTP 500"), std::string::npos) << agent.Stderr();
}

TEST(AgentProcessTest, OnceExitsOneWhenTheConnectionIsRefused) {
  AgentProcess agent(
      {"--once", "--url", "http://127.0.0.1:" + std::to_string(UnusedPort()) + "/healthcheck"});
  EXPECT_EQ(agent.Wait(), 1);
  EXPECT_NE(agent.Stderr().find("connect to 127.0.0.1"), std::string::npos) << agent.Stderr();
}

TEST(AgentProcessTest, OnceGivesUpAfterTheTimeout) {
  FakeSmsd smsd({kNoAnswer});
  auto start = Clock::now();
  AgentProcess agent({"--once", "--timeout", "1", "--url", smsd.Url()});
  EXPECT_EQ(agent.Wait(), 1);
  EXPECT_LT(Clock::now() - start, 5s);
  EXPECT_NE(agent.Stderr().find("no answer within 1 s"), std::string::npos) << agent.Stderr();
}

TEST(AgentProcessTest, RejectsHttpsAndOutOfRangeSettingsBeforeSending) {
  FakeSmsd smsd({202});
  AgentProcess https({"--once", "--url", "https://127.0.0.1:1/healthcheck"});
  EXPECT_GT(https.Wait(), 1);
  EXPECT_NE(https.Stderr().find("https:// is not supported"), std::string::npos) << https.Stderr();
  for (const char* interval : {"0", "3601", "x"}) {
    AgentProcess agent({"--once", "--url", smsd.Url(), "--interval", interval});
    EXPECT_GT(agent.Wait(), 1) << interval;
    EXPECT_NE(agent.Stderr().find("--interval"), std::string::npos) << agent.Stderr();
  }
  AgentProcess bad_ip({"--once", "--url", smsd.Url(), "--ipv4", "10.0.0"});
  EXPECT_GT(bad_ip.Wait(), 1);
  EXPECT_EQ(smsd.WaitFor(1, 200ms).size(), 0u);
}

// The token goes into a header line: one holding CR or LF would add headers of its own. A token
// smsd would not accept (core/validation.h) stops the agent before it sends anything, with one
// line that does not quote it.
TEST(AgentProcessTest, ATokenSmsdWouldRefuseStopsItAtStartUp) {
  FakeSmsd smsd({202});
  for (std::string token : {"tok\r\nX-Injected: 1", "long-enough-token\r\nX-Injected: 1",
                            "long-enough-token\n", "with space-1", "short"}) {
    for (bool from_env : {true, false}) {
      SCOPED_TRACE(token);
      std::vector<std::string> args = {"--once", "--url", smsd.Url()};
      std::vector<std::string> env;
      if (from_env) {
        env.push_back("SMS_AGENT_TOKEN=" + token);
      } else {
        args.insert(args.end(), {"--token", token});
      }
      AgentProcess agent(args, env);
      EXPECT_EQ(agent.Wait(), 2);
      std::string err = agent.Stderr();
      EXPECT_EQ(CountLines(err, ""), 1) << err;
      EXPECT_NE(err.find("sms-agent: --token (SMS_AGENT_TOKEN): a token needs at least 8 "
                         "characters of [A-Za-z0-9._~+/=-]"),
                std::string::npos)
          << err;
      EXPECT_EQ(err.find("X-Injected"), std::string::npos) << err;
    }
  }
  EXPECT_EQ(smsd.WaitFor(1, 200ms).size(), 0u);
  // Every character the rule allows still goes out as it is.
  AgentProcess agent({"--once", "--url", smsd.Url()}, {"SMS_AGENT_TOKEN=Az09-._~+/="});
  EXPECT_EQ(agent.Wait(), 0) << agent.Stderr();
  std::vector<Request> reqs = smsd.WaitFor(1);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer Az09-._~+/=");
  EXPECT_EQ(reqs[0].headers.count("x-injected"), 0u);
}

std::string WriteTokenFile(const std::string& name, const std::string& content) {
  std::string path = testing::TempDir() + "sms_agent_" + std::to_string(getpid()) + "_" + name;
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  return path;
}

// A packaged agent reads its token from a file only it and root can read (systemd unit,
// /etc/default/sms-agent): the trailing newline is dropped and the token sent as it is.
TEST(AgentProcessTest, ReadsTheTokenFromAFile) {
  FakeSmsd smsd({202});
  std::string file = WriteTokenFile("token", "file-token-1\n");
  AgentProcess from_env({"--once", "--url", smsd.Url()}, {"SMS_AGENT_TOKEN_FILE=" + file});
  EXPECT_EQ(from_env.Wait(), 0) << from_env.Stderr();
  AgentProcess from_flag({"--once", "--url", smsd.Url(), "--token-file", file});
  EXPECT_EQ(from_flag.Wait(), 0) << from_flag.Stderr();
  std::vector<Request> reqs = smsd.WaitFor(2);
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].headers["authorization"], "Bearer file-token-1");
  EXPECT_EQ(reqs[1].headers["authorization"], "Bearer file-token-1");
  unlink(file.c_str());
}

// A token file that cannot be used stops the agent at start with one line naming the setting
// and the path, never the file's content, and nothing is sent.
TEST(AgentProcessTest, AnUnusableTokenFileStopsItAtStartUp) {
  FakeSmsd smsd({202});
  std::string good = WriteTokenFile("good", "file-token-1\n");
  std::string empty = WriteTokenFile("empty", "\n");
  std::string bad = WriteTokenFile("bad", "tok\r\nX-Injected: 1\n");
  std::string missing = testing::TempDir() + "sms_agent_no_such_token";
  const std::string setting = "sms-agent: --token-file (SMS_AGENT_TOKEN_FILE): ";
  struct Case {
    std::vector<std::string> args, env;
    std::string expected;
  } cases[] = {
      {{"--token", "flag-token-1", "--token-file", good},
       {},
       "sms-agent: set either --token (SMS_AGENT_TOKEN) or --token-file (SMS_AGENT_TOKEN_FILE), "
       "not both"},
      {{}, {"SMS_AGENT_TOKEN=env-token-1", "SMS_AGENT_TOKEN_FILE=" + good}, "not both"},
      {{"--token-file", missing}, {}, setting + missing + " cannot be read: No such file"},
      {{"--token-file", empty}, {}, setting + empty + " is empty"},
      {{"--token-file", bad}, {}, setting + bad + ": a token needs at least 8 characters"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.expected);
    std::vector<std::string> args = {"--once", "--url", smsd.Url()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    AgentProcess agent(args, c.env);
    EXPECT_EQ(agent.Wait(), 2);
    std::string err = agent.Stderr();
    EXPECT_EQ(CountLines(err, ""), 1) << err;
    EXPECT_NE(err.find(c.expected), std::string::npos) << err;
    EXPECT_EQ(err.find("file-token-1"), std::string::npos) << err;
    EXPECT_EQ(err.find("X-Injected"), std::string::npos) << err;
  }
  EXPECT_EQ(smsd.WaitFor(1, 200ms).size(), 0u);
  for (const std::string& f : {good, empty, bad}) unlink(f.c_str());
}

TEST(AgentProcessTest, KeepsTheConnectionAliveSmallAndSingleThreadedThenStopsOnSigterm) {
  FakeSmsd smsd({202});
  AgentProcess agent({"--url", smsd.Url(), "--interval", "1"});
  std::vector<Request> reqs = smsd.WaitFor(3);
  ASSERT_EQ(reqs.size(), 3u) << agent.Stderr();
  EXPECT_EQ(reqs[1].connection, reqs[0].connection);
  EXPECT_EQ(reqs[2].connection, reqs[0].connection);
  for (size_t i = 1; i < reqs.size(); ++i) {
    auto gap = reqs[i].at - reqs[i - 1].at;
    EXPECT_GE(gap, 850ms);  // 1 s with ±10 % jitter
    EXPECT_LE(gap, 1600ms);
  }
  EXPECT_EQ(agent.ProcStatus("Threads"), "1");
  std::string rss = agent.ProcStatus("VmRSS");
  std::cout << "sms-agent VmRSS while running: " << rss << "\n";
#if defined(__SANITIZE_ADDRESS__)
  std::cout << "(sanitizer build: the 8 MB bound is checked in release builds only)\n";
#else
  EXPECT_LE(std::stol(rss), 8 * 1024) << "sms-agent must stay within 8 MB RSS";
#endif
  auto stop = Clock::now();
  kill(agent.pid(), SIGTERM);
  EXPECT_EQ(agent.Wait(kExitBound), 0);
  EXPECT_LT(Clock::now() - stop, kExitBound);
  EXPECT_EQ(CountLines(agent.Stderr(), "sms-agent:"), 1) << agent.Stderr();  // the start line
}

TEST(AgentProcessTest, QuietlyReconnectsWhenTheServerClosedTheIdleConnection) {
  FakeSmsd smsd({202}, /*drop_after_answer=*/true);
  AgentProcess agent({"--url", smsd.Url(), "--interval", "1"});
  std::vector<Request> reqs = smsd.WaitFor(3);
  ASSERT_EQ(reqs.size(), 3u) << agent.Stderr();
  EXPECT_NE(reqs[1].connection, reqs[0].connection);
  EXPECT_NE(reqs[2].connection, reqs[1].connection);
  EXPECT_LE(reqs[2].at - reqs[1].at, 1600ms) << "a stale connection must not cause a backoff";
  kill(agent.pid(), SIGTERM);
  EXPECT_EQ(agent.Wait(kExitBound), 0);
  EXPECT_EQ(agent.Stderr().find("failed"), std::string::npos) << agent.Stderr();
}

TEST(AgentProcessTest, BacksOffOnFailureLogsOnceAndRecovers) {
  FakeSmsd smsd({500, 500, 202});
  AgentProcess agent({"--url", smsd.Url(), "--interval", "3600"});
  std::vector<Request> reqs = smsd.WaitFor(3);
  ASSERT_EQ(reqs.size(), 3u) << agent.Stderr();
  auto gap1 = reqs[1].at - reqs[0].at, gap2 = reqs[2].at - reqs[1].at;
  EXPECT_GE(gap1, 850ms);  // 1 s ±10 %
  EXPECT_LE(gap1, 1600ms);
  EXPECT_GE(gap2, 1750ms);  // 2 s ±10 %
  EXPECT_LE(gap2, 2700ms);
  EXPECT_NE(reqs[1].connection, reqs[0].connection) << "an error answer should reconnect";
  ASSERT_TRUE(agent.WaitForLog("recovered after 2 failures")) << agent.Stderr();
  std::string log = agent.Stderr();
  EXPECT_EQ(CountLines(log, "heartbeat failed: HTTP 500"), 1) << log;
  EXPECT_EQ(CountLines(log, "recovered"), 1) << log;
  // Back on the normal cadence: nothing more within the next second.
  EXPECT_EQ(smsd.WaitFor(4, 1s).size(), 3u);
  kill(agent.pid(), SIGTERM);
  EXPECT_EQ(agent.Wait(kExitBound), 0);
}

TEST(AgentProcessTest, SigtermDuringARequestExitsAtOnce) {
  FakeSmsd smsd({kNoAnswer});
  AgentProcess agent({"--once", "--timeout", "60", "--url", smsd.Url()});
  ASSERT_EQ(smsd.WaitFor(1).size(), 1u) << agent.Stderr();
  auto stop = Clock::now();
  kill(agent.pid(), SIGTERM);
  EXPECT_EQ(agent.Wait(kExitBound), 0);
  EXPECT_LT(Clock::now() - stop, kExitBound);
}

}  // namespace
