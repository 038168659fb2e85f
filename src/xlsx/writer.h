#pragma once
// Writer: streams one worksheet into an .xlsx file with libxlsxwriter in constant-memory mode:
// each row goes to a temporary file once the next one starts, so memory stays flat whatever the
// number of rows. Rows are written top to bottom, the cells of a row left to right.
//
// Not thread-safe: one writer per export.

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

struct lxw_workbook;
struct lxw_worksheet;
struct lxw_format;

namespace sms::xlsx {

// The rows a worksheet holds (Excel's limit), header included.
inline constexpr int64_t kSheetRows = 1'048'576;

struct WriterOptions {
  std::string sheet_name = "Sheet1";  // at most 31 characters, none of []:*?/\ .
  std::string tmpdir;                 // libxlsxwriter's temporary files; empty: the system's
};

class Writer {
 public:
  // Starts a workbook that Finish() writes to `path` (replacing any file there).
  // InvalidArgument for a bad sheet name; Internal when libxlsxwriter cannot start.
  static Result<std::unique_ptr<Writer>> Create(const std::string& path,
                                                const WriterOptions& options = {});
  // An unfinished workbook is discarded: nothing is left at `path`.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes `names` as a bold row and freezes it at the top. Column widths in characters, when
  // given, apply to the columns in order. REQUIRES: no row written yet.
  Status Header(const std::vector<std::string>& names, const std::vector<double>& widths = {});

  // Cells of the current row. `column` is 0-based and ascends within a row. ResourceExhausted
  // past the sheet's last row (kSheetRows).
  Status String(int column, const std::string& text);
  Status Number(int column, double value);
  // A real Excel date-time (a serial day number with format yyyy-mm-dd hh:mm:ss), in UTC.
  Status Date(int column, Millis t);

  // Ends the current row.
  void NextRow();

  // Rows ended so far (the header included).
  int64_t rows() const { return row_; }

  // Writes the file. The writer is spent afterwards, whatever the outcome.
  Status Finish();

 private:
  Writer() = default;
  Status Check(int error, const char* what);

  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* header_format_ = nullptr;
  lxw_format* date_format_ = nullptr;
  int64_t row_ = 0;  // the row being written (0-based)
};

// The Excel serial date-time (days since 1899-12-30) of `t`, UTC.
double ExcelDate(Millis t);

}  // namespace sms::xlsx
