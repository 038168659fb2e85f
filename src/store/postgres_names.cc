// NameRows on PostgreSQL (store/name_normalization.h): the steps of migrations 0006 (NFC) and
// 0011 (name keys), in the migration's transaction, and the report of their collisions at open.
// libpqxx errors propagate (PgPool::Run maps them), except in Recorded, whose failure must not stop
// a store opening.

#include "store/name_normalization.h"
#include "store/postgres_rows.h"

namespace sms::store {
namespace {

class PgNameRows final : public NameRows {
 public:
  explicit PgNameRows(pqxx::transaction_base& tx) : tx_(tx) {}

  Result<std::vector<StoredName>> NonAscii() override {
    std::vector<StoredName> out;
    for (const pqxx::row& r :
         tx_.exec("SELECT server_id, server_name, hostname FROM servers "
                  "WHERE octet_length(server_name) <> char_length(server_name) "
                  "OR octet_length(hostname) <> char_length(hostname)")) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
    }
    return out;
  }

  Result<std::optional<std::string>> NamedExactly(const std::string& name) override {
    pqxx::result r = tx_.exec_params("SELECT server_id FROM servers WHERE server_name = $1", name);
    return r.empty() ? std::nullopt : std::optional<std::string>(r[0][0].as<std::string>());
  }

  Status SetNames(const std::string& server_id, const std::string& server_name,
                  const std::string& hostname) override {
    tx_.exec_params("UPDATE servers SET server_name = $2, hostname = $3 WHERE server_id = $1",
                    server_id, server_name, hostname);
    return Status::Ok();
  }

  Status SetKey(const std::string& server_id, const std::string& key) override {
    tx_.exec_params("UPDATE servers SET name_key = $2 WHERE server_id = $1", server_id, key);
    return Status::Ok();
  }

  Result<std::vector<KeyedName>> SharedKeys() override {
    std::vector<KeyedName> out;
    for (const pqxx::row& r :
         tx_.exec("SELECT server_id, server_name, name_key FROM servers WHERE name_key IN "
                  "(SELECT name_key FROM servers GROUP BY name_key HAVING count(*) > 1) "
                  "ORDER BY name_key, created_time, id")) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::string>()});
    }
    return out;
  }

  Status MarkClash(const std::string& server_id) override {
    tx_.exec_params("UPDATE servers SET name_clash = $1 WHERE server_id = $1", server_id);
    return Status::Ok();
  }

  Status AddCollision(const std::string& server_id, const std::string& server_name,
                      const std::string& nfc) override {
    tx_.exec_params(
        "INSERT INTO server_name_collisions (server_id, server_name, nfc) VALUES ($1, $2, $3) "
        "ON CONFLICT (server_id) DO UPDATE SET server_name = excluded.server_name, "
        "nfc = excluded.nfc",
        server_id, server_name, nfc);
    return Status::Ok();
  }

  Result<std::vector<RecordedCollision>> Recorded() override {
    try {
      std::vector<RecordedCollision> out;
      for (const pqxx::row& r : tx_.exec(
               "SELECT c.nfc, c.server_id, c.server_name FROM server_name_collisions c "
               "JOIN servers s ON s.server_id = c.server_id AND s.server_name = c.server_name")) {
        out.push_back(
            {r[0].as<std::string>(), {r[1].as<std::string>(), r[2].as<std::string>(), ""}});
      }
      return out;
    } catch (const std::exception& e) {
      return PgError(e);
    }
  }

 private:
  pqxx::transaction_base& tx_;
};

}  // namespace

std::unique_ptr<NameRows> MakePgNameRows(pqxx::transaction_base& tx) {
  return std::make_unique<PgNameRows>(tx);
}

}  // namespace sms::store
