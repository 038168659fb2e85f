#pragma once
// Test support for mail against Mailpit (an SMTP sink with a REST API): a small HTTP client
// for its API, and PrivateMailpit, an instance of its own on free ports for tests that need
// a server configured to refuse (or one that starts late). The shared instance comes from
// scripts/services (SMS_SMTP_URL, SMS_MAILPIT_API); the binary from SMS_MAILPIT_BIN or the
// cache scripts/services builds it into. Header-only; link CURL::libcurl and Boost::json.

#include <curl/curl.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "support/wait_until.h"

extern char** environ;

namespace sms::mail::testing {

namespace json = boost::json;
using sms::testing::WaitUntil;

struct HttpReply {
  long status = 0;  // 0: no answer
  std::string body;
};

inline size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One HTTP request; `body` is sent as JSON when not empty.
inline HttpReply Http(const std::string& method, const std::string& url,
                      const std::string& body = {}) {
  HttpReply reply;
  CURL* c = curl_easy_init();
  if (c == nullptr) return reply;
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10'000L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
  if (!body.empty()) {
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.c_str());
  }
  if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(c);
  return reply;
}

// Mailpit's API is polled every 50 ms: the tests share it.
inline constexpr std::chrono::milliseconds kMailpitPoll{50};

// A token no other test (or run) uses, for subjects and job ids: tests share one Mailpit.
inline std::string UniqueToken(const std::string& prefix) {
  static std::atomic<int> seq{0};
  auto now = std::chrono::system_clock::now().time_since_epoch();
  return prefix + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::duration_cast<std::chrono::microseconds>(now).count()) + "-" +
         std::to_string(seq++);
}

class MailpitApi {
 public:
  explicit MailpitApi(std::string base) : base_(std::move(base)) {}

  // Summaries (ID, Subject, To, …) of the stored messages matching `query` (Mailpit search).
  std::vector<json::object> Search(const std::string& query) const {
    char* q = curl_easy_escape(nullptr, query.c_str(), int(query.size()));
    HttpReply r = Http("GET", base_ + "/api/v1/search?limit=50&query=" + q);
    curl_free(q);
    std::vector<json::object> out;
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    if (ec || r.status != 200) return out;
    for (const json::value& m : v.at("messages").as_array()) out.push_back(m.as_object());
    return out;
  }

  // Messages whose subject contains `token` (a UniqueToken), waiting up to `timeout` for at
  // least `want` of them.
  std::vector<json::object> WaitForSubject(
      const std::string& token, size_t want = 1,
      std::chrono::milliseconds timeout = std::chrono::seconds(15)) const {
    std::vector<json::object> found;
    WaitUntil(
        [&] {
          found = Search("subject:\"" + token + "\"");
          return found.size() >= want;
        },
        timeout, kMailpitPoll);
    return found;
  }

  // The whole message (To, Subject, Text, HTML, Attachments, …).
  json::object Message(const std::string& id) const {
    HttpReply r = Http("GET", base_ + "/api/v1/message/" + id);
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    return ec || !v.is_object() ? json::object{} : v.as_object();
  }

  // The decoded bytes of one MIME part (an attachment's PartID).
  std::string Part(const std::string& id, const std::string& part_id) const {
    return Http("GET", base_ + "/api/v1/message/" + id + "/part/" + part_id).body;
  }

  // Sets the recipient-stage chaos trigger (needs --enable-chaos): `code` with `percent`.
  bool SetRecipientChaos(int code, int percent) const {
    json::object trig{{"ErrorCode", code}, {"Probability", percent}};
    return Http("PUT", base_ + "/api/v1/chaos", json::serialize(json::object{{"Recipient", trig}}))
               .status == 200;
  }

  const std::string& base() const { return base_; }

 private:
  std::string base_;
};

// A free TCP port on 127.0.0.1 at the time of the call.
inline int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// The Mailpit binary: $SMS_MAILPIT_BIN, else the newest mailpit-* in the scripts/services
// cache (${SMS_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/sms}/bin). Empty when there is none.
inline std::string MailpitBinary() {
  if (const char* bin = std::getenv("SMS_MAILPIT_BIN"); bin != nullptr && *bin != '\0') {
    return bin;
  }
  namespace fs = std::filesystem;
  fs::path cache;
  if (const char* c = std::getenv("SMS_CACHE_DIR"); c != nullptr && *c != '\0') {
    cache = c;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') {
    cache = fs::path(x) / "sms";
  } else if (const char* h = std::getenv("HOME"); h != nullptr) {
    cache = fs::path(h) / ".cache" / "sms";
  }
  std::error_code ec;
  std::string best;
  for (const auto& e : fs::directory_iterator(cache / "bin", ec)) {
    std::string name = e.path().filename().string();
    if (name.starts_with("mailpit-") && ::access(e.path().c_str(), X_OK) == 0 &&
        e.path().string() > best) {
      best = e.path().string();
    }
  }
  return best;
}

// A Mailpit of the test's own: free ports, a temporary database, `extra` flags (e.g.
// "--smtp-allowed-recipients", "^ok@"). Stopped (SIGTERM to its pid) on destruction.
class PrivateMailpit {
 public:
  // REQUIRES: !MailpitBinary().empty(). smtp_port 0: pick a free one.
  explicit PrivateMailpit(std::vector<std::string> extra, int smtp_port = 0)
      : extra_(std::move(extra)),
        smtp_port_(smtp_port != 0 ? smtp_port : FreePort()),
        http_port_(FreePort()),
        dir_(std::filesystem::temp_directory_path() / UniqueToken("sms_mailpit")) {}
  ~PrivateMailpit() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  PrivateMailpit(const PrivateMailpit&) = delete;
  PrivateMailpit& operator=(const PrivateMailpit&) = delete;

  // Spawns it and waits until its API answers /readyz. False when it did not come up.
  bool Start() {
    std::filesystem::create_directories(dir_);
    std::vector<std::string> args = {MailpitBinary(),
                                     "--smtp",
                                     "127.0.0.1:" + std::to_string(smtp_port_),
                                     "--listen",
                                     "127.0.0.1:" + std::to_string(http_port_),
                                     "--database",
                                     (dir_ / "mailpit.db").string(),
                                     "--smtp-disable-rdns",
                                     "--disable-version-check",
                                     "--quiet"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    std::string log = (dir_ / "log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      pid_ = -1;
      return false;
    }
    return WaitUntil([this] { return Http("GET", api() + "/readyz").status == 200; },
                     std::chrono::seconds(20), kMailpitPoll);
  }

  std::string smtp_url() const { return "smtp://127.0.0.1:" + std::to_string(smtp_port_); }
  std::string smtps_url() const { return "smtps://127.0.0.1:" + std::to_string(smtp_port_); }
  std::string api() const { return "http://127.0.0.1:" + std::to_string(http_port_); }
  int smtp_port() const { return smtp_port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::vector<std::string> extra_;
  int smtp_port_;
  int http_port_;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
};

}  // namespace sms::mail::testing
