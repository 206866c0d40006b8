#include "otguard/platform/crypto.h"

#include <gtest/gtest.h>

#include <string>

namespace otguard::platform {
namespace {

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(MultiDigestTest, KnownVectorsInChunks) {
  auto d = MultiDigest::Create(kAllDigests);
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->Update(Bytes("ab")).ok());
  ASSERT_TRUE(d->Update(Bytes("c")).ok());
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HexEncode(*r->md5), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(*r->sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(*r->sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(MultiDigestTest, ComputesOnlyTheSubsetAskedAndResets) {
  auto d = MultiDigest::Create(DigestBit(DigestKind::kSha1));
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->Update(Bytes("junk")).ok());
  ASSERT_TRUE(d->Finish().has_value());
  ASSERT_TRUE(d->Reset().ok());
  auto r = d->Finish();  // empty input after the reset
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->md5.has_value());
  EXPECT_FALSE(r->sha256.has_value());
  EXPECT_EQ(HexEncode(*r->sha1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST(MultiDigestTest, EmptySetGivesNoDigest) {
  auto d = MultiDigest::Create(0);
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->Update(Bytes("x")).ok());
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->md5 || r->sha1 || r->sha256);
}

TEST(Sha256Test, Buffer) {
  auto r = Sha256(Bytes(""));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HexEncode(*r), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha1Test, Buffer) {  // FIPS 180 examples
  auto r = Sha1(Bytes("abc"));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HexEncode(*r), "a9993e364706816aba3e25717850c26c9cd0d89d");
  r = Sha1(Bytes(""));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HexEncode(*r), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

}  // namespace
}  // namespace otguard::platform
