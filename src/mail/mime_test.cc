// RenderMime and ValidateMessage. The rendered mail is read back by an independent MIME
// reader, Python's email package (policy=default), which reports what a mail client would
// show: subject, addresses, bodies, attachment names and the SHA-256 of their bytes.

#include "mail/mime.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "mail/mailer.h"

namespace sms::mail {
namespace {

namespace json = boost::json;

constexpr Millis kNow = 1764309600000;  // 2025-11-28T06:00:00Z, a Friday

constexpr const char* kReader = R"PY(
import email, email.policy, hashlib, json, sys
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=email.policy.default)
def body(kind):
    part = m.get_body(preferencelist=(kind,))
    return None if part is None else part.get_content()
defects = []
for part in m.walk():
    defects += [str(d) for d in part.defects]
    for name, value in part.items():
        defects += ['%s: %s' % (name, d) for d in getattr(value, 'defects', ())]
print(json.dumps({
    'subject': str(m['subject']),
    'from': [[a.display_name, a.addr_spec] for a in m['from'].addresses],
    'to': [a.addr_spec for a in m['to'].addresses],
    'to_names': [a.display_name for a in m['to'].addresses],
    'date': m['date'].datetime.timestamp(),
    'message_id': str(m['message-id']),
    'content_type': m.get_content_type(),
    'text': body('plain'),
    'html': body('html'),
    'attachments': [{'name': a.get_filename(), 'type': a.get_content_type(),
                     'sha256': hashlib.sha256(a.get_payload(decode=True)).hexdigest()}
                    for a in m.iter_attachments()],
    'defects': defects,
}))
)PY";

std::filesystem::path TempPath(const std::string& suffix) {
  static std::atomic<int> seq{0};
  return std::filesystem::temp_directory_path() /
         ("sms_mime_test_" + std::to_string(::getpid()) + "_" + std::to_string(seq++) + suffix);
}

void WriteFile(const std::filesystem::path& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

// Parses `mime` with Python's email package; returns the JSON object the reader printed.
json::object ReadBack(const std::string& mime) {
  auto script = TempPath(".py");
  auto eml = TempPath(".eml");
  WriteFile(script, kReader);
  WriteFile(eml, mime);
  std::string command = "python3 " + script.string() + " " + eml.string();
  std::string out;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buf[4096];
    for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    EXPECT_EQ(::pclose(pipe), 0) << "python3 reader failed";
  } else {
    ADD_FAILURE() << "cannot run python3";
  }
  std::filesystem::remove(script);
  std::filesystem::remove(eml);
  boost::system::error_code ec;
  json::value v = json::parse(out, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "reader printed no JSON: " << out;
    return {};
  }
  return v.as_object();
}

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "<missing>";
}

std::string Sha256(const std::string& data) {
  auto path = TempPath(".bin");
  WriteFile(path, data);
  std::string command = "sha256sum " + path.string();
  char buf[65] = {};
  FILE* pipe = ::popen(command.c_str(), "r");
  size_t n = pipe != nullptr ? std::fread(buf, 1, 64, pipe) : 0;
  if (pipe != nullptr) ::pclose(pipe);
  std::filesystem::remove(path);
  EXPECT_EQ(n, 64u);
  return buf;
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += static_cast<char>(i);
  return s + s;
}

std::string LongText() {
  std::string s;
  for (int i = 0; i < 60; ++i) {
    s += "Dòng " + std::to_string(i) + ": máy chủ web-" + std::to_string(i) + " hoạt động 99.9%\n";
  }
  return s;  // > 1000 bytes, multi-byte characters across base64 line breaks
}

MailMessage Report() {
  MailMessage m;
  m.id = "daily-2025-11-27";
  m.from = "SMS Reports <sms@example.com>";
  m.to = {"admin@example.com", "ops.team@example.org"};
  m.subject = "Báo cáo hằng ngày — SMS";
  m.text = LongText();
  m.html = "<html><body><h1>Báo cáo</h1><p>Tổng: 3 máy chủ</p></body></html>";
  m.attachments = {
      {"uptime.bin", "application/octet-stream", AllBytes()},
      {"báo cáo ngày 27.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       "PK\x03\x04 not really a zip"}};
  return m;
}

// What a reader shows for a text body: the sent text with CRLF line breaks (MIME canonical).
std::string Crlf(const std::string& text) {
  return std::regex_replace(text, std::regex("\r?\n"), "\r\n");
}

std::vector<std::string> Lines(const std::string& mime) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < mime.size();) {
    size_t end = mime.find("\r\n", start);
    if (end == std::string::npos) end = mime.size();
    lines.push_back(mime.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

TEST(RenderMimeTest, PythonReadsBackEverythingThatWasSent) {
  MailMessage m = Report();
  ASSERT_TRUE(ValidateMessage(m).ok());
  json::object got = ReadBack(RenderMime(m, kNow));
  EXPECT_EQ(Str(got, "subject"), m.subject);
  EXPECT_EQ(json::serialize(got["from"]), R"([["SMS Reports","sms@example.com"]])");
  EXPECT_EQ(json::serialize(got["to"]), R"(["admin@example.com","ops.team@example.org"])");
  EXPECT_EQ(Str(got, "content_type"), "multipart/mixed");
  EXPECT_EQ(Str(got, "text"), Crlf(m.text));
  EXPECT_EQ(Str(got, "html"), m.html);
  ASSERT_TRUE(got["attachments"].is_array());
  const json::array& atts = got["attachments"].as_array();
  ASSERT_EQ(atts.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const json::object& a = atts[i].as_object();
    EXPECT_EQ(Str(a, "name"), m.attachments[i].filename);
    EXPECT_EQ(Str(a, "type"), m.attachments[i].content_type);
    EXPECT_EQ(Str(a, "sha256"), Sha256(m.attachments[i].data)) << "attachment " << i;
  }
  EXPECT_EQ(got["date"].to_number<double>(), kNow / 1000.0);
  EXPECT_EQ(Str(got, "message_id"), "<daily-2025-11-27@sms>");
  EXPECT_EQ(json::serialize(got["defects"]), "[]");
}

TEST(RenderMimeTest, TextOnlyMailIsASinglePlainPart) {
  MailMessage m = Report();
  m.html.clear();
  m.attachments.clear();
  m.subject = "Daily report";
  std::string mime = RenderMime(m, kNow);
  EXPECT_EQ(mime.find("multipart"), std::string::npos);
  EXPECT_NE(mime.find("\r\nSubject: Daily report\r\n"), std::string::npos);
  json::object got = ReadBack(mime);
  EXPECT_EQ(Str(got, "content_type"), "text/plain");
  EXPECT_EQ(Str(got, "subject"), "Daily report");
  EXPECT_EQ(Str(got, "text"), Crlf(m.text));
  EXPECT_TRUE(got["html"].is_null());
  EXPECT_TRUE(got["attachments"].as_array().empty());
  EXPECT_EQ(json::serialize(got["defects"]), "[]");
}

TEST(RenderMimeTest, TextAndHtmlWithoutAttachmentsIsAlternative) {
  MailMessage m = Report();
  m.attachments.clear();
  json::object got = ReadBack(RenderMime(m, kNow));
  EXPECT_EQ(Str(got, "content_type"), "multipart/alternative");
  EXPECT_EQ(Str(got, "text"), Crlf(m.text));
  EXPECT_EQ(Str(got, "html"), m.html);
  EXPECT_TRUE(got["attachments"].as_array().empty());
}

TEST(RenderMimeTest, CrlfEverywhereAndShortLines) {
  MailMessage m = Report();
  for (int i = 0; i < 40; ++i) m.to.push_back("user" + std::to_string(i) + "@example.com");
  m.subject = std::string(300, 'x') + " — " + m.subject;
  std::string mime = RenderMime(m, kNow);
  for (size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') {
      ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << "bare LF at " << i;
    }
    if (mime[i] == '\r') {
      ASSERT_TRUE(i + 1 < mime.size() && mime[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  ASSERT_TRUE(mime.ends_with("\r\n"));
  for (const std::string& line : Lines(mime)) {
    EXPECT_LE(line.size(), 998u) << line;  // RFC 5322's hard limit
    // The recommended limit, wherever a fold is possible: only a header holding one long
    // token (the xlsx content type) may pass it.
    if (line.size() > 78) {
      EXPECT_EQ(line.find(' ', line.find(": ") + 2), std::string::npos) << line;
    }
  }
  for (unsigned char c : mime) ASSERT_LT(c, 0x80) << "the rendered mail is 7-bit";
  json::object got = ReadBack(mime);
  EXPECT_EQ(Str(got, "subject"), m.subject);
  EXPECT_EQ(got["to"].as_array().size(), 42u);
  EXPECT_EQ(json::serialize(got["defects"]), "[]");
}

TEST(RenderMimeTest, SubjectEncodedWordsAreWholeCharactersOfAtMost75Chars) {
  MailMessage m = Report();
  m.subject = std::string(200, 'x') + "ỗ😀ằ";  // multi-byte characters at a word edge
  std::string mime = RenderMime(m, kNow);
  std::regex word(R"(=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=)");
  int words = 0;
  for (auto it = std::sregex_iterator(mime.begin(), mime.end(), word); it != std::sregex_iterator();
       ++it, ++words) {
    EXPECT_LE(it->length(), 75);
  }
  EXPECT_GE(words, 5);
  EXPECT_EQ(Str(ReadBack(mime), "subject"), m.subject);
}

TEST(RenderMimeTest, DateIsRfc5322InUtc) {
  EXPECT_NE(RenderMime(Report(), kNow).find("\r\nDate: Fri, 28 Nov 2025 06:00:00 +0000\r\n"),
            std::string::npos);
  // 2000-02-29T00:00:00Z + 25 h 61 s: across a leap day.
  Millis t = (951782400LL + 25 * 3600 + 61) * 1000 + 999;
  EXPECT_NE(RenderMime(Report(), t).find("\r\nDate: Wed, 01 Mar 2000 01:01:01 +0000\r\n"),
            std::string::npos);
}

TEST(RenderMimeTest, MessageIdIsValidAndDistinctPerId) {
  MailMessage a = Report();
  a.id = "report:42@user+x.y=z";
  MailMessage b = a;
  b.id = "report:42@user+x.y=Z";
  json::object got_a = ReadBack(RenderMime(a, kNow));
  json::object got_b = ReadBack(RenderMime(b, kNow));
  EXPECT_EQ(json::serialize(got_a["defects"]), "[]");
  EXPECT_NE(Str(got_a, "message_id"), Str(got_b, "message_id"));
  EXPECT_EQ(Str(got_a, "message_id"), Str(ReadBack(RenderMime(a, kNow + 1)), "message_id"));
  EXPECT_TRUE(std::regex_match(Str(got_a, "message_id"), std::regex(R"(<[A-Za-z0-9+_=-]+@sms>)")));
}

TEST(RenderMimeTest, DisplayNamesAndFilenamesNeedingQuotingOrEncodingRoundTrip) {
  MailMessage m = Report();
  m.from = "Doe, \"JD\" John <jd@example.com>";
  m.to = {"Trần Văn Ánh <anh@example.vn>", "plain@example.com"};
  std::string long_name = "Báo cáo thời gian hoạt động của toàn bộ máy chủ, tháng 11 năm 2025.xlsx";
  m.attachments = {{long_name, "", "data"}, {"a \"quoted\" name.txt", "text/plain", "x"}};
  json::object got = ReadBack(RenderMime(m, kNow));
  EXPECT_EQ(json::serialize(got["from"]), R"([["Doe, \"JD\" John","jd@example.com"]])");
  EXPECT_EQ(json::serialize(got["to_names"]), R"(["Trần Văn Ánh",""])");
  const json::array& atts = got["attachments"].as_array();
  ASSERT_EQ(atts.size(), 2u);
  EXPECT_EQ(Str(atts[0].as_object(), "name"), long_name);
  EXPECT_EQ(Str(atts[0].as_object(), "type"), "application/octet-stream");
  EXPECT_EQ(Str(atts[1].as_object(), "name"), "a \"quoted\" name.txt");
  EXPECT_EQ(json::serialize(got["defects"]), "[]");
}

TEST(RenderMimeTest, ContentThatLooksLikeABoundaryCannotBreakTheStructure) {
  MailMessage m = Report();
  std::string mime = RenderMime(m, kNow);
  std::smatch match;
  ASSERT_TRUE(std::regex_search(mime, match, std::regex(R"(boundary="(=_sms_[0-9A-F]+_m)\")")));
  // Put this very boundary, and its closing form, into every body and attachment.
  std::string evil = "\r\n--" + match[1].str() + "\r\n--" + match[1].str() + "--\r\n";
  m.text += evil;
  m.html += evil;
  m.attachments[0].data += evil;
  for (int attempt = 0; attempt < 3; ++attempt) {
    json::object got = ReadBack(RenderMime(m, kNow));
    EXPECT_EQ(Str(got, "text"), Crlf(m.text));
    EXPECT_EQ(Str(got, "html"), m.html);
    ASSERT_EQ(got["attachments"].as_array().size(), 2u);
    EXPECT_EQ(Str(got["attachments"].as_array()[0].as_object(), "sha256"),
              Sha256(m.attachments[0].data));
  }
  EXPECT_NE(RenderMime(m, kNow), RenderMime(m, kNow)) << "boundaries are random";
}

TEST(ValidateMessageTest, HeaderInjectionIsRejectedNamingTheField) {
  const std::string inject = "\r\nBcc: victim@example.com";
  struct Case {
    void (*mutate)(MailMessage&, const std::string&);
    const char* field;
  } cases[] = {
      {[](MailMessage& m, const std::string& s) { m.subject += s; }, "subject"},
      {[](MailMessage& m, const std::string& s) { m.subject += s.substr(1); }, "subject"},
      {[](MailMessage& m, const std::string& s) { m.from += s; }, "from"},
      {[](MailMessage& m, const std::string& s) { m.from = "Evil" + s + " <e@example.com>"; },
       "from"},
      {[](MailMessage& m, const std::string& s) { m.to[1] += s; }, "to"},
      {[](MailMessage& m, const std::string& s) { m.attachments[0].filename += s; }, "filename"},
      {[](MailMessage& m, const std::string& s) { m.attachments[0].content_type += s; },
       "content_type"},
  };
  for (const Case& c : cases) {
    MailMessage m = Report();
    c.mutate(m, inject);
    Status s = ValidateMessage(m);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.field;
    EXPECT_EQ(s.field(), c.field);
  }
}

TEST(ValidateMessageTest, InvalidAddressesAreRejectedNamingTheField) {
  const std::string bad[] = {"",
                             "no-at-sign",
                             "two words@example.com",
                             "user@exa mple.com",
                             "@example.com",
                             "user@",
                             "user@@example.com",
                             ".user@example.com",
                             "us..er@example.com",
                             "user@-example.com",
                             "user@example..com",
                             "usér@example.com",
                             std::string(65, 'a') + "@example.com",
                             "a@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
                                 std::string(63, 'd') + "." + std::string(63, 'e'),
                             "Name <>",
                             "<user@example.com>",
                             "Name user@example.com>",
                             "Name <user@example.com"};
  for (const std::string& address : bad) {
    MailMessage m = Report();
    m.to = {"ok@example.com", address};
    EXPECT_EQ(ValidateMessage(m).field(), "to") << address;
    m = Report();
    m.from = address;
    EXPECT_EQ(ValidateMessage(m).field(), "from") << address;
  }
  MailMessage m = Report();
  m.to.clear();
  EXPECT_EQ(ValidateMessage(m).field(), "to");
}

TEST(ValidateMessageTest, AcceptsOrdinaryAddressesAndRejectsBadIdsAndUtf8) {
  for (const char* ok : {"a@b", "first.last+tag@mail.example.co", "x_y-z@sub-1.example.com",
                         "Ops Team <ops@example.com>", "Nguyễn <n@example.vn>"}) {
    MailMessage m = Report();
    m.to = {ok};
    EXPECT_TRUE(ValidateMessage(m).ok()) << ok << ": " << ValidateMessage(m).ToString();
  }
  EXPECT_TRUE(
      ValidateAddress(std::string(64, 'a') + "@" + std::string(63, 'b') + ".com", "to").ok());
  for (const std::string& id : {std::string(), std::string(".hidden"), std::string("a/b"),
                                std::string("a b"), std::string(129, 'x')}) {
    MailMessage m = Report();
    m.id = id;
    EXPECT_EQ(ValidateMessage(m).field(), "id") << id;
  }
  MailMessage m = Report();
  m.subject = "bad \xC3\x28 utf-8";
  EXPECT_EQ(ValidateMessage(m).field(), "subject");
  m = Report();
  m.text = "overlong \xC0\xAF";
  EXPECT_EQ(ValidateMessage(m).field(), "text");
  m = Report();
  m.attachments[1].filename.clear();
  EXPECT_EQ(ValidateMessage(m).field(), "filename");
  m = Report();
  m.attachments[1].content_type = "not a type";
  EXPECT_EQ(ValidateMessage(m).field(), "content_type");
}

}  // namespace
}  // namespace sms::mail
