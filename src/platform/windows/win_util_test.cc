#include "platform/windows/win_util.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace otguard::platform::win {
namespace {

TEST(WinUtilTest, Utf8RoundTripsThroughUtf16) {
  const std::string name = "Prüfstand_报警_\xF0\x9F\x94\xA5.txt";  // BMP and a surrogate pair
  std::wstring wide = Utf8ToWide(name);
  EXPECT_EQ(wide.size(), 19u);
  EXPECT_EQ(WideToUtf8(wide), name);
}

TEST(WinUtilTest, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(WideToUtf8(Utf8ToWide("a\xFF"
                                  "b")),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(WinUtilTest, ErrorsMapToStatusCodes) {
  Status s = WinErrorToStatus(ERROR_FILE_NOT_FOUND, "open C:\\x");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find("open C:\\x: "), std::string::npos);
  EXPECT_NE(s.message().find("(2)"), std::string::npos);
  EXPECT_EQ(WinErrorToStatus(ERROR_SHARING_VIOLATION, "x").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(WinErrorToStatus(ERROR_SERVICE_EXISTS, "x").code(), StatusCode::kAlreadyExists);
}

TEST(WinUtilTest, FileTimesConvertToUnixNanoseconds) {
  FILETIME t = UnixNsToFileTime(1'500'000'000'123'456'700LL);
  EXPECT_EQ(FileTimeToUnixNs(t), 1'500'000'000'123'456'700LL);
}

TEST(WinUtilTest, RunningVersionIsKnown) { EXPECT_GE(RunningWindowsVersion().major, 5u); }

// The Wine suites say what their prefix is (cmake/OtguardWindows.cmake): the i686 suite's
// prefix reports Windows XP SP3, so that the XP branches are the ones that run there.
TEST(WinUtilTest, RunningVersionIsThePrefixVersion) {
  const char* expected = std::getenv("OTGUARD_TEST_WINDOWS");
  if (expected == nullptr) GTEST_SKIP() << "OTGUARD_TEST_WINDOWS is not set: no version to expect";
  const WindowsVersion& v = RunningWindowsVersion();
  if (std::string(expected) == "winxp") {
    EXPECT_EQ(v.major, 5u);
    EXPECT_EQ(v.minor, 1u);
    EXPECT_EQ(v.build, 2600u);
    EXPECT_EQ(v.service_pack_major, 3u);
    EXPECT_FALSE(IsVistaOrLater());
  } else if (std::string(expected) == "win7") {
    EXPECT_EQ(v.major, 6u);
    EXPECT_EQ(v.minor, 1u);
    EXPECT_EQ(v.build, 7601u);
    EXPECT_TRUE(IsVistaOrLater());
  } else {
    FAIL() << "unknown OTGUARD_TEST_WINDOWS " << expected;
  }
}

// WOW64 is a 32-bit process on 64-bit Windows: the i686 exe in a 64-bit prefix.
TEST(WinUtilTest, Wow64IsTheBuildOnTheWineArchitecture) {
  const char* arch = std::getenv("OTGUARD_TEST_WINE_ARCH");
  if (arch == nullptr) GTEST_SKIP() << "OTGUARD_TEST_WINE_ARCH is not set";
  EXPECT_EQ(RunsUnderWow64(), sizeof(void*) == 4 && std::string(arch) == "win64");
}

TEST(WinUtilTest, MissingSystemFunctionsAreNull) {
  EXPECT_EQ(LoadSystemFunctionAddress(L"kernel32.dll", "NoSuchFunctionInKernel32"), nullptr);
  EXPECT_EQ(LoadSystemFunctionAddress(L"no-such-dll-otguard.dll", "X"), nullptr);
  EXPECT_NE(LoadSystemFunctionAddress(L"kernel32.dll", "GetTickCount"), nullptr);
}

}  // namespace
}  // namespace otguard::platform::win
