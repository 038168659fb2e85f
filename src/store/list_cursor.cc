#include "store/list_cursor.h"

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>

#include "core/query.h"         // kMaxCursorLength
#include "store/sqlite_rows.h"  // Ipv4Number()

namespace sms::store {
namespace {

namespace json = boost::json;

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding (RFC 4648 §5).
std::string Encode64(std::string_view bytes) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

// The bytes `text` encodes; nullopt unless it is canonical unpadded base64url.
std::optional<std::string> Decode64(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    size_t v = kAlphabet.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (Encode64(out) != text) return std::nullopt;  // a dangling character or set spare bits
  return out;
}

// FNV-1a (64 bit) of the filters, each ended by a NUL; tags in sorted order, as a filter
// means the same whatever order its tags came in. A cursor carries it so that it is never
// applied to another list.
std::string Fingerprint(const ServerQuery& q) {
  std::vector<std::string> parts = {q.server_id, q.server_name, q.ipv4, q.q,
                                    q.status ? StatusName(*q.status) : ""};
  std::vector<std::string> tags = q.tags;
  std::sort(tags.begin(), tags.end());
  parts.insert(parts.end(), tags.begin(), tags.end());
  uint64_t h = 14695981039346656037ull;
  for (const std::string& part : parts) {
    for (char c : part + '\0') {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
  }
  std::array<char, 17> hex{};
  std::snprintf(hex.data(), hex.size(), "%016llx", static_cast<unsigned long long>(h));
  return std::string(hex.data(), 16);
}

const char* OrderName(SortOrder order) { return order == SortOrder::kDesc ? "desc" : "asc"; }

bool TextSort(std::string_view sort) {
  return sort == "server_id" || sort == "server_name" || sort == "hostname";
}

Status Bad(const std::string& message) { return Status::InvalidArgument(message, "cursor"); }

// The member `key` of `o` when it is a string.
const json::string* StringAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? &v->get_string() : nullptr;
}

// The member `key` of `o` when it is an integer.
std::optional<int64_t> IntAt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return std::nullopt;
  return v->get_int64();
}

// The position a well-formed cursor object holds, whatever list it was made for.
Result<ListCursor> ReadPosition(const json::object& o, std::string_view sort) {
  const json::string* side = StringAt(o, "p");
  std::optional<int64_t> id = IntAt(o, "i");
  if (side == nullptr || (*side != "a" && *side != "b") || !id || o.size() != 6) {
    return Bad("cursor is not one this list gave out");
  }
  ListCursor c{.before = *side == "b", .id = *id};
  if (TextSort(sort)) {
    const json::string* key = StringAt(o, "k");
    if (key == nullptr) return Bad("cursor is not one this list gave out");
    c.key = std::string(*key);
  } else {
    std::optional<int64_t> key = IntAt(o, "k");
    if (!key) return Bad("cursor is not one this list gave out");
    c.key = *key;
  }
  return c;
}

}  // namespace

SortValue SortValueOf(const Server& s, std::string_view sort) {
  if (sort == "server_id") return s.server_id;
  if (sort == "server_name") return s.server_name;
  if (sort == "hostname") return s.hostname;
  if (sort == "ipv4") return Ipv4Number(s.ipv4);
  if (sort == "status") return int64_t{s.status == ServerStatus::kOn};
  if (sort == "created_time") return s.created_time;
  if (sort == "last_updated") return s.last_updated;
  if (sort == "last_seen") return s.last_seen;
  return s.status_changed_at;
}

std::string EncodeCursor(const ServerQuery& query, const ListCursor& position) {
  json::object o;
  o["s"] = query.sort;
  o["o"] = OrderName(query.order);
  o["f"] = Fingerprint(query);
  o["p"] = position.before ? "b" : "a";
  if (const std::string* text = std::get_if<std::string>(&position.key)) {
    o["k"] = *text;
  } else {
    o["k"] = std::get<int64_t>(position.key);
  }
  o["i"] = position.id;
  return Encode64(json::serialize(o));
}

Result<std::optional<ListCursor>> DecodeCursor(const ServerQuery& query) {
  if (query.cursor.empty()) return std::optional<ListCursor>();
  if (query.offset != 0) return Bad("cursor and offset cannot be used together");
  std::optional<std::string> text;
  if (query.cursor.size() <= kMaxCursorLength) text = Decode64(query.cursor);
  boost::system::error_code ec;
  json::value v = text ? json::parse(*text, ec) : json::value();
  if (!text || ec || !v.is_object()) return Bad("cursor is not one this list gave out");
  const json::object& o = v.get_object();
  const json::string* sort = StringAt(o, "s");
  const json::string* order = StringAt(o, "o");
  const json::string* filters = StringAt(o, "f");
  if (sort == nullptr || order == nullptr || filters == nullptr) {
    return Bad("cursor is not one this list gave out");
  }
  if (*sort != query.sort || *order != OrderName(query.order)) {
    return Bad("cursor was made for sort=" + std::string(*sort) + "&order=" + std::string(*order) +
               "; repeat those with it, or start without a cursor");
  }
  if (*filters != Fingerprint(query)) {
    return Bad(
        "cursor was made for other filters; repeat the filters with it, or start "
        "without a cursor");
  }
  Result<ListCursor> position = ReadPosition(o, query.sort);
  if (!position.ok()) return position.status();
  return std::optional<ListCursor>(*position);
}

KeysetWalk PlanWalk(const ServerQuery& query, const std::optional<ListCursor>& cursor) {
  // Backwards (a `prev` cursor) walks against the query's order and FinishPage turns it round.
  bool backwards = cursor && cursor->before;
  KeysetWalk walk;
  walk.descending = (query.order == SortOrder::kDesc) != backwards;
  if (cursor) walk.op = walk.descending ? "<" : ">";
  walk.fetch = query.limit + 1;
  return walk;
}

void FinishPage(const ServerQuery& query, const std::optional<ListCursor>& cursor,
                std::vector<Server> rows, ServerPage& page) {
  bool more = rows.size() > static_cast<size_t>(query.limit);
  if (more) rows.resize(static_cast<size_t>(query.limit));
  bool backwards = cursor && cursor->before;
  if (backwards) std::reverse(rows.begin(), rows.end());
  page.items = std::move(rows);
  page.next.clear();
  page.prev.clear();
  auto at = [&](const Server& s, bool before) {
    return EncodeCursor(query, {.before = before, .key = SortValueOf(s, query.sort), .id = s.id});
  };
  if (page.items.empty()) {
    // Past an end: the way back starts at the same position.
    if (cursor) {
      ListCursor back{.before = !cursor->before, .key = cursor->key, .id = cursor->id};
      (backwards ? page.next : page.prev) = EncodeCursor(query, back);
    }
    return;
  }
  // The way the walk went is known from the extra row; the way it came, from where it started.
  bool ahead = backwards ? cursor.has_value() : more;
  bool behind = backwards ? more : (cursor.has_value() || query.offset > 0);
  if (ahead) page.next = at(page.items.back(), false);
  if (behind) page.prev = at(page.items.front(), true);
}

}  // namespace sms::store
