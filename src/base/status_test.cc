#include "otguard/base/status.h"

#include <cerrno>

#include <gtest/gtest.h>

#include "otguard/base/bytes.h"

namespace otguard {
namespace {

Result<int> Half(int x) {
  if (x % 2) return Unexpected(InvalidArgument("odd"));
  return x / 2;
}

Result<int> Quarter(int x) {
  OTGUARD_ASSIGN_OR_RETURN(int h, Half(x));
  OTGUARD_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status CheckEven(int x) {
  OTGUARD_RETURN_IF_ERROR(Half(x));
  return Status::Ok();
}

TEST(StatusTest, OkIsDefaultAndCheap) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.code(), StatusCode::kOk);
}

TEST(StatusTest, MacrosPropagateFromResultAndStatus) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckEven(4).ok());
  EXPECT_EQ(CheckEven(3).ToString(), "InvalidArgument: odd");
}

TEST(StatusTest, ErrnoMapsToCodesWithContext) {
  Status s = ErrnoToStatus(ENOENT, "open /nope");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("open /nope: "), std::string_view::npos);
  EXPECT_EQ(ErrnoToStatus(EACCES, "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.WithContext("scan").message().substr(0, 6), "scan: ");
}

TEST(BytesTest, HexRoundTripAndRejects) {
  std::vector<uint8_t> b{0x00, 0xab, 0xff};
  EXPECT_EQ(HexEncode(b), "00abff");
  EXPECT_EQ(*HexDecode("00ABff"), b);
  EXPECT_FALSE(HexDecode("abc").has_value());
  EXPECT_FALSE(HexDecode("zz").has_value());
}

TEST(BytesTest, ParseDecimalAcceptsOnlyPlainDigitsInRange) {
  EXPECT_EQ(ParseDecimal("0"), 0u);
  EXPECT_EQ(ParseDecimal("18446744073709551615"), UINT64_MAX);
  EXPECT_FALSE(ParseDecimal("18446744073709551616").has_value());  // overflow
  EXPECT_FALSE(ParseDecimal("").has_value());
  EXPECT_FALSE(ParseDecimal("+1").has_value());
  EXPECT_FALSE(ParseDecimal("-1").has_value());
  EXPECT_FALSE(ParseDecimal("12a").has_value());
  EXPECT_FALSE(ParseDecimal(" 1").has_value());
  EXPECT_EQ(ParseDecimal("255", 255), 255u);
  EXPECT_FALSE(ParseDecimal("256", 255).has_value());
}

TEST(BytesTest, LittleEndianReadsStayInBounds) {
  std::vector<uint8_t> b{1, 2, 3, 4, 5};
  EXPECT_EQ(*ReadLe16(b, 0), 0x0201);
  EXPECT_EQ(*ReadLe32(b, 1), 0x05040302u);
  EXPECT_FALSE(ReadLe32(b, 2).has_value());
  EXPECT_FALSE(ReadLe16(b, SIZE_MAX).has_value());
}

TEST(BytesTest, BigEndianReadsStayInBounds) {
  std::vector<uint8_t> b{0x01, 0x02, 0x03, 0x04, 0xF5};
  EXPECT_EQ(*ReadBe16(b, 0), 0x0102);
  EXPECT_EQ(*ReadBe16(b, 3), 0x04F5);
  EXPECT_EQ(*ReadBe32(b, 0), 0x01020304u);
  EXPECT_EQ(*ReadBe32(b, 1), 0x020304F5u);  // the top byte of the result is the first read
  EXPECT_FALSE(ReadBe16(b, 4).has_value());
  EXPECT_FALSE(ReadBe32(b, 2).has_value());
  EXPECT_FALSE(ReadBe32(b, SIZE_MAX).has_value());
  EXPECT_FALSE(ReadBe16({}, 0).has_value());
}

}  // namespace
}  // namespace otguard
