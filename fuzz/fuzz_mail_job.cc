// Fuzzes DecodeJob (mail/job.h), the mail service's reading of a job off the bus, and what
// follows for a job it accepts: ValidateJob and, for a valid one, RenderMime. Properties:
// nothing crashes or hits UB; an accepted job survives EncodeJob -> DecodeJob unchanged; the
// mail rendered from a valid job is 7-bit text in CRLF lines of at most 998 characters (what
// SMTP carries unchanged).

#include "fuzz_check.h"
#include "mail/job.h"
#include "mail/mime.h"

namespace {

using sms::fuzz::Require;
using sms::mail::MailJob;

constexpr sms::Millis kNow = 1'795'845'600'000;  // 2026-11-28T06:00:00Z

bool Same(const MailJob& a, const MailJob& b) {
  if (a.attachments.size() != b.attachments.size()) return false;
  for (size_t i = 0; i < a.attachments.size(); ++i) {
    const sms::mail::Attachment& x = a.attachments[i];
    const sms::mail::Attachment& y = b.attachments[i];
    if (x.filename != y.filename || x.content_type != y.content_type || x.data != y.data) {
      return false;
    }
  }
  return a.id == b.id && a.to == b.to && a.subject == b.subject && a.text == b.text &&
         a.html == b.html && a.attempts == b.attempts && a.error == b.error;
}

void CheckRendered(std::string_view mime) {
  size_t line = 0;
  for (size_t i = 0; i < mime.size(); ++i) {
    auto c = static_cast<unsigned char>(mime[i]);
    Require(c != 0 && c < 0x80, "a rendered mail that is not 7-bit text");
    if (c == '\r') {
      Require(i + 1 < mime.size() && mime[i + 1] == '\n', "a CR not followed by LF");
      Require(line <= 998, "a rendered line over 998 characters");
      line = 0;
      ++i;
    } else {
      Require(c != '\n', "a bare LF in a rendered mail");
      ++line;
    }
  }
  Require(line == 0, "a rendered mail not ending in CRLF");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sms::Result<MailJob> job = sms::mail::DecodeJob(sms::fuzz::AsText(data, size));
  if (!job.ok()) {
    Require(job.status().code() == sms::Code::kInvalidArgument, "rejected, not InvalidArgument");
    return 0;
  }
  sms::Result<MailJob> again = sms::mail::DecodeJob(sms::mail::EncodeJob(*job));
  Require(again.ok(), "DecodeJob rejects what EncodeJob wrote");
  Require(Same(*again, *job), "DecodeJob(EncodeJob(job)) != job");
  if (!sms::mail::ValidateJob(*job).ok()) return 0;
  CheckRendered(sms::mail::RenderMime(sms::mail::ToMessage(*job, "SMS <sms@example.com>"), kNow));
  return 0;
}
