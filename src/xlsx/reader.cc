#include "xlsx/reader.h"

#include <zip.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <memory>
#include <optional>
#include <pugixml.hpp>

#include "xlsx/formula_quote.h"

namespace sms::xlsx {
namespace {

const char* const kField = "file";

Status Invalid(const std::string& message) {
  return Status::InvalidArgument("not a valid xlsx file: " + message, kField);
}

Status TooLarge(const std::string& message) {
  return Status(Code::kResourceExhausted, message, kField);
}

// ---- The archive -----------------------------------------------------------------------------

// A read-only zip archive over a caller's buffer, with the limits of one read.
class Archive {
 public:
  static Result<std::unique_ptr<Archive>> Open(std::string_view data, const ReadLimits& limits) {
    if (data.empty()) return Invalid("the file is empty");  // libzip takes it for an empty zip
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* source = zip_source_buffer_create(data.data(), data.size(), 0, &error);
    zip_t* zip = nullptr;
    if (source != nullptr) {
      zip = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error);
      if (zip == nullptr) zip_source_free(source);  // the archive owns it only on success
    }
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    if (zip == nullptr) return Invalid("not a zip archive (" + why + ")");
    std::unique_ptr<Archive> archive(new Archive(zip, limits));
    zip_int64_t entries = zip_get_num_entries(zip, 0);
    if (entries > limits.max_entries) {
      return TooLarge("the xlsx file holds " + std::to_string(entries) + " entries; at most " +
                      std::to_string(limits.max_entries) + " are read");
    }
    return archive;
  }
  ~Archive() { zip_discard(zip_); }
  Archive(const Archive&) = delete;
  Archive& operator=(const Archive&) = delete;

  bool Has(const std::string& name) const { return Locate(name) >= 0; }

  // The inflated content of entry `name`; nullopt when there is no such entry.
  Result<std::optional<std::string>> Read(const std::string& name) {
    zip_int64_t index = Locate(name);
    if (index < 0) return std::optional<std::string>();
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(zip_, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
      return Invalid("cannot read entry " + name);
    }
    uint64_t compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
    zip_file_t* file = zip_fopen_index(zip_, static_cast<zip_uint64_t>(index), 0);
    if (file == nullptr) return Invalid("cannot open entry " + name + " (" + Error() + ")");
    std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> guard(file, zip_fclose);
    std::string out;
    // The declared size is a hint for the first allocation only, never trusted as a bound.
    if ((st.valid & ZIP_STAT_SIZE) && st.size <= limits_.max_entry_bytes) out.reserve(st.size);
    char chunk[65536];
    for (;;) {
      zip_int64_t n = zip_fread(file, chunk, sizeof chunk);
      if (n < 0) return Invalid("entry " + name + " is corrupt (" + FileError(file) + ")");
      if (n == 0) break;
      out.append(chunk, static_cast<size_t>(n));
      total_ += static_cast<uint64_t>(n);
      Status limit = CheckLimits(name, out.size(), compressed);
      if (!limit.ok()) return limit;
    }
    return std::optional<std::string>(std::move(out));
  }

 private:
  Archive(zip_t* zip, const ReadLimits& limits) : zip_(zip), limits_(limits) {}

  zip_int64_t Locate(const std::string& name) const {
    return zip_name_locate(zip_, name.c_str(), ZIP_FL_NOCASE);
  }
  std::string Error() { return zip_error_strerror(zip_get_error(zip_)); }
  static std::string FileError(zip_file_t* file) {
    return zip_error_strerror(zip_file_get_error(file));
  }

  Status CheckLimits(const std::string& name, uint64_t inflated, uint64_t compressed) const {
    const std::string mib = std::to_string(limits_.max_total_bytes >> 20) + " MiB";
    if (inflated > limits_.max_entry_bytes || total_ > limits_.max_total_bytes) {
      return TooLarge("the xlsx file expands past " + mib + " (entry " + name + ")");
    }
    if (inflated > limits_.ratio_floor_bytes && inflated > limits_.max_ratio * compressed) {
      return TooLarge("entry " + name + " of the xlsx file expands more than " +
                      std::to_string(limits_.max_ratio) + " times (a zip bomb?)");
    }
    return Status::Ok();
  }

  zip_t* zip_;
  ReadLimits limits_;
  uint64_t total_ = 0;  // inflated bytes of every entry read so far
};

// ---- XML helpers -----------------------------------------------------------------------------

// Element and attribute names without their namespace prefix: writers differ ("x:row").
std::string_view LocalName(const char* name) {
  std::string_view n(name);
  size_t colon = n.find(':');
  return colon == std::string_view::npos ? n : n.substr(colon + 1);
}

pugi::xml_node Child(pugi::xml_node node, std::string_view local) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling()) {
    if (c.type() == pugi::node_element && LocalName(c.name()) == local) return c;
  }
  return {};
}

const char* Attr(pugi::xml_node node, std::string_view local) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    if (LocalName(a.name()) == local) return a.value();
  }
  return nullptr;
}

// Parses `text` in place (it must outlive `doc`). Whitespace-only text is kept when it is an
// element's only content: a cell holding " " is a value.
Status Parse(std::string& text, pugi::xml_document& doc, const std::string& name) {
  unsigned options = pugi::parse_default | pugi::parse_ws_pcdata_single | pugi::parse_embed_pcdata;
  pugi::xml_parse_result r = doc.load_buffer_inplace(text.data(), text.size(), options);
  if (!r) return Invalid(name + " is not well-formed XML (" + r.description() + ")");
  return Status::Ok();
}

struct Entry {
  std::string text;  // the buffer `doc` points into
  pugi::xml_document doc;
};

// Reads and parses entry `name`; nullopt-like (doc empty, returns false) when absent.
Result<bool> Load(Archive& zip, const std::string& name, Entry& out) {
  Result<std::optional<std::string>> text = zip.Read(name);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return false;
  out.text = std::move(**text);
  Status st = Parse(out.text, out.doc, name);
  if (!st.ok()) return st;
  return true;
}

// ---- Package structure -----------------------------------------------------------------------

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

// A relationship target resolved against the directory of its source part.
std::string Resolve(const std::string& dir, std::string_view target) {
  std::string path =
      target.starts_with('/') ? std::string(target.substr(1)) : dir + std::string(target);
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(std::move(part));
    }
    start = end + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

struct Relationship {
  std::string type;  // the last segment of the type URI: "worksheet", "sharedStrings", …
  std::string target;
};

// The relationships of part `part` by id, from its _rels/<name>.rels (empty when absent).
Result<std::vector<std::pair<std::string, Relationship>>> Relationships(Archive& zip,
                                                                        const std::string& part) {
  std::string dir = DirectoryOf(part);
  Entry rels;
  Result<bool> found = Load(zip, dir + "_rels/" + part.substr(dir.size()) + ".rels", rels);
  if (!found.ok()) return found.status();
  std::vector<std::pair<std::string, Relationship>> out;
  pugi::xml_node root = rels.doc.document_element();
  for (pugi::xml_node r = root.first_child(); r; r = r.next_sibling()) {
    if (r.type() != pugi::node_element || LocalName(r.name()) != "Relationship") continue;
    const char* id = Attr(r, "Id");
    const char* type = Attr(r, "Type");
    const char* target = Attr(r, "Target");
    if (id == nullptr || type == nullptr || target == nullptr) continue;
    std::string_view t(type);
    std::string last(t.substr(t.rfind('/') + 1));
    out.emplace_back(id, Relationship{last, Resolve(dir, target)});
  }
  return out;
}

// The workbook part: the package's officeDocument relationship, else the usual path.
Result<std::string> WorkbookPath(Archive& zip) {
  Result<std::vector<std::pair<std::string, Relationship>>> rels = Relationships(zip, "");
  if (!rels.ok()) return rels.status();
  for (const auto& [id, rel] : *rels) {
    if (rel.type == "officeDocument" && zip.Has(rel.target)) return rel.target;
  }
  if (zip.Has("xl/workbook.xml")) return std::string("xl/workbook.xml");
  return Invalid("the archive holds no workbook (xl/workbook.xml)");
}

struct SheetRef {
  std::string name;
  std::string path;
  std::string shared_strings;  // empty when the workbook has none
};

// The first sheet of the workbook whose relationship is a worksheet (not a chart sheet).
Result<SheetRef> FirstWorksheet(Archive& zip) {
  Result<std::string> workbook = WorkbookPath(zip);
  if (!workbook.ok()) return workbook.status();
  Entry wb;
  Result<bool> loaded = Load(zip, *workbook, wb);
  if (!loaded.ok()) return loaded.status();
  Result<std::vector<std::pair<std::string, Relationship>>> rels = Relationships(zip, *workbook);
  if (!rels.ok()) return rels.status();
  SheetRef ref;
  for (const auto& [id, rel] : *rels) {
    if (rel.type == "sharedStrings" && zip.Has(rel.target)) ref.shared_strings = rel.target;
  }
  pugi::xml_node sheets = Child(wb.doc.document_element(), "sheets");
  for (pugi::xml_node s = sheets.first_child(); s; s = s.next_sibling()) {
    if (s.type() != pugi::node_element || LocalName(s.name()) != "sheet") continue;
    const char* rid = Attr(s, "id");
    for (const auto& [id, rel] : *rels) {
      if (rid == nullptr || id != rid || rel.type != "worksheet") continue;
      if (!zip.Has(rel.target)) return Invalid("the worksheet " + rel.target + " is missing");
      ref.name = s.attribute("name").value();
      ref.path = rel.target;
      return ref;
    }
  }
  return Invalid("the workbook has no worksheet");
}

// ---- Values ----------------------------------------------------------------------------------

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, unsigned cp) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // a lone surrogate is no character
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// OOXML escapes characters XML cannot hold as _xHHHH_ (and a literal "_x" as _x005F_).
void AppendUnescaped(std::string& out, std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '_' && i + 6 < text.size() && text[i + 1] == 'x' && text[i + 6] == '_') {
      unsigned cp = 0;
      bool hex = true;
      for (size_t k = 2; k < 6 && hex; ++k) {
        int d = HexDigit(text[i + k]);
        hex = d >= 0;
        cp = cp * 16 + static_cast<unsigned>(d);
      }
      if (hex) {
        AppendUtf8(out, cp);
        i += 7;
        continue;
      }
    }
    out += text[i++];
  }
}

// Appends the text of a shared string item or an inline string: its <t>, or its runs' <t>s
// joined. Phonetic runs (<rPh>) are annotations, not text.
void AppendItemText(pugi::xml_node item, std::string& out) {
  for (pugi::xml_node c = item.first_child(); c; c = c.next_sibling()) {
    std::string_view name = LocalName(c.name());
    if (name == "t") {
      AppendUnescaped(out, c.child_value());
    } else if (name == "r") {
      AppendUnescaped(out, Child(c, "t").child_value());
    }
  }
}

// A number as the shortest text that reads back the same, integral values without ".0".
std::string FormatNumber(std::string_view raw) {
  double value = 0;
  auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || end != raw.data() + raw.size() || !std::isfinite(value)) {
    return std::string(raw);
  }
  char buf[64];
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    auto r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
    return std::string(buf, r.ptr);
  }
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  return std::string(buf, r.ptr);
}

// ---- The sheet -------------------------------------------------------------------------------

// One read's decoding into a Sheet: the shared-string table, then the rows, within the limits.
// Values are decoded into a scratch buffer and kept in the sheet's text; a cell that refers to
// a shared string points at the table's one copy.
class SheetDecoder {
 public:
  SheetDecoder(const ReadLimits& limits, Sheet& sheet) : limits_(limits), sheet_(sheet) {}

  Status SharedStrings(pugi::xml_node sst) {
    for (pugi::xml_node si = sst.first_child(); si; si = si.next_sibling()) {
      if (si.type() != pugi::node_element || LocalName(si.name()) != "si") continue;
      if (static_cast<int64_t>(shared_.size()) >= limits_.max_cells) {
        return TooLarge("the shared-string table of the xlsx file holds more than " +
                        std::to_string(limits_.max_cells) + " strings");
      }
      scratch_.clear();
      AppendItemText(si, scratch_);
      Result<std::string_view> kept = Keep();
      if (!kept.ok()) return kept.status();
      shared_.push_back(*kept);
    }
    return Status::Ok();
  }

  Status Rows(pugi::xml_node sheet_data) {
    int64_t next_number = 1;
    for (pugi::xml_node r = sheet_data.first_child(); r; r = r.next_sibling()) {
      if (r.type() != pugi::node_element || LocalName(r.name()) != "row") continue;
      Row row;
      row.number = next_number;
      if (const char* attr = Attr(r, "r")) {
        std::string_view text(attr);
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), row.number);
        if (ec != std::errc() || end != text.data() + text.size()) row.number = 0;
      }
      if (row.number < 1 || row.number > kMaxRows) {
        return Invalid("a row number is not within 1.." + std::to_string(kMaxRows));
      }
      // As for cells: two rows of one number, or a row before its predecessor, would make the
      // row numbers the import reports ambiguous.
      if (row.number < next_number) {
        return Invalid("row " + std::to_string(row.number) + " comes after row " +
                       std::to_string(next_number - 1));
      }
      next_number = row.number + 1;
      Status st = ReadRow(r, row);
      if (!st.ok()) return st;
      if (!row.cells.empty()) sheet_.rows.push_back(std::move(row));
    }
    return Status::Ok();
  }

 private:
  Status ReadRow(pugi::xml_node row, Row& out) {
    int next_column = 0;
    for (pugi::xml_node c = row.first_child(); c; c = c.next_sibling()) {
      if (c.type() != pugi::node_element || LocalName(c.name()) != "c") continue;
      int column = next_column;
      if (const char* ref = Attr(c, "r")) {
        column = ColumnIndex(ref);
        if (column < 0) return Invalid("bad cell reference \"" + std::string(ref) + "\"");
      }
      if (column >= kMaxColumns) return Invalid("a cell lies beyond column XFD");
      next_column = column + 1;
      Result<std::string_view> value = CellValue(c);
      if (!value.ok()) return value.status();
      if (value->empty()) continue;
      if (!out.cells.empty() && out.cells.back().column >= column) {
        return Invalid("cells of row " + std::to_string(out.number) + " are out of order");
      }
      if (++cells_ > limits_.max_cells) {
        return TooLarge("the worksheet holds more than " + std::to_string(limits_.max_cells) +
                        " cells");
      }
      out.cells.push_back(Cell{column, *value});
    }
    return Status::Ok();
  }

  Result<std::string_view> CellValue(pugi::xml_node c) {
    const char* type_attr = Attr(c, "t");
    std::string_view type = type_attr != nullptr ? type_attr : "n";
    scratch_.clear();
    if (type == "inlineStr") {
      AppendItemText(Child(c, "is"), scratch_);
      Result<std::string_view> kept = Keep();
      if (!kept.ok()) return kept;
      return UnquoteFormula(*kept);
    }
    pugi::xml_node v = Child(c, "v");
    if (!v) return std::string_view();
    std::string_view raw = v.child_value();
    if (type == "s") {
      size_t index = 0;
      auto [end, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), index);
      if (ec != std::errc() || end != raw.data() + raw.size() || index >= shared_.size()) {
        return Invalid("a cell refers to shared string " + std::string(raw) + ", which is missing");
      }
      return UnquoteFormula(shared_[index]);
    }
    if (type == "b") return std::string_view(raw == "1" ? "TRUE" : "FALSE");
    if (type == "n") {
      scratch_ = FormatNumber(raw);
    } else {
      AppendUnescaped(scratch_, raw);  // "str" (a formula's text), "e" (an error), "d" (a date)
    }
    return Keep();
  }

  // The scratch buffer, kept in the sheet's text.
  Result<std::string_view> Keep() {
    if (sheet_.text.bytes() + scratch_.size() > limits_.max_text_bytes) {
      return TooLarge("the xlsx file decodes to more than " +
                      std::to_string(limits_.max_text_bytes >> 20) +
                      " MiB of text (shared strings and cell values)");
    }
    return sheet_.text.Add(scratch_);
  }

  const ReadLimits& limits_;
  Sheet& sheet_;
  std::vector<std::string_view> shared_;  // into sheet_.text
  std::string scratch_;
  int64_t cells_ = 0;
};

}  // namespace

std::string_view TextArena::Add(std::string_view text) {
  constexpr size_t kChunk = 64 * 1024;
  if (text.empty()) return {};
  bytes_ += text.size();
  if (text.size() > kChunk / 4) {  // a chunk of its own, before the one being filled
    auto own = std::make_unique_for_overwrite<char[]>(text.size());
    std::copy(text.begin(), text.end(), own.get());
    auto at = chunks_.empty() ? chunks_.end() : chunks_.end() - 1;
    return std::string_view(chunks_.insert(at, std::move(own))->get(), text.size());
  }
  if (text.size() > capacity_ - used_) {
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(kChunk));
    used_ = 0;
    capacity_ = kChunk;
  }
  char* at = chunks_.back().get() + used_;
  std::copy(text.begin(), text.end(), at);
  used_ += text.size();
  return std::string_view(at, text.size());
}

std::string_view Row::At(int column) const {
  for (const Cell& c : cells) {
    if (c.column == column) return c.value;
    if (c.column > column) break;
  }
  return {};
}

int ColumnIndex(std::string_view ref) {
  int column = 0;
  size_t letters = 0;
  while (letters < ref.size() && letters < 4) {
    char c = ref[letters];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c < 'A' || c > 'Z') break;
    column = column * 26 + (c - 'A' + 1);
    ++letters;
  }
  if (letters == 0 || letters > 3 || column > kMaxColumns) return -1;
  return column - 1;
}

std::string ColumnName(int column) {
  std::string name;
  for (int n = column + 1; n > 0; n = (n - 1) / 26) {
    name.insert(name.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return name;
}

Result<Sheet> ReadFirstSheet(std::string_view data, const ReadLimits& limits) {
  Result<std::unique_ptr<Archive>> zip = Archive::Open(data, limits);
  if (!zip.ok()) return zip.status();
  Result<SheetRef> ref = FirstWorksheet(**zip);
  if (!ref.ok()) return ref.status();
  Sheet sheet;
  sheet.name = ref->name;
  SheetDecoder decoder(limits, sheet);
  if (!ref->shared_strings.empty()) {
    Entry sst;
    Result<bool> loaded = Load(**zip, ref->shared_strings, sst);
    if (!loaded.ok()) return loaded.status();
    Status st = decoder.SharedStrings(sst.doc.document_element());
    if (!st.ok()) return st;
  }
  Entry ws;
  Result<bool> loaded = Load(**zip, ref->path, ws);
  if (!loaded.ok()) return loaded.status();
  Status st = decoder.Rows(Child(ws.doc.document_element(), "sheetData"));
  if (!st.ok()) return st;
  return sheet;
}

}  // namespace sms::xlsx
