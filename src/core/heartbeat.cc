#include "core/heartbeat.h"

#include <array>
#include <atomic>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>

#include "core/time.h"
#include "core/validation.h"

namespace sms {
namespace {

namespace json = boost::json;

inline constexpr size_t kMaxAgentVersionLength = 64;
// 9999-12-31T23:59:59.999Z: the last instant RFC 3339 can write.
inline constexpr int64_t kMaxEpochMillis = 253'402'300'799'999;
// Most heartbeats are ~200 bytes; their DOM fits here and never touches the heap.
inline constexpr size_t kArenaBytes = 4096;

// Reads a JSON number that is a whole number (30, 30.0) into `out`.
bool GetWholeNumber(const json::value& v, int64_t& out) {
  if (v.is_int64()) {
    out = v.get_int64();
    return true;
  }
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return false;
    out = static_cast<int64_t>(v.get_uint64());
    return true;
  }
  if (v.is_double()) {
    double d = v.get_double();
    if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > 9.0e15) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  return false;
}

// Reads epoch milliseconds. Some agents send fractions (time.time() * 1000); they are dropped.
bool ReadEpochMillis(const json::value& v, int64_t& out) {
  if (v.is_double()) {
    double d = std::floor(v.get_double());
    if (!(d >= 0 && d <= static_cast<double>(kMaxEpochMillis))) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  return GetWholeNumber(v, out) && out >= 0 && out <= kMaxEpochMillis;
}

// Returns the member `key`, treating JSON null like an absent member.
const json::value* Member(const json::object& obj, std::string_view key) {
  const json::value* v = obj.if_contains(key);
  return v != nullptr && v->is_null() ? nullptr : v;
}

Status NotA(const char* field, const char* what) {
  return Status::InvalidArgument(std::string(field) + " must be " + what, field);
}

// Copies an optional string member into `out`; wrong type is an error.
Status OptionalString(const json::object& obj, const char* key, std::string& out) {
  const json::value* v = Member(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return NotA(key, "a string");
  out.assign(v->get_string().data(), v->get_string().size());
  return Status::Ok();
}

Status ReadInterval(const json::object& obj, const char* key, int& out) {
  const json::value* v = Member(obj, key);
  if (v == nullptr) return Status::Ok();  // keeps the default of 30 s
  int64_t n = 0;
  if (!GetWholeNumber(*v, n)) return NotA(key, "a whole number of seconds from 1 to 3600");
  if (Status s = ValidateInterval(n, key); !s.ok()) return s;
  out = static_cast<int>(n);
  return Status::Ok();
}

Status ParseModern(const json::object& obj, Heartbeat& hb) {
  const json::value* id = Member(obj, "server_id");
  if (id == nullptr) return Status::InvalidArgument("server_id is required", "server_id");
  if (!id->is_string()) return NotA("server_id", "a string");
  hb.server_id.assign(id->get_string().data(), id->get_string().size());
  if (Status s = ValidateServerId(hb.server_id); !s.ok()) return s;
  if (Status s = OptionalString(obj, "hostname", hb.hostname); !s.ok()) return s;
  if (!hb.hostname.empty()) {
    if (Status s = ValidateName(hb.hostname, "hostname"); !s.ok()) return s;
  }
  if (Status s = OptionalString(obj, "ipv4", hb.ipv4); !s.ok()) return s;
  if (!hb.ipv4.empty()) {
    if (Status s = ValidateIpv4(hb.ipv4); !s.ok()) return s;
  }
  if (Status s = ReadInterval(obj, "interval", hb.interval); !s.ok()) return s;
  if (Status s = OptionalString(obj, "agent_version", hb.agent_version); !s.ok()) return s;
  if (hb.agent_version.size() > kMaxAgentVersionLength) {
    return NotA("agent_version", "at most 64 bytes");
  }
  if (!hb.agent_version.empty()) {
    if (Status s = ValidateName(hb.agent_version, "agent_version"); !s.ok()) return s;
  }
  if (const json::value* at = Member(obj, "sent_at")) {
    if (!at->is_string()) return NotA("sent_at", "an RFC 3339 timestamp string");
    Result<Millis> t = ParseTime(std::string_view(at->get_string()), "sent_at");
    if (!t.ok()) return t.status();
    hb.sent_at = *t;
  }
  return Status::Ok();
}

// The original agents' {"ip","time"(epoch ms),"duration"(s)}.
Status ParseLegacy(const json::object& obj, Heartbeat& hb) {
  const json::value* ip = Member(obj, "ip");
  if (!ip->is_string()) return NotA("ip", "a string");
  hb.ipv4.assign(ip->get_string().data(), ip->get_string().size());
  if (Status s = ValidateIpv4(hb.ipv4, "ip"); !s.ok()) return s;
  hb.server_id = hb.ipv4;
  if (Status s = ReadInterval(obj, "duration", hb.interval); !s.ok()) return s;
  if (const json::value* t = Member(obj, "time")) {
    if (!ReadEpochMillis(*t, hb.sent_at)) return NotA("time", "milliseconds since the Unix epoch");
  }
  return Status::Ok();
}

// Bytes JSON strings must escape: '"', '\\' and the controls below 0x20.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

bool NeedsEscape(char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; }

void AppendEscaped(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  size_t done = 0;  // s[0, done) is in `out`; the runs between escapes go in one append
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!NeedsEscape(c)) continue;
    out.append(s.data() + done, i - done);
    done = i + 1;
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20) {
      char escape[6] = {'\\', 'u', '0', '0', kHex[u >> 4], kHex[u & 0xF]};
      out.append(escape, sizeof escape);
    } else {
      out += '\\';
      out += c;
    }
  }
  out.append(s.data() + done, s.size() - done);
  out += '"';
}

void AppendInt(std::string& out, int64_t v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

Status BadPayload(const char* what) {
  return Status::InvalidArgument(std::string("heartbeat payload: ") + what);
}

}  // namespace

Result<Heartbeat> ParseHeartbeat(std::string_view body) {
  unsigned char arena[kArenaBytes];
  json::monotonic_resource mr(arena, sizeof arena);
  json::error_code ec;
  json::value root = json::parse(json::string_view(body.data(), body.size()), ec, &mr);
  if (ec) return Status::InvalidArgument("body is not valid JSON: " + ec.message(), "");
  if (!root.is_object()) return Status::InvalidArgument("body must be a JSON object", "");
  const json::object& obj = root.get_object();
  Heartbeat hb;
  bool legacy = Member(obj, "server_id") == nullptr && Member(obj, "ip") != nullptr;
  Status s = legacy ? ParseLegacy(obj, hb) : ParseModern(obj, hb);
  if (!s.ok()) return s;
  return hb;
}

std::string EncodeHeartbeat(const Heartbeat& h) {
  std::string out;
  out.reserve(96 + h.id.size() + h.server_id.size() + h.hostname.size() + h.ipv4.size() +
              h.agent_version.size());
  out += "{\"i\":";
  AppendEscaped(out, h.id);
  out += ",\"s\":";
  AppendEscaped(out, h.server_id);
  out += ",\"h\":";
  AppendEscaped(out, h.hostname);
  out += ",\"p\":";
  AppendEscaped(out, h.ipv4);
  out += ",\"n\":";
  AppendInt(out, h.interval);
  out += ",\"v\":";
  AppendEscaped(out, h.agent_version);
  out += ",\"t\":";
  AppendInt(out, h.sent_at);
  out += ",\"r\":";
  AppendInt(out, h.received_at);
  out += '}';
  return out;
}

Result<Heartbeat> DecodeHeartbeat(std::string_view payload) {
  unsigned char arena[kArenaBytes];
  json::monotonic_resource mr(arena, sizeof arena);
  json::parse_options opt;
  opt.allow_invalid_utf8 = true;  // the encoder copies bytes as they are
  json::error_code ec;
  json::value root = json::parse(json::string_view(payload.data(), payload.size()), ec, &mr, opt);
  if (ec) return BadPayload("not valid JSON");
  if (!root.is_object()) return BadPayload("not a JSON object");
  const json::object& obj = root.get_object();
  Heartbeat h;
  struct StringField {
    const char* key;
    std::string* out;
  };
  for (auto [key, out] :
       {StringField{"i", &h.id}, StringField{"s", &h.server_id}, StringField{"h", &h.hostname},
        StringField{"p", &h.ipv4}, StringField{"v", &h.agent_version}}) {
    if (!OptionalString(obj, key, *out).ok()) return BadPayload("a string field has another type");
  }
  if (h.server_id.empty()) return BadPayload("server_id is missing");
  int64_t n = 0;
  for (auto [key, out] : {std::pair{"t", &h.sent_at}, std::pair{"r", &h.received_at}}) {
    const json::value* v = Member(obj, key);
    if (v != nullptr && !GetWholeNumber(*v, *out)) return BadPayload("a time is not an integer");
  }
  if (const json::value* v = Member(obj, "n")) {
    if (!GetWholeNumber(*v, n) || n < kMinInterval || n > kMaxInterval) {
      return BadPayload("interval is out of range");
    }
    h.interval = static_cast<int>(n);
  }
  return h;
}

std::string NewHeartbeatId() {
  static const uint64_t prefix = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{0};
  uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  char buf[40];
  auto r = std::to_chars(buf, buf + 16, prefix, 16);
  // Left-pad to 16 hex digits so every id has the same shape.
  size_t len = static_cast<size_t>(r.ptr - buf);
  std::memmove(buf + 16 - len, buf, len);
  std::memset(buf, '0', 16 - len);
  buf[16] = '-';
  r = std::to_chars(buf + 17, buf + sizeof buf, n);
  return std::string(buf, r.ptr);
}

}  // namespace sms
