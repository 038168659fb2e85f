#include "roles/management/excel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <future>
#include <sstream>

#include "core/time.h"
#include "store/store.h"
#include "support/assert_ok.h"
#include "xlsx/reader.h"
#include "xlsx/test_workbook.h"
#include "xlsx/writer.h"

namespace sms::management {
namespace {

namespace json = boost::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr Millis kNow = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

std::string TempPath() {
  static int counter = 0;
  return ::testing::TempDir() + "excel_test_" + std::to_string(::getpid()) + "_" +
         std::to_string(counter++) + ".xlsx";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A cell of a fixture row: text, or a number stored as a number.
struct Value {
  Value(const char* s) : text(s) {}                // NOLINT: implicit for compact fixtures
  Value(double n) : number(n), is_number(true) {}  // NOLINT
  std::string text;
  double number = 0;
  bool is_number = false;
};

// An .xlsx whose first worksheet holds `rows` (row 1 first; an empty row is a gap).
std::string Workbook(const std::vector<std::vector<Value>>& rows) {
  std::string path = TempPath();
  std::unique_ptr<xlsx::Writer> w = sms::testing::ValueOrThrow(xlsx::Writer::Create(path), path);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      const Value& v = row[c];
      Status st = v.is_number
                      ? w->Number(static_cast<int>(c), v.number)
                      : (v.text.empty() ? Status::Ok() : w->String(static_cast<int>(c), v.text));
      EXPECT_TRUE(st.ok()) << st.ToString();
    }
    w->NextRow();
  }
  EXPECT_TRUE(w->Finish().ok());
  std::string bytes = ReadFile(path);
  std::filesystem::remove(path);
  return bytes;
}

std::string Multipart(const std::string& file, const std::string& field = "file") {
  return "--sms-boundary\r\nContent-Disposition: form-data; name=\"" + field +
         "\"; filename=\"servers.xlsx\"\r\nContent-Type: " + kXlsxContentType + "\r\n\r\n" + file +
         "\r\n--sms-boundary--\r\n";
}

class ExcelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_ = std::make_shared<ManualClock>(kNow);
    ASSERT_OK_AND_ASSIGN(store_, store::MakeStore({"sqlite::memory:"}));
    ASSERT_OK_AND_ASSIGN(auto history, history::MakeHistory({}, store_));
    ASSERT_OK_AND_ASSIGN(auto cache, cache::MakeCache({}));
    backends_ = {store_, history, cache, clock_};
    mgmt_ = std::make_unique<Management>(backends_);
    mgmt_->Register(router_);
  }

  http::Response Call(const std::string& method, const std::string& path,
                      std::map<std::string, std::string> query = {}, std::string body = "",
                      std::string content_type = "multipart/form-data; boundary=sms-boundary") {
    http::Request req;
    req.method = method;
    req.path = req.target = path;
    req.query = std::move(query);
    req.body = std::move(body);
    req.headers.emplace_back("content-type", std::move(content_type));
    std::string route;
    return router_.Handle(req, &route);
  }

  http::Response Import(const std::string& xlsx) {
    return Call("POST", "/api/v1/servers/import", {}, Multipart(xlsx));
  }

  // The rows of an export response's file, as cell texts by column name.
  static std::vector<std::map<std::string, std::string>> ExportRows(const http::Response& res) {
    EXPECT_NE(res.file, nullptr);
    if (res.file == nullptr) return {};
    std::string bytes(res.file->size(), '\0');
    auto read = res.file->Read(0, bytes.data(), bytes.size());
    EXPECT_TRUE(read.ok() && *read == bytes.size()) << read.status().ToString();
    Result<xlsx::Sheet> sheet = xlsx::ReadFirstSheet(bytes);
    EXPECT_TRUE(sheet.ok()) << sheet.status().ToString();
    if (!sheet.ok()) return {};
    EXPECT_EQ(sheet->name, "servers");
    std::vector<std::map<std::string, std::string>> rows;
    for (size_t i = 1; i < sheet->rows.size(); ++i) {
      auto& row = rows.emplace_back();
      for (size_t c = 0; c < ExportColumns().size(); ++c) {
        std::string v(sheet->rows[i].At(static_cast<int>(c)));
        if (!v.empty()) row[ExportColumns()[c]] = v;
      }
    }
    return rows;
  }

  static json::value Body(const http::Response& r) { return json::parse(r.body); }

  std::shared_ptr<ManualClock> clock_;
  store::StorePtr store_;
  ManagementBackends backends_;
  std::unique_ptr<Management> mgmt_;  // its routes point at it
  http::Router router_;
};

std::vector<std::string> Failures(const ImportReport& r) {
  std::vector<std::string> out;
  for (const ImportFailure& f : r.failed) {
    out.push_back(std::to_string(f.row) + " " + f.server_id + "/" + f.server_name + ": " +
                  f.reason);
  }
  return out;
}

std::vector<std::string> Ids(const std::vector<Server>& servers) {
  std::vector<std::string> ids;
  for (const Server& s : servers) ids.push_back(s.server_id);
  return ids;
}

// ---- ImportWorkbook --------------------------------------------------------------------------

TEST_F(ExcelTest, ImportsTheGoodRowsAndSaysWhyTheOthersWereNot) {
  ASSERT_TRUE(store_->CreateServer({"taken", "Taken", "10.9.9.9", ""}, kNow - 1000).ok());
  std::string xlsx = Workbook({
      {"IPv4", " Server_Name ", "notes", "SERVER_ID", "Hostname", "status"},  // any order, case
      {"10.0.0.1", "Web 01", "first", "web-01", "web-01.local", "on"},        // 2: imported
      {" 10.0.0.2 ", "  DB 01 ", "", 12345.0, "", ""},    // 3: numeric id, trimmed: imported
      {},                                                 // 4: a gap
      {"10.0.0.3", "Web 01", "", "web-02"},               // 5: name repeats row 2
      {"10.0.0.4", "Other", "", "web-01"},                // 6: id repeats row 2
      {"10.0.0.300", "Bad IP", "", "bad-ip"},             // 7: invalid ipv4
      {"", "No IP", "", "no-ip"},                         // 8: ipv4 missing
      {"10.0.0.5", "", "", "no-name"},                    // 9: name missing
      {"10.0.0.6", "Bad id", "", "bad id!"},              // 10: invalid server_id
      {"10.0.0.7", "Taken id", "", "taken"},              // 11: stored already
      {"10.0.0.8", "Taken", "", "fresh"},                 // 12: name stored already
      {"10.0.0.9", "Status", "", "status", "", "maybe"},  // 13: bad status
      {"", "", "only a note"},                            // 14: no server here: skipped
      {"10.0.0.10", "Last", "", "last", "", "OFF"},       // 15: imported
  });
  Result<ImportReport> r = ImportWorkbook(*store_, xlsx, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Ids(r->imported), ElementsAre("web-01", "12345", "last"));
  EXPECT_THAT(Failures(*r), ElementsAre("5 web-02/Web 01: server_name repeats row 2",
                                        "6 web-01/Other: server_id repeats row 2",
                                        HasSubstr("7 bad-ip/Bad IP: ipv4 must be a dotted quad"),
                                        "8 no-ip/No IP: ipv4 is required",
                                        HasSubstr("9 no-name/: server_name must be"),
                                        HasSubstr("10 bad id!/Bad id: server_id must be"),
                                        "11 taken/Taken id: server_id \"taken\" already exists",
                                        "12 fresh/Taken: server_name \"Taken\" already exists",
                                        "13 status/Status: status must be on or off"));
  ASSERT_OK_AND_ASSIGN(Server db, store_->GetServer("12345"));
  EXPECT_EQ(db.server_name, "DB 01");
  EXPECT_EQ(db.ipv4, "10.0.0.2");
  EXPECT_EQ(db.status, ServerStatus::kOff);  // status comes from heartbeats, never a file
  EXPECT_EQ(db.created_time, kNow);
  ASSERT_OK_AND_ASSIGN(Server web, store_->GetServer("web-01"));
  EXPECT_EQ(web.hostname, "web-01.local");
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store_->Stats());
  EXPECT_EQ(stats.total, 4);
}

TEST_F(ExcelTest, ANameTypedWithACombiningAccentIsTheNameItLooksLike) {
  // "Café" with U+00E9 is stored; the file spells names with U+0301 COMBINING ACUTE ACCENT.
  ASSERT_TRUE(store_->CreateServer({"cafe", "Caf\xC3\xA9", "10.9.9.9", ""}, kNow - 1000).ok());
  Result<ImportReport> r = ImportWorkbook(*store_,
                                          Workbook({{"server_id", "server_name", "ipv4"},
                                                    {"cafe-2", "Cafe\xCC\x81", "10.0.0.1"},
                                                    {"tea", "The\xCC\x81", "10.0.0.2"},
                                                    {"tea-2", "Th\xC3\xA9", "10.0.0.3"}}),
                                          kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Ids(r->imported), ElementsAre("tea"));
  EXPECT_THAT(Failures(*r),
              ElementsAre("2 cafe-2/Caf\xC3\xA9: server_name \"Caf\xC3\xA9\" already exists",
                          "4 tea-2/Th\xC3\xA9: server_name repeats row 3"));
  auto tea = store_->GetServer("tea");
  ASSERT_TRUE(tea.ok()) << tea.status().ToString();
  EXPECT_EQ(tea->server_name, "Th\xC3\xA9");
}

TEST_F(ExcelTest, ANameThatDiffersOnlyInCaseIsTheSameName) {
  ASSERT_TRUE(store_->CreateServer({"taken", "Taken", "10.9.9.9", ""}, kNow - 1000).ok());
  Result<ImportReport> r = ImportWorkbook(*store_,
                                          Workbook({{"server_id", "server_name", "ipv4"},
                                                    {"t-2", "TAKEN", "10.0.0.1"},
                                                    {"web-1", "Web 01", "10.0.0.2"},
                                                    {"web-2", "WEB 01", "10.0.0.3"}}),
                                          kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Ids(r->imported), ElementsAre("web-1"));
  EXPECT_THAT(Failures(*r), ElementsAre("2 t-2/TAKEN: server_name \"TAKEN\" already exists",
                                        "4 web-2/WEB 01: server_name repeats row 3"));
}

void ExpectFileError(const Result<ImportReport>& r, const std::string& words) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(r.status().field(), "file");
  EXPECT_THAT(r.status().message(), HasSubstr(words));
}

TEST_F(ExcelTest, AFileThatCannotBeImportedImportsNothing) {
  ExpectFileError(
      ImportWorkbook(*store_, Workbook({{"server_id", "server_name"}, {"a", "A"}}), kNow),
      "lacks the required column(s) ipv4");
  ExpectFileError(
      ImportWorkbook(*store_, Workbook({{"id", "name", "ip"}, {"a", "A", "1.2.3.4"}}), kNow),
      "server_id, server_name, ipv4");
  ExpectFileError(
      ImportWorkbook(*store_, Workbook({{"server_id", "server_name", "ipv4", "SERVER_ID"}}), kNow),
      "names column server_id twice");
  ExpectFileError(ImportWorkbook(*store_, Workbook({}), kNow), "the worksheet is empty");
  ExpectFileError(ImportWorkbook(*store_, "server_id,server_name,ipv4\na,A,1.2.3.4\n", kNow),
                  "not a zip archive");
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store_->Stats());
  EXPECT_EQ(stats.total, 0);
}

TEST_F(ExcelTest, TheHeaderIsTheFirstNonEmptyRow) {
  Result<ImportReport> r = ImportWorkbook(
      *store_, Workbook({{}, {}, {"server_id", "server_name", "ipv4"}, {"a", "A", "10.0.0.1"}}),
      kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Ids(r->imported), ElementsAre("a"));
}

// A workbook of `rows` servers below a header (server_id, server_name, ipv4, notes) whose
// server_name (`in_name`) or notes cells all refer to one shared string of 1 MiB.
std::string OneMebibyteShared(int rows, bool in_name) {
  using xlsx::testing::InlineCell;
  using xlsx::testing::SharedCell;
  std::string xml = "<row r=\"1\">" + InlineCell("A1", "server_id") +
                    InlineCell("B1", "server_name") + InlineCell("C1", "ipv4") +
                    InlineCell("D1", "notes") + "</row>";
  for (int r = 2; r < 2 + rows; ++r) {
    std::string n = std::to_string(r);
    std::string ip = "10.0." + std::to_string(r / 250) + "." + std::to_string(r % 250);
    xml += "<row r=\"" + n + "\">" + InlineCell("A" + n, "id-" + n) +
           (in_name ? SharedCell("B" + n, 0) : InlineCell("B" + n, "Name " + n)) +
           InlineCell("C" + n, ip) + (in_name ? "" : SharedCell("D" + n, 0)) + "</row>";
  }
  return xlsx::testing::RawWorkbook({xlsx::testing::IncompressibleText(size_t{1} << 20)}, xml);
}

// An import reads at most 64 MiB of text from the columns it knows, each cell counted, however
// the cells share their strings; the columns it ignores are never counted.
TEST_F(ExcelTest, TextPastTheImportLimitIsRefusedAndImportsNothing) {
  std::string refused = OneMebibyteShared(65, true);  // 65 MiB of server_name
  Result<ImportReport> r = ImportWorkbook(*store_, refused, kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
  EXPECT_EQ(r.status().field(), "file");
  EXPECT_THAT(r.status().message(), HasSubstr("64 MiB"));
  http::Response res = Import(refused);
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(Body(res).at("error").at("code"), "payload_too_large");
  EXPECT_EQ(Body(res).at("error").at("field"), "file");
  EXPECT_EQ(store_->Stats()->total, 0);

  r = ImportWorkbook(*store_, OneMebibyteShared(100, false), kNow);  // 100 MiB of notes, unread
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported.size(), 100u);
}

// ---- The import endpoint ---------------------------------------------------------------------

TEST_F(ExcelTest, ImportAnswersWithWhatWasImportedAndWhatFailed) {
  http::Response res = Import(Workbook(
      {{"server_id", "server_name", "ipv4"}, {"a", "A", "10.0.0.1"}, {"b", "A", "10.0.0.2"}}));
  ASSERT_EQ(res.status, 200) << res.body;
  json::value body = Body(res);
  EXPECT_EQ(body.at("imported").at("count"), 1);
  EXPECT_EQ(body.at("imported").at("items").at(0).at("server_id"), "a");
  EXPECT_EQ(body.at("imported").at("items").at(0).at("status"), "off");
  EXPECT_EQ(body.at("imported").at("items").at(0).at("created_time").as_string(), FormatTime(kNow));
  EXPECT_EQ(body.at("imported").at("truncated"), false);
  EXPECT_EQ(body.at("failed").at("count"), 1);
  EXPECT_EQ(body.at("failed").at("truncated"), false);
  EXPECT_EQ(body.at("failed").at("items").at(0),
            json::parse(R"({"row":3,"server_id":"b","server_name":"A",
                            "reason":"server_name repeats row 2"})"));
  EXPECT_EQ(Call("GET", "/api/v1/servers/a").status, 200);
}

// A large import answers with complete counts but at most 10 000 items in each list: the first
// ones, in worksheet order, and "truncated": true.
TEST_F(ExcelTest, ALargeImportListsTheFirstTenThousandOfEach) {
  std::vector<std::vector<Value>> rows = {{"server_id", "server_name", "ipv4"}};
  for (int i = 0; i < 10'050; ++i) {
    std::string n = std::to_string(i);
    rows.push_back({("s-" + n).c_str(), ("S " + n).c_str(), "10.0.0.1"});
  }
  for (int i = 0; i < 10'003; ++i) {
    std::string n = std::to_string(i);
    rows.push_back({("bad-" + n).c_str(), ("Bad " + n).c_str(), "10.0.0.300"});
  }
  http::Response res = Import(Workbook(rows));
  ASSERT_EQ(res.status, 200) << res.body.substr(0, 500);
  json::value body = Body(res);
  const json::value& imported = body.at("imported");
  EXPECT_EQ(imported.at("count"), 10'050);
  EXPECT_EQ(imported.at("truncated"), true);
  ASSERT_EQ(imported.at("items").as_array().size(), kMaxImportItems);
  EXPECT_EQ(imported.at("items").at(0).at("server_id"), "s-0");
  EXPECT_EQ(imported.at("items").at(9'999).at("server_id"), "s-9999");
  const json::value& failed = body.at("failed");
  EXPECT_EQ(failed.at("count"), 10'003);
  EXPECT_EQ(failed.at("truncated"), true);
  ASSERT_EQ(failed.at("items").as_array().size(), kMaxImportItems);
  EXPECT_EQ(failed.at("items").at(0).at("row"), 10'052);  // after the header and the good rows
  EXPECT_EQ(failed.at("items").at(9'999).at("server_id"), "bad-9999");
  EXPECT_EQ(store_->Stats()->total, 10'050);
}

TEST_F(ExcelTest, ImportRejectsBadRequestsWithClearErrors) {
  std::string good = Workbook({{"server_id", "server_name", "ipv4"}, {"a", "A", "10.0.0.1"}});
  http::Response json_body = Call("POST", "/api/v1/servers/import", {}, "{}", "application/json");
  EXPECT_EQ(json_body.status, 415);
  EXPECT_EQ(Body(json_body).at("error").at("field"), "content-type");
  http::Response no_field = Call("POST", "/api/v1/servers/import", {}, Multipart(good, "upload"));
  EXPECT_EQ(no_field.status, 400);
  EXPECT_EQ(Body(no_field).at("error").at("field"), "file");
  http::Response broken = Call("POST", "/api/v1/servers/import", {}, "--sms-boundary\r\njunk");
  EXPECT_EQ(broken.status, 400);
  http::Response not_xlsx = Import("just text");
  EXPECT_EQ(not_xlsx.status, 400);
  EXPECT_EQ(Body(not_xlsx).at("error").at("code"), "invalid_argument");
  EXPECT_EQ(Body(not_xlsx).at("error").at("field"), "file");
  EXPECT_THAT(std::string(Body(not_xlsx).at("error").at("message").as_string()),
              HasSubstr("not a valid xlsx file"));
  http::Response too_big = Import(good + std::string(kMaxImportFileBytes, 'x'));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(Body(too_big).at("error").at("code"), "payload_too_large");
  EXPECT_EQ(Body(too_big).at("error").at("field"), "file");
  ASSERT_OK_AND_ASSIGN(FleetStats stats, store_->Stats());
  EXPECT_EQ(stats.total, 0);
}

// A clock whose Now() waits for the test: it holds an import in the middle of its work.
class GateClock final : public Clock {
 public:
  Millis Now() const override {
    entered_.set_value();
    release_.wait();
    return kNow;
  }
  std::future<void> Entered() { return entered_.get_future(); }
  void Release() { release_promise_.set_value(); }

 private:
  mutable std::promise<void> entered_;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
};

TEST_F(ExcelTest, OneImportRunsAtATime) {
  auto gate = std::make_shared<GateClock>();
  ManagementBackends held = backends_;
  held.clock = gate;
  http::Request req;
  req.method = "POST";
  req.body = Multipart(Workbook({{"server_id", "server_name", "ipv4"}, {"a", "A", "10.0.0.1"}}));
  req.headers.emplace_back("content-type", "multipart/form-data; boundary=sms-boundary");
  std::future<void> entered = gate->Entered();
  auto first = std::async(std::launch::async, [&] { return ImportHandler(held, req); });
  entered.wait();  // the first import is under way
  http::Response second = ImportHandler(backends_, req);
  EXPECT_EQ(second.status, 429);
  EXPECT_EQ(Body(second).at("error").at("code"), "too_many_requests");
  EXPECT_THAT(second.headers,
              ::testing::Contains(std::make_pair(std::string("Retry-After"), std::string("5"))));
  gate->Release();
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(ImportHandler(backends_, req).status, 200);  // free again (all rows taken now)
}

TEST_F(ExcelTest, ImportTakesTenMebibytesPlusTheFormAndNoMore) {
  auto route = router_.Find("POST", "/api/v1/servers/import");
  ASSERT_NE(route, nullptr);
  EXPECT_GT(route->body_limit, kMaxImportFileBytes);
  EXPECT_LE(route->body_limit, kMaxImportFileBytes + 128 * 1024);
}

// ---- Export ----------------------------------------------------------------------------------

TEST_F(ExcelTest, ExportWritesEveryMatchWithRealDates) {
  ASSERT_TRUE(store_->CreateServer({"web-02", "Web 02", "10.0.0.2", "w2"}, kNow - 2000).ok());
  ASSERT_TRUE(store_->CreateServer({"web-01", "Web 01", "10.0.0.1", ""}, kNow - 1000).ok());
  ASSERT_TRUE(store_->CreateServer({"db-01", "DB", "", ""}, kNow).ok());
  Heartbeat hb;
  hb.id = "hb-1";
  hb.server_id = "web-02";
  hb.received_at = kNow + 86'400'000;  // a day later
  ASSERT_TRUE(store_->ApplyHeartbeats({hb}, {}).ok());

  http::Response res = Call("GET", "/api/v1/servers/export", {{"q", "web"}, {"sort", "ipv4"}});
  ASSERT_EQ(res.status, 200) << res.body;
  EXPECT_EQ(res.content_type, kXlsxContentType);
  EXPECT_THAT(res.headers, ::testing::Contains(std::make_pair(
                               std::string("Content-Disposition"),
                               std::string("attachment; filename=\"servers-2026-11-28.xlsx\""))));
  auto rows = ExportRows(res);
  ASSERT_EQ(rows.size(), 2u);
  // Dates are serial day numbers (with a date format): kNow - 1 s, within a millisecond.
  auto days = [&](const std::string& column) { return std::stod(rows[0].at(column)); };
  for (const char* column : {"created_time", "last_updated", "status_changed_at"}) {
    EXPECT_NEAR(days(column), xlsx::ExcelDate(kNow - 1000), 1.0 / 86'400'000) << column;
    rows[0].erase(column);
  }
  using M = std::map<std::string, std::string>;
  EXPECT_EQ(rows[0], (M{{"server_id", "web-01"},  // never seen: no last_seen, no hostname
                        {"server_name", "Web 01"},
                        {"ipv4", "10.0.0.1"},
                        {"status", "off"},
                        {"interval", "30"}}));
  EXPECT_EQ(rows[1].at("server_id"), "web-02");
  EXPECT_EQ(rows[1].at("hostname"), "w2");
  EXPECT_EQ(rows[1].at("status"), "on");
  EXPECT_EQ(rows[1].at("last_seen"), "46355.25");
}

// Names a spreadsheet could turn into formulas too: they leave as text with a ' in front (see
// xlsx/formula_quote.h) and come back exactly as they were.
TEST_F(ExcelTest, AnExportImportsIntoAnotherStoreAsItIs) {
  for (int i = 0; i < 50; ++i) {
    std::string n = std::to_string(i);
    ASSERT_TRUE(store_->CreateServer({"s-" + n, "Server " + n, "10.0.1." + n, "h" + n}, kNow).ok());
  }
  const std::vector<std::string> formulas = {"=HYPERLINK(\"http://evil.example\",\"x\")",
                                             "=cmd|' /C calc'!A0",
                                             "+1+2",
                                             "@SUM(A1)",
                                             "'=quoted already",
                                             "''-two quotes",
                                             "'plain'",
                                             "a=b"};
  for (size_t i = 0; i < formulas.size(); ++i) {
    std::string n = std::to_string(i);
    ASSERT_TRUE(store_->CreateServer({"-f" + n, formulas[i], "10.0.2." + n, ""}, kNow).ok());
  }
  const size_t total = 50 + formulas.size();
  http::Response res = Call("GET", "/api/v1/servers/export");
  ASSERT_EQ(res.status, 200) << res.body;
  std::string bytes(res.file->size(), '\0');
  ASSERT_OK_AND_ASSIGN(size_t read, res.file->Read(0, bytes.data(), bytes.size()));
  ASSERT_EQ(read, bytes.size());
  ASSERT_OK_AND_ASSIGN(store::StorePtr other, store::MakeStore({"sqlite::memory:"}));
  Result<ImportReport> r = ImportWorkbook(*other, bytes, kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->imported.size(), total);
  EXPECT_THAT(r->failed, ::testing::IsEmpty());
  ASSERT_OK_AND_ASSIGN(Server s7, other->GetServer("s-7"));
  EXPECT_EQ(s7.hostname, "h7");
  for (size_t i = 0; i < formulas.size(); ++i) {
    Result<Server> s = other->GetServer("-f" + std::to_string(i));
    ASSERT_TRUE(s.ok()) << i;
    EXPECT_EQ(s->server_name, formulas[i]);
  }
  // The same file again: every row is taken now.
  r = ImportWorkbook(*other, bytes, kNow);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->imported.size(), 0u);
  EXPECT_EQ(r->failed.size(), total);
}

TEST_F(ExcelTest, ExportRejectsPagingAndBadFilters) {
  http::Response paged = Call("GET", "/api/v1/servers/export", {{"limit", "10"}});
  EXPECT_EQ(paged.status, 400);
  EXPECT_EQ(Body(paged).at("error").at("field"), "limit");
  http::Response sort = Call("GET", "/api/v1/servers/export", {{"sort", "password"}});
  EXPECT_EQ(sort.status, 400);
  EXPECT_EQ(Body(sort).at("error").at("field"), "sort");
  http::Response status = Call("GET", "/api/v1/servers/export", {{"status", "maybe"}});
  EXPECT_EQ(status.status, 400);
}

TEST_F(ExcelTest, TagsGoOutAndComeBackInATagsColumn) {
  ServerInput a{"a", "A", "10.0.0.1", "", {"prod", "web"}};
  ServerInput b{"b", "B", "10.0.0.2", "", {"prod"}};
  ASSERT_TRUE(store_->CreateServer(a, kNow).ok());
  ASSERT_TRUE(store_->CreateServer(b, kNow).ok());
  ASSERT_TRUE(store_->CreateServer({"c", "C", "10.0.0.3", ""}, kNow).ok());
  http::Request req;
  req.method = "GET";
  req.path = req.target = "/api/v1/servers/export";
  req.query_list = {{"tag", "prod"}, {"tag", "web"}};
  req.query = {{"tag", "web"}};
  std::string route;
  http::Response res = router_.Handle(req, &route);
  ASSERT_EQ(res.status, 200) << res.body;
  auto rows = ExportRows(res);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].at("tags"), "prod,web");

  Result<ImportReport> r = ImportWorkbook(*store_,
                                          Workbook({{"server_id", "server_name", "ipv4", "Tags"},
                                                    {"d", "D", "10.0.0.4", "Rack:B7, prod,,prod"},
                                                    {"e", "E", "10.0.0.5", ""},
                                                    {"f", "F", "10.0.0.6", "no spaces inside"}}),
                                          kNow);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_THAT(Ids(r->imported), ElementsAre("d", "e"));
  ASSERT_EQ(r->failed.size(), 1u);
  EXPECT_EQ(r->failed[0].row, 4);
  EXPECT_THAT(r->failed[0].reason, HasSubstr("tag"));
  ASSERT_OK_AND_ASSIGN(Server d, store_->GetServer("d"));
  EXPECT_THAT(d.tags, ElementsAre("rack:b7", "prod"));
  ASSERT_OK_AND_ASSIGN(Server e, store_->GetServer("e"));
  EXPECT_TRUE(e.tags.empty());
}

TEST_F(ExcelTest, ExportOfNothingIsAHeaderRow) {
  http::Response res = Call("GET", "/api/v1/servers/export", {{"server_id", "none"}});
  ASSERT_EQ(res.status, 200);
  EXPECT_TRUE(ExportRows(res).empty());
}

TEST_F(ExcelTest, TheLiteralRoutesOwnTheirPaths) {
  // A server stored with the id "import" before it was reserved: /servers/import is still the
  // import's path, whose only method is POST, and the server is read through the list.
  ASSERT_TRUE(store_->CreateServer({"import", "Import", "", ""}, kNow).ok());
  for (const char* method : {"GET", "PATCH", "DELETE"}) {
    http::Response res = Call(method, "/api/v1/servers/import", {}, R"({"server_name":"x"})",
                              "application/json");
    EXPECT_EQ(res.status, 405) << method;
    ASSERT_EQ(res.headers.size(), 1u) << method;
    EXPECT_EQ(res.headers[0].second, "POST") << method;
  }
  EXPECT_EQ(Call("POST", "/api/v1/servers/export").status, 405);
  http::Response list = Call("GET", "/api/v1/servers", {{"server_id", "import"}});
  ASSERT_EQ(list.status, 200);
  EXPECT_NE(list.body.find(R"("server_name":"Import")"), std::string::npos) << list.body;
}

TEST(ExportFileNameTest, IsDatedInUtc) {
  EXPECT_EQ(ExportFileName(kNow), "servers-2026-11-28.xlsx");
  EXPECT_EQ(ExportFileName(kNow + 18 * 3600 * 1000 - 1), "servers-2026-11-28.xlsx");
  EXPECT_EQ(ExportFileName(kNow + 18 * 3600 * 1000), "servers-2026-11-29.xlsx");
}

}  // namespace
}  // namespace sms::management
