#include "otguard/platform/interfaces.h"

#include <algorithm>
#include <regex>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace otguard::platform {
namespace {

using ::testing::Contains;

// Every Linux host, container or not, has a loopback interface with 127.0.0.1/8.
TEST(ListInterfacesTest, FindsLoopback) {
  auto list = ListInterfaces();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  auto lo = std::find_if(list->begin(), list->end(),
                         [](const NetworkInterface& n) { return n.name == "lo"; });
  ASSERT_NE(lo, list->end());
  EXPECT_TRUE(lo->loopback);
  EXPECT_TRUE(lo->up);
  EXPECT_THAT(lo->addresses, Contains("127.0.0.1/8"));
  EXPECT_EQ(lo->mac, "");  // 00:00:00:00:00:00 is no address
  EXPECT_GT(lo->mtu, 0u);
  EXPECT_EQ(lo->description, "");
}

TEST(ListInterfacesTest, SortedWithWellFormedFields) {
  auto list = ListInterfaces();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  const std::regex mac("([0-9a-f]{2}:)+[0-9a-f]{2}");
  const std::regex cidr("[0-9a-f.:]+/[0-9]{1,3}");
  for (const NetworkInterface& n : *list) {
    EXPECT_FALSE(n.name.empty());
    EXPECT_EQ(n.name.find(':'), std::string::npos) << n.name;  // labels fold into the device
    if (!n.mac.empty()) {
      EXPECT_TRUE(std::regex_match(n.mac, mac)) << n.name << " " << n.mac;
    }
    for (const std::string& a : n.addresses) {
      EXPECT_TRUE(std::regex_match(a, cidr)) << n.name << " " << a;
    }
  }
}

}  // namespace
}  // namespace otguard::platform
