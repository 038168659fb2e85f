#pragma once
// Request and Response as handlers see them: plain values, no socket, no Beast types, so
// handlers are unit-tested without a network.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sms::http {

// Who made a request, as the router's guard established it (empty on public routes).
struct Caller {
  std::string name;  // the user (a token acts as its owner)
  std::string role;
  std::vector<std::string> scopes;  // what this credential may do
  std::string credential;           // "session" (a login's JWT) or "api_token"
  std::string credential_id;        // the session's jti or the token's id
  int64_t expires_at = 0;           // ms since the epoch
};

struct Request {
  std::string method;                         // "GET", "POST", …
  std::string target;                         // raw request-target
  std::string path;                           // decoded path, no query
  std::map<std::string, std::string> query;   // decoded query parameters (last one wins)
  // Every decoded query parameter in order, repeats kept (?tag=a&tag=b).
  std::vector<std::pair<std::string, std::string>> query_list;
  std::map<std::string, std::string> params;  // path parameters filled by the router
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;     // peer address
  Caller caller;          // filled by the router's guard
  bool admitted = false;  // the guard let it through already (Router::Admit)

  // The first header named `name` (lower-case), or "".
  const std::string& Header(std::string_view name) const;
  // Every value of query parameter `name`, in order (from query_list; a request built without
  // one, as in handler tests, gives the value in `query`).
  std::vector<std::string> QueryValues(std::string_view name) const;
};

// A file sent as a response body in chunks, instead of a string held in memory (an export
// written to a temporary file). Owns its descriptor. Thread-safe (reads are positional).
class BodyFile {
 public:
  // Opens `path` for reading. With `unlink_now` its name is removed at once: the open file
  // lives until the response is sent or dropped, and nothing is left behind either way.
  // Internal when the file cannot be opened.
  static Result<std::shared_ptr<const BodyFile>> Open(const std::string& path, bool unlink_now);
  ~BodyFile();
  BodyFile(const BodyFile&) = delete;
  BodyFile& operator=(const BodyFile&) = delete;

  uint64_t size() const { return size_; }
  // Reads up to `n` bytes at `offset` into `out`: the count read, 0 at the end of the file.
  Result<size_t> Read(uint64_t offset, char* out, size_t n) const;

 private:
  BodyFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  uint64_t size_;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the body is this file's content (its size when the response starts) and `body`
  // is ignored.
  std::shared_ptr<const BodyFile> file;
};

// The answer to a request, given later and from any thread: what a deferred handler
// (Router::AddDeferred) answers through, so that waiting (a disk sync, a broker's
// acknowledgement, a password hash) never holds an I/O thread. Copies share one answer: the
// first call sends it, later calls are ignored. When the last copy goes unanswered, the
// request gets a 500 {"error":{"code":"internal"}}: a handler that forgets to answer cannot
// hang its connection. Thread-safe.
class Reply {
 public:
  // `send` is called exactly once, with the answer (from the thread that gives it).
  explicit Reply(std::function<void(Response)> send);
  // Sends `res` unless an answer was sent already.
  void operator()(Response res) const;
  // True once an answer was sent.
  bool answered() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Runs `start` with a Reply and blocks until it is answered: for a caller that wants the answer
// in hand (tests, command-line tools), never on an I/O thread. A Reply dropped unanswered
// gives 500, as it does on the wire.
Response AwaitReply(const std::function<void(Reply)>& start);

// The credential of an Authorization value "Bearer <credential>": the scheme case-insensitive,
// spaces and tabs around the credential dropped. nullopt for another scheme or no credential.
std::optional<std::string_view> BearerCredential(std::string_view authorization);

// {"error":{"code","message","field"}} with the given HTTP status; "field" is omitted when
// empty. Always valid JSON, whatever the strings hold.
Response ErrorResponse(int status, const std::string& code, const std::string& message,
                       const std::string& field = {});
// Maps a non-ok Status: InvalidArgument 400, NotFound 404, Conflict 409, Unavailable 503,
// ResourceExhausted 413, Internal 500 (its message is replaced by "internal error": it may
// hold details a client must not see).
Response ErrorResponse(const Status& status);
// A response with Content-Type application/json and `body` as given (not validated).
Response JsonResponse(int status, std::string body);

}  // namespace sms::http
