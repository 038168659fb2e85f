#include "http/message.h"

#include <boost/json.hpp>

namespace sms::http {

const std::string& Request::Header(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return kEmpty;
}

Response ErrorResponse(int status, const std::string& code, const std::string& message,
                       const std::string& field) {
  boost::json::object error;
  error["code"] = code;
  error["message"] = message;
  if (!field.empty()) error["field"] = field;
  boost::json::object root;
  root["error"] = std::move(error);
  return JsonResponse(status, boost::json::serialize(root));
}

namespace {

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnavailable:
      return 503;
    case Code::kResourceExhausted:
      return 413;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

}  // namespace

Response ErrorResponse(const Status& status) {
  // An ok Status reaching here is a caller bug; answer it as an internal error rather than
  // pretending success with an error body.
  if (status.ok()) return ErrorResponse(500, "internal", "internal error");
  // Internal messages describe our own failures (SQL text, paths); clients get no details.
  if (status.code() == Code::kInternal) return ErrorResponse(500, "internal", "internal error");
  return ErrorResponse(HttpStatusFor(status.code()), CodeName(status.code()), status.message(),
                       status.field());
}

Response JsonResponse(int status, std::string body) {
  Response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

}  // namespace sms::http
