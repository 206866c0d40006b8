#include "otguard/base/ip_text.h"

#include <gtest/gtest.h>

namespace otguard {
namespace {

TEST(IpTextTest, ParsesAddressesAndPrefixes) {
  auto p = ParseIpPrefix("45.76.0.0/16");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->family, 4);
  EXPECT_EQ(p->length, 16);
  EXPECT_TRUE(IpPrefixContains(*p, "45.76.185.56"));
  EXPECT_FALSE(IpPrefixContains(*p, "45.77.11.148"));
  EXPECT_TRUE(IpPrefixContains(*p, "::ffff:45.76.1.2"));  // v4-mapped, as Linux lists it

  auto one = ParseIpPrefix("104.238.149.229");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->length, 32);
  EXPECT_TRUE(IpPrefixContains(*one, "104.238.149.229"));
  EXPECT_FALSE(IpPrefixContains(*one, "104.238.149.228"));

  auto v6 = ParseIpPrefix("2001:DB8::/32");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(IpPrefixContains(*v6, "2001:db8:1::5"));
  EXPECT_FALSE(IpPrefixContains(*v6, "2001:db9::5"));
  EXPECT_FALSE(IpPrefixContains(*v6, "10.0.0.1"));
  EXPECT_EQ(IpPrefixText(*v6), "2001:db8::/32");
  EXPECT_EQ(IpPrefixText(*ParseIpPrefix("::FFFF:1.2.3.4")), "::ffff:1.2.3.4");
  EXPECT_EQ(IpPrefixText(*ParseIpPrefix("64:ff9b::192.0.2.33")), "64:ff9b::c000:221");
  EXPECT_TRUE(IpPrefixHasHostBits(*ParseIpPrefix("45.76.0.1/16")));
  EXPECT_FALSE(IpPrefixHasHostBits(*ParseIpPrefix("45.76.0.0/16")));
  EXPECT_EQ(IpPrefixText(*ParseIpPrefix("fe80:0:0:0:0:0:0:1")), "fe80::1");
  EXPECT_EQ(IpPrefixText(*ParseIpPrefix("::")), "::");
  EXPECT_EQ(IpPrefixText(*ParseIpPrefix("1:0:0:2:0:0:0:3")), "1:0:0:2::3");
}

TEST(IpTextTest, ParsesSingleAddresses) {
  auto v4 = ParseIpAddress("192.168.1.10");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, 4);
  EXPECT_EQ(v4->length, 32);
  EXPECT_EQ(v4->bytes[0], 192);
  EXPECT_EQ(v4->bytes[3], 10);
  auto v6 = ParseIpAddress("fe80::1");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->family, 6);
  EXPECT_EQ(v6->length, 128);
  EXPECT_EQ(v6->bytes[0], 0xfe);
  EXPECT_EQ(v6->bytes[15], 1);
  EXPECT_EQ(IpPrefixText(*v6), "fe80::1");
  EXPECT_EQ(IpPrefixText(*ParseIpAddress("2001:0DB8:0:0:1:0:0:1")), "2001:db8::1:0:0:1");
  EXPECT_EQ(IpPrefixText(*ParseIpAddress("0:0:0:0:0:0:0:0")), "::");
  // A prefix is not an address; neither is a zone, a leading zero or a short quad.
  EXPECT_FALSE(ParseIpAddress("10.0.0.0/8"));
  EXPECT_FALSE(ParseIpAddress("fe80::1%eth0"));
  EXPECT_FALSE(ParseIpAddress("10.0.0.01"));
  EXPECT_FALSE(ParseIpAddress("10.0.0"));
  EXPECT_FALSE(ParseIpAddress(""));
}

TEST(IpTextTest, RefusesWhatIsNotAnAddress) {
  for (const char* bad :
       {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/33", "1.2.3.4/", "1.2.3.4/08",
        ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::1/129", "fe80::1%eth0", "a.b.c.d",
        "1.2.3.4 ", "1:2:3:4:5:6:7::8", ":1::"}) {
    EXPECT_FALSE(ParseIpPrefix(bad)) << bad;
  }
  EXPECT_FALSE(IpPrefixContains(*ParseIpPrefix("10.0.0.0/8"), "not an address"));
}

}  // namespace
}  // namespace otguard
