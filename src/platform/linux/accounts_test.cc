#include "otguard/platform/accounts.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

using ::testing::ElementsAre;
using testutil::TempDir;

constexpr char kPasswd[] =
    "root:x:0:0:root:/root:/bin/bash\n"
    "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
    "operator:x:1000:1000:Operator,,,:/home/operator:/bin/bash\n"
    "guest:x:1001:1001::/home/guest:/bin/sh\n"
    "contractor:x:1002:1002::/home/contractor:/bin/bash\n"
    "legacy::1003:1003::/home/legacy:/bin/sh\n"  // no password, in passwd itself
    "toor:x:0:0:backdoor:/root:/bin/sh\n"        // a second uid 0
    "ghost:x:1004:1004::/home/ghost:/bin/sh\n"   // no shadow line
    "broken:x:notanumber:0::/:/bin/sh\n"         // skipped
    "# a comment\n";

// Day 1 (1970-01-02) is long past; day 999999 (year 4707) is far ahead.
constexpr char kShadow[] =
    "root:$y$j9T$abcdefgh$0123456789:19700:0:99999:7:::\n"
    "daemon:*:19700:0:99999:7:::\n"
    "operator:!$y$j9T$abc$def:19700:0:99999:7:::\n"
    "guest::19700:0:99999:7:::\n"
    "contractor:$6$salt$hash:19700:0:99999:7::1:\n"
    "toor:$6$salt$hash:19700:0:99999:7::999999:\n";

std::map<std::string, LocalAccount> ByName(const std::vector<LocalAccount>& list) {
  std::map<std::string, LocalAccount> out;
  for (const LocalAccount& a : list) out.emplace(a.name, a);
  return out;
}

TEST(ListLocalAccountsTest, ReadsPasswdAndShadow) {
  TempDir dir;
  dir.Mkdir("etc");
  dir.Write("etc/passwd", kPasswd);
  dir.Write("etc/shadow", kShadow);
  auto list = ListLocalAccounts(ConfigRoot{dir.path()});
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  std::vector<std::string> names;
  for (const LocalAccount& a : *list) names.push_back(a.name);
  EXPECT_THAT(names, ElementsAre("contractor", "daemon", "ghost", "guest", "legacy", "operator",
                                 "root", "toor"));
  auto by = ByName(*list);
  EXPECT_TRUE(by["root"].administrator);
  EXPECT_FALSE(by["root"].disabled);
  EXPECT_EQ(by["root"].empty_password, false);
  EXPECT_EQ(by["root"].shell, "/bin/bash");
  EXPECT_TRUE(by["toor"].administrator);  // any uid 0 is root
  EXPECT_FALSE(by["toor"].disabled);      // expires in the far future
  EXPECT_EQ(by["daemon"].id, 1u);
  EXPECT_TRUE(by["daemon"].disabled);  // "*": no password log-on
  EXPECT_FALSE(by["daemon"].administrator);
  EXPECT_TRUE(by["operator"].disabled);  // locked with passwd -l
  EXPECT_EQ(by["operator"].empty_password, false);
  EXPECT_FALSE(by["guest"].disabled);
  EXPECT_EQ(by["guest"].empty_password, true);
  EXPECT_TRUE(by["contractor"].disabled);  // expired on day 1
  EXPECT_EQ(by["legacy"].empty_password, true);
  EXPECT_EQ(by["ghost"].empty_password, std::nullopt);
}

TEST(ListLocalAccountsTest, WithoutShadowThePasswordIsUnknown) {
  TempDir dir;
  dir.Mkdir("etc");
  dir.Write("etc/passwd", kPasswd);
  auto list = ListLocalAccounts(ConfigRoot{dir.path()});
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  auto by = ByName(*list);
  EXPECT_EQ(by["guest"].empty_password, std::nullopt);
  EXPECT_FALSE(by["daemon"].disabled);           // cannot tell without /etc/shadow
  EXPECT_EQ(by["legacy"].empty_password, true);  // /etc/passwd itself says so
}

TEST(ListLocalAccountsTest, MissingPasswdIsAnError) {
  TempDir dir;
  auto list = ListLocalAccounts(ConfigRoot{dir.path()});
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code(), StatusCode::kNotFound);
}

TEST(ListLocalAccountsTest, ReadsThisHost) {
  auto list = ListLocalAccounts();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  auto by = ByName(*list);
  ASSERT_EQ(by.count("root"), 1u);
  EXPECT_TRUE(by["root"].administrator);
  EXPECT_EQ(by["root"].id, 0u);
  // Only root may read /etc/shadow: an unprivileged run cannot tell.
  if (geteuid() != 0 && access("/etc/shadow", R_OK) != 0) {
    EXPECT_EQ(by["root"].empty_password, std::nullopt);
  }
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
}

}  // namespace
}  // namespace otguard::platform
