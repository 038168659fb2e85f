// ValidateMessage and the address checks (mail/mime.h).

#include <cstdint>
#include <string>
#include <string_view>

#include "mail/mime.h"

namespace sms::mail {
namespace {

constexpr size_t kMaxLocalPartLength = 64;
constexpr size_t kMaxLabelLength = 63;
// Keeps the attachment's Content-Type header line far below the 998-character limit.
constexpr size_t kMaxContentTypeLength = 200;

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 atext: the characters of an unquoted local part, besides '.'.
bool IsAtext(char c) {
  return IsAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsMailIdChar(char c) {
  return IsAlnum(c) || std::string_view("._:@+=-").find(c) != std::string_view::npos;
}

// RFC 2045 token: printable ASCII except space and tspecials.
bool IsTokenChar(char c) {
  return c > 0x20 && c < 0x7F &&
         std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
}

// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF);
// sets `has_control` when it holds a C0/C1 control character or DEL.
bool CheckUtf8(std::string_view s, bool& has_control) {
  has_control = false;
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t len = b < 0x80           ? 1
                 : (b >> 5) == 0x6  ? 2
                 : (b >> 4) == 0xE  ? 3
                 : (b >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > s.size()) return false;
    uint32_t cp = len == 1 ? b : len == 2 ? (b & 0x1F) : len == 3 ? (b & 0x0F) : (b & 0x07);
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c >> 6) != 0x2) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) has_control = true;
    i += len;
  }
  return true;
}

// UTF-8 without control characters: CR and LF in a header would start a new header.
Status ValidateHeaderText(std::string_view s, const std::string& field) {
  bool has_control = false;
  if (!CheckUtf8(s, has_control))
    return Status::InvalidArgument(field + " must be valid UTF-8", field);
  if (has_control) {
    return Status::InvalidArgument(field + " must not contain control characters such as CR or LF",
                                   field);
  }
  return Status::Ok();
}

Status ValidateBody(std::string_view s, const std::string& field) {
  bool has_control = false;
  if (CheckUtf8(s, has_control)) return Status::Ok();
  return Status::InvalidArgument(field + " must be valid UTF-8", field);
}

bool IsDotAtom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' ? s[i + 1] == '.' : !IsAtext(s[i])) return false;
  }
  return true;
}

bool IsDomain(std::string_view s) {
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > kMaxLabelLength || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsAlnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Status ValidateContentType(std::string_view type) {
  if (type.empty()) return Status::Ok();
  if (type.size() > kMaxContentTypeLength) {
    return Status::InvalidArgument("content_type must be at most 200 characters", "content_type");
  }
  std::string_view params;
  if (size_t semi = type.find(';'); semi != std::string_view::npos) {
    params = type.substr(semi);
    type = type.substr(0, semi);
  }
  size_t slash = type.find('/');
  bool ok = slash != std::string_view::npos && slash > 0 && slash + 1 < type.size();
  for (size_t i = 0; ok && i < type.size(); ++i) ok = i == slash || IsTokenChar(type[i]);
  for (size_t i = 0; ok && i < params.size(); ++i) ok = params[i] >= 0x20 && params[i] < 0x7F;
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "content_type must be like \"type/subtype\" (printable ASCII parameters may follow ';')",
      "content_type");
}

Status ValidateAttachment(const Attachment& a) {
  if (a.filename.empty() || a.filename.size() > kMaxFilenameLength) {
    return Status::InvalidArgument("filename must be 1-255 bytes long", "filename");
  }
  if (Status s = ValidateHeaderText(a.filename, "filename"); !s.ok()) return s;
  return ValidateContentType(a.content_type);
}

Status ValidateId(std::string_view id) {
  bool ok = !id.empty() && id.size() <= kMaxMailIdLength && id.front() != '.';
  for (size_t i = 0; ok && i < id.size(); ++i) ok = IsMailIdChar(id[i]);
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      "id must be 1-128 characters of letters, digits, '.', '_', ':', '@', '+', '=' or '-', "
      "not starting with '.'",
      "id");
}

}  // namespace

Status ValidateAddress(std::string_view address, const std::string& field) {
  size_t at = address.rfind('@');
  bool ok = address.size() <= kMaxAddressLength && at != std::string_view::npos &&
            at <= kMaxLocalPartLength && IsDotAtom(address.substr(0, at)) &&
            IsDomain(address.substr(at + 1));
  if (ok) return Status::Ok();
  return Status::InvalidArgument(
      field +
          " must be an e-mail address like name@example.com (no spaces, at most 254 "
          "characters)",
      field);
}

Status ValidateMailbox(std::string_view mailbox, const std::string& field) {
  if (mailbox.empty() || mailbox.back() != '>') return ValidateAddress(mailbox, field);
  size_t open = mailbox.rfind('<');
  if (open == std::string_view::npos) return ValidateAddress(mailbox, field);
  std::string_view name = mailbox.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.empty() || name.front() == ' ' || name.find_first_of("<>") != std::string_view::npos) {
    return Status::InvalidArgument(field + " must be an address or \"Display Name <address>\"",
                                   field);
  }
  if (Status s = ValidateHeaderText(name, field); !s.ok()) return s;
  return ValidateAddress(mailbox.substr(open + 1, mailbox.size() - open - 2), field);
}

Status ValidateMessage(const MailMessage& message) {
  if (Status s = ValidateId(message.id); !s.ok()) return s;
  if (Status s = ValidateMailbox(message.from, "from"); !s.ok()) return s;
  if (message.to.empty()) return Status::InvalidArgument("to needs at least one recipient", "to");
  for (const std::string& to : message.to) {
    if (Status s = ValidateMailbox(to, "to"); !s.ok()) return s;
  }
  if (Status s = ValidateHeaderText(message.subject, "subject"); !s.ok()) return s;
  if (Status s = ValidateBody(message.text, "text"); !s.ok()) return s;
  if (Status s = ValidateBody(message.html, "html"); !s.ok()) return s;
  for (const Attachment& a : message.attachments) {
    if (Status s = ValidateAttachment(a); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace sms::mail
