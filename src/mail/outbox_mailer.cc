#include "mail/outbox_mailer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "mail/mime.h"

namespace sms::mail {
namespace {

// One mapping from errno to Status (see the class comment for why most are Unavailable).
Status PosixError(const std::string& op, const std::string& path, int err) {
  std::string msg = "outbox: " + op + " " + path + ": " + std::strerror(err);
  if (err == EBADF || err == EFAULT || err == EINVAL) return Status::Internal(std::move(msg));
  return Status::Unavailable(std::move(msg));
}

// 1: exists, 0: does not, -1: could not tell (errno set).
int Exists(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) return 1;
  return errno == ENOENT ? 0 : -1;
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return PosixError("open", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  return rc == 0 ? Status::Ok() : PosixError("fsync", dir, err);
}

}  // namespace

OutboxMailer::OutboxMailer(std::string outbox_dir) : dir_(std::move(outbox_dir)) {}

std::string OutboxMailer::FileName(std::string_view id) { return std::string(id) + ".eml"; }

Status OutboxMailer::Send(const MailMessage& message, Millis now) {
  if (Status s = ValidateMessage(message); !s.ok()) return s;
  const std::string final_path = dir_ + "/" + FileName(message.id);
  // Fast path for a redelivered job; a failing stat (say, no such directory yet) is
  // reported by the steps below, which name the real cause.
  if (Exists(final_path) == 1) return Status::Ok();
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return PosixError("create directory", dir_, ec.value());
  // A name of its own per attempt: two processes sharing the outbox never write one file.
  const std::string temp = final_path + "." + std::to_string(::getpid()) + "-" +
                           std::to_string(temp_seq_.fetch_add(1)) + ".tmp";
  if (Status s = WriteTemp(temp, RenderMime(message, now)); !s.ok()) {
    ::unlink(temp.c_str());
    return s;
  }
  return Publish(temp, final_path);
}

Status OutboxMailer::WriteTemp(const std::string& path, const std::string& data) const {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return PosixError("create", path, errno);
  for (size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return PosixError("write", path, err);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return PosixError("fsync", path, err);
  }
  if (::close(fd) != 0) return PosixError("close", path, errno);
  return Status::Ok();
}

Status OutboxMailer::Publish(const std::string& temp, const std::string& final_path) {
  {
    std::lock_guard lock(publish_mu_);
    int exists = Exists(final_path);
    if (exists != 0) {
      int err = errno;
      ::unlink(temp.c_str());
      // Another thread delivered this id while we were writing: nothing is sent twice.
      return exists == 1 ? Status::Ok() : PosixError("stat", final_path, err);
    }
    if (::rename(temp.c_str(), final_path.c_str()) != 0) {
      int err = errno;
      ::unlink(temp.c_str());
      return PosixError("rename", final_path, err);
    }
  }
  // The rename is only durable once the directory entry is.
  return SyncDirectory(dir_);
}

}  // namespace sms::mail
