#pragma once
// Excel import and export of the server inventory:
//   POST /api/v1/servers/import  multipart/form-data, field "file": an .xlsx whose first row
//                                names the columns -> which rows were imported, which not and why
//   GET  /api/v1/servers/export  the list's filters and sort -> an .xlsx of every match
// ImportWorkbook and ExportWorkbook do the work without HTTP; the handlers parse, call one and
// map the result. Thread-safe (state lives in the Store).

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"
#include "http/message.h"
#include "http/router.h"
#include "roles/management/management.h"
#include "store/server_store.h"
#include "xlsx/reader.h"

namespace sms::management {

// The largest .xlsx an import takes, and the request body that carries it (plus the multipart
// framing and the form's other small fields).
inline constexpr size_t kMaxImportFileBytes = size_t{10} << 20;
inline constexpr size_t kImportBodyLimit = kMaxImportFileBytes + 64 * 1024;

// The most text an import reads from the columns it knows, each cell counted even when cells
// share one string: as much as a sheet may decode to (64 MiB), so shared strings take an import
// no further than text written out in every cell.
inline constexpr uint64_t kMaxImportTextBytes = xlsx::ReadLimits{}.max_text_bytes;

inline constexpr const char* kXlsxContentType =
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// The columns of an export, in order; an import reads those it knows by name.
const std::vector<std::string>& ExportColumns();

struct ImportFailure {
  int64_t row = 0;  // the worksheet's row number, as Excel shows it
  std::string server_id;
  std::string server_name;
  std::string reason;
};

// The most items each list of an import's report holds; its counts stay complete.
inline constexpr size_t kMaxImportItems = 10'000;

struct ImportReport {
  int64_t imported_count = 0;
  int64_t failed_count = 0;
  std::vector<Server> imported;       // the first kMaxImportItems, in worksheet order
  std::vector<ImportFailure> failed;  // the first kMaxImportItems, in worksheet order
};

// Imports the servers listed in the first worksheet of `xlsx`. Its first non-empty row names
// the columns, in any order and case: server_id, server_name and ipv4 are required; hostname
// and status (on|off, checked only: a server's status comes from its heartbeats) are optional;
// other columns are ignored, so an export imports as it is. Cells are trimmed; rows without a
// server_id, server_name or ipv4 are skipped. A row that fails validation, repeats the
// server_id or server_name of an earlier row, or whose values are taken in the Store is
// reported with its reason; the rest are created in one transaction (see
// ServerStore::ImportServers). The report counts every row; its lists stop at kMaxImportItems.
// InvalidArgument or ResourceExhausted (field "file") when the file as a whole cannot be imported
// (not an xlsx, no worksheet, a required column missing, a limit of xlsx::ReadLimits, more than
// kMaxImportTextBytes read); nothing is imported then.
Result<ImportReport> ImportWorkbook(store::ServerStore& store, std::string_view xlsx, Millis now);

// Writes every server that matches the filters of `query`, in its sort order, to a new .xlsx at
// `path`: a bold header row (ExportColumns), text, numbers and dates as real Excel dates (UTC;
// empty when never). Returns the number of servers written. ResourceExhausted when they do not
// fit on one worksheet. Nothing is left at `path` on failure.
Result<int64_t> ExportWorkbook(store::ServerStore& store, const ServerQuery& query,
                               const std::string& path);

// "servers-2026-11-28.xlsx": the export's file name for the UTC date of `now`.
std::string ExportFileName(Millis now);

http::Response ImportHandler(const ManagementBackends& backends, const http::Request& req);
http::Response ExportHandler(const ManagementBackends& backends, const http::Request& req);

// Adds both routes (the import with its larger body limit) to `router`.
void RegisterExcel(http::Router& router, const ManagementBackends& backends);

}  // namespace sms::management
