#pragma once
// Router: method + path pattern ("/api/v1/servers/{server_id}") -> handler. Answers 404 for
// an unknown path and 405 (with Allow) for a known path with another method.
// Add routes before serving; Handle is then thread-safe.

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace sms::http {

using Handler = std::function<Response(Request&)>;

struct Route {
  std::string method;
  std::string pattern;
  size_t body_limit = 64 * 1024;  // bytes; larger bodies get 413 before the handler runs
};

class Router {
 public:
  void Add(const std::string& method, const std::string& pattern, Handler handler,
           size_t body_limit = 64 * 1024);

  // Fills req.params and runs the handler; 404/405 otherwise. `route` receives the matched
  // pattern (or "unmatched") for metrics.
  Response Handle(Request& req, std::string* route) const;

  // The body limit of the route `method path` would match; the default when none matches.
  size_t BodyLimit(const std::string& method, const std::string& path) const;

  std::vector<Route> routes() const;

 private:
  struct Entry {
    Route route;
    std::vector<std::string> segments;
    Handler handler;
  };
  const Entry* Match(const std::string& method, const std::string& path, Request* req,
                     bool* path_known, std::string* allow) const;
  std::vector<Entry> entries_;
};

}  // namespace sms::http
