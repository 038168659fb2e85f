#include "store/name_normalization.h"

#include <spdlog/spdlog.h>
#include <utf8proc.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "core/validation.h"

namespace sms::store {
namespace {

bool IsAscii(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
}

// `text` with every code point past ASCII as \uXXXX (\UXXXXXXXX above the BMP).
std::string Escaped(const std::string& text) {
  std::string out;
  const auto* at = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(at, left, &cp);
    if (n <= 0) return out + "<not UTF-8>";
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, cp > 0xFFFF ? "\\U%08X" : "\\u%04X", unsigned(cp));
      out += buf;
    }
    at += n;
    left -= n;
  }
  return out;
}

// Collisions from rows already grouped by NFC: the groups of two servers or more.
std::vector<NameCollision> Standing(std::map<std::string, std::vector<StoredName>> by_nfc) {
  std::vector<NameCollision> out;
  for (auto& [nfc, servers] : by_nfc) {
    if (servers.size() < 2) continue;
    std::sort(servers.begin(), servers.end(),
              [](const StoredName& a, const StoredName& b) { return a.server_id < b.server_id; });
    out.push_back({nfc, std::move(servers)});
  }
  return out;
}

}  // namespace

Result<std::vector<NameCollision>> NormalizeStoredNames(NameRows& rows) {
  Result<std::vector<StoredName>> stored = rows.NonAscii();
  if (!stored.ok()) return stored.status();
  std::map<std::string, std::vector<StoredName>> by_nfc;
  for (const StoredName& s : *stored) by_nfc[NormalizeName(s.server_name)].push_back(s);
  for (auto& [nfc, servers] : by_nfc) {
    // The NFC name may be held by a server whose name is ASCII, which NonAscii left out.
    if (servers.size() != 1 || servers[0].server_name == nfc || !IsAscii(nfc)) continue;
    Result<std::optional<std::string>> holder = rows.NamedExactly(nfc);
    if (!holder.ok()) return holder.status();
    if (*holder) servers.push_back({**holder, nfc, ""});
  }
  std::vector<NameCollision> collisions = Standing(std::move(by_nfc));
  std::set<std::string> kept;  // the servers of a collision keep their names
  for (const NameCollision& c : collisions) {
    for (const StoredName& s : c.servers) {
      kept.insert(s.server_id);
      if (Status st = rows.AddCollision(s.server_id, s.server_name, c.nfc); !st.ok()) return st;
    }
  }
  for (const StoredName& s : *stored) {
    std::string name = kept.count(s.server_id) ? s.server_name : NormalizeName(s.server_name);
    std::string hostname = NormalizeName(s.hostname);  // not unique: never a collision
    if (name == s.server_name && hostname == s.hostname) continue;
    if (Status st = rows.SetNames(s.server_id, name, hostname); !st.ok()) return st;
  }
  return collisions;
}

Result<std::vector<NameCollision>> KeyStoredNames(NameRows& rows) {
  Result<std::vector<StoredName>> stored = rows.NonAscii();
  if (!stored.ok()) return stored.status();
  for (const StoredName& s : *stored) {
    if (IsAscii(s.server_name)) continue;  // lower() keyed it
    if (Status st = rows.SetKey(s.server_id, NameKey(s.server_name)); !st.ok()) return st;
  }
  Result<std::vector<KeyedName>> shared = rows.SharedKeys();
  if (!shared.ok()) return shared.status();
  std::map<std::string, std::vector<StoredName>> by_key;
  for (const KeyedName& s : *shared) {
    std::vector<StoredName>& set = by_key[s.key];
    // The oldest keeps the key alone; the others are told apart, never renamed.
    if (!set.empty()) {
      if (Status st = rows.MarkClash(s.server_id); !st.ok()) return st;
    }
    // Recorded under the key, also a set 0006 recorded under its NFC name: one set, one label.
    if (Status st = rows.AddCollision(s.server_id, s.server_name, s.key); !st.ok()) return st;
    set.push_back({s.server_id, s.server_name, ""});
  }
  return Standing(std::move(by_key));
}

Status MigrationStep(int version, NameRows& rows) {
  if (version == kNfcNamesVersion) return NormalizeStoredNames(rows).status();
  if (version == kNameKeysVersion) return KeyStoredNames(rows).status();
  return Status::Ok();
}

std::vector<NameCollision> ReportNameCollisions(NameRows& rows) {
  Result<std::vector<RecordedCollision>> recorded = rows.Recorded();
  if (!recorded.ok()) {
    spdlog::warn("store: cannot read server_name_collisions: {}", recorded.status().ToString());
    return {};
  }
  std::map<std::string, std::vector<StoredName>> by_nfc;
  for (RecordedCollision& r : *recorded) by_nfc[r.nfc].push_back(std::move(r.server));
  std::vector<NameCollision> standing = Standing(std::move(by_nfc));
  if (!standing.empty()) {
    spdlog::warn(
        "store: {} set(s) of servers have names that differ only in case or in Unicode "
        "normalisation and are one name; they were left as they are: rename all but one server "
        "of each set (PATCH /api/v1/servers/{{server_id}}): {}",
        standing.size(), DescribeCollisions(standing));
  }
  return standing;
}

std::string DescribeCollisions(const std::vector<NameCollision>& collisions) {
  std::string out;
  for (const NameCollision& c : collisions) {
    out += (out.empty() ? "\"" : "; \"") + Escaped(c.nfc) + "\":";
    for (size_t i = 0; i < c.servers.size(); ++i) {
      out += (i == 0 ? " " : ", ") + c.servers[i].server_id + " \"" +
             Escaped(c.servers[i].server_name) + "\"";
    }
  }
  return out;
}

}  // namespace sms::store
