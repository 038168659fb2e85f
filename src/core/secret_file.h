#pragma once
// Secrets kept in files (docker secrets, /run/credentials, a 0600 file under --data-dir).

#include <cstddef>
#include <string>

#include "core/status.h"

namespace sms {

// The largest secret file read (a password, a signing key or a URL is far smaller).
inline constexpr size_t kMaxSecretFileBytes = 64 * 1024;

// The content of the file at `path`, trailing newlines (\n, \r\n) dropped. `setting` names the
// setting in errors, e.g. "--database-url-file (SMS_DATABASE_URL_FILE)". InvalidArgument (one
// line, naming `setting` and `path`, never quoting the content; field `field`) when the file
// cannot be read, is larger than kMaxSecretFileBytes, or holds nothing but newlines.
Result<std::string> ReadSecretFile(const std::string& path, const std::string& setting,
                                   const std::string& field);

}  // namespace sms
