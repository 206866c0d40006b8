// GetFileVersion on Windows: the version Explorer shows, from the file's VS_FIXEDFILEINFO.
#include <windows.h>

#include <gtest/gtest.h>

#include <string>

#include "otguard/platform/system.h"
#include "platform/windows/win_util.h"
#include "testing/temp_dir.h"

namespace otguard::platform {
namespace {

std::string SystemDir() {
  wchar_t buf[MAX_PATH];
  const UINT n = GetSystemDirectoryW(buf, MAX_PATH);
  return win::WideToUtf8(std::wstring(buf, n));
}

TEST(GetFileVersion, Kernel32HasFourDottedNumbers) {
  auto version = GetFileVersion(SystemDir() + "\\kernel32.dll");
  ASSERT_TRUE(version.has_value()) << version.error().ToString();
  int dots = 0;
  for (char c : *version) {
    if (c == '.') {
      ++dots;
    } else {
      EXPECT_TRUE(c >= '0' && c <= '9') << *version;
    }
  }
  EXPECT_EQ(dots, 3) << *version;
  EXPECT_NE(version->front(), '.');
  EXPECT_NE(version->back(), '.');
  EXPECT_EQ(version->find(".."), std::string::npos) << *version;
}

TEST(GetFileVersion, MissingFileIsNotFound) {
  auto version = GetFileVersion(SystemDir() + "\\otguard-no-such-file.dll");
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code(), StatusCode::kNotFound);
}

TEST(GetFileVersion, FileWithoutVersionResourceIsNotFound) {
  testutil::TempDir dir;
  const std::string text = dir.Write("notes.txt", "no resources here\r\n");
  auto version = GetFileVersion(text);
  ASSERT_FALSE(version.has_value());
  EXPECT_EQ(version.error().code(), StatusCode::kNotFound) << version.error().ToString();
}

}  // namespace
}  // namespace otguard::platform
