#pragma once
// Request limits the server checks before a handler runs, beside the header, body, timeout and
// connection limits of ServerOptions: the nesting depth of a JSON body and the size of the
// query. Pure functions: thread-safe.

#include <cstddef>
#include <string_view>

namespace sms::http {

// True when `body`, read as JSON, opens more than `max_depth` arrays and objects inside one
// another. A linear scan that skips strings (escapes included); it does not validate: a
// malformed body within the depth is left to the handler's parser.
bool JsonTooDeep(std::string_view body, size_t max_depth);

// True when a request with this Content-Type (any case, parameters allowed) is read as JSON:
// application/json, application/<x>+json, or no Content-Type at all (agents may omit it).
bool IsJsonBody(std::string_view content_type);

}  // namespace sms::http
