#pragma once
// Checks on a MailMessage before it is rendered (RenderMime, declared in mail/mailer.h,
// assumes a message that passed them). Stateless; thread-safe.

#include <string_view>

#include "core/status.h"
#include "mail/mailer.h"

namespace sms::mail {

inline constexpr size_t kMaxMailIdLength = 128;
inline constexpr size_t kMaxAddressLength = 254;
inline constexpr size_t kMaxFilenameLength = 255;

// OK when `address` is a plain addr-spec `local@domain`: ASCII only, no spaces, at most 254
// characters; the local part a dot-atom of at most 64 characters, the domain dot-separated
// labels of letters, digits and '-' (not at either end of a label). Otherwise
// InvalidArgument naming `field`.
Status ValidateAddress(std::string_view address, const std::string& field);

// OK when `mailbox` is an address as above or `Display Name <address>`, where the display
// name is non-empty UTF-8 without control characters, '<' or '>'. InvalidArgument naming
// `field` otherwise.
Status ValidateMailbox(std::string_view mailbox, const std::string& field);

// OK when the message can be rendered faithfully and safely. InvalidArgument naming the field
// otherwise:
//   "id"          1-128 characters of letters, digits and . _ : @ + = - ; not starting with
//                 '.' (the id doubles as the outbox file name and the Message-ID)
//   "from"        ValidateMailbox
//   "to"          at least one recipient, each ValidateMailbox
//   "subject"     valid UTF-8, no control characters (so no CR/LF header injection)
//   "text","html" valid UTF-8
//   "filename"    each attachment's: 1-255 bytes of UTF-8 without control characters
//   "content_type" each attachment's: empty (application/octet-stream) or `type/subtype`
//                 tokens, optionally followed by `; parameters` of printable ASCII; at most
//                 200 characters
Status ValidateMessage(const MailMessage& message);

}  // namespace sms::mail
