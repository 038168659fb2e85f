#pragma once
// Writer: streams one worksheet into an .xlsx file. The worksheet's XML is generated row by row
// and deflated (zlib) straight into the zip archive at `path`: memory stays flat and nothing
// but the output file is written, whatever the number of rows. A million rows of nine cells
// take about 2 s on one core; libxlsxwriter's constant-memory mode took 15 s on the same
// machine (it prints every cell through stdio into a temporary file, then deflates that at
// zlib's default level), more than the export's 10 s budget on its own.
//
// The package is the minimum Excel, LibreOffice and openpyxl open: a workbook of one sheet,
// styles for a bold header row and for dates (yyyy-mm-dd hh:mm:ss), strings inline (no shared
// string table to hold in memory), the header row frozen at the top.
//
// Rows are written top to bottom, the cells of a row left to right. Not thread-safe: one writer
// per file.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::xlsx {

// The rows a worksheet holds (Excel's limit), header included.
inline constexpr int64_t kSheetRows = 1'048'576;

struct WriterOptions {
  std::string sheet_name = "Sheet1";  // 1-31 characters, none of []:*?/\ .
  int level = 1;                      // zlib's: 1 is fastest; larger levels save ~20% at 3x cost
};

class Writer {
 public:
  // Creates (or truncates) the file at `path` and starts the workbook. InvalidArgument for a
  // bad sheet name or level; Internal when the file cannot be written.
  static Result<std::unique_ptr<Writer>> Create(const std::string& path,
                                                const WriterOptions& options = {});
  // An unfinished workbook is discarded: nothing is left at `path`.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Writes `names` as a bold row and freezes it at the top. Column widths in characters, when
  // given, apply to the columns in order. REQUIRES: called first, if at all.
  Status Header(const std::vector<std::string>& names, const std::vector<double>& widths = {});

  // Cells of the current row. `column` is 0-based and ascends within a row (InvalidArgument
  // otherwise); `text` is UTF-8. Text a spreadsheet could take for a formula is written with a
  // ' in front, which ReadFirstSheet removes (formula_quote.h); the header too. ResourceExhausted
  // past the sheet's last row (kSheetRows).
  Status String(int column, std::string_view text);
  Status Number(int column, double value);  // InvalidArgument when not finite
  // A real Excel date-time: a serial day number with the date style, in UTC.
  Status Date(int column, Millis t);

  // Ends the current row.
  void NextRow();

  // Rows ended so far (the header included).
  int64_t rows() const;

  // Completes the file. The writer is spent afterwards, whatever the outcome.
  Status Finish();

 private:
  struct Impl;
  explicit Writer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The Excel serial date-time (days since 1899-12-30) of `t`, UTC.
double ExcelDate(Millis t);

}  // namespace sms::xlsx
