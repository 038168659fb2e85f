#include "mail/mailer.h"

#include <memory>

#include "mail/outbox_mailer.h"

namespace sms::mail {

Result<MailerPtr> MakeMailer(const MailerConfig& config) {
  if (config.smtp_url.empty()) {
    if (config.outbox_dir.empty()) {
      return Status::InvalidArgument("an outbox directory is required when no SMTP URL is set",
                                     "data_dir");
    }
    return MailerPtr(std::make_shared<OutboxMailer>(config.outbox_dir));
  }
  // The URL is not echoed: it may carry a password.
  return Status::InvalidArgument(
      "unsupported SMTP URL: SMTP delivery is not available yet; unset it to write mail to the "
      "outbox directory",
      "smtp_url");
}

}  // namespace sms::mail
