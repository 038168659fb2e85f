#pragma once
// Mailer: delivers one mail. Implementations: OutboxMailer (writes .eml files; the embedded
// default) and SmtpMailer (an SMTP server over libcurl). MakeMailer picks one from the
// configuration. Thread-safe.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/types.h"

namespace sms::mail {

struct Attachment {
  std::string filename;
  std::string content_type;  // e.g. "application/pdf"; empty: application/octet-stream
  std::string data;          // raw bytes
};

struct MailMessage {
  std::string id;    // unique per mail job; names the .eml file and the Message-ID
  std::string from;  // "SMS <sms@example.com>" or a bare address
  std::vector<std::string> to;
  std::string subject;  // UTF-8
  std::string text;     // text/plain body, UTF-8
  std::string html;     // text/html body, UTF-8 (optional)
  std::vector<Attachment> attachments;
};

class Mailer {
 public:
  virtual ~Mailer() = default;
  Mailer() = default;
  Mailer(const Mailer&) = delete;
  Mailer& operator=(const Mailer&) = delete;

  // Delivers `message`; `now` is its Date header.
  //   OK             delivered. OutboxMailer is idempotent by id (a second Send of an id it
  //                  already wrote is OK and writes nothing); SMTP has no such notion, so
  //                  SmtpMailer sends again: a caller that may repeat a job (MailService)
  //                  remembers delivered ids itself (mail/sent_log.h).
  //   Unavailable    temporary: the outbox or the server cannot take mail now (down,
  //                  unreachable, SMTP 4xx, a login or TLS failure); retry the same message.
  //   InvalidArgument permanent: ValidateMessage rejects the message, or the server refused it
  //                  for good (SMTP 5xx to MAIL FROM, RCPT TO or DATA); retrying fails alike.
  // Messages never contain a password.
  virtual Status Send(const MailMessage& message, Millis now) = 0;

  // OK when a Send could be attempted now (SmtpMailer: the server answers, TLS and login
  // succeed). Same codes as Send. The default, for backends with nothing to reach, is OK.
  virtual Status Ping() { return Status::Ok(); }

  // Where mail goes, for a log line: "outbox /var/lib/sms/outbox", "smtp://mx:587 (STARTTLS
  // required, user sms)". Never a password.
  virtual std::string Describe() const { return "mailer"; }
};

using MailerPtr = std::shared_ptr<Mailer>;

// STARTTLS on smtp:// URLs: kTry upgrades when the server offers it and goes on in clear
// otherwise; kRequired fails (Unavailable) a server that does not offer it. smtps:// URLs are
// TLS from the first byte either way.
enum class StartTls { kTry, kRequired };

// "try" or "required" (--smtp-starttls); InvalidArgument naming "smtp_starttls" otherwise.
Result<StartTls> ParseStartTls(std::string_view text);

struct MailerConfig {
  // Empty: OutboxMailer in `outbox_dir`. Otherwise SmtpMailer: "smtp://host[:port][/ehlo]"
  // (port 25 by default, STARTTLS per `starttls`) or "smtps://host[:port][/ehlo]" (port 465).
  // The optional path is the name sent in EHLO.
  std::string smtp_url;
  std::string outbox_dir;
  std::string smtp_user;      // empty: no AUTH
  std::string smtp_password;  // never logged, never in a Status
  StartTls starttls = StartTls::kTry;
  std::string smtp_ca_file;  // PEM CA bundle that verifies the server; empty: system store
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};  // one whole Send
};

// The Mailer `config` asks for. InvalidArgument (naming the field) for an empty outbox_dir
// without an SMTP URL, or an SMTP URL that is not smtp:// or smtps:// with a host, or one that
// holds a user or password (use smtp_user / smtp_password: a URL ends up in logs).
Result<MailerPtr> MakeMailer(const MailerConfig& config);

// The message as RFC 5322 / MIME text: multipart/alternative text + HTML, base64 attachments
// in multipart/mixed, RFC 2047 encoded subject, Message-ID and Date from `now`.
std::string RenderMime(const MailMessage& message, Millis now);

}  // namespace sms::mail
