#include "http/message.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <future>

namespace sms::http {

const std::string& Request::Header(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return kEmpty;
}

std::vector<std::string> Request::QueryValues(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [key, value] : query_list) {
    if (key == name) out.push_back(value);
  }
  if (out.empty() && query_list.empty()) {
    if (auto it = query.find(std::string(name)); it != query.end()) out.push_back(it->second);
  }
  return out;
}

struct Reply::State {
  explicit State(std::function<void(Response)> s) : send(std::move(s)) {}
  ~State() {
    if (!sent.exchange(true)) send(ErrorResponse(500, "internal", "internal error"));
  }
  std::function<void(Response)> send;
  std::atomic<bool> sent{false};
};

Reply::Reply(std::function<void(Response)> send)
    : state_(std::make_shared<State>(std::move(send))) {}

void Reply::operator()(Response res) const {
  if (!state_->sent.exchange(true)) state_->send(std::move(res));
}

bool Reply::answered() const { return state_->sent.load(); }

Response AwaitReply(const std::function<void(Reply)>& start) {
  auto answer = std::make_shared<std::promise<Response>>();
  std::future<Response> answered = answer->get_future();
  start(Reply([answer](Response res) { answer->set_value(std::move(res)); }));
  return answered.get();
}

std::optional<std::string_view> BearerCredential(std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return std::nullopt;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) {
      return std::nullopt;
    }
  }
  std::string_view credential = authorization.substr(kScheme.size());
  auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!credential.empty() && blank(credential.front())) credential.remove_prefix(1);
  while (!credential.empty() && blank(credential.back())) credential.remove_suffix(1);
  if (credential.empty()) return std::nullopt;
  return credential;
}

Result<std::shared_ptr<const BodyFile>> BodyFile::Open(const std::string& path, bool unlink_now) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open " + path + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status status = Status::Internal("cannot stat " + path + ": " + std::strerror(errno));
    ::close(fd);
    return status;
  }
  if (unlink_now) ::unlink(path.c_str());
  return std::shared_ptr<const BodyFile>(new BodyFile(fd, static_cast<uint64_t>(st.st_size)));
}

BodyFile::~BodyFile() { ::close(fd_); }

Result<size_t> BodyFile::Read(uint64_t offset, char* out, size_t n) const {
  for (;;) {
    ssize_t got = ::pread(fd_, out, n, static_cast<off_t>(offset));
    if (got >= 0) return static_cast<size_t>(got);
    if (errno != EINTR) return Status::Internal(std::string("read: ") + std::strerror(errno));
  }
}

Response ErrorResponse(int status, const std::string& code, const std::string& message,
                       const std::string& field) {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  if (!field.empty()) error["field"] = field;
  boost::json::object root;
  root["error"] = std::move(error);
  return JsonResponse(status, boost::json::serialize(root));
}

namespace {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnavailable:
      return 503;
    case Code::kResourceExhausted:
      return 413;
    case Code::kInternal:
      return 500;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
  }
  return 500;
}

}  // namespace

Response ErrorResponse(const Status& status) {
  // An ok Status reaching here is a caller bug; answer it as an internal error rather than
  // pretending success with an error body.
  if (status.ok()) return ErrorResponse(500, "internal", "internal error");
  // Internal messages describe our own failures (SQL text, paths); clients get no details.
  if (status.code() == Code::kInternal) return ErrorResponse(500, "internal", "internal error");
  return ErrorResponse(HttpStatusFor(status.code()), CodeName(status.code()), status.message(),
                       status.field());
}

Response JsonResponse(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

}  // namespace sms::http
