// ListInterfaces on Windows (under Wine: the host's interfaces, as Wine reports them).
#include "otguard/platform/interfaces.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace otguard::platform {
namespace {

bool IsHexPair(const std::string& s, size_t at) {
  return std::isxdigit(static_cast<unsigned char>(s[at])) &&
         std::isxdigit(static_cast<unsigned char>(s[at + 1])) && !std::isupper(s[at]) &&
         !std::isupper(s[at + 1]);
}

TEST(ListInterfaces, AnInterfaceWithAnAddressIsListedInCidrForm) {
  auto list = ListInterfaces();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  ASSERT_FALSE(list->empty());
  EXPECT_TRUE(std::is_sorted(list->begin(), list->end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
  size_t with_address = 0;
  for (const auto& nic : *list) {
    EXPECT_FALSE(nic.name.empty());
    if (!nic.mac.empty()) {
      // "00:1a:2b:3c:4d:5e": lower-case pairs joined by colons.
      ASSERT_EQ(nic.mac.size() % 3, 2u) << nic.mac;
      for (size_t i = 0; i < nic.mac.size(); i += 3) {
        EXPECT_TRUE(IsHexPair(nic.mac, i)) << nic.mac;
        if (i + 2 < nic.mac.size()) {
          EXPECT_EQ(nic.mac[i + 2], ':') << nic.mac;
        }
      }
    }
    for (const auto& address : nic.addresses) {
      const size_t slash = address.rfind('/');
      ASSERT_NE(slash, std::string::npos) << address;
      const int bits = std::stoi(address.substr(slash + 1));
      const bool v6 = address.find(':') != std::string::npos;
      EXPECT_GE(bits, 0) << address;
      EXPECT_LE(bits, v6 ? 128 : 32) << address;
      EXPECT_EQ(address.find('%'), std::string::npos) << "no scope ids: " << address;
    }
    if (!nic.addresses.empty()) ++with_address;
    if (nic.loopback) {
      EXPECT_TRUE(nic.mac.empty()) << nic.name;
    }
  }
  EXPECT_GE(with_address, 1u);
}

TEST(ListInterfaces, LoopbackOrAnUpInterfaceHasItsAddress) {
  auto list = ListInterfaces();
  ASSERT_TRUE(list.has_value()) << list.error().ToString();
  bool found = false;
  for (const auto& nic : *list) {
    for (const auto& address : nic.addresses) {
      // 127.0.0.1/8 on loopback; any address of an interface that is up otherwise.
      if (nic.loopback && address == "127.0.0.1/8") found = true;
      if (nic.up && !nic.loopback) found = true;
    }
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace otguard::platform
