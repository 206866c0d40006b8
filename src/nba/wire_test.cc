#include "nba/wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace otguard::nba::wire {
namespace {

TEST(WireTest, FieldReadsGiveZeroPastTheEnd) {
  const std::vector<uint8_t> b = {0x12, 0x34, 0x56, 0x78};
  EXPECT_EQ(Be16(b, 0), 0x1234);
  EXPECT_EQ(Be32(b, 0), 0x12345678u);
  EXPECT_EQ(Le16(b, 2), 0x7856);
  EXPECT_EQ(Le32(b, 0), 0x78563412u);
  EXPECT_EQ(Be16(b, 3), 0);
  EXPECT_EQ(Le32(b, 1), 0u);
  EXPECT_EQ(Be32(b, SIZE_MAX), 0u);
}

TEST(WireTest, PrintableTextKeepsPrintableAsciiAndMarksTheRest) {
  const std::vector<uint8_t> bytes = {'P', 'L', 'C', ' ', '~', 0x00, 0x1F, 0x7F, 0x80, 0xFF};
  EXPECT_EQ(PrintableText(bytes, 64), "PLC ~?????");
  // The same rule for text already in a string: bytes >= 0x80 are not printable either.
  EXPECT_EQ(PrintableText(std::string("caf\xc3\xa9\n"), 64), "caf???");
}

TEST(WireTest, PrintableTextStopsAtMaxCharsWithoutAMark) {
  EXPECT_EQ(PrintableText(std::string(300, 'a'), 256), std::string(256, 'a'));
  EXPECT_EQ(PrintableText(std::string_view("abc"), 3), "abc");
  EXPECT_EQ(PrintableText(std::string_view("abc"), 0), "");
  EXPECT_EQ(PrintableText(std::span<const uint8_t>(), 10), "");
}

TEST(WireTest, ShortenMarksACut) {
  EXPECT_EQ(Shorten("pool.example", 12), "pool.example");
  EXPECT_EQ(Shorten("pool.example", 4), "pool...");
  EXPECT_EQ(Shorten("", 0), "");
}

TEST(WireTest, LowerFoldsAsciiOnly) {
  EXPECT_EQ(Lower("XMR.Pool.MinerGate.COM"), "xmr.pool.minergate.com");
  EXPECT_EQ(Lower("Content-Type: 1@[`{"), "content-type: 1@[`{");
  EXPECT_EQ(Lower("\xc3\x89"), "\xc3\x89");  // UTF-8 bytes are left alone
}

}  // namespace
}  // namespace otguard::nba::wire
