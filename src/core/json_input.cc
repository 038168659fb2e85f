#include "core/json_input.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace sms {

namespace json = boost::json;

Result<json::object> ParseObject(std::string_view body) {
  json::error_code ec;
  json::value v = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec) return Status::InvalidArgument("body is not valid JSON: " + ec.message(), "");
  if (!v.is_object()) return Status::InvalidArgument("body must be a JSON object", "");
  return std::move(v.get_object());
}

Status RejectUnknown(const json::object& obj, std::initializer_list<std::string_view> known) {
  for (const auto& kv : obj) {
    std::string_view key(kv.key().data(), kv.key().size());
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      std::string shown(key.substr(0, 64));
      return Status::InvalidArgument("unknown field \"" + shown + "\"", shown);
    }
  }
  return Status::Ok();
}

Result<std::optional<std::string>> ReadString(const json::object& obj, const std::string& key,
                                              bool null_clears) {
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return std::optional<std::string>();
  if (v->is_null() && null_clears) return std::optional<std::string>(std::string());
  if (!v->is_string()) return Status::InvalidArgument(key + " must be a string", key);
  return std::optional<std::string>(std::string(v->get_string().data(), v->get_string().size()));
}

Status RequireString(const json::object& obj, const std::string& key, std::string& out) {
  const json::value* v = obj.if_contains(key);
  auto r = ReadString(obj, key, false);
  if (v == nullptr || v->is_null()) return Status::InvalidArgument(key + " is required", key);
  if (!r.ok()) return r.status();
  if (!r->has_value()) return Status::InvalidArgument(key + " is required", key);
  out = std::move(**r);
  return Status::Ok();
}

Status OptionalString(const json::object& obj, const std::string& key,
                      std::optional<std::string>& out) {
  auto r = ReadString(obj, key, true);
  if (!r.ok()) return r.status();
  out = std::move(*r);
  return Status::Ok();
}

Result<std::optional<std::vector<std::string>>> ReadStringList(const json::object& obj,
                                                               const std::string& key) {
  using List = std::optional<std::vector<std::string>>;
  const json::value* v = obj.if_contains(key);
  if (v == nullptr) return List();
  if (v->is_null()) return List(std::vector<std::string>());
  if (!v->is_array()) return Status::InvalidArgument(key + " must be an array of strings", key);
  std::vector<std::string> out;
  out.reserve(v->get_array().size());
  for (const json::value& item : v->get_array()) {
    if (!item.is_string()) {
      return Status::InvalidArgument(key + " must be an array of strings", key);
    }
    out.emplace_back(item.get_string().data(), item.get_string().size());
  }
  return List(std::move(out));
}

}  // namespace sms
