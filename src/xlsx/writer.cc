#include "xlsx/writer.h"

#include <charconv>
#include <cmath>
#include <filesystem>

#include "xlsx/formula_quote.h"
#include "xlsx/reader.h"  // ColumnName()
#include "xlsx/zip_out.h"

namespace sms::xlsx {
namespace {

constexpr double kMillisPerDay = 86'400'000.0;
constexpr double kUnixEpochSerial = 25'569.0;  // 1970-01-01 in Excel's 1900 date system
constexpr size_t kFlushBytes = 256 * 1024;     // sheet XML buffered before it is deflated

// Cell styles, as indexes into cellXfs of kStyles.
constexpr std::string_view kHeaderStyle = "1";
constexpr std::string_view kDateStyle = "2";

constexpr std::string_view kXmlDecl =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr std::string_view kMain = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr std::string_view kRel =
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr std::string_view kPkgRel = "http://schemas.openxmlformats.org/package/2006/relationships";

std::string ContentTypes() {
  const std::string ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.";
  return std::string(kXmlDecl) +
         "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
         "<Default Extension=\"rels\" "
         "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
         "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
         "<Override PartName=\"/xl/workbook.xml\" ContentType=\"" +
         ct +
         "sheet.main+xml\"/>"
         "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"" +
         ct +
         "worksheet+xml\"/>"
         "<Override PartName=\"/xl/styles.xml\" ContentType=\"" +
         ct +
         "styles+xml\"/>"
         "</Types>";
}

std::string Relationship(std::string_view id, std::string_view type, std::string_view target) {
  return "<Relationship Id=\"" + std::string(id) + "\" Type=\"" + std::string(kRel) + "/" +
         std::string(type) + "\" Target=\"" + std::string(target) + "\"/>";
}

std::string Relationships(const std::string& items) {
  return std::string(kXmlDecl) + "<Relationships xmlns=\"" + std::string(kPkgRel) + "\">" + items +
         "</Relationships>";
}

// Fonts: 0 normal, 1 bold. Cell styles: 0 default, 1 bold (header), 2 date-time.
const char* const kStyles =
    "<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
    "<numFmts count=\"1\"><numFmt numFmtId=\"164\" formatCode=\"yyyy-mm-dd hh:mm:ss\"/></numFmts>"
    "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font>"
    "<font><b/><sz val=\"11\"/><name val=\"Calibri\"/><family val=\"2\"/></font></fonts>"
    "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
    "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
    "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
    "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/>"
    "</cellStyleXfs>"
    "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
    "<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>"
    "<xf numFmtId=\"164\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" "
    "applyNumberFormat=\"1\"/></cellXfs>"
    "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
    "</styleSheet>";

bool ValidSheetName(const std::string& name) {
  if (name.empty() || name.size() > 31) return false;
  return name.find_first_of("[]:*?/\\") == std::string::npos;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Appends `text` as XML character data (or an attribute value in double quotes). Characters
// XML 1.0 cannot hold are written as OOXML's _xHHHH_, and a literal "_xHHHH_" keeps its
// underscore as _x005F_, so that readers give back the text as it was.
void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '"') {
      out += "&quot;";
    } else if (c == '\r') {
      out += "&#13;";  // a literal CR would be read back as a line feed (XML 2.11)
    } else if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      out += "_x00";
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
      out += '_';
    } else if (c == '_' && i + 6 < text.size() && text[i + 1] == 'x' && IsHex(text[i + 2]) &&
               IsHex(text[i + 3]) && IsHex(text[i + 4]) && IsHex(text[i + 5]) &&
               text[i + 6] == '_') {
      out += "_x005F_";
    } else {
      out += c;
    }
  }
}

}  // namespace

double ExcelDate(Millis t) { return static_cast<double>(t) / kMillisPerDay + kUnixEpochSerial; }

struct Writer::Impl {
  std::string path;
  std::string sheet_name;
  ZipOut zip;
  bool finished = false;
  bool started = false;                   // the worksheet's head is out
  bool row_open = false;                  // <row> written for the current row
  int64_t row = 0;                        // the current row, 0-based
  int last_column = -1;                   // of the current row
  std::string row_number;                 // the current row's number as text ("1", "2", …)
  std::vector<std::string> column_names;  // "A", "B", … as far as used
  std::string xml;                        // sheet XML not yet deflated

  Status Flush() {
    Status st = zip.Write(xml);
    xml.clear();
    return st;
  }

  // The worksheet up to <sheetData>; `header` freezes row 1; `widths` of the columns.
  Status Start(bool header, const std::vector<double>& widths) {
    started = true;
    Status st = zip.BeginEntry("xl/worksheets/sheet1.xml");
    if (!st.ok()) return st;
    xml.append(kXmlDecl).append("<worksheet xmlns=\"").append(kMain).append("\" xmlns:r=\"");
    xml.append(kRel).append("\">");
    if (header) {
      xml +=
          "<sheetViews><sheetView workbookViewId=\"0\"><pane ySplit=\"1\" topLeftCell=\"A2\" "
          "activePane=\"bottomLeft\" state=\"frozen\"/><selection pane=\"bottomLeft\"/>"
          "</sheetView></sheetViews>";
    }
    xml += "<sheetFormatPr defaultRowHeight=\"15\"/>";
    if (!widths.empty()) {
      xml += "<cols>";
      for (size_t i = 0; i < widths.size(); ++i) {
        std::string n = std::to_string(i + 1);
        char w[32];
        auto [end, ec] = std::to_chars(w, w + sizeof w, widths[i]);
        xml += "<col min=\"" + n + "\" max=\"" + n + "\" width=\"" + std::string(w, end) +
               "\" customWidth=\"1\"/>";
      }
      xml += "</cols>";
    }
    xml += "<sheetData>";
    return Status::Ok();
  }

  // Opens cell `column` of the current row: `<c r="B7"` (the caller adds the rest).
  Status OpenCell(int column) {
    if (row >= kSheetRows) {
      return Status::ResourceExhausted("a worksheet holds at most " + std::to_string(kSheetRows) +
                                       " rows");
    }
    if (column < 0 || column >= kMaxColumns || column <= last_column) {
      return Status::InvalidArgument("xlsx cells must go left to right within A..XFD", "column");
    }
    if (!started) {
      Status st = Start(false, {});
      if (!st.ok()) return st;
    }
    if (!row_open) {
      row_number = std::to_string(row + 1);
      xml.append("<row r=\"").append(row_number).append("\">");
      row_open = true;
    }
    while (column_names.size() <= static_cast<size_t>(column)) {
      column_names.push_back(ColumnName(static_cast<int>(column_names.size())));
    }
    last_column = column;
    xml.append("<c r=\"").append(column_names[column]).append(row_number).append("\"");
    return Status::Ok();
  }

  Status CellDone() { return xml.size() >= kFlushBytes ? Flush() : Status::Ok(); }

  Status InlineString(int column, std::string_view text, std::string_view style) {
    Status st = OpenCell(column);
    if (!st.ok()) return st;
    if (!style.empty()) xml.append(" s=\"").append(style).append("\"");
    bool quote = NeedsFormulaQuote(text);  // then the cell starts with the quote
    auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    bool keep_space = !text.empty() && ((!quote && blank(text.front())) || blank(text.back()));
    xml +=
        keep_space ? " t=\"inlineStr\"><is><t xml:space=\"preserve\">" : " t=\"inlineStr\"><is><t>";
    if (quote) xml += '\'';
    AppendEscaped(xml, text);
    xml += "</t></is></c>";
    return CellDone();
  }

  Status Value(int column, double value, std::string_view style) {
    if (!std::isfinite(value)) return Status::InvalidArgument("xlsx numbers must be finite");
    Status st = OpenCell(column);
    if (!st.ok()) return st;
    if (!style.empty()) xml.append(" s=\"").append(style).append("\"");
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    xml.append("><v>").append(buf, end).append("</v></c>");
    return CellDone();
  }

  void EndRow() {
    if (row_open) xml += "</row>";
    row_open = false;
    last_column = -1;
    ++row;
  }

  Status Finish() {
    Status st = started ? Status::Ok() : Start(false, {});
    if (row_open) EndRow();
    xml += "</sheetData></worksheet>";
    if (st.ok()) st = Flush();
    if (st.ok()) st = zip.EndEntry();
    if (st.ok()) st = zip.Close();
    return st;
  }
};

Writer::Writer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Writer>> Writer::Create(const std::string& path,
                                               const WriterOptions& options) {
  if (!ValidSheetName(options.sheet_name)) {
    return Status::InvalidArgument("bad sheet name \"" + options.sheet_name + "\"", "sheet");
  }
  if (options.level < 1 || options.level > 9) {
    return Status::InvalidArgument("the compression level must be 1-9", "level");
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->xml.reserve(kFlushBytes + 64 * 1024);
  std::unique_ptr<Writer> w(new Writer(std::move(impl)));
  Impl& m = *w->impl_;
  Status st = m.zip.Open(path, options.level);
  std::string sheet;
  AppendEscaped(sheet, options.sheet_name);
  // The parts before the worksheet: [Content_Types].xml first, as some readers expect.
  if (st.ok()) st = m.zip.Add("[Content_Types].xml", ContentTypes());
  if (st.ok()) {
    st = m.zip.Add("_rels/.rels",
                   Relationships(Relationship("rId1", "officeDocument", "xl/workbook.xml")));
  }
  if (st.ok()) {
    st = m.zip.Add("xl/workbook.xml",
                   std::string(kXmlDecl) + "<workbook xmlns=\"" + std::string(kMain) +
                       "\" xmlns:r=\"" + std::string(kRel) +
                       "\"><bookViews><workbookView/></bookViews><sheets><sheet name=\"" + sheet +
                       "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
  }
  if (st.ok()) {
    st = m.zip.Add("xl/_rels/workbook.xml.rels",
                   Relationships(Relationship("rId1", "worksheet", "worksheets/sheet1.xml") +
                                 Relationship("rId2", "styles", "styles.xml")));
  }
  if (st.ok()) st = m.zip.Add("xl/styles.xml", std::string(kXmlDecl) + kStyles);
  if (!st.ok()) return st;  // the destructor removes the file
  return w;
}

Writer::~Writer() {
  if (impl_ == nullptr || impl_->finished) return;
  // An unfinished (or failed) workbook is no workbook: close the file, then remove it.
  std::string path = impl_->path;
  impl_.reset();
  std::error_code ec;
  std::filesystem::remove(path, ec);
}

Status Writer::Header(const std::vector<std::string>& names, const std::vector<double>& widths) {
  if (impl_->started) return Status::InvalidArgument("the header must come first", "header");
  Status st = impl_->Start(true, widths);
  for (size_t i = 0; st.ok() && i < names.size(); ++i) {
    st = impl_->InlineString(static_cast<int>(i), names[i], kHeaderStyle);
  }
  if (st.ok()) impl_->EndRow();
  return st;
}

Status Writer::String(int column, std::string_view text) {
  return impl_->InlineString(column, text, {});
}

Status Writer::Number(int column, double value) { return impl_->Value(column, value, {}); }

Status Writer::Date(int column, Millis t) { return impl_->Value(column, ExcelDate(t), kDateStyle); }

void Writer::NextRow() { impl_->EndRow(); }

int64_t Writer::rows() const { return impl_->row; }

Status Writer::Finish() {
  if (impl_->finished) return Status::Internal("xlsx writer already finished");
  Status st = impl_->Finish();
  impl_->finished = st.ok();
  if (!st.ok()) {
    std::error_code ec;
    std::filesystem::remove(impl_->path, ec);
    impl_->finished = true;  // spent: nothing left to remove
  }
  return st;
}

}  // namespace sms::xlsx
