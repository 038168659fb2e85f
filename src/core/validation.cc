#include "core/validation.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "core/tags.h"

namespace sms {
namespace {

bool IsServerIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 when it is malformed
// (overlong, surrogate, above U+10FFFF, truncated).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
  for (size_t k = 1; k < len; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c >> 6) != 0x2) return 0;
    cp = (cp << 6) | (c & 0x3F);
  }
  static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// Parses one IPv4 octet: 1-3 digits, no leading zero, <= 255.
bool ParseOctet(std::string_view part) {
  if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
  int v = 0;
  for (char c : part) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  return v <= 255;
}

}  // namespace

Status ValidateServerId(std::string_view id, const std::string& field) {
  bool ok = !id.empty() && id.size() <= kMaxServerIdLength;
  for (size_t i = 0; ok && i < id.size(); ++i) ok = IsServerIdChar(id[i]);
  if (!ok) {
    return Status::InvalidArgument(
        field + " must be 1-128 characters of letters, digits, '.', '_', ':' or '-'", field);
  }
  // /api/v1/servers/export and /api/v1/servers/import are those operations, so a server with
  // either id could never be read, changed or deleted through /api/v1/servers/{server_id}.
  if (id == "export" || id == "import") {
    return Status::InvalidArgument(field + " '" + std::string(id) +
                                       "' is reserved (/api/v1/servers/" + std::string(id) +
                                       " is the " + std::string(id) + " operation)",
                                   field);
  }
  return Status::Ok();
}

Status ValidateAgentToken(std::string_view token, const std::string& field) {
  bool ok = token.size() >= kMinAgentTokenLength;
  for (size_t i = 0; ok && i < token.size(); ++i) {
    char c = token[i];
    ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  }
  if (ok) return Status::Ok();
  return Status::InvalidArgument("a token needs at least 8 characters of [A-Za-z0-9._~+/=-]",
                                 field);
}

Status ValidateIpv4(std::string_view ip, const std::string& field) {
  int parts = 0;
  size_t start = 0;
  bool ok = ip.size() <= 15;
  while (ok) {
    size_t dot = ip.find('.', start);
    std::string_view part = ip.substr(start, dot == std::string_view::npos ? dot : dot - start);
    ok = ParseOctet(part) && ++parts <= 4;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (ok && parts == 4) return Status::Ok();
  return Status::InvalidArgument(
      field + " must be a dotted quad like 10.0.0.5 (each part 0-255, no leading zeros)", field);
}

Status ValidateName(std::string_view name, const std::string& field) {
  if (name.empty() || name.size() > kMaxNameLength) {
    return Status::InvalidArgument(field + " must be 1-255 bytes long", field);
  }
  bool only_spaces = true;
  for (size_t i = 0; i < name.size();) {
    uint32_t cp = 0;
    size_t len = DecodeUtf8(name, i, cp);
    if (len == 0) return Status::InvalidArgument(field + " must be valid UTF-8", field);
    if (IsControl(cp)) {
      return Status::InvalidArgument(field + " must not contain control characters", field);
    }
    only_spaces = only_spaces && cp == ' ';
    i += len;
  }
  if (only_spaces) return Status::InvalidArgument(field + " must not be only spaces", field);
  return Status::Ok();
}

namespace {

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
}

// `text` through utf8proc_map with `options`; as it is when it is not UTF-8.
std::string MapUtf8(std::string_view text, int options) {
  utf8proc_uint8_t* out = nullptr;
  utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                    static_cast<utf8proc_ssize_t>(text.size()), &out,
                                    static_cast<utf8proc_option_t>(options));
  std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owned(out, &std::free);
  if (n < 0) return std::string(text);  // not UTF-8: ValidateName says so
  return std::string(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace

std::string NormalizeName(std::string_view text) {
  // Most names are ASCII, which every normal form leaves alone: skip the library for them.
  if (IsAscii(text)) return std::string(text);
  return MapUtf8(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
}

std::string NameKey(std::string_view text) {
  if (IsAscii(text)) {
    std::string key(text);
    for (char& c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return key;
  }
  return MapUtf8(text, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD);
}

void NormalizeServerInput(ServerInput& in) {
  in.server_name = NormalizeName(in.server_name);
  in.hostname = NormalizeName(in.hostname);
  in.tags = NormalizeTags(in.tags);
}

void NormalizeServerPatch(ServerPatch& patch) {
  if (patch.server_name) *patch.server_name = NormalizeName(*patch.server_name);
  if (patch.hostname) *patch.hostname = NormalizeName(*patch.hostname);
  if (patch.tags) *patch.tags = NormalizeTags(*patch.tags);
}

Status ValidateInterval(int64_t interval, const std::string& field) {
  if (interval >= kMinInterval && interval <= kMaxInterval) return Status::Ok();
  return Status::InvalidArgument(field + " must be a whole number of seconds from 1 to 3600",
                                 field);
}

Status ValidateServerInput(const ServerInput& in) {
  if (Status s = ValidateServerId(in.server_id); !s.ok()) return s;
  if (Status s = ValidateName(in.server_name, "server_name"); !s.ok()) return s;
  if (!in.ipv4.empty()) {
    if (Status s = ValidateIpv4(in.ipv4); !s.ok()) return s;
  }
  if (!in.hostname.empty()) {
    if (Status s = ValidateName(in.hostname, "hostname"); !s.ok()) return s;
  }
  return ValidateTags(in.tags);
}

Status ValidateServerPatch(const ServerPatch& patch) {
  if (patch.server_name) {
    if (Status s = ValidateName(*patch.server_name, "server_name"); !s.ok()) return s;
  }
  // An empty ipv4 or hostname clears the value.
  if (patch.ipv4 && !patch.ipv4->empty()) {
    if (Status s = ValidateIpv4(*patch.ipv4); !s.ok()) return s;
  }
  if (patch.hostname && !patch.hostname->empty()) {
    if (Status s = ValidateName(*patch.hostname, "hostname"); !s.ok()) return s;
  }
  if (patch.tags) return ValidateTags(*patch.tags);
  return Status::Ok();
}

}  // namespace sms
