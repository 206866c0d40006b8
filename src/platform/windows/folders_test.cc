#include "otguard/platform/folders.h"

#include <gtest/gtest.h>

#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {

// Machine-wide, on a drive, never the Linux path: the quarantine lives there by default.
TEST(ProgramDataDirTest, IsOtguardInTheCommonApplicationDataFolder) {
  std::string dir = ProgramDataDir();
  ASSERT_GT(dir.size(), 11u) << dir;
  EXPECT_EQ(dir.substr(1, 2), ":\\") << dir;
  EXPECT_EQ(dir.substr(dir.size() - 8), "\\otguard") << dir;
  std::string parent = dir.substr(0, dir.size() - 8);
  auto info = StatPath(parent, /*follow_symlinks=*/true);
  ASSERT_TRUE(info.has_value()) << parent << ": " << info.error().ToString();
  EXPECT_EQ(info->type, FileType::kDirectory);
}

}  // namespace
}  // namespace otguard::platform
