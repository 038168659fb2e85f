#include "core/tags.h"

#include <gtest/gtest.h>

namespace sms {
namespace {

TEST(Tags, NormaliseLowersAsciiAndDropsRepeatsKeepingOrder) {
  EXPECT_EQ(NormalizeTag("Rack:B7"), "rack:b7");
  EXPECT_EQ(NormalizeTags({"Prod", "web", "PROD", "db"}),
            (std::vector<std::string>{"prod", "web", "db"}));
}

TEST(Tags, ValidateNamesTheFieldAndStatesTheRule) {
  EXPECT_TRUE(ValidateTags({"prod", "rack:b7", "eu-west-1", "a_b.c", std::string(64, 'x')}).ok());
  for (const std::string& bad :
       {std::string(), std::string(65, 'x'), std::string("a b"), std::string("a,b"),
        std::string("Upper"), std::string("caf\xC3\xA9"), std::string("a/b")}) {
    Status s = ValidateTags({bad});
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.field(), "tags");
  }
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(ValidateTags(many).field(), "tags");
  many.pop_back();
  EXPECT_TRUE(ValidateTags(many).ok());
  EXPECT_EQ(ValidateTag("a b", "tag").field(), "tag");
}

TEST(Tags, CellsSplitOnCommasTrimmedAndJoinBack) {
  EXPECT_EQ(SplitTags(" Prod , web,,prod ,"), (std::vector<std::string>{"prod", "web"}));
  EXPECT_TRUE(SplitTags("").empty());
  EXPECT_TRUE(SplitTags(" , ").empty());
  EXPECT_EQ(JoinTags({"prod", "web"}), "prod,web");
  EXPECT_EQ(JoinTags({}), "");
}

}  // namespace
}  // namespace sms
