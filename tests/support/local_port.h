#pragma once
// Test support: a TCP port on 127.0.0.1 for a client's failures, without a server of its own.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace sms::testing {

// A TCP port on 127.0.0.1 that listens (backlog only, never answers) or, after Close(), that
// refuses connections.
class LocalPort {
 public:
  LocalPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~LocalPort() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }

  // Accepts one connection, reads one request's head, answers `reply`, and returns the head.
  std::string AnswerOnce(const std::string& reply) {
    int conn = accept(fd_, nullptr, nullptr);
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = read(conn, buf, sizeof buf);
      if (n <= 0) break;
      head.append(buf, size_t(n));
    }
    (void)!write(conn, reply.data(), reply.size());
    close(conn);
    return head;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace sms::testing
