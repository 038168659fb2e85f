#include "mail/job.h"

#include <boost/json.hpp>
#include <utility>

#include "mail/base64.h"
#include "mail/mime.h"

namespace sms::mail {
namespace {

namespace json = boost::json;

Status Bad(const std::string& field, const std::string& what) {
  return Status::InvalidArgument("mail job: " + field + " " + what, field);
}

// Reads an optional string member into `out`; InvalidArgument when present and not a string.
Status OptionalString(const json::object& o, const char* key, std::string& out) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return Status::Ok();
  if (!v->is_string()) return Bad(key, "must be a string");
  out = std::string(v->get_string());
  return Status::Ok();
}

Result<Attachment> DecodeAttachment(const json::value& v, size_t index) {
  const std::string where = "attachments[" + std::to_string(index) + "]";
  if (!v.is_object()) return Bad(where, "must be an object");
  const json::object& o = v.get_object();
  Attachment a;
  const json::value* name = o.if_contains("filename");
  if (name == nullptr || !name->is_string()) return Bad(where + ".filename", "must be a string");
  a.filename = std::string(name->get_string());
  if (Status s = OptionalString(o, "content_type", a.content_type); !s.ok()) {
    return Bad(where + ".content_type", "must be a string");
  }
  const json::value* data = o.if_contains("data");
  if (data == nullptr || !data->is_string()) return Bad(where + ".data", "must be a string");
  auto bytes = Base64Decode(std::string_view(data->get_string()));
  if (!bytes) return Bad(where + ".data", "must be base64 (padded, no line breaks)");
  a.data = std::move(*bytes);
  return a;
}

Status DecodeRecipients(const json::object& o, MailJob& job) {
  const json::value* to = o.if_contains("to");
  if (to == nullptr || !to->is_array() || to->get_array().empty()) {
    return Bad("to", "must be a non-empty array of addresses");
  }
  for (const json::value& v : to->get_array()) {
    if (!v.is_string()) return Bad("to", "must hold strings");
    job.to.emplace_back(v.get_string());
  }
  return Status::Ok();
}

Status DecodeAttachments(const json::object& o, MailJob& job) {
  const json::value* list = o.if_contains("attachments");
  if (list == nullptr || list->is_null()) return Status::Ok();
  if (!list->is_array()) return Bad("attachments", "must be an array");
  for (const json::value& v : list->get_array()) {
    auto a = DecodeAttachment(v, job.attachments.size());
    if (!a.ok()) return a.status();
    job.attachments.push_back(std::move(a).value());
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeJob(const MailJob& job) {
  json::object o;
  o["id"] = job.id;
  json::array to;
  for (const std::string& r : job.to) to.emplace_back(r);
  o["to"] = std::move(to);
  o["subject"] = job.subject;
  o["text"] = job.text;
  if (!job.html.empty()) o["html"] = job.html;
  if (!job.attachments.empty()) {
    json::array list;
    for (const Attachment& a : job.attachments) {
      list.emplace_back(json::object{{"filename", a.filename},
                                     {"content_type", a.content_type},
                                     {"data", Base64Encode(a.data)}});
    }
    o["attachments"] = std::move(list);
  }
  o["attempts"] = job.attempts;
  if (!job.error.empty()) o["error"] = job.error;
  return json::serialize(o);
}

Result<MailJob> DecodeJob(std::string_view payload) {
  boost::system::error_code ec;
  json::value v = json::parse(payload, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument("mail job: not a JSON object");
  const json::object& o = v.get_object();
  MailJob job;
  const json::value* id = o.if_contains("id");
  if (id == nullptr || !id->is_string() || id->get_string().empty() ||
      id->get_string().size() > kMaxMailIdLength) {
    return Bad("id", "must be a string of 1-128 characters");
  }
  job.id = std::string(id->get_string());
  if (Status s = DecodeRecipients(o, job); !s.ok()) return s;
  for (auto [key, out] : {std::pair{"subject", &job.subject}, std::pair{"text", &job.text},
                          std::pair{"html", &job.html}, std::pair{"error", &job.error}}) {
    if (Status s = OptionalString(o, key, *out); !s.ok()) return s;
  }
  if (Status s = DecodeAttachments(o, job); !s.ok()) return s;
  if (const json::value* n = o.if_contains("attempts"); n != nullptr && !n->is_null()) {
    if (!n->is_int64() || n->get_int64() < 0 || n->get_int64() > 1'000'000) {
      return Bad("attempts", "must be an integer >= 0");
    }
    job.attempts = static_cast<int>(n->get_int64());
  }
  return job;
}

MailMessage ToMessage(const MailJob& job, const std::string& from) {
  MailMessage m;
  m.id = job.id;
  m.from = from;
  m.to = job.to;
  m.subject = job.subject;
  m.text = job.text;
  m.html = job.html;
  m.attachments = job.attachments;
  return m;
}

Status ValidateJob(const MailJob& job) {
  return ValidateMessage(ToMessage(job, "sms@example.com"));
}

}  // namespace sms::mail
