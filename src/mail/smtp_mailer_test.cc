// SmtpMailer and MakeMailer. Configuration checks and an unreachable server need nothing;
// delivery is checked against Mailpit: what arrives (recipients, subject, both bodies, the
// attachment's bytes) is read back over Mailpit's API. Private Mailpit instances play the
// servers that refuse: a recipient (550), temporarily (451), a login, or plain text when
// TLS is required; and the TLS servers (STARTTLS, smtps) with a certificate made here.

#include "mail/smtp_mailer.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "mail/mailpit_test_util.h"
#include "mail/outbox_mailer.h"

namespace sms::mail {
namespace {

using testing::MailpitApi;
using testing::MailpitBinary;
using testing::PrivateMailpit;
using testing::UniqueToken;
namespace json = boost::json;

constexpr Millis kNow = 1764309600000;  // 2025-11-28T06:00:00Z

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : v;
}

std::string AllBytes() {
  std::string s;
  for (int i = 0; i < 256; ++i) s += char(i);
  return s;
}

MailMessage Message(const std::string& token, std::vector<std::string> to) {
  MailMessage m;
  m.id = token;
  m.from = "SMS Reports <reports@sms.example.com>";
  m.to = std::move(to);
  m.subject = "Báo cáo " + token;
  m.text = "Uptime yesterday: 99.9%";
  m.html = "<p>Uptime yesterday: <b>99.9%</b></p>";
  m.attachments = {{"uptime.xlsx",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    AllBytes()}};
  return m;
}

MailerPtr Make(MailerConfig config) {
  auto mailer = MakeMailer(config);
  EXPECT_TRUE(mailer.ok()) << mailer.status().ToString();
  return mailer.ok() ? *mailer : nullptr;
}

std::string Addresses(const json::value& list) {
  std::string out;
  for (const json::value& a : list.as_array()) {
    out += (out.empty() ? "" : ",") + std::string(a.at("Address").as_string());
  }
  return out;
}

// ---- configuration -------------------------------------------------------------------------

TEST(MakeMailerTest, PicksTheBackendByUrl) {
  auto outbox = MakeMailer({.outbox_dir = "/tmp/sms-outbox"});
  ASSERT_TRUE(outbox.ok());
  EXPECT_EQ((*outbox)->Describe(), "outbox /tmp/sms-outbox");

  auto smtp = MakeMailer({.smtp_url = "smtp://mail.example.com:2525"});
  ASSERT_TRUE(smtp.ok()) << smtp.status().ToString();
  EXPECT_NE(dynamic_cast<SmtpMailer*>(smtp->get()), nullptr);
  EXPECT_EQ((*smtp)->Describe(), "smtp://mail.example.com:2525 (STARTTLS if offered)");

  auto required = MakeMailer({.smtp_url = "smtp://mx/sms.example.com",
                              .smtp_user = "sms",
                              .smtp_password = "s3cret-pw",
                              .starttls = StartTls::kRequired});
  ASSERT_TRUE(required.ok());
  EXPECT_EQ((*required)->Describe(), "smtp://mx:25 (STARTTLS required, user sms)");

  auto smtps = MakeMailer({.smtp_url = "smtps://mail.example.com"});
  ASSERT_TRUE(smtps.ok());
  EXPECT_EQ((*smtps)->Describe(), "smtps://mail.example.com:465 (TLS)");
}

TEST(MakeMailerTest, RejectsBadSettingsNamingThemAndNeverEchoingAPassword) {
  struct Case {
    MailerConfig config;
    const char* field;
  };
  const Case cases[] = {
      {{}, "data_dir"},
      {{.smtp_url = "http://mail.example.com"}, "smtp_url"},
      {{.smtp_url = "smtp://"}, "smtp_url"},
      {{.smtp_url = "smtp://user:hunter2-pw@mail.example.com"}, "smtp_url"},
      {{.smtp_url = "smtp://mail.example.com?x=1"}, "smtp_url"},
      {{.smtp_url = "smtp://mx", .smtp_ca_file = "/nonexistent/ca.pem"}, "smtp_ca_file"},
      {{.smtp_url = "smtp://mx", .smtp_password = "hunter2-pw"}, "smtp_user"},
      {{.smtp_url = "smtp://mx", .timeout = std::chrono::milliseconds(0)}, "smtp_timeout"},
  };
  for (const Case& c : cases) {
    auto mailer = MakeMailer(c.config);
    ASSERT_FALSE(mailer.ok()) << c.config.smtp_url;
    EXPECT_EQ(mailer.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(mailer.status().field(), c.field) << mailer.status().ToString();
    EXPECT_EQ(mailer.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(MakeMailerTest, ParsesTheStartTlsMode) {
  for (auto [text, mode] :
       {std::pair{"try", StartTls::kTry}, std::pair{"required", StartTls::kRequired}}) {
    auto parsed = ParseStartTls(text);
    ASSERT_TRUE(parsed.ok()) << text << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, mode) << text;
  }
  EXPECT_EQ(ParseStartTls("always").status().field(), "smtp_starttls");
}

TEST(SmtpMailerTest, AddressOfStripsTheDisplayName) {
  EXPECT_EQ(AddressOf("a@example.com"), "a@example.com");
  EXPECT_EQ(AddressOf("Ops Team <ops@example.com>"), "ops@example.com");
}

// ---- without a server ----------------------------------------------------------------------

TEST(SmtpMailerTest, NoServerListeningIsTemporaryAndNamesTheEndpointNotThePassword) {
  int port = testing::FreePort();  // nothing listens there
  auto mailer = Make({.smtp_url = "smtp://127.0.0.1:" + std::to_string(port),
                      .smtp_user = "sms",
                      .smtp_password = "hunter2-pw",
                      .connect_timeout = std::chrono::seconds(2)});
  Status s = mailer->Send(Message(UniqueToken("down"), {"a@example.com"}), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos);
  EXPECT_EQ(mailer->Ping().code(), Code::kUnavailable);
}

TEST(SmtpMailerTest, AnInvalidMessageIsPermanentBeforeAnyConnection) {
  auto mailer = Make({.smtp_url = "smtp://127.0.0.1:" + std::to_string(testing::FreePort())});
  MailMessage m = Message(UniqueToken("bad"), {"not an address"});
  Status s = mailer->Send(m, kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "to");
}

// ---- the shared Mailpit ----------------------------------------------------------------------

class SharedMailpitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Env("SMS_SMTP_URL").empty() || Env("SMS_MAILPIT_API").empty()) {
      GTEST_SKIP() << "SMS_SMTP_URL / SMS_MAILPIT_API unset (scripts/services start mailpit)";
    }
  }
  MailpitApi api_{Env("SMS_MAILPIT_API")};
};

TEST_F(SharedMailpitTest, DeliversRecipientsSubjectBothBodiesAndTheAttachment) {
  auto mailer = Make({.smtp_url = Env("SMS_SMTP_URL")});
  std::string token = UniqueToken("smtp-deliver");
  MailMessage m = Message(token, {"ops@example.com", "Ngọc Anh <anh@example.com>"});
  ASSERT_TRUE(mailer->Send(m, kNow).ok());

  auto found = api_.WaitForSubject(token);
  ASSERT_EQ(found.size(), 1u);
  json::object got = api_.Message(std::string(found[0].at("ID").as_string()));
  EXPECT_EQ(got.at("Subject").as_string(), "Báo cáo " + token);
  EXPECT_EQ(got.at("From").at("Address").as_string(), "reports@sms.example.com");
  EXPECT_EQ(got.at("From").at("Name").as_string(), "SMS Reports");
  EXPECT_EQ(Addresses(got.at("To")), "ops@example.com,anh@example.com");
  EXPECT_EQ(got.at("To").as_array()[1].at("Name").as_string(), "Ngọc Anh");
  EXPECT_EQ(got.at("MessageID").as_string(), token + "@sms");
  EXPECT_EQ(got.at("Text").as_string(), "Uptime yesterday: 99.9%");
  EXPECT_EQ(got.at("HTML").as_string(), "<p>Uptime yesterday: <b>99.9%</b></p>");
  const json::array& attachments = got.at("Attachments").as_array();
  ASSERT_EQ(attachments.size(), 1u);
  EXPECT_EQ(attachments[0].at("FileName").as_string(), "uptime.xlsx");
  EXPECT_EQ(attachments[0].at("ContentType").as_string(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  EXPECT_EQ(api_.Part(std::string(got.at("ID").as_string()),
                      std::string(attachments[0].at("PartID").as_string())),
            AllBytes());
}

TEST_F(SharedMailpitTest, LogsInWithTheConfiguredUser) {
  auto mailer = Make({.smtp_url = Env("SMS_SMTP_URL"),
                      .smtp_user = "sms-mailer",
                      .smtp_password = "any-password"});
  EXPECT_TRUE(mailer->Ping().ok());
  std::string token = UniqueToken("smtp-auth");
  ASSERT_TRUE(mailer->Send(Message(token, {"ops@example.com"}), kNow).ok());
  auto found = api_.WaitForSubject(token);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].at("Username").as_string(), "sms-mailer");
}

TEST_F(SharedMailpitTest, EachSendIsOneMailEvenForTheSameId) {
  // The mailer does not deduplicate (MailService does, with a SentLog): two sends, two mails.
  auto mailer = Make({.smtp_url = Env("SMS_SMTP_URL")});
  std::string token = UniqueToken("smtp-twice");
  ASSERT_TRUE(mailer->Send(Message(token, {"ops@example.com"}), kNow).ok());
  ASSERT_TRUE(mailer->Send(Message(token, {"ops@example.com"}), kNow).ok());
  EXPECT_EQ(api_.WaitForSubject(token, 2).size(), 2u);
}

// ---- private Mailpit instances -------------------------------------------------------------

class PrivateMailpitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (MailpitBinary().empty()) {
      GTEST_SKIP() << "no Mailpit binary (scripts/services start mailpit builds it, or set "
                      "SMS_MAILPIT_BIN)";
    }
  }
  // Starts a Mailpit with `flags`; fails the test when it does not come up.
  std::unique_ptr<PrivateMailpit> Start(std::vector<std::string> flags) {
    auto mp = std::make_unique<PrivateMailpit>(std::move(flags));
    EXPECT_TRUE(mp->Start()) << "mailpit did not start; see " << mp->dir() / "log";
    return mp;
  }
  // A self-signed certificate for 127.0.0.1 in `dir`: returns {cert, key} paths.
  static std::pair<std::string, std::string> MakeCertificate(const std::filesystem::path& dir) {
    std::string cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
    std::string cmd =
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -keyout " +
        key + " -out " + cert + " >/dev/null 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << "openssl failed";
    return {cert, key};
  }
};

TEST_F(PrivateMailpitTest, ARefusedRecipientIsPermanentAndNobodyGetsTheMail) {
  auto mp = Start({"--smtp-allowed-recipients", "^ok@example\\.com$"});
  auto mailer = Make({.smtp_url = mp->smtp_url()});
  std::string token = UniqueToken("smtp-550");
  Status s = mailer->Send(Message(token, {"ok@example.com", "nobody@example.com"}), kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument) << s.ToString();
  EXPECT_FALSE(s.retryable());
  EXPECT_EQ(s.field(), "to");
  EXPECT_NE(s.message().find("550"), std::string::npos) << s.message();
  // The allowed recipient did not get it either: a retry can never mail anyone twice. The mail
  // sent next arrives alone (the refused one, had it gone out, would have been stored first).
  ASSERT_TRUE(mailer->Send(Message(token, {"ok@example.com"}), kNow).ok());
  EXPECT_EQ(MailpitApi(mp->api()).WaitForSubject(token).size(), 1u);
}

TEST_F(PrivateMailpitTest, A4xxReplyIsTemporaryAndTheSameMailGoesThroughLater) {
  auto mp = Start({"--enable-chaos", "--chaos-triggers", "Recipient:451:100"});
  auto mailer = Make({.smtp_url = mp->smtp_url()});
  std::string token = UniqueToken("smtp-451");
  Status s = mailer->Send(Message(token, {"ops@example.com"}), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("451"), std::string::npos) << s.message();
  MailpitApi api(mp->api());
  ASSERT_TRUE(api.SetRecipientChaos(451, 0));
  EXPECT_TRUE(mailer->Send(Message(token, {"ops@example.com"}), kNow).ok());
  EXPECT_EQ(api.WaitForSubject(token).size(), 1u);
}

TEST_F(PrivateMailpitTest, ARefusedLoginIsTemporaryAndNeverShowsThePassword) {
  auto dir = std::filesystem::temp_directory_path() / UniqueToken("sms_auth");
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "auth") << "sms:right-password\n";
  auto mp = Start({"--smtp-auth-file", (dir / "auth").string(), "--smtp-auth-allow-insecure"});
  std::filesystem::remove_all(dir);  // read at start
  if (HasFailure()) return;
  MailerConfig config{
      .smtp_url = mp->smtp_url(), .smtp_user = "sms", .smtp_password = "wrong-password-123"};
  auto wrong = Make(config);
  Status s = wrong->Send(Message(UniqueToken("smtp-login"), {"ops@example.com"}), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_EQ(s.message().find("wrong-password-123"), std::string::npos) << s.message();
  EXPECT_EQ(wrong->Ping().code(), Code::kUnavailable);
  config.smtp_password = "right-password";
  EXPECT_TRUE(
      Make(config)->Send(Message(UniqueToken("smtp-login"), {"ops@example.com"}), kNow).ok());
}

TEST_F(PrivateMailpitTest, RequiredStartTlsRefusesAPlainServer) {
  auto mp = Start({});
  auto mailer = Make({.smtp_url = mp->smtp_url(), .starttls = StartTls::kRequired});
  Status s = mailer->Send(Message(UniqueToken("smtp-notls"), {"ops@example.com"}), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_EQ(mailer->Ping().code(), Code::kUnavailable);
  // "try" goes on in clear with a server that offers no STARTTLS.
  EXPECT_TRUE(Make({.smtp_url = mp->smtp_url()})->Ping().ok());
}

TEST_F(PrivateMailpitTest, StartTlsAndSmtpsVerifyTheServerCertificate) {
  auto dir = std::filesystem::temp_directory_path() / UniqueToken("sms_tls");
  std::filesystem::create_directories(dir);
  auto [cert, key] = MakeCertificate(dir);
  for (bool implicit : {false, true}) {
    SCOPED_TRACE(implicit ? "smtps" : "STARTTLS");
    std::vector<std::string> flags = {"--smtp-tls-cert", cert, "--smtp-tls-key", key};
    if (implicit) flags.push_back("--smtp-require-tls");
    auto mp = Start(flags);
    std::string url = implicit ? mp->smtps_url() : mp->smtp_url();
    MailerConfig config{.smtp_url = url, .starttls = StartTls::kRequired};
    // The certificate is self-signed: unknown to the system store, so refused.
    EXPECT_EQ(Make(config)->Ping().code(), Code::kUnavailable);
    config.smtp_ca_file = cert;
    auto mailer = Make(config);
    EXPECT_TRUE(mailer->Ping().ok());
    std::string token = UniqueToken("smtp-tls");
    ASSERT_TRUE(mailer->Send(Message(token, {"ops@example.com"}), kNow).ok());
    EXPECT_EQ(MailpitApi(mp->api()).WaitForSubject(token).size(), 1u);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sms::mail
