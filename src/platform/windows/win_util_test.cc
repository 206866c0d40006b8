#include "platform/windows/win_util.h"

#include <gtest/gtest.h>

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

TEST(WinUtilTest, MissingSystemFunctionsAreNull) {
  EXPECT_EQ(LoadSystemFunctionAddress(L"kernel32.dll", "NoSuchFunctionInKernel32"), nullptr);
  EXPECT_EQ(LoadSystemFunctionAddress(L"no-such-dll-otguard.dll", "X"), nullptr);
  EXPECT_NE(LoadSystemFunctionAddress(L"kernel32.dll", "GetTickCount"), nullptr);
}

}  // namespace
}  // namespace otguard::platform::win
