// process.h on Windows (under Wine in CI): priority, CPU time, identity, UTF-8 arguments and
// environment.
#include "otguard/platform/process.h"

#include <windows.h>  // before every other Windows header

#include <gtest/gtest.h>
#include <shellapi.h>

#include <string>
#include <vector>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

// Priority only goes down in a process; this binary has no other test that minds.
TEST(ProcessTest, LowerPriorityGivesTheIdleClass) {
  ASSERT_TRUE(LowerPriority().ok());
  EXPECT_EQ(GetPriorityClass(GetCurrentProcess()), static_cast<DWORD>(IDLE_PRIORITY_CLASS));
  auto p = CurrentPriority();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->nice, 19);
  // Background mode (very low I/O priority) exists from Vista on; Wine reports Windows 7.
  EXPECT_EQ(p->io_idle, win::IsVistaOrLater());
}

TEST(ProcessTest, Identity) {
  EXPECT_GE(CpuCount(), 1u);
  EXPECT_FALSE(HostName().empty());
  EXPECT_FALSE(CurrentUserName().empty());
  std::string exe = ExecutablePath();
  EXPECT_NE(exe.find("platform_process_test.exe"), std::string::npos) << exe;
  EXPECT_EQ(exe.find('/'), std::string::npos) << "a Windows path: " << exe;
}

TEST(ProcessTest, EnvironmentIsUtf8) {
  ASSERT_TRUE(SetEnvironmentVariableW(L"OTGUARD_TEST_VALUE", L"Pr\u00fcfstand \u62a5\u8b66"));
  EXPECT_EQ(GetEnv("OTGUARD_TEST_VALUE"), "Prüfstand 报警");
  EXPECT_EQ(GetEnv("OTGUARD_TEST_NOT_SET"), "");
}

TEST(ProcessTest, ArgumentsComeFromTheUtf16CommandLine) {
  int argc = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &argc);
  ASSERT_NE(wide, nullptr);
  LocalFree(wide);
  std::string placeholder = "?";
  std::vector<char*> argv(static_cast<size_t>(argc), placeholder.data());
  std::vector<std::string> args = Utf8Arguments(argc, argv.data());
  ASSERT_EQ(args.size(), static_cast<size_t>(argc));
  EXPECT_NE(args[0].find("platform_process_test"), std::string::npos) << args[0];
}

}  // namespace
}  // namespace otguard::platform
