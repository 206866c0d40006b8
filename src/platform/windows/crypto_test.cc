#include "otguard/platform/crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "platform/windows/crypto_backend.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::DigestBackend;

ByteSpan Bytes(const std::string& s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// 1 MiB that is not periodic in any power of two, so a chunking bug changes the digest.
std::vector<uint8_t> Pattern() {
  std::vector<uint8_t> data(1u << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return data;
}

// Every test runs once per backend: BCrypt (Vista+) and CryptoAPI (what XP uses).
class MultiDigestTest : public ::testing::TestWithParam<DigestBackend> {
 protected:
  void SetUp() override {
    if (GetParam() == DigestBackend::kBcrypt && !win::IsVistaOrLater()) {
      GTEST_SKIP() << "the OS reports Windows XP, which has no BCrypt: only CryptoAPI runs here "
                      "(the i686 BCrypt path runs in the WOW64 suite)";
    }
    win::ForceCryptoApiForTesting(GetParam() == DigestBackend::kCryptoApi);
    // Guards against a test that believes it covers BCrypt while CryptoAPI runs.
    ASSERT_EQ(win::ActiveDigestBackend(), GetParam());
  }
  void TearDown() override { win::ForceCryptoApiForTesting(false); }
};

TEST_P(MultiDigestTest, AbcInChunks) {
  auto d = MultiDigest::Create(kAllDigests);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE(d->Update(Bytes("ab")).ok());
  ASSERT_TRUE(d->Update(Bytes("")).ok());
  ASSERT_TRUE(d->Update(Bytes("c")).ok());
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r->md5), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(*r->sha1), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(HexEncode(*r->sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_P(MultiDigestTest, EmptyInput) {
  auto d = MultiDigest::Create(kAllDigests);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r->md5), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(HexEncode(*r->sha1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(HexEncode(*r->sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_P(MultiDigestTest, OneMebibyteInUnevenChunks) {
  const std::vector<uint8_t> data = Pattern();
  auto d = MultiDigest::Create(kAllDigests);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  // Chunk sizes that straddle the 64-byte block boundary in every way.
  const size_t sizes[] = {1, 63, 64, 65, 4095, 100003, 7};
  size_t offset = 0;
  for (int i = 0; offset < data.size(); ++i) {
    size_t n = std::min(sizes[i % std::size(sizes)], data.size() - offset);
    ASSERT_TRUE(d->Update(ByteSpan(data).subspan(offset, n)).ok());
    offset += n;
  }
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r->md5), "ab9e61411498c5977358f4ba72907b22");
  EXPECT_EQ(HexEncode(*r->sha1), "32dcd91b409b06fe7f0f0db6d04a9e6756b5b339");
  EXPECT_EQ(HexEncode(*r->sha256),
            "07f4465ef6fe98070beaf8d8d01454b5d11f6cd4ff86a139d92cd031b46ddfdc");
}

TEST_P(MultiDigestTest, ComputesOnlyTheSubsetAsked) {
  auto d = MultiDigest::Create(DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha256));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  EXPECT_EQ(d->which(), DigestBit(DigestKind::kMd5) | DigestBit(DigestKind::kSha256));
  ASSERT_TRUE(d->Update(Bytes("abc")).ok());
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_FALSE(r->sha1.has_value());
  EXPECT_EQ(HexEncode(*r->md5), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(HexEncode(*r->sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_P(MultiDigestTest, ResetReusesForTheNextFile) {
  auto d = MultiDigest::Create(kAllDigests);
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  // A finished file, then a file abandoned half-way: neither leaks into the next one.
  ASSERT_TRUE(d->Update(Bytes("first file")).ok());
  ASSERT_TRUE(d->Finish().has_value());
  ASSERT_TRUE(d->Reset().ok());
  ASSERT_TRUE(d->Update(Bytes("abandoned")).ok());
  ASSERT_TRUE(d->Reset().ok());
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(d->Update(Bytes("abc")).ok());
    auto r = d->Finish();
    ASSERT_TRUE(r.has_value()) << r.error().ToString();
    EXPECT_EQ(HexEncode(*r->sha1), "a9993e364706816aba3e25717850c26c9cd0d89d") << round;
    EXPECT_EQ(HexEncode(*r->md5), "900150983cd24fb0d6963f7d28e17f72") << round;
    ASSERT_TRUE(d->Reset().ok());
  }
  auto empty = d->Finish();  // nothing since the last Reset()
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(HexEncode(*empty->sha256),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_P(MultiDigestTest, UseAfterFinishWithoutResetIsAnError) {
  auto d = MultiDigest::Create(DigestBit(DigestKind::kSha1));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE(d->Finish().has_value());
  EXPECT_EQ(d->Update(Bytes("x")).code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(d->Finish().has_value());
}

TEST_P(MultiDigestTest, MovedDigestKeepsItsState) {
  auto d = MultiDigest::Create(DigestBit(DigestKind::kSha256));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE(d->Update(Bytes("ab")).ok());
  MultiDigest moved = std::move(*d);
  ASSERT_TRUE(moved.Update(Bytes("c")).ok());
  auto r = moved.Finish();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(HexEncode(*r->sha256),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_P(MultiDigestTest, EmptySetGivesNoDigest) {
  auto d = MultiDigest::Create(0);
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE(d->Update(Bytes("x")).ok());
  auto r = d->Finish();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->md5 || r->sha1 || r->sha256);
}

TEST_P(MultiDigestTest, UnknownKindIsRejected) {
  EXPECT_EQ(MultiDigest::Create(8).error().code(), StatusCode::kInvalidArgument);
}

TEST_P(MultiDigestTest, Sha256OfBuffers) {
  auto r = Sha256(Bytes("abc"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::vector<uint8_t> data = Pattern();
  r = Sha256(data);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r), "07f4465ef6fe98070beaf8d8d01454b5d11f6cd4ff86a139d92cd031b46ddfdc");
}

TEST_P(MultiDigestTest, Sha1OfBuffers) {  // FIPS 180 example
  auto r = Sha1(Bytes("abc"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(HexEncode(*r), "a9993e364706816aba3e25717850c26c9cd0d89d");
}

// What runs unforced: BCrypt from Vista on, CryptoAPI on XP. The i686 suite runs in a Wine
// prefix that reports XP: there the scans of the end-to-end tests hash with CryptoAPI.
TEST(DigestBackendTest, BcryptFromVistaOnCryptoApiOnXp) {
  EXPECT_EQ(win::ActiveDigestBackend(),
            win::IsVistaOrLater() ? DigestBackend::kBcrypt : DigestBackend::kCryptoApi);
}

INSTANTIATE_TEST_SUITE_P(Backends, MultiDigestTest,
                         ::testing::Values(DigestBackend::kBcrypt, DigestBackend::kCryptoApi),
                         [](const auto& info) {
                           return info.param == DigestBackend::kBcrypt ? "BCrypt" : "CryptoApi";
                         });

}  // namespace
}  // namespace otguard::platform
