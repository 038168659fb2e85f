#pragma once
// Reading JSON request bodies: one object, no unknown members, typed members whose errors name
// the field. Shared by every handler that takes a JSON body. Stateless; thread-safe.

#include <boost/json/object.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sms {

// Parses a request body that must be a JSON object.
Result<boost::json::object> ParseObject(std::string_view body);

// InvalidArgument naming the first member not in `known`.
Status RejectUnknown(const boost::json::object& obj, std::initializer_list<std::string_view> known);

// Reads `key` as a string. Absent -> nullopt. Null -> "" when `null_clears`, else an error.
Result<std::optional<std::string>> ReadString(const boost::json::object& obj,
                                              const std::string& key, bool null_clears);

// Reads a required string member into `out`.
Status RequireString(const boost::json::object& obj, const std::string& key, std::string& out);

// Reads an optional string member (null clears) into `out`.
Status OptionalString(const boost::json::object& obj, const std::string& key,
                      std::optional<std::string>& out);

// Reads `key` as an array of strings. Absent -> nullopt; null -> an empty list.
Result<std::optional<std::vector<std::string>>> ReadStringList(const boost::json::object& obj,
                                                               const std::string& key);

}  // namespace sms
