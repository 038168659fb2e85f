#include "store/postgres_connection.h"

#include <charconv>
#include <utility>

namespace sms::store {
namespace {

constexpr std::string_view kPoolSizeParam = "pool_size";

// The first line of a libpq message without its "ERROR:  " / "FATAL:  " prefix.
std::string FirstLine(std::string_view what) {
  for (std::string_view prefix : {"ERROR:  ", "FATAL:  "}) {
    if (what.starts_with(prefix)) what.remove_prefix(prefix.size());
  }
  size_t end = what.find('\n');
  if (end != std::string_view::npos) what = what.substr(0, end);
  return std::string(what);
}

// The unique constraints the schema declares, by name (migrations_pg/0001_init.sql). The
// name appears in the server's message whatever its language.
std::string ConflictField(std::string_view what) {
  static constexpr std::pair<std::string_view, const char*> kConstraints[] = {
      {"servers_server_name_key", "server_name"},
      {"servers_name_key", "server_name"},  // migrations_pg/0011_name_keys.sql
      {"servers_server_id_key", "server_id"},
  };
  for (const auto& [constraint, field] : kConstraints) {
    if (what.find(constraint) != std::string_view::npos) return field;
  }
  return {};
}

bool IsConnectionState(const std::string& state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03";
}

}  // namespace

Result<PostgresOptions> ParsePostgresUrl(std::string_view url) {
  PostgresOptions options;
  size_t query = url.find('?');
  options.conninfo = std::string(url.substr(0, query));
  if (query == std::string_view::npos) return options;
  std::string rest;  // the parameters libpq gets
  std::string_view params = url.substr(query + 1);
  while (!params.empty()) {
    size_t amp = params.find('&');
    std::string_view param = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view() : params.substr(amp + 1);
    if (param.starts_with(kPoolSizeParam) && param.size() > kPoolSizeParam.size() &&
        param[kPoolSizeParam.size()] == '=') {
      std::string_view value = param.substr(kPoolSizeParam.size() + 1);
      int size = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), size);
      if (ec != std::errc() || end != value.data() + value.size() || size < 1 ||
          size > kMaxPoolSize) {
        return Status::InvalidArgument(
            "database URL: pool_size must be from 1 to " + std::to_string(kMaxPoolSize),
            "database_url");
      }
      options.pool_size = size;
    } else if (!param.empty()) {
      rest.append(rest.empty() ? "?" : "&").append(param);
    }
  }
  options.conninfo += rest;
  return options;
}

Status PgError(const std::exception& e) {
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return Status::Unavailable("PostgreSQL connection lost during COMMIT (outcome unknown): " +
                               FirstLine(e.what()));
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return Status::Unavailable("PostgreSQL unavailable: " + FirstLine(e.what()));
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    const std::string& state = sql->sqlstate();
    if (state == "23505") {
      std::string field = ConflictField(e.what());
      return Status::Conflict((field.empty() ? std::string("a unique value") : field) + " is taken",
                              field);
    }
    if (IsConnectionState(state) || state.starts_with("53") || state == "40001" ||
        state == "40P01") {
      return Status::Unavailable("PostgreSQL unavailable (" + state + "): " + FirstLine(e.what()));
    }
    return Status::Internal("PostgreSQL error " + (state.empty() ? "?" : state) + ": " +
                            FirstLine(e.what()));
  }
  return Status::Internal(std::string("PostgreSQL: ") + FirstLine(e.what()));
}

bool PgConnectionLost(const std::exception& e) {
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) return true;
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) return true;
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e);
  return sql != nullptr && IsConnectionState(sql->sqlstate());
}

// ---- PgConnection ----------------------------------------------------------------------------

PgConnection::PgConnection(const std::string& conninfo) : conn_(conninfo) {}

const std::string& PgConnection::Prepared(const std::string& sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  std::string name = "sms_" + std::to_string(prepared_.size());
  conn_.prepare(name, sql);
  return prepared_.emplace(sql, std::move(name)).first->second;
}

// ---- PgPool ----------------------------------------------------------------------------------

PgPool::PgPool(std::string conninfo, int size) : conninfo_(std::move(conninfo)), size_(size) {}

PgPool::~PgPool() = default;

int PgPool::open_connections() {
  std::lock_guard lock(mu_);
  return open_;
}

Result<std::unique_ptr<PgConnection>> PgPool::Acquire() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !idle_.empty() || open_ < size_; });
    if (!idle_.empty()) {
      std::unique_ptr<PgConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
  }
  try {
    return std::make_unique<PgConnection>(conninfo_);
  } catch (const std::exception& e) {
    {
      std::lock_guard lock(mu_);
      --open_;
    }
    cv_.notify_one();
    Status status = PgError(e);
    // A refused connection is the server being away, whatever libpqxx called it.
    return status.code() == Code::kUnavailable ? status : Status::Unavailable(status.message());
  }
}

void PgPool::Release(std::unique_ptr<PgConnection> conn) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(conn));
  }
  cv_.notify_one();
}

void PgPool::Discard(std::unique_ptr<PgConnection> conn) {
  std::vector<std::unique_ptr<PgConnection>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size()) + 1;
  }
  cv_.notify_all();
  conn.reset();
  closing.clear();  // closes outside the lock
}

Status PgPool::Run(const Work& work) {
  for (int attempt = 0;; ++attempt) {
    Result<std::unique_ptr<PgConnection>> leased = Acquire();
    if (!leased.ok()) return leased.status();
    std::unique_ptr<PgConnection> conn = std::move(*leased);
    try {
      Status status = work(*conn);
      Release(std::move(conn));
      return status;
    } catch (const std::exception& e) {
      Status status = PgError(e);
      bool in_doubt = dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr;
      if (!PgConnectionLost(e) && conn->open()) {
        Release(std::move(conn));
        return status;
      }
      Discard(std::move(conn));
      // The server rolled back whatever the lost session had not committed, so running the
      // work again is safe; unless COMMIT itself was cut off.
      if (in_doubt || attempt > 0) {
        return status.code() == Code::kUnavailable ? status : Status::Unavailable(status.message());
      }
    }
  }
}

// ---- Arrays ----------------------------------------------------------------------------------

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

std::string PgIntArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

}  // namespace sms::store
