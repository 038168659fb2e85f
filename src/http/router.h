#pragma once
// Router: method + path pattern ("/api/v1/servers/{server_id}") -> handler. Answers 404 for
// an unknown path and 405 (with Allow) for a known path with another method.
// Add routes before serving; Handle is then thread-safe.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/work_pool.h"
#include "http/message.h"

namespace sms::http {

using Handler = std::function<Response(Request&)>;
// A handler that answers later through `reply` (see Reply), from any thread. The Request is
// valid only until it returns: copy what the answer needs.
using DeferredHandler = std::function<void(Request&, Reply reply)>;

// A deferred handler that runs `handler` on `pool` instead of an I/O thread, for work that
// takes long or burns CPU (hashing a password, parsing an upload). The handler gets its own
// Request (the body moved there, not copied). When the pool's queue is full the request gets
// 503 {"error":{"code":"busy"}} with Retry-After: 1, at once. REQUIRES: `handler` does not
// own `pool` (its last copy may be dropped on a pool thread, which cannot join itself).
DeferredHandler Offload(std::shared_ptr<WorkPool> pool, Handler handler);

// Body limit of a route added without one, and of requests that match no route.
inline constexpr size_t kDefaultBodyLimit = 64 * 1024;

// Who may call a route. Every route names one: there is no default, so no route is open by
// omission.
inline constexpr std::string_view kPublic = "public";  // anyone
// The heartbeat intake: the agent tokens, which its handler checks (open when none are set).
inline constexpr std::string_view kAgent = "agent";
inline constexpr std::string_view kAuthenticated = "authenticated";  // any valid credential
// Any other value is a scope ("servers:read"): a valid credential that holds it.

struct Route {
  std::string method;
  std::string pattern;
  std::string access;                     // kPublic, kAgent, kAuthenticated or a scope
  size_t body_limit = kDefaultBodyLimit;  // bytes; larger bodies get 413 before the handler runs
  bool deferred = false;                  // added with AddDeferred
};

// Runs before every handler (public routes included) and decides whether it runs: nullopt lets
// the request through (the guard may fill req.caller), a response is sent instead.
using Guard = std::function<std::optional<Response>(Request&, const Route&)>;

class Router {
 public:
  // Registers `method pattern`. A pattern is "/" or "/seg/seg…" where a segment is a literal or
  // `{name}` (matches one non-empty segment; its percent-decoded value goes to params[name]).
  // Matching is exact (a trailing slash matters); when several patterns match, the one with a
  // literal at the first differing segment wins ("/servers/export" over "/servers/{id}"), for
  // every method: PATCH /servers/export is 405 with the methods of "/servers/export" in Allow,
  // never the {id} route's PATCH.
  // `access` says who may call it (see kPublic). Throws std::invalid_argument for a malformed
  // pattern or an empty access (start-up errors).
  void Add(const std::string& method, const std::string& pattern, std::string_view access,
           Handler handler, size_t body_limit = kDefaultBodyLimit);

  // As Add, for a handler that answers through a Reply instead of returning its Response. The
  // connection waits for that answer without holding an I/O thread.
  void AddDeferred(const std::string& method, const std::string& pattern,
                   std::string_view access, DeferredHandler handler,
                   size_t body_limit = kDefaultBodyLimit);

  // Installs the guard (authentication and scopes). Without one every route is let through:
  // unit tests of handlers, and processes that serve only public routes. Call before serving.
  void SetGuard(Guard guard) { guard_ = std::move(guard); }

  // Fills req.params and runs the handler; 404/405 otherwise. Matches the path of req.target
  // (segment by segment, then percent-decoded) when target is set, else req.path. `route`
  // receives the matched pattern (or "unmatched") for metrics: never the raw path. A handler
  // that throws gets a 500 {"error":{"code":"internal"}} without the exception's text.
  Response Handle(Request& req, std::string* route) const;

  // The body limit of the route `method path` would match (`path` as in a request-target, no
  // query); kDefaultBodyLimit when none matches.
  size_t BodyLimit(const std::string& method, const std::string& path) const;

  // The route `method path` matches (`path` as for BodyLimit), or nullptr.
  const Route* Find(std::string_view method, std::string_view path) const;

  // Runs the guard for `route` (what Find returned for req) unless req was admitted already:
  // nullopt lets it through (req.admitted is then set), else the response to send. The server
  // calls it once the header is read, so a refused request's body is never received.
  std::optional<Response> Admit(Request& req, const Route& route) const;

  // Handle for a request whose route is known: `route` is what Find returned for req's method
  // and routing path. Same contract as Handle otherwise; for a deferred route it blocks until
  // the handler answers (tests and tools: the server calls Dispatch).
  Response Handle(Request& req, const Route& route) const;

  // Runs `route`'s handler (what Find returned for req) and answers through `reply`: at once
  // for a route added with Add, whenever the handler answers for one added with AddDeferred.
  // A handler that throws gets a 500 as with Handle. The server's way to run every route.
  void Dispatch(Request& req, const Route& route, Reply reply) const;

  // Every route, in matching order (most specific first).
  std::vector<Route> routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool param = false;
  };
  struct Entry {
    Route route;
    std::vector<Segment> segments;
    Handler handler;           // Add
    DeferredHandler deferred;  // AddDeferred
  };
  struct MatchResult {
    const Entry* entry = nullptr;       // matched method and path
    const Entry* path_entry = nullptr;  // first entry whose path matched (any method)
  };
  MatchResult Match(std::string_view method, std::string_view path) const;
  std::string Allow(std::string_view path) const;
  void AddEntry(Entry entry);
  Response Run(const Entry& e, Request& req, std::string_view path) const;
  // Fills req.params from `path` for e's pattern; false when the guard refused (`refused`).
  bool Prepare(const Entry& e, Request& req, std::string_view path,
               std::optional<Response>* refused) const;
  const Entry* EntryOf(const Route& route) const;
  std::vector<Entry> entries_;  // most specific first
  Guard guard_;
};

}  // namespace sms::http
