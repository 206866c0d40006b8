#include "otguard/base/bytes.h"

#include <gtest/gtest.h>

#include <random>

namespace otguard {
namespace {

TEST(MulHigh64Test, PortableFormMatchesTheWideProduct) {
  const uint64_t edges[] = {
      0, 1, 2, 0xffffffffu, 0x100000000ull, 0x8000000000000000ull, 0xffffffffffffffffull};
  for (uint64_t a : edges) {
    for (uint64_t b : edges) EXPECT_EQ(MulHigh64Portable(a, b), MulHigh64(a, b)) << a << "*" << b;
  }
  EXPECT_EQ(MulHigh64Portable(0xffffffffffffffffull, 0xffffffffffffffffull), 0xfffffffffffffffeull);
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100000; ++i) {
    uint64_t a = rng(), b = rng();
    ASSERT_EQ(MulHigh64Portable(a, b), MulHigh64(a, b)) << a << "*" << b;
  }
}

}  // namespace
}  // namespace otguard

// ---- suggest.h (kept here: one test binary for base) ----
#include "otguard/base/suggest.h"

namespace otguard {
namespace {

TEST(Suggest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("path", "path"), 0u);
  EXPECT_EQ(EditDistance("paht", "path"), 2u);  // a swap is two edits
  EXPECT_EQ(EditDistance("pth", "path"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
}

TEST(Suggest, ClosestWordWithinTheDistanceOnly) {
  const std::string_view known[] = {"path", "sha256", "signer"};
  EXPECT_EQ(ClosestWord("paht", known), "path");
  EXPECT_EQ(ClosestWord("singer", known), "signer");
  EXPECT_EQ(ClosestWord("colour", known), "");
  EXPECT_EQ(ClosestWord(std::string(65, 'p'), known), "");
  EXPECT_EQ(ClosestWord("sha265", known, 1), "");
}

}  // namespace
}  // namespace otguard
