#include "core/heartbeat.h"

#include <array>
#include <atomic>
#include <boost/json/basic_parser_impl.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <span>

#include "core/time.h"
#include "core/validation.h"

namespace sms {
namespace {

namespace json = boost::json;

inline constexpr size_t kMaxAgentVersionLength = 64;
// 9999-12-31T23:59:59.999Z: the last instant RFC 3339 can write.
inline constexpr int64_t kMaxEpochMillis = 253'402'300'799'999;
// A top-level member of a JSON object as the readers below need it (a subset of json::value).
struct Scalar {
  enum class Kind : uint8_t { kAbsent, kNull, kString, kInt64, kUint64, kDouble, kOther };
  Kind kind = Kind::kAbsent;
  std::string text;  // kString
  int64_t i = 0;     // kInt64
  uint64_t u = 0;    // kUint64
  double d = 0;      // kDouble

  bool is_null() const { return kind == Kind::kNull; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_int64() const { return kind == Kind::kInt64; }
  bool is_uint64() const { return kind == Kind::kUint64; }
  bool is_double() const { return kind == Kind::kDouble; }
  const std::string& get_string() const { return text; }
  int64_t get_int64() const { return i; }
  uint64_t get_uint64() const { return u; }
  double get_double() const { return d; }
};

inline constexpr size_t kMaxKeys = 9;

// SAX handler for boost::json's basic_parser: keeps the top-level members of the root object
// named in `keys`, without building a DOM (heartbeats are parsed once per request). Every other
// member and everything nested is validated and skipped. A member given twice keeps its last
// value, as boost::json's DOM does.
class FlatObject {
 public:
  static constexpr size_t max_array_size = static_cast<size_t>(-1);
  static constexpr size_t max_object_size = static_cast<size_t>(-1);
  static constexpr size_t max_string_size = static_cast<size_t>(-1);
  static constexpr size_t max_key_size = static_cast<size_t>(-1);

  explicit FlatObject(std::span<const std::string_view> keys) : keys_(keys) {}

  bool root_is_object() const { return root_is_object_; }
  // The member named keys[i], or nullptr when absent or null.
  const Scalar* Member(size_t i) const {
    const Scalar& v = values_[i];
    return v.kind == Scalar::Kind::kAbsent || v.kind == Scalar::Kind::kNull ? nullptr : &v;
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    if (depth_ == 0) root_is_object_ = true;
    return Open();
  }
  bool on_object_end(size_t, json::error_code&) { return Close(); }
  bool on_array_begin(json::error_code&) { return Open(); }
  bool on_array_end(size_t, json::error_code&) { return Close(); }
  bool on_key_part(json::string_view s, size_t, json::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, size_t, json::error_code&) {
    if (depth_ != 1) return true;
    key_.append(s.data(), s.size());
    current_ = Find(key_);
    key_.clear();
    if (current_ != nullptr) *current_ = Scalar{};  // a repeated member: the last one counts
    return true;
  }
  bool on_string_part(json::string_view s, size_t, json::error_code&) {
    if (Mine()) current_->text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, size_t, json::error_code&) {
    if (Mine()) {
      current_->text.append(s.data(), s.size());
      Set(Scalar::Kind::kString);
    }
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(int64_t v, json::string_view, json::error_code&) {
    if (Mine()) current_->i = v, Set(Scalar::Kind::kInt64);
    return true;
  }
  bool on_uint64(uint64_t v, json::string_view, json::error_code&) {
    if (Mine()) current_->u = v, Set(Scalar::Kind::kUint64);
    return true;
  }
  bool on_double(double v, json::string_view, json::error_code&) {
    if (Mine()) current_->d = v, Set(Scalar::Kind::kDouble);
    return true;
  }
  bool on_bool(bool, json::error_code&) {
    if (Mine()) Set(Scalar::Kind::kOther);
    return true;
  }
  bool on_null(json::error_code&) {
    if (Mine()) Set(Scalar::Kind::kNull);
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool Mine() const { return depth_ == 1 && current_ != nullptr; }
  void Set(Scalar::Kind kind) {
    current_->kind = kind;
    current_ = nullptr;
  }
  bool Open() {
    if (Mine()) Set(Scalar::Kind::kOther);  // an object or array where a scalar is wanted
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    return true;
  }
  Scalar* Find(std::string_view key) {
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] == key) return &values_[i];
    }
    return nullptr;
  }

  std::span<const std::string_view> keys_;
  std::array<Scalar, kMaxKeys> values_;
  size_t depth_ = 0;  // containers open; 1 inside the root object
  bool root_is_object_ = false;
  Scalar* current_ = nullptr;  // the wanted member whose value comes next
  std::string key_;            // a key arriving in parts
};

// Parses `text` whole into `parser`'s FlatObject; boost::json's error otherwise (syntax, depth,
// extra data after the document, incomplete document).
json::error_code ParseFlat(std::string_view text, json::basic_parser<FlatObject>& parser) {
  json::error_code ec;
  size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  return ec;
}

// Reads a JSON number that is a whole number (30, 30.0) into `out`.
bool GetWholeNumber(const Scalar& v, int64_t& out) {
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
bool ReadEpochMillis(const Scalar& v, int64_t& out) {
  if (v.is_double()) {
    double d = std::floor(v.get_double());
    if (!(d >= 0 && d <= static_cast<double>(kMaxEpochMillis))) return false;
    out = static_cast<int64_t>(d);
    return true;
  }
  return GetWholeNumber(v, out) && out >= 0 && out <= kMaxEpochMillis;
}

// The members ParseHeartbeat reads, by index into kAgentKeys.
enum AgentKey : size_t {
  kServerId,
  kHostname,
  kIpv4,
  kInterval,
  kAgentVersion,
  kSentAt,
  kIp,
  kTime,
  kDuration
};
constexpr std::array<std::string_view, 9> kAgentKeys = {"server_id", "hostname",      "ipv4",
                                                        "interval",  "agent_version", "sent_at",
                                                        "ip",        "time",          "duration"};
static_assert(kAgentKeys.size() <= kMaxKeys);

// The bus encoding's members (EncodeHeartbeat), by index into kBusKeys.
enum BusKey : size_t {
  kBusId,
  kBusServerId,
  kBusHostname,
  kBusIpv4,
  kBusVersion,
  kBusSent,
  kBusReceived,
  kBusInterval
};
constexpr std::array<std::string_view, 8> kBusKeys = {"i", "s", "h", "p", "v", "t", "r", "n"};
static_assert(kBusKeys.size() <= kMaxKeys);

// The member for `key` (an index into the object's keys), null treated like absent.
const Scalar* Member(const FlatObject& obj, size_t key) { return obj.Member(key); }

Status NotA(const char* field, const char* what) {
  return Status::InvalidArgument(std::string(field) + " must be " + what, field);
}

// Copies an optional string member into `out`; wrong type is an error (named `name`).
Status OptionalString(const FlatObject& obj, size_t key, const char* name, std::string& out) {
  const Scalar* v = Member(obj, key);
  if (v == nullptr) return Status::Ok();
  if (!v->is_string()) return NotA(name, "a string");
  out.assign(v->get_string().data(), v->get_string().size());
  return Status::Ok();
}

Status ReadInterval(const FlatObject& obj, size_t index, const char* key, int& out) {
  const Scalar* v = Member(obj, index);
  if (v == nullptr) return Status::Ok();  // keeps the default of 30 s
  int64_t n = 0;
  if (!GetWholeNumber(*v, n)) return NotA(key, "a whole number of seconds from 1 to 3600");
  if (Status s = ValidateInterval(n, key); !s.ok()) return s;
  out = static_cast<int>(n);
  return Status::Ok();
}

Status ParseModern(const FlatObject& obj, Heartbeat& hb) {
  const Scalar* id = Member(obj, kServerId);
  if (id == nullptr) return Status::InvalidArgument("server_id is required", "server_id");
  if (!id->is_string()) return NotA("server_id", "a string");
  hb.server_id.assign(id->get_string().data(), id->get_string().size());
  if (Status s = ValidateServerId(hb.server_id); !s.ok()) return s;
  if (Status s = OptionalString(obj, kHostname, "hostname", hb.hostname); !s.ok()) return s;
  if (!hb.hostname.empty()) {
    hb.hostname = NormalizeName(hb.hostname);  // it names the server on auto-registration
    if (Status s = ValidateName(hb.hostname, "hostname"); !s.ok()) return s;
  }
  if (Status s = OptionalString(obj, kIpv4, "ipv4", hb.ipv4); !s.ok()) return s;
  if (!hb.ipv4.empty()) {
    if (Status s = ValidateIpv4(hb.ipv4); !s.ok()) return s;
  }
  if (Status s = ReadInterval(obj, kInterval, "interval", hb.interval); !s.ok()) return s;
  if (Status s = OptionalString(obj, kAgentVersion, "agent_version", hb.agent_version); !s.ok()) {
    return s;
  }
  if (hb.agent_version.size() > kMaxAgentVersionLength) {
    return NotA("agent_version", "at most 64 bytes");
  }
  if (!hb.agent_version.empty()) {
    if (Status s = ValidateName(hb.agent_version, "agent_version"); !s.ok()) return s;
  }
  if (const Scalar* at = Member(obj, kSentAt)) {
    if (!at->is_string()) return NotA("sent_at", "an RFC 3339 timestamp string");
    Result<Millis> t = ParseTime(std::string_view(at->get_string()), "sent_at");
    if (!t.ok()) return t.status();
    hb.sent_at = *t;
  }
  return Status::Ok();
}

// The original agents' {"ip","time"(epoch ms),"duration"(s)}.
Status ParseLegacy(const FlatObject& obj, Heartbeat& hb) {
  const Scalar* ip = Member(obj, kIp);
  if (!ip->is_string()) return NotA("ip", "a string");
  hb.ipv4.assign(ip->get_string().data(), ip->get_string().size());
  if (Status s = ValidateIpv4(hb.ipv4, "ip"); !s.ok()) return s;
  hb.server_id = hb.ipv4;
  if (Status s = ReadInterval(obj, kDuration, "duration", hb.interval); !s.ok()) return s;
  if (const Scalar* t = Member(obj, kTime)) {
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

// Writers into memory the caller sized for the worst case; each returns the end.
char* Put(char* at, std::string_view s) {
  std::memcpy(at, s.data(), s.size());
  return at + s.size();
}

// `s` quoted and escaped; at most 6 * s.size() + 2 bytes.
char* PutEscaped(char* at, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  *at++ = '"';
  size_t done = 0;  // s[0, done) is written; the runs between escapes are copied whole
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!NeedsEscape(c)) continue;
    at = Put(at, s.substr(done, i - done));
    done = i + 1;
    auto u = static_cast<unsigned char>(c);
    *at++ = '\\';
    if (u < 0x20) {
      at = Put(at, "u00");
      *at++ = kHex[u >> 4];
      *at++ = kHex[u & 0xF];
    } else {
      *at++ = c;
    }
  }
  at = Put(at, s.substr(done));
  *at++ = '"';
  return at;
}

// At most 20 bytes.
char* PutInt(char* at, int64_t v) { return std::to_chars(at, at + 20, v).ptr; }

Status BadPayload(const char* what) {
  return Status::InvalidArgument(std::string("heartbeat payload: ") + what);
}

}  // namespace

Result<Heartbeat> ParseHeartbeat(std::string_view body) {
  json::basic_parser<FlatObject> parser(json::parse_options{}, std::span(kAgentKeys));
  json::error_code ec = ParseFlat(body, parser);
  if (ec) return Status::InvalidArgument("body is not valid JSON: " + ec.message(), "");
  const FlatObject& obj = parser.handler();
  if (!obj.root_is_object()) return Status::InvalidArgument("body must be a JSON object", "");
  Heartbeat hb;
  bool legacy = Member(obj, kServerId) == nullptr && Member(obj, kIp) != nullptr;
  Status s = legacy ? ParseLegacy(obj, hb) : ParseModern(obj, hb);
  if (!s.ok()) return s;
  return hb;
}

std::string EncodeHeartbeat(const Heartbeat& h) {
  // Sized for the worst case, then cut to what was written: 40 bytes of keys, 10 of quotes,
  // 51 of numbers, the closing brace, and every string byte escaped as \u00XX.
  std::string out(102 + 6 * (h.id.size() + h.server_id.size() + h.hostname.size() + h.ipv4.size() +
                             h.agent_version.size()),
                  '\0');
  char* at = out.data();
  at = PutEscaped(Put(at, "{\"i\":"), h.id);
  at = PutEscaped(Put(at, ",\"s\":"), h.server_id);
  at = PutEscaped(Put(at, ",\"h\":"), h.hostname);
  at = PutEscaped(Put(at, ",\"p\":"), h.ipv4);
  at = PutInt(Put(at, ",\"n\":"), h.interval);
  at = PutEscaped(Put(at, ",\"v\":"), h.agent_version);
  at = PutInt(Put(at, ",\"t\":"), h.sent_at);
  at = PutInt(Put(at, ",\"r\":"), h.received_at);
  *at++ = '}';
  out.resize(static_cast<size_t>(at - out.data()));
  return out;
}

Result<Heartbeat> DecodeHeartbeat(std::string_view payload) {
  json::parse_options opt;
  opt.allow_invalid_utf8 = true;  // the encoder copies bytes as they are
  json::basic_parser<FlatObject> parser(opt, std::span(kBusKeys));
  if (ParseFlat(payload, parser)) return BadPayload("not valid JSON");
  const FlatObject& obj = parser.handler();
  if (!obj.root_is_object()) return BadPayload("not a JSON object");
  Heartbeat h;
  struct StringField {
    size_t key;
    std::string* out;
  };
  for (auto [key, out] : {StringField{kBusId, &h.id}, StringField{kBusServerId, &h.server_id},
                          StringField{kBusHostname, &h.hostname}, StringField{kBusIpv4, &h.ipv4},
                          StringField{kBusVersion, &h.agent_version}}) {
    if (!OptionalString(obj, key, "", *out).ok()) {
      return BadPayload("a string field has another type");
    }
  }
  if (h.server_id.empty()) return BadPayload("server_id is missing");
  // The healthcheck queues hostnames in NFC; one queued by a version before that did not.
  h.hostname = NormalizeName(h.hostname);
  int64_t n = 0;
  for (auto [key, out] :
       {std::pair{kBusSent, &h.sent_at}, std::pair{kBusReceived, &h.received_at}}) {
    const Scalar* v = Member(obj, key);
    if (v != nullptr && !GetWholeNumber(*v, *out)) return BadPayload("a time is not an integer");
  }
  if (const Scalar* v = Member(obj, kBusInterval)) {
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
