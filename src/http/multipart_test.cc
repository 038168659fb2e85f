#include "http/multipart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sms::http {
namespace {

using ::testing::HasSubstr;

// The boundary MultipartBoundary finds in `content_type`, or "error: " and its status.
std::string BoundaryOf(std::string_view content_type) {
  auto boundary = MultipartBoundary(content_type);
  return boundary.ok() ? *boundary : "error: " + boundary.status().ToString();
}

TEST(MultipartBoundaryTest, TakesTheBoundaryQuotedOrNot) {
  EXPECT_EQ(BoundaryOf("multipart/form-data; boundary=abc123"), "abc123");
  EXPECT_EQ(BoundaryOf("Multipart/Form-Data;BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(BoundaryOf("multipart/form-data; charset=utf-8; boundary=\"x=y?z\""), "x=y?z");
  EXPECT_EQ(BoundaryOf("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk"),
            "----WebKitFormBoundary7MA4YWxk");
}

TEST(MultipartBoundaryTest, RejectsOtherTypesAndBadBoundaries) {
  for (const char* ct :
       {"application/json", "multipart/mixed; boundary=x", "", "multipart/form-data",
        "multipart/form-data; boundary=", "multipart/form-data; boundary=\"unterminated",
        "multipart/form-data; boundary=bad{char}",
        "multipart/form-data; boundary=\"ends with space \"", "multipart/form-data; boundary"}) {
    Result<std::string> b = MultipartBoundary(ct);
    ASSERT_FALSE(b.ok()) << ct;
    EXPECT_EQ(b.status().code(), Code::kInvalidArgument) << ct;
    EXPECT_EQ(b.status().field(), "content-type") << ct;
  }
  EXPECT_FALSE(MultipartBoundary("multipart/form-data; boundary=" + std::string(71, 'a')).ok());
  EXPECT_TRUE(MultipartBoundary("multipart/form-data; boundary=" + std::string(70, 'a')).ok());
}

TEST(MultipartTest, ParsesFieldsAndFilesWithTheirHeaders) {
  std::string body =
      "preamble to ignore\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"note\"\r\n"
      "\r\n"
      "hello\r\nworld\r\n"
      "--XyZ  \r\n"  // transport padding
      "content-disposition: form-data; name=\"file\"; filename=\"servers; \\\"1\\\".xlsx\"\r\n"
      "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n"
      "\r\n" +
      std::string("PK\x03\x04\0\r\n--XyZnot-a-boundary-here\r\n", 30) +
      "\r\n--XyZ\r\n"
      "Content-Disposition: form-data; name=\"empty\"\r\n"
      "\r\n"
      "\r\n--XyZ--\r\n"
      "epilogue";
  Result<std::vector<Part>> parts = ParseMultipart(body, "XyZ");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "note");
  EXPECT_EQ((*parts)[0].filename, "");
  EXPECT_EQ((*parts)[0].body, "hello\r\nworld");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename, "servers; \"1\".xlsx");
  EXPECT_EQ((*parts)[1].content_type,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ((*parts)[1].body, std::string("PK\x03\x04\0\r\n--XyZnot-a-boundary-here\r\n", 30));
  ASSERT_EQ((*parts)[1].headers.size(), 2u);
  EXPECT_EQ((*parts)[1].headers[1].first, "content-type");
  EXPECT_EQ((*parts)[2].name, "empty");
  EXPECT_EQ((*parts)[2].body, "");
}

TEST(MultipartTest, AnEmptyFormHasNoParts) {
  Result<std::vector<Part>> parts = ParseMultipart("--b--\r\n", "b");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_TRUE(parts->empty());
}

void ExpectBad(const std::string& body, const std::string& words) {
  Result<std::vector<Part>> parts = ParseMultipart(body, "b");
  ASSERT_FALSE(parts.ok()) << body;
  EXPECT_EQ(parts.status().code(), Code::kInvalidArgument) << body;
  EXPECT_EQ(parts.status().field(), "body");
  EXPECT_THAT(parts.status().message(), HasSubstr(words)) << body;
}

TEST(MultipartTest, RejectsMalformedBodies) {
  const std::string cd = "Content-Disposition: form-data; name=\"f\"\r\n";
  ExpectBad("", "never occurs");
  ExpectBad("no boundary here", "never occurs");
  ExpectBad("--b\r\n" + cd + "\r\ndata", "closing boundary is missing");
  ExpectBad("--b\r\n" + cd + "\r\ndata\r\n--b\r\n", "do not end");
  ExpectBad("--bX\r\n" + cd + "\r\ndata\r\n--b--", "not followed by CRLF");
  ExpectBad("--b\r\n\r\ndata\r\n--b--", "no Content-Disposition");
  ExpectBad("--b\r\nContent-Type: text/plain\r\n\r\ndata\r\n--b--", "no Content-Disposition");
  ExpectBad("--b\r\nContent-Disposition: attachment; name=\"f\"\r\n\r\nx\r\n--b--", "form-data");
  ExpectBad("--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--", "no field name");
  ExpectBad("--b\r\nno colon\r\n\r\nx\r\n--b--", "malformed part header");
  ExpectBad("--b\r\n" + cd + " folded\r\n\r\nx\r\n--b--", "malformed part header");
}

TEST(MultipartTest, LimitsHold) {
  std::string body;
  for (int i = 0; i < 3; ++i)
    body += "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n";
  body += "--b--";
  ASSERT_TRUE(ParseMultipart(body, "b").ok());
  Result<std::vector<Part>> parts = ParseMultipart(body, "b", {.max_parts = 2});
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), Code::kResourceExhausted);
  std::string big =
      "--b\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Pad: " + std::string(9000, 'p') +
      "\r\n\r\nx\r\n--b--";
  parts = ParseMultipart(big, "b");
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), Code::kResourceExhausted);
}

}  // namespace
}  // namespace sms::http
