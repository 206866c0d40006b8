#include "host/file_hasher.h"

#include <gtest/gtest.h>

#include <string>

#include "testing/temp_dir.h"

namespace otguard::host::internal {
namespace {

using testutil::TempDir;

FileHasher NewHasher() {
  auto hasher = FileHasher::Create(uint64_t{1} << 30);
  EXPECT_TRUE(hasher.has_value());
  return std::move(*hasher);
}

TEST(FileHasher, FlatDigestsOfAKnownText) {
  TempDir dir;
  FileHasher hasher = NewHasher();
  FileHashes h = hasher.Hash(dir.Write("abc", "abc"), true);
  EXPECT_EQ(h.error, "");
  EXPECT_EQ(h.size, 3u);
  EXPECT_EQ(h.md5, "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(h.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Not a PE: no Authenticode digest, and the reason.
  EXPECT_EQ(h.authenticode_sha256, "");
  EXPECT_NE(h.authenticode_error.find("MZ"), std::string::npos) << h.authenticode_error;
}

TEST(FileHasher, MissingFileIsAnErrorNotADigest) {
  FileHasher hasher = NewHasher();
  FileHashes h = hasher.Hash("/nonexistent/otguard/file.exe", true);
  EXPECT_EQ(h.error, "not found");
  EXPECT_EQ(h.sha256, "");
  EXPECT_EQ(h.authenticode_sha256, "");
}

}  // namespace
}  // namespace otguard::host::internal
