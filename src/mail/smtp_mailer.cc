#include "mail/smtp_mailer.h"

#include <curl/curl.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "mail/mime.h"

namespace sms::mail {
namespace {

constexpr size_t kMaxReplyChars = 300;

// libcurl's process-wide setup, once; false when it failed (it is never undone).
bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

bool IsSmtps(std::string_view url) { return url.starts_with("smtps://"); }

// `text` with every occurrence of `secret` replaced by "***" (a belt to the braces of never
// passing the password into messages: a server could echo what it was sent).
std::string Redact(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// The reply line as printable ASCII, without its line end, at most kMaxReplyChars.
std::string CleanReply(const char* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size && out.size() < kMaxReplyChars; ++i) {
    char c = data[i];
    if (c == '\r' || c == '\n') continue;
    out += c >= 0x20 && c < 0x7F ? c : '?';
  }
  return out;
}

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

// "<address>" for MAIL FROM / RCPT TO. Built by appending: GCC 12 at -O3 reports a false
// -Wrestrict on "<" + std::string&&.
std::string Angled(const std::string& address) {
  std::string out;
  out.reserve(address.size() + 2);
  out += '<';
  out += address;
  out += '>';
  return out;
}

// The Status for a failed transfer: libcurl's `code` and error text, the server's `reply`
// code (0 when none), and `msg` to report. See the class comment for the rules.
Status Failure(CURLcode code, long reply, std::string_view curl_error, std::string msg) {
  switch (code) {
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_UNKNOWN_OPTION:
    case CURLE_NOT_BUILT_IN:
      return Status::Internal(std::move(msg));
    case CURLE_LOGIN_DENIED:
      return Status::Unavailable(std::move(msg) + "; check SMS_SMTP_USER and SMS_SMTP_PASSWORD");
    default:
      break;
  }
  // 530: the server wants a login we did not give; a configuration fault, not the mail's.
  if (reply >= 500 && reply < 600 && reply != 530) {
    std::string field = curl_error.starts_with("RCPT")   ? "to"
                        : curl_error.starts_with("MAIL") ? "from"
                                                         : "";
    return Status::InvalidArgument(std::move(msg), std::move(field));
  }
  return Status::Unavailable(std::move(msg));
}

}  // namespace

// One easy handle with the server's settings, plus what the callbacks read and write.
struct SmtpMailer::Transfer {
  CURL* curl = curl_easy_init();
  curl_slist* recipients = nullptr;
  std::string body;
  size_t sent = 0;
  std::string last_refusal;  // the server's newest 4xx/5xx reply line, e.g. "550 5.1.0 …"
  char error[CURL_ERROR_SIZE] = {};

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  ~Transfer() {
    curl_slist_free_all(recipients);
    if (curl != nullptr) curl_easy_cleanup(curl);
  }

  // Server replies arrive as CURLINFO_HEADER_IN; only refusals are kept (the QUIT reply that
  // follows one must not hide it). What the client sends (CURLINFO_HEADER_OUT, which holds
  // the AUTH exchange) is never looked at.
  static int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* self) {
    if (type == CURLINFO_HEADER_IN && size > 0 && (data[0] == '4' || data[0] == '5')) {
      static_cast<Transfer*>(self)->last_refusal = CleanReply(data, size);
    }
    return 0;
  }

  static size_t OnRead(char* out, size_t size, size_t count, void* self) {
    auto* t = static_cast<Transfer*>(self);
    size_t n = std::min(size * count, t->body.size() - t->sent);
    std::memcpy(out, t->body.data() + t->sent, n);
    t->sent += n;
    return n;
  }
};

Result<std::string> SmtpEndpoint(std::string_view url) {
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    return Status::InvalidArgument("the SMTP URL does not parse (smtp://host[:port])", "smtp_url");
  }
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "smtp" && u.scheme() != "smtps") {
    return Status::InvalidArgument(
        "unsupported SMTP URL scheme \"" + std::string(u.scheme()) + "\" (smtp:// or smtps://)",
        "smtp_url");
  }
  if (u.host_address().empty()) {
    return Status::InvalidArgument("the SMTP URL has no host", "smtp_url");
  }
  if (u.has_userinfo()) {
    return Status::InvalidArgument(
        "the SMTP URL must not hold a user or password; set SMS_SMTP_USER and SMS_SMTP_PASSWORD",
        "smtp_url");
  }
  if (u.has_query() || u.has_fragment()) {
    return Status::InvalidArgument("the SMTP URL takes no query or fragment", "smtp_url");
  }
  std::string port = u.has_port() ? std::string(u.port()) : IsSmtps(url) ? "465" : "25";
  return std::string(u.encoded_host()) + ":" + port;
}

std::string AddressOf(const std::string& mailbox) {
  if (mailbox.empty() || mailbox.back() != '>') return mailbox;
  size_t open = mailbox.rfind('<');
  return open == std::string::npos ? mailbox : mailbox.substr(open + 1, mailbox.size() - open - 2);
}

SmtpMailer::SmtpMailer(MailerConfig config)
    : config_(std::move(config)), endpoint_(SmtpEndpoint(config_.smtp_url).value()) {
  GlobalInit();  // before any curl_easy_init, which would otherwise do it unsynchronised
}

std::string SmtpMailer::Describe() const {
  std::string out = (IsSmtps(config_.smtp_url) ? "smtps://" : "smtp://") + endpoint_;
  if (IsSmtps(config_.smtp_url)) {
    out += " (TLS";
  } else {
    out +=
        config_.starttls == StartTls::kRequired ? " (STARTTLS required" : " (STARTTLS if offered";
  }
  if (!config_.smtp_user.empty()) out += ", user " + config_.smtp_user;
  return out + ")";
}

Status SmtpMailer::Send(const MailMessage& message, Millis now) {
  if (Status s = ValidateMessage(message); !s.ok()) return s;
  Transfer t;
  if (t.curl == nullptr) return Status::Internal("smtp: curl_easy_init failed");
  t.body = RenderMime(message, now);
  for (const std::string& to : message.to) {
    curl_slist* next = curl_slist_append(t.recipients, Angled(AddressOf(to)).c_str());
    if (next == nullptr) return Status::Internal("smtp: out of memory");
    t.recipients = next;
  }
  const std::string from = Angled(AddressOf(message.from));
  curl_easy_setopt(t.curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(t.curl, CURLOPT_MAIL_RCPT, t.recipients);
  curl_easy_setopt(t.curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(t.curl, CURLOPT_READFUNCTION, &Transfer::OnRead);
  curl_easy_setopt(t.curl, CURLOPT_READDATA, &t);
  curl_easy_setopt(t.curl, CURLOPT_INFILESIZE_LARGE, curl_off_t(t.body.size()));
  return Run(t, "sending mail " + message.id);
}

Status SmtpMailer::Ping() {
  Transfer t;
  if (t.curl == nullptr) return Status::Internal("smtp: curl_easy_init failed");
  // Without recipients or an upload, libcurl sends this command instead of a mail.
  curl_easy_setopt(t.curl, CURLOPT_CUSTOMREQUEST, "NOOP");
  curl_easy_setopt(t.curl, CURLOPT_WRITEFUNCTION, &Discard);
  return Run(t, "ping");
}

// Applies the server settings to `t`, performs it and maps the outcome (see the header).
Status SmtpMailer::Run(Transfer& t, const std::string& what) const {
  if (!GlobalInit()) return Status::Internal("smtp: curl_global_init failed");
  CURL* c = t.curl;
  curl_easy_setopt(c, CURLOPT_URL, config_.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, long(config_.connect_timeout.count()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, long(config_.timeout.count()));
  bool require_tls = IsSmtps(config_.smtp_url) || config_.starttls == StartTls::kRequired;
  curl_easy_setopt(c, CURLOPT_USE_SSL, require_tls ? long(CURLUSESSL_ALL) : long(CURLUSESSL_TRY));
  if (!config_.smtp_ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, config_.smtp_ca_file.c_str());
  }
  if (!config_.smtp_user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, config_.smtp_user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, config_.smtp_password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t.error);
  curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, &Transfer::OnDebug);
  curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
  curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);  // feeds OnDebug only; nothing goes to stderr

  CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) return Status::Ok();
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  // The refusal's own code, should a later reply (QUIT's) have replaced libcurl's.
  if (t.last_refusal.size() >= 3) reply = std::strtol(t.last_refusal.c_str(), nullptr, 10);
  std::string msg = "smtp " + endpoint_ + ": " + what + ": " +
                    (t.error[0] != '\0' ? t.error : curl_easy_strerror(code));
  if (!t.last_refusal.empty()) msg += " (server: " + t.last_refusal + ")";
  return Failure(code, reply, t.error, Redact(std::move(msg), config_.smtp_password));
}

}  // namespace sms::mail
