#include "mail/mailer.h"

#include <unistd.h>

#include <memory>

#include "mail/outbox_mailer.h"
#include "mail/smtp_mailer.h"

namespace sms::mail {

Result<StartTls> ParseStartTls(std::string_view text) {
  if (text == "try") return StartTls::kTry;
  if (text == "required") return StartTls::kRequired;
  return Status::InvalidArgument("--smtp-starttls must be \"try\" or \"required\"",
                                 "smtp_starttls");
}

Result<MailerPtr> MakeMailer(const MailerConfig& config) {
  if (config.smtp_url.empty()) {
    if (config.outbox_dir.empty()) {
      return Status::InvalidArgument("an outbox directory is required when no SMTP URL is set",
                                     "data_dir");
    }
    return MailerPtr(std::make_shared<OutboxMailer>(config.outbox_dir));
  }
  if (auto endpoint = SmtpEndpoint(config.smtp_url); !endpoint.ok()) return endpoint.status();
  if (!config.smtp_ca_file.empty() && ::access(config.smtp_ca_file.c_str(), R_OK) != 0) {
    return Status::InvalidArgument("cannot read the SMTP CA file " + config.smtp_ca_file,
                                   "smtp_ca_file");
  }
  if (config.smtp_password.size() > 0 && config.smtp_user.empty()) {
    return Status::InvalidArgument("an SMTP password is set without a user", "smtp_user");
  }
  if (config.connect_timeout.count() <= 0 || config.timeout.count() <= 0) {
    return Status::InvalidArgument("SMTP timeouts must be positive", "smtp_timeout");
  }
  return MailerPtr(std::make_shared<SmtpMailer>(config));
}

}  // namespace sms::mail
