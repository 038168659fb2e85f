#pragma once
// multipart/form-data (RFC 7578) request bodies: the boundary from the Content-Type, the parts
// with their headers, field name and file name. Parts are views into the body: nothing is
// copied, so a 10 MiB upload stays one buffer.
//
// Stateless functions; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sms::http {

struct MultipartLimits {
  size_t max_parts = 16;
  size_t max_header_bytes = 8 * 1024;  // the header block of one part
};

struct Part {
  std::string name;          // the form field (Content-Disposition: form-data; name="…")
  std::string filename;      // the file name when the part is a file, else ""
  std::string content_type;  // the part's Content-Type, or "" when it has none
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string_view body;                                     // a view into the request body
};

// The boundary of a "multipart/form-data; boundary=…" Content-Type (quoted or not, parameters
// in any order and case). InvalidArgument (field "content-type") when the media type is not
// multipart/form-data or the boundary is missing or not 1-70 valid characters.
Result<std::string> MultipartBoundary(std::string_view content_type);

// The parts of `body`, in order. Lines end in CRLF; a preamble before the first boundary and
// an epilogue after the closing one are ignored. InvalidArgument (field "body") when the body is
// not multipart with this boundary (no closing boundary, a part without Content-Disposition
// form-data or without a name, malformed headers); ResourceExhausted when a limit is hit.
Result<std::vector<Part>> ParseMultipart(std::string_view body, std::string_view boundary,
                                         const MultipartLimits& limits = {});

}  // namespace sms::http
