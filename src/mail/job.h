#pragma once
// MailJob: one mail to send as it travels on the bus, on topic "mail" (published by the
// management role and the report scheduler) and, when it could not be delivered, on
// "mail.dlq". The payload is a JSON object:
//
//   {"id":"report-7f3a","to":["ops@example.com","Ops <ops2@example.com>"],
//    "subject":"Uptime report","text":"…","html":"<p>…</p>",
//    "attachments":[{"filename":"uptime.xlsx","content_type":"application/…","data":"UEsD…"}],
//    "attempts":0}
//
// `id` names the mail for good: the mail service sends each id at most once (a redelivered
// or republished job with a sent id is skipped), so a publisher that retries keeps the id.
// `html`, `attachments`, `attempts` and `error` may be left out; attachment data is base64.
// On "mail.dlq" the job carries `attempts` (delivery attempts made) and `error` (the last
// one). Unknown members are ignored, so a newer publisher can add some. The sender (From) is
// not part of the job: the mail service sets it (--mail-from). Stateless; thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mail/mailer.h"

namespace sms::mail {

struct MailJob {
  std::string id;
  std::vector<std::string> to;  // mailboxes: "a@b.c" or "Name <a@b.c>"
  std::string subject;
  std::string text;
  std::string html;                     // empty: text only
  std::vector<Attachment> attachments;  // data holds the raw bytes
  int attempts = 0;                     // delivery attempts made so far
  std::string error;                    // the last delivery error; empty on "mail"
};

// The JSON payload; `html`, `attachments` and `error` are written only when not empty.
std::string EncodeJob(const MailJob& job);

// Parses a payload written by EncodeJob (or by hand, see the header). InvalidArgument naming
// the member when it is not a JSON object, `id` is not a string of 1-128 characters, `to` is
// not a non-empty array of strings, `subject`, `text`, `html` or `error` is not a string,
// `attempts` is not an integer >= 0, `attachments` is not an array of objects with a string
// `filename`, an optional string `content_type` and canonical base64 `data`. `subject` and
// `text` may be missing (empty). Checks shape only; ValidateJob checks content.
Result<MailJob> DecodeJob(std::string_view payload);

// The mail the job asks for, sent by `from`.
MailMessage ToMessage(const MailJob& job, const std::string& from);

// OK when the job's mail passes ValidateMessage (mail/mime.h) whatever valid sender the
// service adds: for a publisher to reject a bad job before it is queued. InvalidArgument
// naming the field otherwise.
Status ValidateJob(const MailJob& job);

}  // namespace sms::mail
