#pragma once
// A table's columns written down once for both SQL stores (internal to src/store): each
// column's name and the record field it keeps. From that one description come a statement's
// column list and placeholders, the values it binds and the record a result row reads back, so
// SqliteStore and PostgresStore cannot disagree on order or encoding; each store only speaks
// its SQL and binds the values (sqlite_alert_sql.h, postgres_alert_sql.h). Pure functions.

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "store/list_column.h"

namespace sms::store {

// One value bound to a statement: numbers as numbers, everything else as text.
using SqlValue = std::variant<int64_t, std::string>;

// One column of a Record: its name and the field it keeps. A list of strings is kept as its
// items joined by '\n' (no id, tag or event these tables keep holds one); a list of times as
// decimal milliseconds joined by ','.
template <typename R>
struct Column {
  using Record = R;
  std::string_view name;
  std::variant<std::string R::*, int64_t R::*, int R::*, std::vector<std::string> R::*,
               std::vector<int64_t> R::*>
      field;
};

// The record a table (any range of Column) describes.
template <typename Table>
using RecordOf =
    typename std::remove_cvref_t<decltype(*std::begin(std::declval<Table&>()))>::Record;

// Flap times as decimal milliseconds joined by ','; SplitTimes skips what is not a number.
std::string JoinTimes(const std::vector<int64_t>& times);
std::vector<int64_t> SplitTimes(std::string_view text);

// "a, b, c": the column names in order.
template <typename Table>
std::string ColumnList(const Table& table) {
  std::string out;
  for (const auto& c : table) out += (out.empty() ? "" : ", ") + std::string(c.name);
  return out;
}

// "?1, ?2, ?3" (mark '?', SQLite) or "$1, $2, $3" (mark '$', PostgreSQL).
std::string Placeholders(size_t count, char mark);

// <verb> INTO `name` (every column) VALUES (their placeholders), bound with RowValues().
template <typename Table>
std::string InsertSql(std::string_view name, const Table& table, char mark,
                      std::string_view verb = "INSERT") {
  return std::string(verb) + " INTO " + std::string(name) + " (" + ColumnList(table) +
         ") VALUES (" + Placeholders(std::size(table), mark) + ")";
}

// UPDATE `name` SET every column but the first = its placeholder WHERE the first (the key) =
// the first placeholder, bound with RowValues().
template <typename Table>
std::string UpdateSql(std::string_view name, const Table& table, char mark) {
  std::string set, key;
  int n = 0;
  for (const auto& c : table) {
    std::string assign = std::string(c.name) + " = " + mark + std::to_string(++n);
    if (n == 1) {
      key = assign;
    } else {
      set += (set.empty() ? "" : ", ") + assign;
    }
  }
  return "UPDATE " + std::string(name) + " SET " + set + " WHERE " + key;
}

// The table without the column `name` (e.g. created_at, which an update keeps).
template <typename Table>
std::vector<Column<RecordOf<Table>>> ColumnsExcept(const Table& table, std::string_view name) {
  std::vector<Column<RecordOf<Table>>> out;
  for (const auto& c : table) {
    if (c.name != name) out.push_back(c);
  }
  return out;
}

inline SqlValue FieldValue(const std::string& v) { return v; }
inline SqlValue FieldValue(int64_t v) { return v; }
inline SqlValue FieldValue(int v) { return int64_t{v}; }
inline SqlValue FieldValue(const std::vector<std::string>& v) { return JoinColumn(v, '\n'); }
inline SqlValue FieldValue(const std::vector<int64_t>& v) { return JoinTimes(v); }

// The values of `r` in the table's column order.
template <typename Table>
std::vector<SqlValue> RowValues(const RecordOf<Table>& r, const Table& table) {
  std::vector<SqlValue> out;
  for (const auto& c : table) {
    std::visit([&](auto field) { out.push_back(FieldValue(r.*field)); }, c.field);
  }
  return out;
}

// A result row as the readers take it: Int(column) and Text(column), 0-based (a SQLite
// Statement, a PgRow).
template <typename Row>
void ReadField(const Row& row, int i, std::string& out) {
  out = row.Text(i);
}
template <typename Row>
void ReadField(const Row& row, int i, int64_t& out) {
  out = row.Int(i);
}
template <typename Row>
void ReadField(const Row& row, int i, int& out) {
  out = static_cast<int>(row.Int(i));
}
template <typename Row>
void ReadField(const Row& row, int i, std::vector<std::string>& out) {
  out = SplitColumn(row.Text(i), '\n');
}
template <typename Row>
void ReadField(const Row& row, int i, std::vector<int64_t>& out) {
  out = SplitTimes(row.Text(i));
}

// The record of a row selected with ColumnList(table), columns in table order.
template <typename Row, typename Table>
RecordOf<Table> ReadRow(const Row& row, const Table& table) {
  RecordOf<Table> out;
  int i = 0;
  for (const auto& c : table) {
    std::visit([&](auto field) { ReadField(row, i, out.*field); }, c.field);
    ++i;
  }
  return out;
}

}  // namespace sms::store
