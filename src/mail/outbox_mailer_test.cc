// OutboxMailer and MakeMailer: what lands in the outbox directory.
//
// An outbox the file system refuses is Unavailable (retryable), not Internal: the message is
// fine and the same job succeeds once an operator fixes the directory, so the caller must keep
// it rather than drop it. UnwritableOutboxIsUnavailableAndRetrySucceedsOnceFixed shows that.

#include "mail/outbox_mailer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sms::mail {
namespace {

namespace fs = std::filesystem;

constexpr Millis kNow = 1764309600000;  // 2025-11-28T06:00:00Z

class OutboxMailerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sms_outbox_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(root_ / "locked", fs::perms::owner_all, ec);
    fs::remove_all(root_, ec);
  }

  static MailMessage Message(const std::string& id, const std::string& text) {
    MailMessage m;
    m.id = id;
    m.from = "SMS <sms@example.com>";
    m.to = {"admin@example.com"};
    m.subject = "Báo cáo " + id;
    m.text = text;
    m.attachments = {{"servers.xlsx", "application/octet-stream", std::string("\0\1\2", 3)}};
    return m;
  }

  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  // Names of the files in `dir`.
  static std::set<std::string> Files(const fs::path& dir) {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.insert(e.path().filename().string());
    return names;
  }

  fs::path root_;
};

TEST_F(OutboxMailerTest, WritesTheRenderedMailAsIdDotEmlCreatingTheDirectory) {
  fs::path dir = root_ / "data" / "outbox";
  OutboxMailer mailer(dir.string());
  ASSERT_TRUE(mailer.Send(Message("daily-2025-11-27", "hello"), kNow).ok());
  EXPECT_EQ(Files(dir), std::set<std::string>{"daily-2025-11-27.eml"});
  std::string eml = Read(dir / "daily-2025-11-27.eml");
  EXPECT_TRUE(eml.starts_with("From: SMS <sms@example.com>\r\nTo: admin@example.com\r\n")) << eml;
  EXPECT_NE(eml.find("\r\nDate: Fri, 28 Nov 2025 06:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(eml.find("\r\nMessage-ID: <daily-2025-11-27@sms>\r\n"), std::string::npos);
  EXPECT_NE(eml.find("\r\n\r\naGVsbG8=\r\n"), std::string::npos) << "base64 of the text body";
  EXPECT_TRUE(eml.ends_with("--\r\n")) << "the file is complete";
}

TEST_F(OutboxMailerTest, IdempotentById) {
  OutboxMailer mailer(root_.string());
  ASSERT_TRUE(mailer.Send(Message("job-1", "first body"), kNow).ok());
  std::string first = Read(root_ / "job-1.eml");
  ASSERT_FALSE(first.empty());
  EXPECT_TRUE(mailer.Send(Message("job-1", "second, different body"), kNow + 60000).ok());
  EXPECT_EQ(Read(root_ / "job-1.eml"), first);
  // Another mailer on the same directory (a restarted process) sees the same delivery.
  EXPECT_TRUE(OutboxMailer(root_.string()).Send(Message("job-1", "third"), kNow).ok());
  EXPECT_EQ(Read(root_ / "job-1.eml"), first);
  ASSERT_TRUE(mailer.Send(Message("job-2", "other"), kNow).ok());
  EXPECT_EQ(Files(root_), (std::set<std::string>{"job-1.eml", "job-2.eml"}));
}

TEST_F(OutboxMailerTest, ConcurrentSendsWriteEachIdOnceAndCompletely) {
  OutboxMailer mailer((root_ / "outbox").string());
  constexpr int kThreads = 8;
  constexpr int kIds = 40;
  auto path = [&](int id) { return root_ / "outbox" / ("job-" + std::to_string(id) + ".eml"); };

  // A reader watches the outbox: once a mail's file exists it must never change, though
  // every sender uses its own body under the same ids.
  std::atomic<bool> done{false};
  std::map<int, std::string> first_seen;
  int changed = 0;
  std::thread watcher([&] {
    while (!done.load()) {
      for (int i = 0; i < kIds; ++i) {
        std::string eml = Read(path(i));
        if (eml.empty()) continue;
        auto [it, inserted] = first_seen.emplace(i, eml);
        if (!inserted && it->second != eml) ++changed;
      }
    }
  });
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      for (int i = 0; i < kIds; ++i) {
        int id = (i * 7 + t * 5) % kIds;  // every sender sends every id, each in its own order
        std::string body = "from thread " + std::to_string(t) + std::string(5000, 'x');
        if (!mailer.Send(Message("job-" + std::to_string(id), body), kNow).ok()) ++failures[t];
      }
    });
  }
  for (auto& th : senders) th.join();
  done = true;
  watcher.join();

  EXPECT_EQ(failures, std::vector<int>(kThreads, 0));
  EXPECT_EQ(changed, 0) << "a delivered mail was rewritten";
  EXPECT_EQ(Files(root_ / "outbox").size(), static_cast<size_t>(kIds))
      << "one file per id, no temporary files left behind";
  for (int i = 0; i < kIds; ++i) {
    std::string eml = Read(path(i));
    EXPECT_NE(eml.find("Message-ID: <job-" + std::to_string(i) + "@sms>"), std::string::npos);
    EXPECT_TRUE(eml.ends_with("--\r\n")) << path(i) << " is complete";
    if (first_seen.count(i)) {
      EXPECT_EQ(first_seen[i], eml) << path(i) << " was rewritten";
    }
  }
}

TEST_F(OutboxMailerTest, InvalidMessageIsRejectedAndNothingIsWritten) {
  OutboxMailer mailer(root_.string());
  MailMessage m = Message("job-1", "x");
  m.subject = "Hi\r\nBcc: victim@example.com";
  Status s = mailer.Send(m, kNow);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "subject");
  m = Message("../escape", "x");
  EXPECT_EQ(mailer.Send(m, kNow).field(), "id");
  EXPECT_TRUE(Files(root_).empty());
}

TEST_F(OutboxMailerTest, UnwritableOutboxIsUnavailableAndRetrySucceedsOnceFixed) {
  // A regular file where the outbox's parent directory should be: no user, root included,
  // can create the outbox.
  fs::path blocker = root_ / "data";
  std::ofstream(blocker) << "not a directory";
  OutboxMailer mailer((blocker / "outbox").string());
  Status s = mailer.Send(Message("job-1", "x"), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_TRUE(s.retryable());
  EXPECT_NE(s.message().find((blocker / "outbox").string()), std::string::npos) << s.message();

  fs::remove(blocker);
  EXPECT_TRUE(mailer.Send(Message("job-1", "x"), kNow).ok());
  EXPECT_TRUE(fs::exists(blocker / "outbox" / "job-1.eml"));
}

TEST_F(OutboxMailerTest, ReadOnlyDirectoryIsUnavailable) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  fs::path dir = root_ / "locked";
  fs::create_directories(dir);
  fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
  Status s = OutboxMailer(dir.string()).Send(Message("job-1", "x"), kNow);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  EXPECT_TRUE(Files(dir).empty());
}

TEST_F(OutboxMailerTest, MakeMailerWithoutSmtpUrlWritesToTheOutbox) {
  Result<MailerPtr> mailer = MakeMailer({.smtp_url = "", .outbox_dir = root_.string()});
  ASSERT_TRUE(mailer.ok()) << mailer.status().ToString();
  ASSERT_TRUE((*mailer)->Send(Message("job-1", "x"), kNow).ok());
  EXPECT_TRUE(fs::exists(root_ / "job-1.eml"));
}

TEST_F(OutboxMailerTest, MakeMailerRejectsAMissingOutboxAndCredentialsInTheSmtpUrl) {
  Result<MailerPtr> no_dir = MakeMailer({.smtp_url = "", .outbox_dir = ""});
  EXPECT_EQ(no_dir.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(no_dir.status().field(), "data_dir");
  Result<MailerPtr> smtp =
      MakeMailer({.smtp_url = "smtps://user:s3cret@mail.example.com:465", .outbox_dir = "x"});
  EXPECT_EQ(smtp.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(smtp.status().field(), "smtp_url");
  EXPECT_NE(smtp.status().message().find("must not hold a user or password"), std::string::npos);
  EXPECT_EQ(smtp.status().message().find("s3cret"), std::string::npos) << "no password in logs";
}

}  // namespace
}  // namespace sms::mail
