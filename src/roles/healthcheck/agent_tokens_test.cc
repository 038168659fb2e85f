#include "roles/healthcheck/agent_tokens.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sms::healthcheck {
namespace {

TEST(AgentTokensTest, EmptySpecIsOpen) {
  auto t = AgentTokens::Load("");
  ASSERT_TRUE(t.ok());
  EXPECT_TRUE(t->empty());
  EXPECT_TRUE(t->Check(""));
  EXPECT_TRUE(t->Check("Bearer anything"));
}

TEST(AgentTokensTest, CommaListTrimsAndSkipsEmptyItems) {
  auto t = AgentTokens::Load(" first-token-1 ,, second-token-2 ");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->size(), 2u);
  EXPECT_TRUE(t->Check("Bearer first-token-1"));
  EXPECT_TRUE(t->Check("Bearer second-token-2"));
  EXPECT_TRUE(t->Check("BEARER second-token-2"));
  EXPECT_FALSE(t->Check("Bearer third-token-3"));
  EXPECT_FALSE(t->Check("Bearer first-token-"));
  EXPECT_FALSE(t->Check("Bearer first-token-12"));
  EXPECT_FALSE(t->Check("Bearer "));
  EXPECT_FALSE(t->Check("first-token-1"));
  EXPECT_FALSE(t->Check(""));
}

TEST(AgentTokensTest, FileHasOneTokenPerLineWithCommentsAndBlanks) {
  auto path =
      std::filesystem::temp_directory_path() / ("sms-agent-tokens-" + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "# agents of rack 1\n\nrack1-token-abc\r\n  rack2-token-def  \n";
  }
  auto t = AgentTokens::Load("@" + path.string());
  std::filesystem::remove(path);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->size(), 2u);
  EXPECT_TRUE(t->Check("Bearer rack1-token-abc"));
  EXPECT_TRUE(t->Check("Bearer rack2-token-def"));
  EXPECT_FALSE(t->Check("Bearer # agents of rack 1"));
}

TEST(AgentTokensTest, BadSpecsAreStartupErrorsThatNeverQuoteATokenValue) {
  auto missing = AgentTokens::Load("@/nonexistent/sms-tokens");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/sms-tokens"), std::string::npos);
  for (const char* spec : {"short", "good-token-1,has space in it", "good-token-1,bad\"quote!!"}) {
    auto r = AgentTokens::Load(spec);
    ASSERT_FALSE(r.ok()) << spec;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(r.status().message().find("good-token-1"), std::string::npos);
    EXPECT_EQ(r.status().message().find("short"), std::string::npos);
    EXPECT_EQ(r.status().message().find("space"), std::string::npos);
  }
  EXPECT_FALSE(AgentTokens::Load(" , ,").ok());
}

TEST(AgentTokensTest, ConstantTimeEqualsIsEquality) {
  EXPECT_TRUE(ConstantTimeEquals("abcdefgh", "abcdefgh"));
  EXPECT_FALSE(ConstantTimeEquals("abcdefgh", "abcdefgi"));
  EXPECT_FALSE(ConstantTimeEquals("abcdefgh", "abcdefg"));
  EXPECT_FALSE(ConstantTimeEquals("abcdefg", "abcdefgh"));
  EXPECT_FALSE(ConstantTimeEquals("abcabc", "abc"));  // a repeat of the shorter one
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace sms::healthcheck
