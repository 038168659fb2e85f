#pragma once
// The five routes of a resource kept by id (channels, alert rules, maintenance windows):
//   POST   <collection>        -> 201 the new item (ids and times made here)
//   GET    <collection>        -> 200 {"total", "items"[, what list_extra adds]}
//   GET    <collection>/{id}   -> 200 the item
//   PATCH  <collection>/{id}   -> 200 the changed item
//   DELETE <collection>/{id}   -> 204
// A resource describes what differs: how a body is read and applied, which store calls keep
// it, its JSON. Every failure is the JSON error of its Status; a POST or PATCH reads the body
// (its syntax errors come first), then the item (404), then applies it (400), then stores it.

#include <boost/json.hpp>
#include <functional>
#include <string>
#include <vector>

#include "http/router.h"
#include "roles/management/management.h"

namespace sms::management {

template <typename Record, typename Body>
struct CrudResource {
  using B = const ManagementBackends&;
  std::string collection;  // "/api/v1/channels"
  std::string id_param;    // the {name} of the item's path segment
  std::string_view read_scope, write_scope;
  size_t body_limit = http::kDefaultBodyLimit;  // POST and PATCH
  bool location = false;                        // a 201 names the new item in Location
  std::function<bool(B)> available;             // false: every route answers 503 `unavailable`
  std::string unavailable;
  std::function<std::string()> new_id;
  std::function<Result<Body>(const http::Request&)> parse;
  // Applies the body to a new item (create: id and created_at set) or to the stored one.
  std::function<Status(B, const Body&, bool create, Record&)> apply;
  std::function<Result<Record>(B, const std::string&)> get;
  std::function<Status(B, const Record&)> create;
  std::function<Status(B, const Record&)> update;
  std::function<Status(B, const std::string&)> remove;
  std::function<Result<std::vector<Record>>(B, const http::Request&)> list;
  std::function<boost::json::value(const Record&)> to_json;
  std::function<void(B, boost::json::object&)> list_extra;  // optional
};

// {"total": n, "items": [...]} of `items`, or the error of a failed list.
template <typename T, typename F>
http::Response ListResponse(const Result<std::vector<T>>& items, F to_json,
                            boost::json::object extra = {}) {
  if (!items.ok()) return http::ErrorResponse(items.status());
  boost::json::array a;
  for (const T& item : *items) a.push_back(to_json(item));
  boost::json::object body{{"total", a.size()}, {"items", std::move(a)}};
  for (auto& [key, value] : extra) body[key] = std::move(value);
  return http::JsonResponse(200, boost::json::serialize(body));
}

template <typename Record, typename Body>
http::Response SaveItem(const CrudResource<Record, Body>& r, const ManagementBackends& b,
                        const http::Request& req, bool create) {
  Result<Body> body = r.parse(req);
  if (!body.ok()) return http::ErrorResponse(body.status());
  Record rec;
  Millis now = b.clock->Now();
  if (!create) {
    Result<Record> found = r.get(b, req.params.at(r.id_param));
    if (!found.ok()) return http::ErrorResponse(found.status());
    rec = *found;
  } else {
    rec.id = r.new_id();
    rec.created_at = now;
  }
  if (Status s = r.apply(b, *body, create, rec); !s.ok()) return http::ErrorResponse(s);
  rec.updated_at = now;
  if (Status s = create ? r.create(b, rec) : r.update(b, rec); !s.ok()) {
    return http::ErrorResponse(s);
  }
  http::Response out =
      http::JsonResponse(create ? 201 : 200, boost::json::serialize(r.to_json(rec)));
  if (create && r.location) out.headers.emplace_back("Location", r.collection + "/" + rec.id);
  return out;
}

// Adds the five routes of `r`.
template <typename Record, typename Body>
void RegisterCrud(http::Router& router, const ManagementBackends& backends,
                  CrudResource<Record, Body> resource) {
  using Fn = std::function<http::Response(const CrudResource<Record, Body>&,
                                          const ManagementBackends&, const http::Request&)>;
  auto shared = std::make_shared<const CrudResource<Record, Body>>(std::move(resource));
  const CrudResource<Record, Body>& r = *shared;
  auto add = [&](const char* method, const std::string& pattern, std::string_view scope, Fn fn,
                 size_t limit = http::kDefaultBodyLimit) {
    router.Add(
        method, pattern, scope,
        [shared, backends, fn](http::Request& req) {
          if (!shared->available(backends)) {
            return http::ErrorResponse(Status::Unavailable(shared->unavailable));
          }
          return fn(*shared, backends, req);
        },
        limit);
  };
  using R = const CrudResource<Record, Body>&;
  using B = const ManagementBackends&;
  using Q = const http::Request&;
  std::string item = r.collection + "/{" + r.id_param + "}";
  add(
      "POST", r.collection, r.write_scope, [](R r, B b, Q q) { return SaveItem(r, b, q, true); },
      r.body_limit);
  add("GET", r.collection, r.read_scope, [](R r, B b, Q q) {
    boost::json::object extra;
    if (r.list_extra) r.list_extra(b, extra);
    return ListResponse(r.list(b, q), r.to_json, std::move(extra));
  });
  add("GET", item, r.read_scope, [](R r, B b, Q q) {
    Result<Record> found = r.get(b, q.params.at(r.id_param));
    if (!found.ok()) return http::ErrorResponse(found.status());
    return http::JsonResponse(200, boost::json::serialize(r.to_json(*found)));
  });
  add(
      "PATCH", item, r.write_scope, [](R r, B b, Q q) { return SaveItem(r, b, q, false); },
      r.body_limit);
  add("DELETE", item, r.write_scope, [](R r, B b, Q q) {
    Status s = r.remove(b, q.params.at(r.id_param));
    return s.ok() ? http::Response{204, "application/json", "", {}} : http::ErrorResponse(s);
  });
}

}  // namespace sms::management
