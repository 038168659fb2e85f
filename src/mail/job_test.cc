// Mail jobs on the bus (EncodeJob / DecodeJob / ValidateJob) and the base64 they carry
// attachments in.

#include "mail/job.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "mail/base64.h"
#include "mail/mime.h"

namespace sms::mail {
namespace {

namespace json = boost::json;

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += char(i);
  return s;
}

MailJob FullJob() {
  MailJob job;
  job.id = "report-2025-11-27";
  job.to = {"ops@example.com", "Ngọc Anh <anh@example.com>"};
  job.subject = "Báo cáo uptime";
  job.text = "line 1\nline 2";
  job.html = "<p>line 1</p>";
  job.attachments = {{"uptime.xlsx", "application/vnd.ms-excel", AllBytes()},
                     {"empty.bin", "", ""}};
  job.attempts = 3;
  job.error = "unavailable: smtp down";
  return job;
}

TEST(Base64Test, KnownVectorsRoundTrip) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  for (const char* text : {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYmFy"}) {
    auto decoded = Base64Decode(text);
    ASSERT_TRUE(decoded.has_value()) << text;
    EXPECT_EQ(Base64Encode(*decoded), text);
  }
  EXPECT_EQ(Base64Decode(Base64Encode(AllBytes())), AllBytes());
}

TEST(Base64Test, RejectsWhatIsNotCanonicalPaddedBase64) {
  for (const char* bad : {"Zg", "Zg=", "Z===", "====", "Zm9v\n", "Zm 9", "Zm9*", "Zg==Zg==",
                          "Zh==",  // unused bits set: not the encoding of any byte string
                          "Zm9=",  // likewise for one byte of padding
                          "=Zm9"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

TEST(JobTest, EncodeDecodeRoundTripsEveryField) {
  MailJob job = FullJob();
  auto decoded = DecodeJob(EncodeJob(job));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->id, job.id);
  EXPECT_EQ(decoded->to, job.to);
  EXPECT_EQ(decoded->subject, job.subject);
  EXPECT_EQ(decoded->text, job.text);
  EXPECT_EQ(decoded->html, job.html);
  ASSERT_EQ(decoded->attachments.size(), 2u);
  EXPECT_EQ(decoded->attachments[0].filename, "uptime.xlsx");
  EXPECT_EQ(decoded->attachments[0].content_type, "application/vnd.ms-excel");
  EXPECT_EQ(decoded->attachments[0].data, AllBytes());
  EXPECT_EQ(decoded->attachments[1].data, "");
  EXPECT_EQ(decoded->attempts, 3);
  EXPECT_EQ(decoded->error, job.error);
}

TEST(JobTest, WireFormatIsTheDocumentedJson) {
  MailJob job;
  job.id = "j1";
  job.to = {"a@example.com"};
  job.subject = "s";
  job.text = "t";
  job.attachments = {{"a.bin", "application/octet-stream", "foo"}};
  json::value v = json::parse(EncodeJob(job));
  EXPECT_EQ(v, json::parse(R"({"id":"j1","to":["a@example.com"],"subject":"s","text":"t",
      "attachments":[{"filename":"a.bin","content_type":"application/octet-stream",
                      "data":"Zm9v"}],"attempts":0})"));
}

TEST(JobTest, OptionalMembersMayBeMissingAndUnknownOnesAreIgnored) {
  auto job = DecodeJob(R"({"id":"x","to":["a@example.com"],"priority":"high","html":null})");
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->subject, "");
  EXPECT_EQ(job->text, "");
  EXPECT_EQ(job->html, "");
  EXPECT_TRUE(job->attachments.empty());
  EXPECT_EQ(job->attempts, 0);
}

TEST(JobTest, DecodeNamesTheBadMember) {
  struct Case {
    const char* payload;
    const char* field;
  };
  const Case cases[] = {
      {R"(not json)", ""},
      {R"(["id"])", ""},
      {R"({"to":["a@example.com"]})", "id"},
      {R"({"id":"","to":["a@example.com"]})", "id"},
      {R"({"id":7,"to":["a@example.com"]})", "id"},
      {R"({"id":"x"})", "to"},
      {R"({"id":"x","to":[]})", "to"},
      {R"({"id":"x","to":"a@example.com"})", "to"},
      {R"({"id":"x","to":[1]})", "to"},
      {R"({"id":"x","to":["a@example.com"],"subject":5})", "subject"},
      {R"({"id":"x","to":["a@example.com"],"text":[]})", "text"},
      {R"({"id":"x","to":["a@example.com"],"attempts":-1})", "attempts"},
      {R"({"id":"x","to":["a@example.com"],"attempts":1.5})", "attempts"},
      {R"({"id":"x","to":["a@example.com"],"attachments":{}})", "attachments"},
      {R"({"id":"x","to":["a@example.com"],"attachments":[1]})", "attachments[0]"},
      {R"({"id":"x","to":["a@example.com"],"attachments":[{"data":""}]})",
       "attachments[0].filename"},
      {R"({"id":"x","to":["a@example.com"],"attachments":[{"filename":"a","data":"Zg"}]})",
       "attachments[0].data"},
      {R"({"id":"x","to":["a@example.com"],
           "attachments":[{"filename":"a","data":"","content_type":1}]})",
       "attachments[0].content_type"},
  };
  for (const Case& c : cases) {
    auto job = DecodeJob(c.payload);
    ASSERT_FALSE(job.ok()) << c.payload;
    EXPECT_EQ(job.status().code(), Code::kInvalidArgument) << c.payload;
    EXPECT_EQ(job.status().field(), c.field) << c.payload;
  }
  std::string long_id(kMaxMailIdLength + 1, 'a');
  EXPECT_EQ(DecodeJob(R"({"id":")" + long_id + R"(","to":["a@example.com"]})").status().field(),
            "id");
}

TEST(JobTest, ToMessageAddsTheSender) {
  MailMessage m = ToMessage(FullJob(), "SMS <sms@example.com>");
  EXPECT_EQ(m.id, "report-2025-11-27");
  EXPECT_EQ(m.from, "SMS <sms@example.com>");
  EXPECT_EQ(m.to, FullJob().to);
  EXPECT_EQ(m.subject, "Báo cáo uptime");
  EXPECT_EQ(m.html, "<p>line 1</p>");
  ASSERT_EQ(m.attachments.size(), 2u);
  EXPECT_EQ(m.attachments[0].data, AllBytes());
}

TEST(JobTest, ValidateJobChecksContentWithoutASender) {
  EXPECT_TRUE(ValidateJob(FullJob()).ok());
  MailJob bad = FullJob();
  bad.to.push_back("not an address");
  EXPECT_EQ(ValidateJob(bad).field(), "to");
  bad = FullJob();
  bad.id = "../etc/passwd";
  EXPECT_EQ(ValidateJob(bad).field(), "id");
  bad = FullJob();
  bad.subject = "two\r\nBcc: victim@example.com";
  EXPECT_EQ(ValidateJob(bad).field(), "subject");
}

}  // namespace
}  // namespace sms::mail
