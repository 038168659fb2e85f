#include "core/secret_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sms {

Result<std::string> ReadSecretFile(const std::string& path, const std::string& setting,
                                   const std::string& field) {
  auto fail = [&](const std::string& why) {
    return Status::InvalidArgument(setting + ": " + path + " " + why, field);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::string("cannot be read: ") + std::strerror(errno));
  // One byte past the limit tells a file that is too large from one that fits exactly.
  std::string text(kMaxSecretFileBytes + 1, '\0');
  size_t size = 0;
  int read_errno = 0;
  while (size < text.size()) {
    ssize_t n = ::read(fd, text.data() + size, text.size() - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    size += size_t(n);
  }
  ::close(fd);
  if (read_errno != 0) return fail(std::string("cannot be read: ") + std::strerror(read_errno));
  if (size > kMaxSecretFileBytes) {
    return fail("is larger than " + std::to_string(kMaxSecretFileBytes) + " bytes");
  }
  text.resize(size);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return fail("is empty");
  return text;
}

}  // namespace sms
