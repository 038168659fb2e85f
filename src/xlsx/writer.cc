#include "xlsx/writer.h"

#include <xlsxwriter.h>

#include <filesystem>

namespace sms::xlsx {
namespace {

constexpr double kMillisPerDay = 86'400'000.0;
constexpr double kUnixEpochSerial = 25'569.0;  // 1970-01-01 in Excel's 1900 date system

bool ValidSheetName(const std::string& name) {
  if (name.empty() || name.size() > 31) return false;
  return name.find_first_of("[]:*?/\\") == std::string::npos;
}

}  // namespace

double ExcelDate(Millis t) { return static_cast<double>(t) / kMillisPerDay + kUnixEpochSerial; }

Result<std::unique_ptr<Writer>> Writer::Create(const std::string& path,
                                               const WriterOptions& options) {
  if (!ValidSheetName(options.sheet_name)) {
    return Status::InvalidArgument("bad sheet name \"" + options.sheet_name + "\"", "sheet");
  }
  std::unique_ptr<Writer> w(new Writer());
  w->path_ = path;
  lxw_workbook_options lxw = {};
  lxw.constant_memory = LXW_TRUE;
  std::string tmpdir = options.tmpdir;
  lxw.tmpdir = tmpdir.empty() ? nullptr : tmpdir.data();
  // Not ZIP64: Excel and openpyxl read a plain zip, and an export stays far below 4 GiB.
  lxw.use_zip64 = LXW_FALSE;
  w->workbook_ = workbook_new_opt(path.c_str(), &lxw);
  if (w->workbook_ == nullptr) return Status::Internal("libxlsxwriter cannot start " + path);
  w->sheet_ = workbook_add_worksheet(w->workbook_, options.sheet_name.c_str());
  w->header_format_ = workbook_add_format(w->workbook_);
  w->date_format_ = workbook_add_format(w->workbook_);
  if (w->sheet_ == nullptr || w->header_format_ == nullptr || w->date_format_ == nullptr) {
    return Status::Internal("libxlsxwriter cannot add a worksheet");
  }
  format_set_bold(w->header_format_);
  format_set_num_format(w->date_format_, "yyyy-mm-dd hh:mm:ss");
  return w;
}

Writer::~Writer() {
  if (workbook_ == nullptr) return;
  // libxlsxwriter has no way to drop a workbook: close it (which writes it) and remove it.
  workbook_close(workbook_);
  std::error_code ec;
  std::filesystem::remove(path_, ec);
}

Status Writer::Check(int error, const char* what) {
  if (error == LXW_NO_ERROR) return Status::Ok();
  if (row_ >= kSheetRows) {
    return Status::ResourceExhausted("a worksheet holds at most " + std::to_string(kSheetRows) +
                                     " rows");
  }
  return Status::Internal(std::string("xlsx ") + what + " at row " + std::to_string(row_ + 1) +
                          ": " + lxw_strerror(static_cast<lxw_error>(error)));
}

Status Writer::Header(const std::vector<std::string>& names, const std::vector<double>& widths) {
  for (size_t i = 0; i < widths.size(); ++i) {
    auto col = static_cast<lxw_col_t>(i);
    Status st = Check(worksheet_set_column(sheet_, col, col, widths[i], nullptr), "column width");
    if (!st.ok()) return st;
  }
  for (size_t i = 0; i < names.size(); ++i) {
    Status st =
        Check(worksheet_write_string(sheet_, static_cast<lxw_row_t>(row_),
                                     static_cast<lxw_col_t>(i), names[i].c_str(), header_format_),
              "header");
    if (!st.ok()) return st;
  }
  worksheet_freeze_panes(sheet_, 1, 0);
  NextRow();
  return Status::Ok();
}

Status Writer::String(int column, const std::string& text) {
  return Check(worksheet_write_string(sheet_, static_cast<lxw_row_t>(row_),
                                      static_cast<lxw_col_t>(column), text.c_str(), nullptr),
               "string");
}

Status Writer::Number(int column, double value) {
  return Check(worksheet_write_number(sheet_, static_cast<lxw_row_t>(row_),
                                      static_cast<lxw_col_t>(column), value, nullptr),
               "number");
}

Status Writer::Date(int column, Millis t) {
  return Check(worksheet_write_number(sheet_, static_cast<lxw_row_t>(row_),
                                      static_cast<lxw_col_t>(column), ExcelDate(t), date_format_),
               "date");
}

void Writer::NextRow() { ++row_; }

Status Writer::Finish() {
  if (workbook_ == nullptr) return Status::Internal("xlsx writer already finished");
  lxw_error error = workbook_close(workbook_);
  workbook_ = nullptr;
  if (error != LXW_NO_ERROR) {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    return Status::Internal(std::string("cannot write ") + path_ + ": " + lxw_strerror(error));
  }
  return Status::Ok();
}

}  // namespace sms::xlsx
