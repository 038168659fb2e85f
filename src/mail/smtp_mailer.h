#pragma once
// SmtpMailer: the Mailer that hands mail to an SMTP server (a relay or a submission port)
// over libcurl, one connection per Send. The envelope sender is `from`'s address, the
// envelope recipients `to`'s addresses; the content is RenderMime's output.
//
// TLS: smtps:// is TLS from the start; smtp:// upgrades with STARTTLS when the server offers
// it, or insists on it with StartTls::kRequired. The server's certificate is always
// verified (against `smtp_ca_file` when set). With a user, AUTH is used; libcurl picks the
// mechanism the server offers.
//
// Errors (see Mailer::Send): the server's last reply, e.g. "550 5.1.0 mailbox unavailable",
// decides. A 5xx reply to MAIL FROM, RCPT TO or DATA is InvalidArgument (permanent). A 4xx
// reply, no connection, a timeout, a dropped connection, a TLS failure and a refused login
// are Unavailable: nothing about the message is wrong, and the same mail goes through once
// the server or its configuration is fixed. A recipient the server refuses fails the whole
// Send (nobody gets the mail), so a retry never mails the accepted recipients twice. Status
// messages carry the server's host:port and reply, never the password.
//
// Not idempotent: each OK Send is one mail handed over. Thread-safe; sends in parallel.

#include <string>
#include <string_view>

#include "mail/mailer.h"

namespace sms::mail {

class SmtpMailer final : public Mailer {
 public:
  // REQUIRES: config.smtp_url passed MakeMailer's checks (MakeMailer is the way to build one).
  explicit SmtpMailer(MailerConfig config);

  Status Send(const MailMessage& message, Millis now) override;
  // Connects, says EHLO, does STARTTLS and AUTH as configured, sends NOOP and quits.
  Status Ping() override;
  // "smtp://host:port (STARTTLS if offered)", "+ user NAME" when logging in; no password.
  std::string Describe() const override;

 private:
  struct Transfer;  // one libcurl easy handle set up for this server

  Status Run(Transfer& transfer, const std::string& what) const;

  const MailerConfig config_;
  const std::string endpoint_;  // "host:port", for messages
};

// "host:port" of an SMTP URL MakeMailer accepts: smtp:// or smtps:// with a host, without
// user info, query or fragment; the port defaults to 25 (smtp) or 465 (smtps). InvalidArgument
// naming "smtp_url" otherwise; the message never repeats the URL (it may hold a password).
Result<std::string> SmtpEndpoint(std::string_view url);

// "name@host" of a mailbox "Name <name@host>" or "name@host" (as ValidateMailbox accepts).
std::string AddressOf(const std::string& mailbox);

}  // namespace sms::mail
