#include "http/multipart.h"

#include <algorithm>

namespace sms::http {
namespace {

constexpr std::string_view kCrlf = "\r\n";

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string LowerCase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), Lower);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A header value with parameters: `value; name=token; name="quoted \" string"`.
struct Parameterized {
  std::string value;                                        // lower-cased
  std::vector<std::pair<std::string, std::string>> params;  // names lower-cased

  const std::string* Find(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

// Reads a parameter value at `s[i]` (a token or a quoted string) and advances `i`.
Result<std::string> ParamValue(std::string_view s, size_t& i, const std::string& field) {
  std::string value;
  if (i < s.size() && s[i] == '"') {
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      value += s[i];
    }
    if (i >= s.size()) return Status::InvalidArgument("unterminated quoted parameter", field);
    ++i;  // the closing quote
    return value;
  }
  while (i < s.size() && s[i] != ';') value += s[i++];
  return std::string(Trim(value));
}

Result<Parameterized> ParseParameterized(std::string_view s, const std::string& field) {
  Parameterized out;
  size_t i = s.find(';');
  out.value = LowerCase(Trim(s.substr(0, i)));
  while (i < s.size()) {
    ++i;  // the ';'
    size_t eq = s.find('=', i);
    size_t semi = s.find(';', i);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      if (Trim(s.substr(i, semi - i)).empty()) {  // a stray ';'
        i = semi;
        continue;
      }
      return Status::InvalidArgument("malformed parameter in \"" + std::string(s) + "\"", field);
    }
    std::string name = LowerCase(Trim(s.substr(i, eq - i)));
    i = eq + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    Result<std::string> value = ParamValue(s, i, field);
    if (!value.ok()) return value.status();
    out.params.emplace_back(std::move(name), std::move(*value));
    while (i < s.size() && s[i] != ';') {
      if (s[i] != ' ' && s[i] != '\t') {
        return Status::InvalidArgument("malformed parameter in \"" + std::string(s) + "\"", field);
      }
      ++i;
    }
  }
  return out;
}

// RFC 2046 bchars: digits, letters, '()+_,-./:=? and space (not last).
bool ValidBoundary(std::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
  });
}

Status BadBody(const std::string& message) {
  return Status::InvalidArgument("malformed multipart body: " + message, "body");
}

// After a delimiter at `pos`: true for the closing one ("--"); otherwise skips transport
// padding and the CRLF and moves `pos` to the part's first header.
Result<bool> AfterDelimiter(std::string_view body, size_t& pos) {
  if (body.substr(pos, 2) == "--") return true;
  while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t')) ++pos;
  if (body.substr(pos, 2) != kCrlf) return BadBody("a boundary line is not followed by CRLF");
  pos += 2;
  return false;
}

// The next CRLF--boundary at or after `from` that is a delimiter: followed by "--", transport
// padding or CRLF. A longer line that merely starts like one is content (as Go's reader has it).
size_t FindDelimiter(std::string_view body, std::string_view next_delimiter, size_t from) {
  for (;;) {
    size_t at = body.find(next_delimiter, from);
    if (at == std::string_view::npos) return at;
    size_t after = at + next_delimiter.size();
    if (after >= body.size()) return at;
    char c = body[after];
    if (c == '-' || c == ' ' || c == '\t' || c == '\r') return at;
    from = at + 1;
  }
}

Status ParseHeaders(std::string_view block, Part& part) {
  size_t start = 0;
  while (start < block.size()) {
    size_t end = block.find(kCrlf, start);
    if (end == std::string_view::npos) end = block.size();
    std::string_view line = block.substr(start, end - start);
    start = end + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[0] == ' ' || line[0] == '\t') {
      return BadBody("malformed part header \"" + std::string(line) + "\"");
    }
    part.headers.emplace_back(LowerCase(Trim(line.substr(0, colon))),
                              std::string(Trim(line.substr(colon + 1))));
  }
  const std::string* disposition = nullptr;
  for (const auto& [name, value] : part.headers) {
    if (name == "content-type") part.content_type = value;
    if (name == "content-disposition" && disposition == nullptr) disposition = &value;
  }
  if (disposition == nullptr) return BadBody("a part has no Content-Disposition");
  Result<Parameterized> cd = ParseParameterized(*disposition, "body");
  if (!cd.ok()) return cd.status();
  if (cd->value != "form-data") return BadBody("a part is not form-data");
  if (const std::string* n = cd->Find("name")) part.name = *n;
  if (const std::string* f = cd->Find("filename")) part.filename = *f;
  if (part.name.empty()) return BadBody("a part has no field name");
  return Status::Ok();
}

}  // namespace

Result<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string field = "content-type";
  Result<Parameterized> ct = ParseParameterized(content_type, field);
  if (!ct.ok()) return ct.status();
  if (ct->value != "multipart/form-data") {
    return Status::InvalidArgument(
        "expected Content-Type multipart/form-data, got \"" + std::string(content_type) + "\"",
        field);
  }
  const std::string* boundary = ct->Find("boundary");
  if (boundary == nullptr) return Status::InvalidArgument("the boundary is missing", field);
  if (!ValidBoundary(*boundary)) {
    return Status::InvalidArgument("the boundary must be 1-70 valid characters", field);
  }
  return *boundary;
}

Result<std::vector<Part>> ParseMultipart(std::string_view body, std::string_view boundary,
                                         const MultipartLimits& limits) {
  const std::string delimiter = "--" + std::string(boundary);
  const std::string next_delimiter = std::string(kCrlf) + delimiter;
  size_t pos = 0;
  if (body.substr(0, delimiter.size()) != delimiter) {
    pos = FindDelimiter(body, next_delimiter, 0);  // after a preamble
    if (pos == std::string_view::npos) return BadBody("the boundary never occurs");
    pos += 2;
  }
  pos += delimiter.size();
  std::vector<Part> parts;
  for (;;) {
    Result<bool> closing = AfterDelimiter(body, pos);
    if (!closing.ok()) return closing.status();
    if (*closing) return parts;
    if (parts.size() == limits.max_parts) {
      return Status::ResourceExhausted("more than " + std::to_string(limits.max_parts) +
                                       " parts in a multipart body");
    }
    Part& part = parts.emplace_back();
    if (body.substr(pos, 2) == kCrlf) return BadBody("a part has no Content-Disposition");
    size_t header_end = body.find("\r\n\r\n", pos);
    if (header_end == std::string_view::npos) return BadBody("a part's headers do not end");
    if (header_end - pos > limits.max_header_bytes) {
      return Status::ResourceExhausted("a part's headers exceed " +
                                       std::to_string(limits.max_header_bytes) + " bytes");
    }
    Status st = ParseHeaders(body.substr(pos, header_end - pos), part);
    if (!st.ok()) return st;
    size_t content = header_end + 4;
    size_t end = FindDelimiter(body, next_delimiter, content);
    if (end == std::string_view::npos) return BadBody("the closing boundary is missing");
    part.body = body.substr(content, end - content);
    pos = end + next_delimiter.size();
  }
}

}  // namespace sms::http
