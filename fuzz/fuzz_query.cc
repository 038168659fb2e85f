// Fuzzes ParseServerQuery (core/query.h), the list and export filters. The input is a query
// string as the HTTP session hands it over once decoded: pairs split at '&', key and value at
// the first '=', the last of a repeated key winning. Properties: nothing crashes or hits UB; an
// accepted query names only documented parameters, passes CheckPageBounds, sorts on a
// whitelisted field and keeps each filter as given (names and the search text in Unicode NFC,
// the form names are stored in).

#include <algorithm>
#include <map>
#include <string>
#include <tuple>

#include "core/query.h"
#include "core/validation.h"
#include "fuzz_check.h"

namespace {

using sms::fuzz::Require;

std::map<std::string, std::string> SplitPairs(std::string_view text) {
  std::map<std::string, std::string> params;
  while (!text.empty()) {
    size_t amp = text.find('&');
    std::string_view pair = text.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key(pair.substr(0, eq));
    std::string value(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    params.insert_or_assign(std::move(key), std::move(value));
    text = amp == std::string_view::npos ? "" : text.substr(amp + 1);
  }
  return params;
}

// The parameters query.h documents.
bool Documented(const std::string& key) {
  static constexpr std::string_view kKeys[] = {"server_id", "server_name", "ipv4",  "status",
                                               "q",         "tag",         "sort",  "order",
                                               "offset",    "limit",       "cursor"};
  return std::find(std::begin(kKeys), std::end(kKeys), key) != std::end(kKeys);
}

// The value of `key` when given and not empty (an empty value means the default).
const std::string* Given(const std::map<std::string, std::string>& params, const char* key) {
  auto it = params.find(key);
  return it == params.end() || it->second.empty() ? nullptr : &it->second;
}

void CheckAccepted(const std::map<std::string, std::string>& params, const sms::ServerQuery& q) {
  for (const auto& param : params) {
    Require(Documented(param.first), "an undocumented parameter was accepted");
  }
  Require(sms::CheckPageBounds(q).ok(), "an accepted query fails CheckPageBounds");
  Require(sms::IsSortableField(q.sort), "an accepted query sorts on a field off the whitelist");
  for (auto [key, field, nfc] :
       {std::tuple{"server_id", &q.server_id, false},
        std::tuple{"server_name", &q.server_name, true}, std::tuple{"ipv4", &q.ipv4, false},
        std::tuple{"q", &q.q, true}}) {
    const std::string* given = Given(params, key);
    std::string expected = !given ? "" : nfc ? sms::NormalizeName(*given) : *given;
    Require(*field == expected, "a filter differs from the parameter");
  }
  const std::string* cursor = Given(params, "cursor");
  Require(cursor ? *cursor == q.cursor : q.cursor.empty(), "the cursor differs from the parameter");
  const std::string* tag = Given(params, "tag");
  Require(tag == nullptr ? q.tags.empty() : q.tags.size() == 1, "tags differ from the parameter");
  const std::string* status = Given(params, "status");
  Require(status == nullptr
              ? !q.status.has_value()
              : q.status == (*status == "on" ? sms::ServerStatus::kOn : sms::ServerStatus::kOff),
          "status differs from the parameter");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::map<std::string, std::string> params = SplitPairs(sms::fuzz::AsText(data, size));
  sms::Result<sms::ServerQuery> query = sms::ParseServerQuery(params);
  if (query.ok()) {
    CheckAccepted(params, *query);
  } else {
    Require(query.status().code() == sms::Code::kInvalidArgument, "rejected, not InvalidArgument");
  }
  return 0;
}
