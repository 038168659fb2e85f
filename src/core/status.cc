#include "core/status.h"

namespace sms {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kNotFound: return "not_found";
    case Code::kConflict: return "conflict";
    case Code::kUnavailable: return "unavailable";
    case Code::kResourceExhausted: return "resource_exhausted";
    case Code::kInternal: return "internal";
    case Code::kUnauthenticated: return "unauthenticated";
    case Code::kPermissionDenied: return "permission_denied";
  }
  return "internal";
}

std::string Status::ToString() const {
  std::string s = CodeName(code_);
  if (!message_.empty()) s += ": " + message_;
  if (!field_.empty()) s += " (field " + field_ + ")";
  return s;
}

}  // namespace sms
