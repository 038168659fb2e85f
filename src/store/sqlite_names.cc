// NameRows on SQLite (store/name_normalization.h): the steps of migrations 0006 (NFC) and 0011
// (name keys) and the report of their collisions at open, on the writer connection.

#include "core/status_macros.h"
#include "store/name_normalization.h"
#include "store/sqlite_rows.h"

namespace sms::store {
namespace {

// Every row `st` yields, each made by `read`.
template <typename T, typename Read>
Result<std::vector<T>> AllRows(Statement& st, const Read& read) {
  std::vector<T> out;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) return out;
    out.push_back(read(st));
  }
}

class SqliteNameRows final : public NameRows {
 public:
  explicit SqliteNameRows(Connection& conn) : conn_(conn) {}

  Result<std::vector<StoredName>> NonAscii() override {
    // length() counts the characters of a text and the bytes of a blob: past ASCII they differ.
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("SELECT server_id, server_name, hostname FROM servers "
                                   "WHERE length(server_name) <> length(CAST(server_name AS BLOB)) "
                                   "OR length(hostname) <> length(CAST(hostname AS BLOB))"));
    return AllRows<StoredName>(
        st, [](const Statement& row) { return StoredName{row.Text(0), row.Text(1), row.Text(2)}; });
  }

  Result<std::optional<std::string>> NamedExactly(const std::string& name) override {
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("SELECT server_id FROM servers WHERE server_name = ?"));
    st.Bind(1, name);
    ASSIGN_OR_RETURN(bool row, st.Step());
    return row ? std::optional<std::string>(st.Text(0)) : std::nullopt;
  }

  Status SetNames(const std::string& server_id, const std::string& server_name,
                  const std::string& hostname) override {
    ASSIGN_OR_RETURN(
        Statement st,
        conn_.Prepare("UPDATE servers SET server_name = ?, hostname = ? WHERE server_id = ?"));
    st.Bind(1, server_name).Bind(2, hostname).Bind(3, server_id);
    return st.Run();
  }

  Status SetKey(const std::string& server_id, const std::string& key) override {
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("UPDATE servers SET name_key = ? WHERE server_id = ?"));
    st.Bind(1, key).Bind(2, server_id);
    return st.Run();
  }

  Result<std::vector<KeyedName>> SharedKeys() override {
    ASSIGN_OR_RETURN(
        Statement st,
        conn_.Prepare("SELECT server_id, server_name, name_key FROM servers WHERE name_key IN "
                      "(SELECT name_key FROM servers GROUP BY name_key HAVING count(*) > 1) "
                      "ORDER BY name_key, created_time, id"));
    return AllRows<KeyedName>(
        st, [](const Statement& row) { return KeyedName{row.Text(0), row.Text(1), row.Text(2)}; });
  }

  Status MarkClash(const std::string& server_id) override {
    ASSIGN_OR_RETURN(Statement st,
                     conn_.Prepare("UPDATE servers SET name_clash = ?1 WHERE server_id = ?1"));
    st.Bind(1, server_id);
    return st.Run();
  }

  Status AddCollision(const std::string& server_id, const std::string& server_name,
                      const std::string& nfc) override {
    ASSIGN_OR_RETURN(
        Statement st,
        conn_.Prepare("INSERT OR REPLACE INTO server_name_collisions (server_id, server_name, nfc) "
                      "VALUES (?, ?, ?)"));
    st.Bind(1, server_id).Bind(2, server_name).Bind(3, nfc);
    return st.Run();
  }

  Result<std::vector<RecordedCollision>> Recorded() override {
    ASSIGN_OR_RETURN(
        Statement st,
        conn_.Prepare(
            "SELECT c.nfc, c.server_id, c.server_name FROM server_name_collisions c "
            "JOIN servers s ON s.server_id = c.server_id AND s.server_name = c.server_name"));
    return AllRows<RecordedCollision>(st, [](const Statement& row) {
      return RecordedCollision{row.Text(0), {row.Text(1), row.Text(2), ""}};
    });
  }

 private:
  Connection& conn_;
};

}  // namespace

std::unique_ptr<NameRows> MakeSqliteNameRows(Connection& conn) {
  return std::make_unique<SqliteNameRows>(conn);
}

}  // namespace sms::store
