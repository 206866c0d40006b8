#include <windows.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "otguard/platform/process.h"
#include "otguard/platform/processes.h"
#include "platform/windows/processes_internal.h"
#include "platform/windows/testing/child_process.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {

namespace {

using win::UniqueHandle;

using testutil::Child;
using testutil::ChildPath;
using testutil::Lower;

// Polls the listing (a new process's command line becomes readable only once it has
// started) until `accept` takes an entry, for at most 20 seconds.
template <typename Accept>
std::optional<ProcessInfo> WaitForProcess(Accept accept) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto list = ListProcesses();
    if (!list) return std::nullopt;
    for (const ProcessInfo& p : *list) {
      if (accept(p)) return p;
    }
    Sleep(20);  // polling with a deadline
  }
  return std::nullopt;
}

bool HasCommandLine(const ProcessInfo& p, const std::string& part) {
  return p.command_line && p.command_line->find(part) != std::string::npos;
}

int64_t NowNs() {
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  return win::FileTimeToUnixNs(now);
}

TEST(ProcessesTest, FindsChildWithParentPathCommandLineUserAndStartTime) {
  int64_t before = NowNs();
  Child child(L"sleep 30");
  ASSERT_NE(child.pid(), 0u);
  auto p = WaitForProcess(
      [&](const ProcessInfo& p) { return p.pid == child.pid() && HasCommandLine(p, "sleep 30"); });
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ppid, GetCurrentProcessId());
  EXPECT_EQ(Lower(p->name), "otguard_test_child.exe");
  EXPECT_EQ(Lower(p->executable), Lower(win::WideToUtf8(ChildPath())));
  EXPECT_NE(p->user.find('\\'), std::string::npos) << p->user;  // DOMAIN\user
  EXPECT_GE(p->start_time_ns, before - 5'000'000'000LL);
  EXPECT_LE(p->start_time_ns, NowNs() + 5'000'000'000LL);
}

// `spawn` starts a grandchild: its parent is the intermediate process, not this one.
TEST(ProcessesTest, GrandchildHasIntermediateAsParent) {
  Child intermediate(L"spawn 30 \"" + ChildPath() + L"\" sleep 31");
  ASSERT_NE(intermediate.pid(), 0u);
  // spawn quotes each argument it passes on.
  auto p =
      WaitForProcess([&](const ProcessInfo& p) { return HasCommandLine(p, "\"sleep\" \"31\""); });
  if (p) {  // the grandchild outlives its parent unless ended here
    UniqueHandle grandchild(OpenProcess(PROCESS_TERMINATE | SYNCHRONIZE, FALSE, p->pid));
    ::TerminateProcess(grandchild.get(), 1);
    WaitForSingleObject(grandchild.get(), 10'000);
  }
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->ppid, intermediate.pid());
  EXPECT_NE(p->pid, intermediate.pid());
}

TEST(ProcessesTest, OwnEntryMatchesThisProcess) {
  auto list = ListProcesses();
  ASSERT_TRUE(list.has_value()) << list.error().message();
  EXPECT_EQ(CurrentProcessId(), GetCurrentProcessId());
  auto self = std::find_if(list->begin(), list->end(),
                           [](const ProcessInfo& p) { return p.pid == CurrentProcessId(); });
  ASSERT_NE(self, list->end());
  EXPECT_EQ(Lower(self->executable), Lower(ExecutablePath()));
  EXPECT_EQ(Lower(self->name), "platform_processes_test.exe");
  ASSERT_TRUE(self->command_line.has_value());
  EXPECT_NE(self->command_line->find("platform_processes_test"), std::string::npos);
  EXPECT_FALSE(self->user.empty());
  EXPECT_GT(self->start_time_ns, 0);
}

// Both ways to a command line give the child's; the PEB one is what Vista and 7 use.
TEST(ProcessesTest, CommandLineFromPebAndFromNtQueryAgree) {
  Child child(L"sleep 30 \"otguard marker\"");
  ASSERT_NE(child.pid(), 0u);
  ASSERT_TRUE(WaitForProcess(
      [&](const ProcessInfo& p) { return p.pid == child.pid() && HasCommandLine(p, "sleep 30"); }));
  UniqueHandle reader(OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, child.pid()));
  ASSERT_TRUE(reader.valid());
  std::string expected = "\"" + win::WideToUtf8(ChildPath()) + "\" sleep 30 \"otguard marker\"";
  auto from_peb = processes_internal::CommandLineFromPeb(reader.get());
  ASSERT_TRUE(from_peb.has_value());
  EXPECT_EQ(*from_peb, expected);
  // Class 60 exists from Windows 8.1 (and in Wine): where it does, it must agree.
  auto from_query = processes_internal::CommandLineFromNtQuery(reader.get());
  if (from_query) {
    EXPECT_EQ(*from_query, expected);
  } else {
    std::printf("note: no ProcessCommandLineInformation here (Windows before 8.1, Wine 8)\n");
  }
}

TEST(ProcessesTest, NtImagePathsBecomeDosPaths) {
  std::vector<std::pair<std::wstring, std::wstring>> devices = {
      {L"C:", L"\\Device\\HarddiskVolume1"}, {L"D:", L"\\Device\\HarddiskVolume12"}};
  auto dos = [&](std::wstring_view nt) {
    return win::WideToUtf8(processes_internal::NtPathToDosPath(nt, devices, L"C:\\WINDOWS"));
  };
  EXPECT_EQ(dos(L"\\Device\\HarddiskVolume1\\Siemens\\WinCC\\bin\\CCEServer.exe"),
            "C:\\Siemens\\WinCC\\bin\\CCEServer.exe");
  // Volume1 is a prefix of Volume12: only a whole device name matches.
  EXPECT_EQ(dos(L"\\Device\\HarddiskVolume12\\x.exe"), "D:\\x.exe");
  EXPECT_EQ(dos(L"\\SystemRoot\\System32\\smss.exe"), "C:\\WINDOWS\\System32\\smss.exe");
  EXPECT_EQ(dos(L"\\??\\C:\\WINDOWS\\system32\\winlogon.exe"),
            "C:\\WINDOWS\\system32\\winlogon.exe");
  EXPECT_EQ(dos(L"C:\\already\\dos.exe"), "C:\\already\\dos.exe");
  EXPECT_EQ(dos(L"\\Device\\Mup\\server\\share\\x.exe"), "\\Device\\Mup\\server\\share\\x.exe");
}

}  // namespace
}  // namespace otguard::platform
