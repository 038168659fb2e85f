#include "http/router.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <exception>
#include <memory>
#include <stdexcept>

namespace sms::http {
namespace {

using Segments = boost::container::small_vector<std::string_view, 12>;

// "/a/b" -> {"a","b"}; "/" -> {""}; "/a/" -> {"a",""}. False when `path` is not absolute.
bool Split(std::string_view path, Segments* out) {
  if (path.empty() || path.front() != '/') return false;
  size_t start = 1;
  for (;;) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) {
      out->push_back(path.substr(start));
      return true;
    }
    out->push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes one path segment. A '%' not followed by two hex digits stays literal (the
// server rejects such targets before routing; direct callers get a lenient answer).
std::string Decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

bool LiteralEquals(std::string_view raw, const std::string& literal) {
  if (raw.find('%') == std::string_view::npos) return raw == literal;
  return Decode(raw) == literal;
}

// The path the router matches: the request-target's path when there is a target.
std::string_view RoutingPath(const Request& req) {
  if (req.target.empty()) return req.path;
  std::string_view target = req.target;
  return target.substr(0, target.find('?'));
}

// True when `a` is more specific than `b`: a literal at the first segment where they differ.
bool MoreSpecific(const std::vector<bool>& a, const std::vector<bool>& b) {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
}

std::vector<bool> ParamMask(const auto& segments) {
  std::vector<bool> mask;
  for (const auto& s : segments) mask.push_back(s.param);
  return mask;
}

}  // namespace

DeferredHandler Offload(std::shared_ptr<WorkPool> pool, Handler handler) {
  return [pool = std::move(pool), handler = std::move(handler)](Request& req, Reply reply) {
    std::string body = std::move(req.body);  // moved: an upload may be large
    auto own = std::make_shared<Request>(req);
    own->body = std::move(body);
    bool queued = pool->Submit([own, handler, reply] {
      try {
        reply(handler(*own));
      } catch (...) {
        reply(ErrorResponse(500, "internal", "internal error"));
      }
    });
    if (!queued) {
      Response busy = ErrorResponse(503, "busy", "the server is busy; try again shortly");
      busy.headers.emplace_back("Retry-After", "1");
      reply(std::move(busy));
    }
  };
}

void Router::Add(const std::string& method, const std::string& pattern, std::string_view access,
                 Handler handler, size_t body_limit) {
  AddEntry(Entry{Route{method, pattern, std::string(access), body_limit}, {}, std::move(handler),
                 nullptr});
}

void Router::AddDeferred(const std::string& method, const std::string& pattern,
                         std::string_view access, DeferredHandler handler, size_t body_limit) {
  AddEntry(Entry{Route{method, pattern, std::string(access), body_limit, true}, {}, nullptr,
                 std::move(handler)});
}

void Router::AddEntry(Entry entry) {
  const std::string& pattern = entry.route.pattern;
  Segments parts;
  if (entry.route.method.empty() || !Split(pattern, &parts)) {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  if (entry.route.access.empty()) throw std::invalid_argument("route without access: " + pattern);
  for (std::string_view part : parts) {
    bool param = part.size() >= 2 && part.front() == '{' && part.back() == '}';
    if (param) part = part.substr(1, part.size() - 2);
    if (part.find_first_of("{}") != std::string_view::npos || (param && part.empty())) {
      throw std::invalid_argument("malformed route pattern: " + pattern);
    }
    entry.segments.push_back(Segment{std::string(part), param});
  }
  auto mask = ParamMask(entry.segments);
  auto pos = std::upper_bound(entries_.begin(), entries_.end(), mask,
                              [](const std::vector<bool>& m, const Entry& e) {
                                return MoreSpecific(m, ParamMask(e.segments));
                              });
  entries_.insert(pos, std::move(entry));
}

Router::MatchResult Router::Match(std::string_view method, std::string_view path) const {
  MatchResult result;
  Segments parts;
  if (!Split(path, &parts)) return result;
  for (const Entry& e : entries_) {
    if (e.segments.size() != parts.size()) continue;
    // The most specific pattern that matches owns the path: other methods of a less specific
    // one ("/servers/{id}" for "/servers/export") do not apply to it.
    if (result.path_entry != nullptr && e.route.pattern != result.path_entry->route.pattern) {
      continue;
    }
    bool ok = true;
    for (size_t i = 0; ok && i < parts.size(); ++i) {
      const Segment& s = e.segments[i];
      ok = s.param ? !parts[i].empty() : LiteralEquals(parts[i], s.text);
    }
    if (!ok) continue;
    if (result.path_entry == nullptr) result.path_entry = &e;
    if (e.route.method == method) {
      result.entry = &e;
      return result;
    }
  }
  return result;
}

std::string Router::Allow(std::string_view path) const {
  std::vector<std::string> methods;
  for (const Entry& e : entries_) {
    if (Match(e.route.method, path).entry != nullptr) methods.push_back(e.route.method);
  }
  std::sort(methods.begin(), methods.end());
  methods.erase(std::unique(methods.begin(), methods.end()), methods.end());
  std::string allow;
  for (const auto& m : methods) {
    if (!allow.empty()) allow += ", ";
    allow += m;
  }
  return allow;
}

Response Router::Handle(Request& req, std::string* route) const {
  std::string_view path = RoutingPath(req);
  MatchResult match = Match(req.method, path);
  req.params.clear();
  if (match.entry == nullptr) {
    if (match.path_entry == nullptr) {
      route->assign("unmatched");
      return ErrorResponse(404, "not_found", "no such path");
    }
    route->assign(match.path_entry->route.pattern);
    Response res = ErrorResponse(405, "method_not_allowed", "method not allowed for this path");
    res.headers.emplace_back("Allow", Allow(path));
    return res;
  }
  route->assign(match.entry->route.pattern);
  return Run(*match.entry, req, path);
}

const Router::Entry* Router::EntryOf(const Route& route) const {
  for (const Entry& e : entries_) {
    if (&e.route == &route) return &e;
  }
  return nullptr;
}

Response Router::Handle(Request& req, const Route& route) const {
  const Entry* e = EntryOf(route);
  if (e == nullptr) {
    std::string unused;
    return Handle(req, &unused);  // not one of ours: route it from scratch
  }
  req.params.clear();
  return Run(*e, req, RoutingPath(req));
}

void Router::Dispatch(Request& req, const Route& route, Reply reply) const {
  const Entry* e = EntryOf(route);
  if (e == nullptr || !e->deferred) return reply(Handle(req, route));
  req.params.clear();
  try {
    std::optional<Response> refused;
    if (!Prepare(*e, req, RoutingPath(req), &refused)) return reply(std::move(*refused));
    return e->deferred(req, reply);
  } catch (const std::exception&) {
  } catch (...) {
  }
  reply(ErrorResponse(500, "internal", "internal error"));  // ignored if it had answered
}

bool Router::Prepare(const Entry& e, Request& req, std::string_view path,
                     std::optional<Response>* refused) const {
  bool has_params =
      std::any_of(e.segments.begin(), e.segments.end(), [](const Segment& s) { return s.param; });
  if (has_params) {
    Segments parts;
    Split(path, &parts);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (e.segments[i].param) req.params[e.segments[i].text] = Decode(parts[i]);
    }
  }
  *refused = Admit(req, e.route);
  return !refused->has_value();
}

Response Router::Run(const Entry& e, Request& req, std::string_view path) const {
  if (e.deferred) {  // a caller that wants the answer in hand: wait for it
    return AwaitReply([&](Reply reply) { Dispatch(req, e.route, std::move(reply)); });
  }
  try {
    std::optional<Response> refused;
    if (!Prepare(e, req, path, &refused)) return std::move(*refused);
    return e.handler(req);
  } catch (const std::exception&) {
    // Exceptions stop here (the edge): the client gets no internals.
  } catch (...) {
  }
  return ErrorResponse(500, "internal", "internal error");
}

std::optional<Response> Router::Admit(Request& req, const Route& route) const {
  if (!guard_ || req.admitted) return std::nullopt;
  std::optional<Response> refused = guard_(req, route);
  req.admitted = !refused.has_value();
  return refused;
}

size_t Router::BodyLimit(const std::string& method, const std::string& path) const {
  const Route* route = Find(method, path);
  return route != nullptr ? route->body_limit : kDefaultBodyLimit;
}

const Route* Router::Find(std::string_view method, std::string_view path) const {
  MatchResult match = Match(method, path);
  return match.entry != nullptr ? &match.entry->route : nullptr;
}

std::vector<Route> Router::routes() const {
  std::vector<Route> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.route);
  return out;
}

}  // namespace sms::http
