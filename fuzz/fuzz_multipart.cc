// Fuzzes the multipart/form-data parser (http/multipart.h) as the import endpoint uses it. The
// input's first line is the Content-Type header, the rest the request body: MultipartBoundary
// reads the boundary, and when it finds one ParseMultipart splits the body. Properties: nothing
// crashes or hits UB; the parts are named views into the body, in order, within the limits;
// the parts written out again in canonical form parse back to the same parts.

#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "http/multipart.h"

namespace {

using sms::fuzz::Require;
using sms::http::Part;

// `parts` as a canonical body: no preamble, no padding, "name:value" header lines.
std::string Write(const std::vector<Part>& parts, const std::string& boundary) {
  std::string out;
  for (const Part& part : parts) {
    out += "--" + boundary + "\r\n";
    for (const auto& [name, value] : part.headers) out += name + ":" + value + "\r\n";
    out += "\r\n";
    out += part.body;
    out += "\r\n";
  }
  return out + "--" + boundary + "--\r\n";
}

bool Same(const Part& a, const Part& b) {
  return a.name == b.name && a.filename == b.filename && a.content_type == b.content_type &&
         a.headers == b.headers && a.body == b.body;
}

void CheckParts(std::string_view body, const std::vector<Part>& parts,
                const std::string& boundary) {
  const sms::http::MultipartLimits limits;
  Require(parts.size() <= limits.max_parts, "more parts than max_parts");
  const char* previous_end = body.data();
  for (const Part& part : parts) {
    Require(!part.name.empty(), "a part without a name");
    Require(part.body.data() >= previous_end &&
                part.body.data() + part.body.size() <= body.data() + body.size(),
            "a part's body is not a view into the body, after the part before it");
    previous_end = part.body.data() + part.body.size();
    for (const auto& header : part.headers) {
      for (char c : header.first) Require(c < 'A' || c > 'Z', "a header name not lower-cased");
    }
  }
  std::string again = Write(parts, boundary);
  sms::Result<std::vector<Part>> reparsed = sms::http::ParseMultipart(again, boundary);
  Require(reparsed.ok(), "the parts written out again do not parse");
  Require(reparsed->size() == parts.size(), "the parts written out again are not as many");
  for (size_t i = 0; i < parts.size(); ++i) {
    Require(Same((*reparsed)[i], parts[i]), "a part written out again parses differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = sms::fuzz::AsText(data, size);
  size_t newline = text.find('\n');
  if (newline == std::string_view::npos) newline = text.size();
  sms::Result<std::string> boundary = sms::http::MultipartBoundary(text.substr(0, newline));
  if (!boundary.ok()) {
    Require(boundary.status().field() == "content-type", "a boundary error names no field");
    return 0;
  }
  Require(!boundary->empty() && boundary->size() <= 70, "a boundary longer than 70 characters");
  std::string_view body = text.substr(std::min(newline + 1, text.size()));
  sms::Result<std::vector<Part>> parts = sms::http::ParseMultipart(body, *boundary);
  if (parts.ok()) CheckParts(body, *parts, *boundary);
  return 0;
}
