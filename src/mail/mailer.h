#pragma once
// Mailer: delivers one mail. Implementations: OutboxMailer (writes .eml files; the embedded
// default), SmtpMailer (later). Thread-safe.

#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::mail {

struct Attachment {
  std::string filename;
  std::string content_type;   // e.g. "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
  std::string data;           // raw bytes
};

struct MailMessage {
  std::string id;             // unique per mail job; delivery is idempotent by id
  std::string from;           // "SMS <sms@example.com>" or a bare address
  std::vector<std::string> to;
  std::string subject;        // UTF-8
  std::string text;           // text/plain body, UTF-8
  std::string html;           // text/html body, UTF-8 (optional)
  std::vector<Attachment> attachments;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  Mailer() = default;
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // Delivers `message`. OK also when a mail with this id was already delivered (nothing is
  // sent twice). Unavailable: temporary, retry later. InvalidArgument: permanent.
  virtual Status Send(const MailMessage& message, Millis now) = 0;
};

using MailerPtr = std::shared_ptr<Mailer>;

struct MailerConfig {
  std::string smtp_url;       // empty: OutboxMailer in `outbox_dir`; "smtp://…" (later)
  std::string outbox_dir;
};

Result<MailerPtr> MakeMailer(const MailerConfig& config);

// The message as RFC 5322 / MIME text: multipart/alternative text + HTML, base64 attachments
// in multipart/mixed, RFC 2047 encoded subject, Message-ID and Date from `now`.
std::string RenderMime(const MailMessage& message, Millis now);

}  // namespace sms::mail
