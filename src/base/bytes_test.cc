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
