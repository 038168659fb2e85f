// RenderMime (mail/mailer.h): a validated MailMessage as RFC 5322 / MIME text.
//
// Every body part is base64, so the content is 7-bit, its lines are at most 76 characters,
// and no content line can start with "--": a boundary delimiter can never occur inside it.
// Header lines are folded to at most 78 characters wherever a fold is allowed.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mail/base64.h"
#include "mail/mailer.h"

namespace sms::mail {
namespace {

constexpr size_t kMaxLine = 78;          // RFC 5322's recommended header line length
constexpr size_t kBase64LineChars = 76;  // RFC 2045's limit for base64 lines
// Bytes per RFC 2047 encoded-word: "=?UTF-8?B?" + 52 base64 chars + "?=" = 64 characters,
// so even the first word after "Subject: " fits a 78-character line.
constexpr size_t kBytesPerEncodedWord = 39;
constexpr size_t kMaxRfc2231Chunk = 60;  // characters of a filename*N* section value
constexpr size_t kMaxPlainPhrase = 60;   // longer display names are encoded and folded
constexpr std::string_view kHex = "0123456789ABCDEF";

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsPrintableAscii(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

// Base64 of `data` in lines of at most 76 characters, joined by CRLF, without a final CRLF
// (the one before the next boundary, or the message's last, ends the last line).
std::string Base64Lines(std::string_view data) {
  std::string flat = Base64Encode(data);
  std::string out;
  out.reserve(flat.size() + flat.size() / kBase64LineChars * 2);
  for (size_t i = 0; i < flat.size(); i += kBase64LineChars) {
    if (i > 0) out += "\r\n";
    out.append(flat, i, kBase64LineChars);
  }
  return out;
}

// Text in MIME canonical form: every line break (LF, CR or CRLF) becomes CRLF (RFC 2046 4.1.1).
std::string CanonicalText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      out += "\r\n";
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Length of the UTF-8 sequence that starts with byte `b` (input is valid UTF-8).
size_t Utf8Length(unsigned char b) {
  return b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : 4;
}

// RFC 2047 B-encoded words of `text`, each whole characters only, each at most 64 characters.
std::vector<std::string> EncodedWords(std::string_view text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      size_t next = end + Utf8Length(static_cast<unsigned char>(text[end]));
      if (next - start > kBytesPerEncodedWord) break;
      end = next;
    }
    words.push_back("=?UTF-8?B?" + Base64Encode(text.substr(start, end - start)) + "?=");
    start = end;
  }
  return words;
}

// Builds one header field, folding (CRLF + space) between words to keep lines <= 78 chars.
class HeaderField {
 public:
  explicit HeaderField(std::string_view name) : out_(name), line_(name.size() + 1) { out_ += ':'; }

  // Appends " word", or folds and appends it when the line would grow past 78 characters.
  void Word(std::string_view word) {
    if (line_ + 1 + word.size() > kMaxLine && line_ > 0 && !first_) {
      out_ += "\r\n";
      line_ = 0;
    }
    out_ += ' ';
    out_ += word;
    line_ += 1 + word.size();
    first_ = false;
  }
  void Words(const std::vector<std::string>& words) {
    for (const std::string& w : words) Word(w);
  }
  std::string Finish() && { return std::move(out_) + "\r\n"; }

 private:
  std::string out_;
  size_t line_;
  bool first_ = true;
};

// Unstructured text (the subject): as is when it is short printable ASCII that cannot be
// mistaken for an encoded word, else RFC 2047 encoded words.
std::vector<std::string> TextWords(std::string_view text, size_t room) {
  if (text.size() <= room && IsPrintableAscii(text) && text.find("=?") == std::string_view::npos &&
      (text.empty() || (text.front() != ' ' && text.back() != ' '))) {
    return {std::string(text)};
  }
  return EncodedWords(text);
}

// A display name as RFC 5322 phrase words: atoms, one quoted-string, or encoded words.
std::vector<std::string> PhraseWords(std::string_view name) {
  if (name.size() > kMaxPlainPhrase || !IsPrintableAscii(name) ||
      name.find("=?") != std::string_view::npos) {
    return EncodedWords(name);
  }
  bool atoms = true;
  for (char c : name) {
    atoms = atoms && (IsAlnum(c) ||
                      std::string_view(" !#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos);
  }
  if (atoms && name.find("  ") == std::string_view::npos) {
    std::vector<std::string> words;
    for (size_t start = 0; start < name.size();) {
      size_t space = std::min(name.find(' ', start), name.size());
      words.emplace_back(name.substr(start, space - start));
      start = space + 1;
    }
    return words;
  }
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return {quoted + "\""};
}

// A validated mailbox ("a@b.c" or "Name <a@b.c>") as header words.
std::vector<std::string> MailboxWords(std::string_view mailbox) {
  if (mailbox.empty() || mailbox.back() != '>') return {std::string(mailbox)};
  size_t open = mailbox.rfind('<');
  std::string_view name = mailbox.substr(0, open);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  std::vector<std::string> words = PhraseWords(name);
  words.emplace_back(mailbox.substr(open));
  return words;
}

std::string AddressHeader(std::string_view name, const std::vector<std::string>& mailboxes) {
  HeaderField field(name);
  for (size_t i = 0; i < mailboxes.size(); ++i) {
    std::vector<std::string> words = MailboxWords(mailboxes[i]);
    if (i + 1 < mailboxes.size()) words.back() += ',';
    field.Words(words);
  }
  return std::move(field).Finish();
}

// RFC 5322 date-time in UTC, e.g. "Fri, 28 Nov 2025 06:00:00 +0000".
std::string FormatDate(Millis now) {
  using namespace std::chrono;
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  auto secs = floor<seconds>(sys_time<milliseconds>(milliseconds(now)));
  auto day = floor<days>(secs);
  year_month_day ymd(day);
  hh_mm_ss<seconds> hms(secs - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %04d %02d:%02d:%02d +0000",
                kDays[weekday(day).c_encoding()], static_cast<unsigned>(ymd.day()),
                kMonths[static_cast<unsigned>(ymd.month()) - 1], static_cast<int>(ymd.year()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

// "<id@sms>": the id with every character other than letters, digits, '+', '_' and '-'
// written "=XX", so the left side is a valid dot-atom and distinct ids stay distinct.
std::string MessageId(std::string_view id) {
  std::string out = "<";
  for (char c : id) {
    if (IsAlnum(c) || c == '+' || c == '_' || c == '-') {
      out += c;
    } else {
      out += '=';
      out += kHex[static_cast<unsigned char>(c) >> 4];
      out += kHex[static_cast<unsigned char>(c) & 15];
    }
  }
  return out + "@sms>";
}

// Content-Disposition for an attachment: filename="…" for short plain ASCII names, else the
// RFC 2231 form filename*=UTF-8''%XX…, split into filename*N* sections when long.
std::string Disposition(std::string_view filename) {
  std::string out = "Content-Disposition: attachment;";
  if (filename.size() <= kMaxRfc2231Chunk && IsPrintableAscii(filename) &&
      filename.find_first_of("\"\\") == std::string_view::npos) {
    return out + " filename=\"" + std::string(filename) + "\"\r\n";
  }
  std::vector<std::string> chunks(1, "UTF-8''");
  // Sections hold whole characters: some readers decode each section on its own.
  for (size_t i = 0; i < filename.size();) {
    size_t end = i + Utf8Length(static_cast<unsigned char>(filename[i]));
    std::string piece;
    for (; i < end; ++i) {
      char c = filename[i];
      if (IsAlnum(c) || c == '-' || c == '.' || c == '_') {
        piece += c;
      } else {
        piece += {'%', kHex[static_cast<unsigned char>(c) >> 4],
                  kHex[static_cast<unsigned char>(c) & 15]};
      }
    }
    if (chunks.back().size() + piece.size() > kMaxRfc2231Chunk) chunks.emplace_back();
    chunks.back() += piece;
  }
  if (chunks.size() == 1) return out + "\r\n filename*=" + chunks[0] + "\r\n";
  for (size_t i = 0; i < chunks.size(); ++i) {
    out += "\r\n filename*" + std::to_string(i) + "*=" + chunks[i];
    if (i + 1 < chunks.size()) out += ';';
  }
  return out + "\r\n";
}

struct Boundaries {
  std::string mixed;
  std::string alternative;
};

// "=_sms_<hex>": '=' followed by '_' cannot occur in base64, and both boundaries have the
// same length, so neither is a prefix of the other.
Boundaries NewBoundaries() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string hex;
  for (int i = 0; i < 2; ++i) {
    uint64_t n = rng();
    for (int k = 0; k < 16; ++k, n >>= 4) hex += kHex[n & 15];
  }
  return {"=_sms_" + hex + "_m", "=_sms_" + hex + "_a"};
}

// A text part: headers, blank line, base64 of the canonical text (no final CRLF).
std::string TextPart(std::string_view subtype, std::string_view text) {
  return "Content-Type: text/" + std::string(subtype) +
         "; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
         Base64Lines(CanonicalText(text));
}

// The readable body: text/plain alone, or multipart/alternative of text and HTML.
std::string BodyEntity(const MailMessage& m, const std::string& boundary) {
  if (m.html.empty()) return TextPart("plain", m.text);
  return "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n\r\n--" +
         boundary + "\r\n" + TextPart("plain", m.text) + "\r\n--" + boundary + "\r\n" +
         TextPart("html", m.html) + "\r\n--" + boundary + "--";
}

std::string AttachmentEntity(const Attachment& a) {
  std::string type = a.content_type.empty() ? "application/octet-stream" : a.content_type;
  return "Content-Type: " + type + "\r\n" + Disposition(a.filename) +
         "Content-Transfer-Encoding: base64\r\n\r\n" + Base64Lines(a.data);
}

std::string Headers(const MailMessage& m, Millis now) {
  std::string out = AddressHeader("From", {m.from});
  out += AddressHeader("To", m.to);
  HeaderField subject("Subject");
  subject.Words(TextWords(m.subject, kMaxLine - std::string_view("Subject: ").size()));
  out += std::move(subject).Finish();
  out += "Date: " + FormatDate(now) + "\r\n";
  out += "Message-ID: " + MessageId(m.id) + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  return out;
}

}  // namespace

std::string RenderMime(const MailMessage& message, Millis now) {
  std::string out = Headers(message, now);
  Boundaries b = NewBoundaries();
  if (message.attachments.empty()) return out + BodyEntity(message, b.alternative) + "\r\n";
  out += "Content-Type: multipart/mixed;\r\n boundary=\"" + b.mixed + "\"\r\n\r\n";
  out += "--" + b.mixed + "\r\n" + BodyEntity(message, b.alternative);
  for (const Attachment& a : message.attachments) {
    out += "\r\n--" + b.mixed + "\r\n" + AttachmentEntity(a);
  }
  return out + "\r\n--" + b.mixed + "--\r\n";
}

}  // namespace sms::mail
