#include "core/validation.h"

#include <gtest/gtest.h>

namespace sms {
namespace {

TEST(ValidateServerId, AcceptsAllowedCharacters) {
  for (std::string_view id : {"web-01", "a", "10.0.0.5", "db_1:replica.A-z9",
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"}) {
    EXPECT_TRUE(ValidateServerId(id).ok()) << id;
  }
  EXPECT_TRUE(ValidateServerId(std::string(128, 'a')).ok());
}

TEST(ValidateServerId, RejectsBadIds) {
  for (std::string_view id :
       {"", "web 01", "web/01", "a;b", "ü", "tab\t", "new\nline", "x'y", "a\"b", "%", "*"}) {
    Status s = ValidateServerId(id);
    EXPECT_FALSE(s.ok()) << id;
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_EQ(s.field(), "server_id");
  }
  EXPECT_FALSE(ValidateServerId(std::string(129, 'a')).ok());
}

TEST(ValidateServerId, ExportAndImportAreReservedForTheirPaths) {
  Status s = ValidateServerId("export");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.field(), "server_id");
  EXPECT_EQ(s.message(),
            "server_id 'export' is reserved (/api/v1/servers/export is the export operation)");
  EXPECT_EQ(ValidateServerId("import").code(), Code::kInvalidArgument);
  for (std::string_view id : {"Export", "exports", "import-1", "my-export"}) {
    EXPECT_TRUE(ValidateServerId(id).ok()) << id;  // paths are case-sensitive: no clash
  }
}

TEST(ValidateServerId, UsesGivenFieldInMessage) {
  Status s = ValidateServerId("bad id", "id");
  EXPECT_EQ(s.field(), "id");
  EXPECT_EQ(s.message().rfind("id must be 1-128 characters", 0), 0u) << s.message();
}

TEST(ValidateIpv4, AcceptsDottedQuads) {
  for (std::string_view ip :
       {"10.0.0.5", "0.0.0.0", "255.255.255.255", "192.168.1.100", "1.2.3.4"}) {
    EXPECT_TRUE(ValidateIpv4(ip).ok()) << ip;
  }
}

TEST(ValidateIpv4, RejectsEverythingElse) {
  for (std::string_view ip :
       {"",        "10.0.0",      "10.0.0.5.6", "10.0.0.256",  "10.0.0.05",  "010.0.0.5", "10.0.0.",
        ".10.0.0", "10..0.5",     " 10.0.0.5",  "10.0.0.5 ",   "10.0.0.-1",  "10.0.0.+1", "a.b.c.d",
        "::1",     "10.0.0.5/24", "1000.0.0.5", "10.0.0.0005", "0x0a.0.0.5", "10.0.0.5\n"}) {
    Status s = ValidateIpv4(ip);
    EXPECT_FALSE(s.ok()) << "[" << ip << "]";
    EXPECT_EQ(s.field(), "ipv4");
  }
}

TEST(ValidateIpv4, MessageShowsTheExpectedShape) {
  Status s = ValidateIpv4("nope", "ip");
  EXPECT_EQ(s.field(), "ip");
  EXPECT_NE(s.message().find("ip must be a dotted quad like 10.0.0.5"), std::string::npos);
}

TEST(ValidateName, AcceptsPrintableAndUtf8) {
  for (std::string_view n :
       {"web server 1", "x", "Máy chủ Hà Nội", "サーバー", " padded ", "emoji \xF0\x9F\x96\xA5"}) {
    EXPECT_TRUE(ValidateName(n, "server_name").ok()) << n;
  }
  EXPECT_TRUE(ValidateName(std::string(255, 'n'), "server_name").ok());
}

TEST(ValidateName, RejectsBadNames) {
  struct Case {
    std::string name;
    std::string message_part;
  };
  for (const Case& c : std::initializer_list<Case>{{"", "1-255 bytes"},
                                                   {std::string(256, 'n'), "1-255 bytes"},
                                                   {"   ", "only spaces"},
                                                   {"a\tb", "control characters"},
                                                   {"line\nbreak", "control characters"},
                                                   {std::string("nul\0x", 5), "control characters"},
                                                   {"del\x7f", "control characters"},
                                                   {"c1 \xC2\x85", "control characters"},
                                                   {"bad \xFF utf8", "valid UTF-8"},
                                                   {"truncated \xE3\x82", "valid UTF-8"},
                                                   {"overlong \xC0\xAF", "valid UTF-8"},
                                                   {"surrogate \xED\xA0\x80", "valid UTF-8"}}) {
    Status s = ValidateName(c.name, "server_name");
    EXPECT_FALSE(s.ok()) << c.name;
    EXPECT_EQ(s.field(), "server_name");
    EXPECT_NE(s.message().find(c.message_part), std::string::npos) << s.message();
  }
}

TEST(ValidateInterval, Range) {
  EXPECT_TRUE(ValidateInterval(1).ok());
  EXPECT_TRUE(ValidateInterval(30).ok());
  EXPECT_TRUE(ValidateInterval(3600).ok());
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{3601}, int64_t{1} << 40}) {
    Status s = ValidateInterval(bad, "duration");
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.field(), "duration");
  }
}

TEST(ValidateAgentToken, EightOrMoreHeaderSafeCharacters) {
  EXPECT_TRUE(ValidateAgentToken("Az09-._~+/=").ok());
  EXPECT_TRUE(ValidateAgentToken("12345678").ok());
  for (std::string_view bad : {"", "1234567", "tok\r\nX-Injected: 1", "long-enough\n", "with space",
                               "tab\there-x", "caf\xc3\xa9-token", "semi;colon"}) {
    Status s = ValidateAgentToken(bad, "agent_token");
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "agent_token");
    EXPECT_EQ(s.message().find("X-Injected"), std::string::npos);  // never quotes the token
  }
}

TEST(ValidateServerInput, RequiredAndOptionalFields) {
  EXPECT_TRUE(ValidateServerInput({"web-01", "Web 01", "", ""}).ok());
  EXPECT_TRUE(ValidateServerInput({"web-01", "Web 01", "10.0.0.5", "web-01.local"}).ok());
  EXPECT_EQ(ValidateServerInput({"", "Web 01", "", ""}).field(), "server_id");
  EXPECT_EQ(ValidateServerInput({"web-01", "", "", ""}).field(), "server_name");
  EXPECT_EQ(ValidateServerInput({"web-01", "Web", "10.0.0", ""}).field(), "ipv4");
  EXPECT_EQ(ValidateServerInput({"web-01", "Web", "", "   "}).field(), "hostname");
}

// "Café" typed with a precomposed é (U+00E9) and with e + combining acute (U+0301).
constexpr std::string_view kCafeNfc = "Caf\xC3\xA9";
constexpr std::string_view kCafeNfd = "Cafe\xCC\x81";

TEST(NormalizeName, ComposesCombiningSequences) {
  EXPECT_EQ(NormalizeName(kCafeNfd), kCafeNfc);
  EXPECT_EQ(NormalizeName(kCafeNfc), kCafeNfc);
  // Vietnamese: ệ as e + circumflex + dot below, in either order of the marks, is one ệ.
  EXPECT_EQ(NormalizeName("Vie\xCC\x82\xCC\xA3t"), "Vi\xE1\xBB\x87t");
  EXPECT_EQ(NormalizeName("Vie\xCC\xA3\xCC\x82t"), "Vi\xE1\xBB\x87t");
  // Hangul jamo compose into a syllable; a singleton (KELVIN SIGN) becomes its canonical K.
  EXPECT_EQ(NormalizeName("\xE1\x84\x92\xE1\x85\xA1\xE1\x86\xAB"), "\xED\x95\x9C");
  EXPECT_EQ(NormalizeName("\u212Aelvin"), "Kelvin");
  // Compatibility forms are not folded: NFC, not NFKC (the ﬁ ligature stays).
  EXPECT_EQ(NormalizeName("\xEF\xAC\x81le"), "\xEF\xAC\x81le");
}

TEST(NormalizeName, LeavesAsciiAndInvalidUtf8Alone) {
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(NormalizeName("web-01 (rack 3)"), "web-01 (rack 3)");
  for (std::string_view bad : {std::string_view("caf\xC3"), std::string_view("\xED\xA0\x80x"),
                               std::string_view("e\xCC\x81\xFF")}) {
    EXPECT_EQ(NormalizeName(bad), bad);
    EXPECT_FALSE(ValidateName(NormalizeName(bad), "server_name").ok());
  }
}

TEST(NameKey, FoldsCaseAfterNfc) {
  EXPECT_EQ(NameKey("SRV-02"), "srv-02");
  EXPECT_EQ(NameKey("Srv-02"), NameKey("srv-02"));
  EXPECT_EQ(NameKey("web-01 (rack 3)"), "web-01 (rack 3)");
  // Beyond ASCII: É and é, typed precomposed or decomposed, are one key; so are the KELVIN SIGN
  // and K, and the final and medial sigma; ß folds to "ss" (full case folding).
  EXPECT_EQ(NameKey("CAF\xC3\x89"), "caf\xC3\xA9");
  EXPECT_EQ(NameKey(kCafeNfd), NameKey(kCafeNfc));
  EXPECT_EQ(NameKey("\u212Aelvin"), "kelvin");
  EXPECT_EQ(NameKey("\xCE\xA3\xCE\xB9\xCF\x82"), NameKey("\xCF\x83\xCE\xB9\xCF\x83"));
  EXPECT_EQ(NameKey("Stra\u00DFe"), "strasse");
  // Not valid UTF-8: as it is, for ValidateName to refuse.
  EXPECT_EQ(NameKey("caf\xC3"), "caf\xC3");
}

TEST(NormalizeName, ServerInputAndPatchNormaliseTheirNames) {
  ServerInput in{"cafe-1", std::string(kCafeNfd), "10.0.0.1", std::string(kCafeNfd) + ".local"};
  NormalizeServerInput(in);
  EXPECT_EQ(in.server_id, "cafe-1");
  EXPECT_EQ(in.server_name, kCafeNfc);
  EXPECT_EQ(in.hostname, std::string(kCafeNfc) + ".local");
  ServerPatch patch{std::string(kCafeNfd), std::nullopt, std::nullopt};
  NormalizeServerPatch(patch);
  ASSERT_TRUE(patch.server_name.has_value());
  EXPECT_EQ(*patch.server_name, kCafeNfc);
  EXPECT_FALSE(patch.hostname.has_value());
}

TEST(ValidateServerPatch, OnlyPresentFields) {
  EXPECT_TRUE(ValidateServerPatch({}).ok());
  EXPECT_TRUE(ValidateServerPatch({"New name", std::nullopt, std::nullopt}).ok());
  // Empty ipv4 / hostname clear the value.
  EXPECT_TRUE(ValidateServerPatch({std::nullopt, "", ""}).ok());
  EXPECT_EQ(ValidateServerPatch({"", std::nullopt, std::nullopt}).field(), "server_name");
  EXPECT_EQ(ValidateServerPatch({std::nullopt, "1.2.3.999", std::nullopt}).field(), "ipv4");
  EXPECT_EQ(ValidateServerPatch({std::nullopt, std::nullopt, "a\nb"}).field(), "hostname");
}

}  // namespace
}  // namespace sms
