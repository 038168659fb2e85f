#pragma once
// Server names in Unicode NFC, for the names stored before NormalizeName (core/validation.h)
// was applied on the way in. Migration 0006 rewrites every stored server_name and hostname to
// NFC, except a name whose NFC form is also another server's: renaming it would break the
// uniqueness of names, and choosing which server keeps it is the operator's call, so those
// servers keep the names they had, are listed in server_name_collisions, and every start logs
// the ones still standing (a warning naming their server_ids and names) until they are renamed.
//
// Migration 0011 makes names unique regardless of case: by their NameKey (core/validation.h),
// in servers.name_key. Servers whose names it finds to be one name are not renamed either: the
// oldest of a set keeps the key alone, the others are told apart by name_clash (their
// server_id), and the set is recorded and reported as those of 0006 are, under the key.
//
// Backend-neutral: a backend gives the steps (MigrationStep) and ReportNameCollisions its rows
// through NameRows, inside the migration's transaction and at open respectively.

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sms::store {

// The migration whose SQL creates server_name_collisions; NormalizeStoredNames runs right
// after it, in the same transaction (SQL alone cannot compute NFC).
inline constexpr int kNfcNamesVersion = 6;
// The migration that adds servers.name_key and name_clash; KeyStoredNames runs at its
// "-- @step" line (SplitAtStep), before the unique index on them is built.
inline constexpr int kNameKeysVersion = 11;

// A server's names as stored.
struct StoredName {
  std::string server_id;
  std::string server_name;
  std::string hostname;
};

// Servers whose names are one name: `nfc`, their name in NFC (0006) or their NameKey (0011,
// for every set from then on). None of them was renamed.
struct NameCollision {
  std::string nfc;
  std::vector<StoredName> servers;  // by server_id
};

// A server with its name_key.
struct KeyedName {
  std::string server_id;
  std::string server_name;
  std::string key;
};

// A row of server_name_collisions: a server, and the name it shares with another.
struct RecordedCollision {
  std::string nfc;
  StoredName server;  // its hostname is not recorded
};

// What the NFC step reads and writes, on the backend's connection and transaction.
class NameRows {
 public:
  virtual ~NameRows() = default;
  // Every server whose server_name or hostname is not ASCII (an ASCII text is NFC already).
  virtual Result<std::vector<StoredName>> NonAscii() = 0;
  // The server_id of the server named exactly `name`, or nullopt.
  virtual Result<std::optional<std::string>> NamedExactly(const std::string& name) = 0;
  // Sets the server_name and hostname of server `server_id`.
  virtual Status SetNames(const std::string& server_id, const std::string& server_name,
                          const std::string& hostname) = 0;
  // Sets the name_key of server `server_id`.
  virtual Status SetKey(const std::string& server_id, const std::string& key) = 0;
  // The servers whose name_key another server has too: by name_key, then oldest first
  // (created_time, then row id).
  virtual Result<std::vector<KeyedName>> SharedKeys() = 0;
  // Sets the name_clash of server `server_id` to its server_id.
  virtual Status MarkClash(const std::string& server_id) = 0;
  // Adds a row to server_name_collisions, or replaces the one of `server_id`.
  virtual Status AddCollision(const std::string& server_id, const std::string& server_name,
                              const std::string& nfc) = 0;
  // The rows of server_name_collisions whose server still has the name recorded there.
  virtual Result<std::vector<RecordedCollision>> Recorded() = 0;
};

// Rewrites the names of `rows` to NFC where no collision forbids it and records the
// collisions. Returns them.
Result<std::vector<NameCollision>> NormalizeStoredNames(NameRows& rows);

// Writes the name_key of the servers whose names are not ASCII (the migration's SQL keyed the
// others), then marks and records the sets of servers that share a key. Returns them.
Result<std::vector<NameCollision>> KeyStoredNames(NameRows& rows);

// Runs the step of migration `version` if it has one (kNfcNamesVersion, kNameKeysVersion).
Status MigrationStep(int version, NameRows& rows);

// The recorded collisions still standing: sets of two or more servers that still have the
// names recorded. Logs one warning that lists them when there are any; a failure to read them is
// logged too, and never stops the store from opening.
std::vector<NameCollision> ReportNameCollisions(NameRows& rows);

// "<nfc>": <server_id> "<name>", … for each collision, non-ASCII shown as \uXXXX so that
// names that look alike can be told apart.
std::string DescribeCollisions(const std::vector<NameCollision>& collisions);

}  // namespace sms::store
