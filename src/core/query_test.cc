#include "core/query.h"

#include <gtest/gtest.h>

#include "support/assert_ok.h"

namespace sms {
namespace {

using Params = std::map<std::string, std::string>;

// The query `p` parses to; a parameter set that is refused ends the test.
ServerQuery Parsed(const Params& p) {
  return sms::testing::ValueOrThrow(ParseServerQuery(p), "ParseServerQuery");
}

Status ErrorOf(const Params& p) {
  Result<ServerQuery> r = ParseServerQuery(p);
  EXPECT_FALSE(r.ok());
  return r.status();
}

TEST(ParseServerQuery, Defaults) {
  Result<ServerQuery> r = ParseServerQuery({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->sort, "server_id");
  EXPECT_EQ(r->order, SortOrder::kAsc);
  EXPECT_EQ(r->offset, 0);
  EXPECT_EQ(r->limit, 50);
  EXPECT_FALSE(r->status.has_value());
  EXPECT_EQ(r->q, "");
}

TEST(ParseServerQuery, NameFiltersAreInNfcAsTheNamesAre) {
  Result<ServerQuery> r =
      ParseServerQuery({{"server_name", "Cafe\xCC\x81"}, {"q", "cafe\xCC\x81"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_name, "Caf\xC3\xA9");
  EXPECT_EQ(r->q, "caf\xC3\xA9");
}

TEST(ParseServerQuery, AllParameters) {
  Result<ServerQuery> r = ParseServerQuery({{"server_id", "web-01"},
                                            {"server_name", "Web"},
                                            {"ipv4", "10.0.0.5"},
                                            {"status", "off"},
                                            {"q", "hanoi"},
                                            {"sort", "last_seen"},
                                            {"order", "desc"},
                                            {"offset", "200"},
                                            {"limit", "1000"}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->server_id, "web-01");
  EXPECT_EQ(r->server_name, "Web");
  EXPECT_EQ(r->ipv4, "10.0.0.5");
  EXPECT_EQ(r->status, ServerStatus::kOff);
  EXPECT_EQ(r->q, "hanoi");
  EXPECT_EQ(r->sort, "last_seen");
  EXPECT_EQ(r->order, SortOrder::kDesc);
  EXPECT_EQ(r->offset, 200);
  EXPECT_EQ(r->limit, 1000);
  EXPECT_EQ(Parsed({{"status", "on"}}).status, ServerStatus::kOn);
}

TEST(ParseServerQuery, EmptyValuesMeanDefaults) {
  Result<ServerQuery> r = ParseServerQuery({{"server_id", ""},
                                            {"status", ""},
                                            {"sort", ""},
                                            {"order", ""},
                                            {"limit", ""},
                                            {"offset", ""}});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->sort, "server_id");
  EXPECT_EQ(r->limit, 50);
  EXPECT_FALSE(r->status.has_value());
}

TEST(ParseServerQuery, EveryWhitelistedFieldSorts) {
  ASSERT_EQ(SortableFields().size(), 9u);
  for (const std::string& f : SortableFields()) {
    EXPECT_TRUE(IsSortableField(f));
    Result<ServerQuery> r = ParseServerQuery({{"sort", f}});
    ASSERT_TRUE(r.ok()) << f;
    EXPECT_EQ(r->sort, f);
  }
  for (std::string_view f : {"server_id", "server_name", "ipv4", "hostname", "status",
                             "created_time", "last_updated", "last_seen", "status_changed_at"}) {
    EXPECT_TRUE(IsSortableField(f)) << f;
  }
}

TEST(ParseServerQuery, SortOutsideWhitelistRejectedWithAllowedList) {
  for (std::string bad : {"id", "interval", "SERVER_ID", "server_id ", "password_hash",
                          "server_id; DROP TABLE servers", "server_id desc", "1", "(select 1)",
                          "server_id--", "last_seen,server_id", "\"server_id\""}) {
    Status s = ErrorOf({{"sort", bad}});
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << bad;
    EXPECT_EQ(s.field(), "sort");
    EXPECT_NE(s.message().find("server_id, server_name, ipv4, hostname, status, created_time, "
                               "last_updated, last_seen, status_changed_at"),
              std::string::npos)
        << s.message();
    EXPECT_EQ(s.message().find("DROP"), std::string::npos);  // input is not echoed back
  }
}

TEST(ParseServerQuery, OrderInjectionRejected) {
  for (std::string bad : {"ASC", "descending", "asc; DROP TABLE servers", "desc,1", " asc"}) {
    Status s = ErrorOf({{"order", bad}});
    EXPECT_EQ(s.field(), "order") << bad;
    EXPECT_EQ(s.message(), "order must be asc or desc");
  }
}

TEST(ParseServerQuery, StatusMustBeOnOrOff) {
  for (std::string bad : {"up", "ON", "1", "on "}) {
    EXPECT_EQ(ErrorOf({{"status", bad}}).field(), "status") << bad;
  }
}

TEST(ParseServerQuery, LimitBounds) {
  EXPECT_EQ(Parsed({{"limit", "1"}}).limit, 1);
  EXPECT_EQ(Parsed({{"limit", "1000"}}).limit, 1000);
  for (std::string bad :
       {"0", "1001", "-1", "abc", "10.5", "1e3", " 10", "+10", "10 ", "99999999999999999999999"}) {
    Status s = ErrorOf({{"limit", bad}});
    EXPECT_EQ(s.field(), "limit") << bad;
    EXPECT_EQ(s.message(), "limit must be a whole number from 1 to 1000");
  }
}

TEST(ParseServerQuery, OffsetBounds) {
  EXPECT_EQ(Parsed({{"offset", "0"}}).offset, 0);
  EXPECT_EQ(Parsed({{"offset", "999999999"}}).offset, 999'999'999);
  for (std::string bad : {"-1", "x", "1.0", "0x10", "9999999999999999999999"}) {
    EXPECT_EQ(ErrorOf({{"offset", bad}}).field(), "offset") << bad;
  }
}

TEST(ParseServerQuery, UnknownParameterNamed) {
  Status s = ErrorOf({{"page", "2"}});
  EXPECT_EQ(s.field(), "page");
  EXPECT_NE(s.message().find("page"), std::string::npos);
  EXPECT_EQ(ErrorOf({{"limit", "10"}, {"sort_by", "x"}}).field(), "sort_by");
}

TEST(ParseServerQuery, ValueLengthLimit) {
  EXPECT_TRUE(ParseServerQuery({{"q", std::string(256, 'a')}}).ok());
  Status s = ErrorOf({{"q", std::string(257, 'a')}});
  EXPECT_EQ(s.field(), "q");
  EXPECT_NE(s.message().find("256"), std::string::npos);
  EXPECT_EQ(ErrorOf({{"server_name", std::string(10'000, 'a')}}).field(), "server_name");
}

TEST(ParseServerQuery, FilterValuesKeptVerbatim) {
  // Filters are bound as parameters downstream, so quotes and wildcards are plain text.
  Result<ServerQuery> r = ParseServerQuery({{"q", "50%_off' OR 1=1 --"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->q, "50%_off' OR 1=1 --");
}

TEST(ParseServerQuery, TagFiltersRepeatAndAreNormalised) {
  Result<ServerQuery> r = ParseServerQuery({{"tag", "ignored"}}, {"Prod", "rack:b7", "prod", ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->tags, (std::vector<std::string>{"prod", "rack:b7"}));
  r = ParseServerQuery({{"tag", "Web"}});  // one tag given only in the map
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->tags, (std::vector<std::string>{"web"}));
  r = ParseServerQuery({{"tag", ""}});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->tags.empty());
  r = ParseServerQuery({}, {"bad tag"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "tag");
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) many.push_back("t" + std::to_string(i));
  r = ParseServerQuery({}, many);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().field(), "tag");
}

}  // namespace
}  // namespace sms
