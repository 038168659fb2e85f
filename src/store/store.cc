#include "store/store.h"

#include <filesystem>
#include <string_view>
#include <system_error>

#include "store/alert_store.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace sms::store {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite:";
constexpr std::string_view kMemory = ":memory:";
constexpr std::string_view kPostgresSchemes[] = {"postgresql://", "postgres://"};

// "sqlite:<path>": the path as written ("sqlite:data/sms.db", "sqlite:/var/lib/sms.db");
// "sqlite:///abs/path" is accepted too.
Result<Stores> OpenSqlite(std::string_view rest) {
  SqliteOptions options;
  if (rest == kMemory) {
    options.memory = true;
  } else {
    if (rest.starts_with("//")) rest.remove_prefix(2);
    if (rest.empty()) return Status::InvalidArgument("sqlite: URL without a path", "database_url");
    options.path = std::string(rest);
    std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
    std::error_code ec;
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Status::Unavailable("cannot create directory " + parent.string() + ": " +
                                 ec.message());
    }
  }
  Result<std::shared_ptr<SqliteStore>> store = SqliteStore::Open(options);
  if (!store.ok()) return store.status();
  return Stores{*store, *store, *store};
}

// "postgresql://user:password@host:port/database?pool_size=16&…" (libpq's URI syntax; every
// parameter but pool_size goes to libpq).
Result<Stores> OpenPostgres(std::string_view url) {
  Result<PostgresOptions> options = ParsePostgresUrl(url);
  if (!options.ok()) return options.status();
  Result<std::shared_ptr<PostgresStore>> store = PostgresStore::Open(*options);
  if (!store.ok()) return store.status();
  return Stores{*store, *store, *store};
}

}  // namespace

Result<StorePtr> MakeStore(const StoreConfig& config) {
  Result<Stores> stores = OpenStores(config);
  if (!stores.ok()) return stores.status();
  return stores->store;
}

Result<Stores> OpenStores(const StoreConfig& config) {
  std::string_view url = config.url;
  if (url.starts_with(kSqliteScheme)) return OpenSqlite(url.substr(kSqliteScheme.size()));
  for (std::string_view scheme : kPostgresSchemes) {
    if (url.starts_with(scheme)) return OpenPostgres(url);
  }
  std::string scheme(url.substr(0, url.find(':')));
  return Status::InvalidArgument("unsupported database URL scheme: \"" + scheme +
                                     "\" (supported: sqlite:, postgresql://, postgres://)",
                                 "database_url");
}

}  // namespace sms::store
