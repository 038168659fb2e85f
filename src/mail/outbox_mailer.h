#pragma once
// OutboxMailer: the embedded Mailer. "Delivering" a mail writes it, rendered by RenderMime, to
// `<outbox_dir>/<id>.eml`. The file appears atomically and complete (written to a temporary
// file in the same directory, fsynced, renamed, then the directory fsynced), so a reader of
// the outbox never sees a partial mail. Delivery is idempotent by id: once `<id>.eml` exists,
// Send with that id returns OK and leaves the file as it is. Logs nothing; the caller does.
//
// Errors: InvalidArgument (permanent) when ValidateMessage rejects the message. Unavailable
// (retryable) when the file system refuses the outbox: an unwritable, missing-parent or
// read-only directory, a full disk, an I/O error. Those are not faults of the message; they
// are an outbox that cannot take mail *now*, and once an operator fixes permissions or
// frees space the same job succeeds, so the caller should keep it and retry rather than
// drop it. Internal only for errno values that mean a bug here (EBADF, EFAULT, EINVAL).
//
// Thread-safe. Concurrent sends with the same id write one file; across processes sharing
// one outbox, each file is still complete, and a same-id race lets the last rename win.

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "mail/mailer.h"

namespace sms::mail {

class OutboxMailer final : public Mailer {
 public:
  // REQUIRES: !outbox_dir.empty(). The directory (and its parents) is created on first Send.
  explicit OutboxMailer(std::string outbox_dir);

  // See the class comment. `now` is the mail's Date header.
  Status Send(const MailMessage& message, Millis now) override;

  // The file a message with this (valid) id is written to: "<id>.eml". ValidateMessage
  // allows only ids that are safe, distinct file names (no '/', no leading '.').
  static std::string FileName(std::string_view id);

  // "outbox <outbox_dir>".
  std::string Describe() const override { return "outbox " + dir_; }

  const std::string& outbox_dir() const { return dir_; }

 private:
  Status WriteTemp(const std::string& path, const std::string& data) const;
  Status Publish(const std::string& temp, const std::string& final_path);

  const std::string dir_;
  std::atomic<uint64_t> temp_seq_{0};
  std::mutex publish_mu_;  // orders "does the file exist?" with the rename that creates it
};

}  // namespace sms::mail
