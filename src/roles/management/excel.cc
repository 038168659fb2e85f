#include "roles/management/excel.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <filesystem>
#include <mutex>
#include <unordered_map>

#include "auth/scopes.h"
#include "core/query.h"
#include "core/server_json.h"
#include "core/tags.h"
#include "core/time.h"
#include "core/validation.h"
#include "http/multipart.h"
#include "xlsx/reader.h"
#include "xlsx/writer.h"

namespace sms::management {
namespace {

namespace json = boost::json;

// ---- Import ----------------------------------------------------------------------------------

enum Column { kServerId, kServerName, kIpv4, kHostname, kStatus, kTags, kColumnCount };
constexpr std::array<const char*, kColumnCount> kColumnNames = {"server_id", "server_name", "ipv4",
                                                                "hostname",  "status",      "tags"};
constexpr std::array<bool, kColumnCount> kRequired = {true, true, true, false, false, false};

Status FileError(const std::string& message) { return Status::InvalidArgument(message, "file"); }

std::string_view TrimView(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

std::string Trim(std::string_view s) { return std::string(TrimView(s)); }

char LowerAscii(char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); }

std::string Lower(std::string s) {
  for (char& c : s) c = LowerAscii(c);
  return s;
}

// Whether a header cell names `column` (trimmed, in any case), without copying the cell: a
// header may hold long text in columns the import does not read.
bool Names(std::string_view cell, std::string_view column) {
  cell = TrimView(cell);
  return std::equal(cell.begin(), cell.end(), column.begin(), column.end(),
                    [](char a, char b) { return LowerAscii(a) == b; });
}

// The worksheet column of each known column (-1: absent), from the header row.
using ColumnMap = std::array<int, kColumnCount>;

Result<ColumnMap> MapColumns(const xlsx::Row& header) {
  ColumnMap map;
  map.fill(-1);
  for (const xlsx::Cell& cell : header.cells) {
    for (int c = 0; c < kColumnCount; ++c) {
      if (!Names(cell.value, kColumnNames[c])) continue;
      if (map[c] >= 0) {
        return FileError("the header row names column " + std::string(kColumnNames[c]) + " twice");
      }
      map[c] = cell.column;
    }
  }
  std::string missing;
  for (int c = 0; c < kColumnCount; ++c) {
    if (!kRequired[c] || map[c] >= 0) continue;
    missing += (missing.empty() ? "" : ", ") + std::string(kColumnNames[c]);
  }
  if (!missing.empty()) {
    return FileError("the header row (row " + std::to_string(header.number) +
                     ") lacks the required column(s) " + missing +
                     "; it must name server_id, server_name and ipv4");
  }
  return map;
}

// The text the import reads: every cell of its columns below the header, counted once per cell
// whether or not cells share a string. ResourceExhausted past kMaxImportTextBytes.
Status CheckImportText(const xlsx::Sheet& sheet, const ColumnMap& map) {
  uint64_t bytes = 0;
  for (size_t i = 1; i < sheet.rows.size(); ++i) {
    for (int column : map) {
      if (column >= 0) bytes += sheet.rows[i].At(column).size();
    }
  }
  if (bytes <= kMaxImportTextBytes) return Status::Ok();
  return Status(
      Code::kResourceExhausted,
      "the columns an import reads (server_id, server_name, ipv4, hostname, status, tags) "
      "hold more than " +
          std::to_string(kMaxImportTextBytes >> 20) + " MiB of text; split the file",
      "file");
}

struct Candidate {
  int64_t row = 0;
  ServerInput input;
};

// Why `in` (with `status` from its row) cannot be imported, or "" when it can.
std::string RowProblem(const ServerInput& in, const std::string& status) {
  Status st = ValidateServerId(in.server_id);
  if (st.ok()) st = ValidateName(in.server_name, "server_name");
  if (st.ok() && in.ipv4.empty()) st = Status::InvalidArgument("ipv4 is required", "ipv4");
  if (st.ok()) st = ValidateIpv4(in.ipv4);
  if (st.ok() && !in.hostname.empty()) st = ValidateName(in.hostname, "hostname");
  if (st.ok()) st = ValidateTags(in.tags);
  if (st.ok() && !status.empty() && Lower(status) != "on" && Lower(status) != "off") {
    st = Status::InvalidArgument("status must be on or off", "status");
  }
  return st.ok() ? "" : st.message();
}

// The rows to hand to the Store; the others go to `failed`.
std::vector<Candidate> Candidates(const xlsx::Sheet& sheet, const ColumnMap& map,
                                  std::vector<ImportFailure>& failed) {
  auto cell = [&](const xlsx::Row& r, Column c) {
    return map[c] < 0 ? std::string() : Trim(r.At(map[c]));
  };
  std::vector<Candidate> out;
  // The first row of each server_id, and of each name by its NameKey (unique in any case).
  std::unordered_map<std::string, int64_t> id_rows, name_rows;
  for (size_t i = 1; i < sheet.rows.size(); ++i) {
    const xlsx::Row& r = sheet.rows[i];
    Candidate c{r.number,
                {cell(r, kServerId), cell(r, kServerName), cell(r, kIpv4), cell(r, kHostname),
                 SplitTags(cell(r, kTags))}};
    if (c.input.server_id.empty() && c.input.server_name.empty() && c.input.ipv4.empty()) {
      continue;  // nothing about a server here (notes, totals, …)
    }
    NormalizeServerInput(c.input);  // before the repeat check: one name however it was typed
    std::string reason = RowProblem(c.input, cell(r, kStatus));
    std::string key = NameKey(c.input.server_name);
    if (reason.empty() && id_rows.count(c.input.server_id)) {
      reason = "server_id repeats row " + std::to_string(id_rows[c.input.server_id]);
    } else if (reason.empty() && name_rows.count(key)) {
      reason = "server_name repeats row " + std::to_string(name_rows[key]);
    }
    if (!reason.empty()) {
      failed.push_back({c.row, c.input.server_id, c.input.server_name, std::move(reason)});
      continue;
    }
    id_rows.emplace(c.input.server_id, c.row);
    name_rows.emplace(std::move(key), c.row);
    out.push_back(std::move(c));
  }
  return out;
}

// ---- Export ----------------------------------------------------------------------------------

Status WriteServer(xlsx::Writer& w, const Server& s) {
  Status st = w.String(0, s.server_id);
  if (st.ok()) st = w.String(1, s.server_name);
  if (st.ok() && !s.ipv4.empty()) st = w.String(2, s.ipv4);
  if (st.ok() && !s.hostname.empty()) st = w.String(3, s.hostname);
  if (st.ok()) st = w.String(4, StatusName(s.status));
  if (st.ok()) st = w.Number(5, s.interval);
  int column = 6;
  for (Millis t : {s.created_time, s.last_updated, s.last_seen, s.status_changed_at}) {
    if (st.ok() && t != 0) st = w.Date(column, t);  // 0 is "never": an empty cell
    ++column;
  }
  if (st.ok() && !s.tags.empty()) st = w.String(column, JoinTags(s.tags));
  w.NextRow();
  return st;
}

// A new empty file for an export, in the temporary directory.
Result<std::string> TempExportPath() {
  std::error_code ec;
  std::filesystem::path dir = std::filesystem::temp_directory_path(ec);
  if (ec) dir = "/tmp";
  std::string path = (dir / "sms-export-XXXXXX.xlsx").string();
  int fd = ::mkstemps(path.data(), 5);
  if (fd < 0) return Status::Internal("cannot create a temporary file in " + dir.string());
  ::close(fd);
  return path;
}

// ---- HTTP ------------------------------------------------------------------------------------

http::Response FileErrorResponse(const Status& status) {
  if (status.code() == Code::kResourceExhausted) {
    return http::ErrorResponse(413, "payload_too_large", status.message(), status.field());
  }
  return http::ErrorResponse(status);
}

// The "file" field of a multipart/form-data request.
Result<std::string_view> UploadedFile(const http::Request& req) {
  Result<std::string> boundary = http::MultipartBoundary(req.Header("content-type"));
  if (!boundary.ok()) return boundary.status();
  Result<std::vector<http::Part>> parts = http::ParseMultipart(req.body, *boundary);
  if (!parts.ok()) return parts.status();
  for (const http::Part& part : *parts) {
    if (part.name != "file") continue;
    if (part.body.size() > kMaxImportFileBytes) {
      return Status(Code::kResourceExhausted, "the file is larger than 10 MiB", "file");
    }
    return part.body;
  }
  return FileError("the form has no field \"file\" holding the .xlsx");
}

// The list's filters and sort; paging is refused rather than ignored.
Result<ServerQuery> ExportQuery(const http::Request& req) {
  for (const char* paging : {"offset", "limit", "cursor"}) {
    if (req.query.count(paging)) {
      return Status::InvalidArgument(std::string("an export has no pages: remove ") + paging,
                                     paging);
    }
  }
  return ParseServerQuery(req.query, req.QueryValues("tag"));
}

json::object FailureToJson(const ImportFailure& f) {
  return {{"row", f.row},
          {"server_id", f.server_id},
          {"server_name", f.server_name},
          {"reason", f.reason}};
}

// {"count", "items", "truncated"}: "truncated" is true when the items stop short of the count.
template <typename T, typename ToJson>
json::object ReportList(const std::vector<T>& items, int64_t count, ToJson to_json) {
  json::array array;
  array.reserve(items.size());
  for (const T& item : items) array.emplace_back(to_json(item));
  bool truncated = count > static_cast<int64_t>(items.size());
  return {{"count", count}, {"items", std::move(array)}, {"truncated", truncated}};
}

std::string ReportJson(const ImportReport& report) {
  json::object body{{"imported", ReportList(report.imported, report.imported_count, ServerToJson)},
                    {"failed", ReportList(report.failed, report.failed_count, FailureToJson)}};
  return json::serialize(body);
}

// Keeps the first kMaxImportItems of `items`, and frees the rest.
template <typename T>
void KeepFirstItems(std::vector<T>& items) {
  if (items.size() <= kMaxImportItems) return;
  items.erase(items.begin() + kMaxImportItems, items.end());
  items.shrink_to_fit();
}

}  // namespace

const std::vector<std::string>& ExportColumns() {
  static const std::vector<std::string> kColumns = {
      "server_id",    "server_name",  "ipv4",      "hostname",          "status", "interval",
      "created_time", "last_updated", "last_seen", "status_changed_at", "tags"};
  return kColumns;
}

Result<ImportReport> ImportWorkbook(store::ServerStore& store, std::string_view xlsx, Millis now) {
  Result<xlsx::Sheet> sheet = xlsx::ReadFirstSheet(xlsx);
  if (!sheet.ok()) return sheet.status();
  if (sheet->rows.empty()) {
    return FileError("the worksheet is empty: its first row must name the columns");
  }
  Result<ColumnMap> map = MapColumns(sheet->rows.front());
  if (!map.ok()) return map.status();
  Status text = CheckImportText(*sheet, *map);
  if (!text.ok()) return text;
  ImportReport report;
  std::vector<Candidate> candidates = Candidates(*sheet, *map, report.failed);
  std::vector<ServerInput> inputs;
  inputs.reserve(candidates.size());
  for (const Candidate& c : candidates) inputs.push_back(c.input);
  Result<store::ImportResult> stored = store.ImportServers(inputs, now);
  if (!stored.ok()) return stored.status();
  report.imported = std::move(stored->imported);
  for (const store::ImportConflict& conflict : stored->conflicts) {
    const Candidate& c = candidates[conflict.index];
    const std::string& value =
        conflict.field == "server_id" ? c.input.server_id : c.input.server_name;
    report.failed.push_back({c.row, c.input.server_id, c.input.server_name,
                             conflict.field + " \"" + value + "\" already exists"});
  }
  std::stable_sort(report.failed.begin(), report.failed.end(),
                   [](const ImportFailure& a, const ImportFailure& b) { return a.row < b.row; });
  report.imported_count = static_cast<int64_t>(report.imported.size());
  report.failed_count = static_cast<int64_t>(report.failed.size());
  KeepFirstItems(report.imported);
  KeepFirstItems(report.failed);
  return report;
}

Result<int64_t> ExportWorkbook(store::ServerStore& store, const ServerQuery& query,
                               const std::string& path) {
  Result<std::unique_ptr<xlsx::Writer>> writer =
      xlsx::Writer::Create(path, {.sheet_name = "servers"});
  if (!writer.ok()) return writer.status();
  xlsx::Writer& w = **writer;
  Status st = w.Header(ExportColumns(), {24, 28, 16, 28, 8, 9, 20, 20, 20, 20, 28});
  if (!st.ok()) return st;
  st = store.ScanServers(query, [&w](const Server& s) { return WriteServer(w, s); });
  if (st.code() == Code::kResourceExhausted) {
    return Status::ResourceExhausted("more than " + std::to_string(xlsx::kSheetRows - 1) +
                                     " servers match, more than a worksheet holds; narrow the "
                                     "export with filters");
  }
  if (!st.ok()) return st;  // the writer's destructor removes the unfinished file
  int64_t servers = w.rows() - 1;
  st = w.Finish();
  if (!st.ok()) return st;
  return servers;
}

std::string ExportFileName(Millis now) {
  return "servers-" + FormatTime(now).substr(0, 10) + ".xlsx";
}

http::Response ImportHandler(const ManagementBackends& b, const http::Request& req) {
  // One import at a time per process: reading a large workbook takes a few hundred MiB, and
  // the store serialises the writes anyway.
  static std::mutex importing;
  std::unique_lock lock(importing, std::try_to_lock);
  if (!lock.owns_lock()) {
    http::Response busy = http::ErrorResponse(429, "too_many_requests",
                                              "another import is running; retry when it is done");
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  Result<std::string_view> file = UploadedFile(req);
  if (!file.ok() && file.status().field() == "content-type") {
    return http::ErrorResponse(415, "unsupported_media_type", file.status().message(),
                               "content-type");
  }
  if (!file.ok()) return FileErrorResponse(file.status());
  Result<ImportReport> report = ImportWorkbook(*b.store, *file, b.clock->Now());
  roles::RecordWrite(b.write_health, report.status());  // a file refused is not a store failure
  if (!report.ok()) return FileErrorResponse(report.status());
  return http::JsonResponse(200, ReportJson(*report));
}

http::Response ExportHandler(const ManagementBackends& b, const http::Request& req) {
  Result<ServerQuery> query = ExportQuery(req);
  if (!query.ok()) return http::ErrorResponse(query.status());
  Result<std::string> path = TempExportPath();
  if (!path.ok()) return http::ErrorResponse(path.status());
  Result<int64_t> written = ExportWorkbook(*b.store, *query, *path);
  if (!written.ok()) {
    std::error_code ec;
    std::filesystem::remove(*path, ec);  // still there when the workbook never started
    if (written.status().code() != Code::kResourceExhausted) {
      return http::ErrorResponse(written.status());
    }
    return http::ErrorResponse(400, "too_many_rows", written.status().message());
  }
  // The name goes at once: the open file lives until it is sent, then nothing is left.
  Result<std::shared_ptr<const http::BodyFile>> file = http::BodyFile::Open(*path, true);
  if (!file.ok()) return http::ErrorResponse(file.status());
  http::Response res;
  res.content_type = kXlsxContentType;
  res.file = std::move(*file);
  res.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"" + ExportFileName(b.clock->Now()) + "\"");
  return res;
}

void RegisterExcel(http::Router& router, const ManagementBackends& backends) {
  // Parsing a workbook of a million rows takes seconds: on the slow pool, not an I/O thread.
  // The handler holds the backends without the pool (Offload's contract).
  ManagementBackends held = backends;
  held.slow_work.reset();
  router.AddDeferred("POST", "/api/v1/servers/import", auth::kServersImport,
                     http::Offload(backends.slow_work, [held](http::Request& req) {
                       return ImportHandler(held, req);
                     }),
                     kImportBodyLimit);
  router.Add("GET", "/api/v1/servers/export", auth::kServersExport,
             [backends](http::Request& req) { return ExportHandler(backends, req); });
}

}  // namespace sms::management
