// Test-only: the test_child program (OTGUARD_TEST_CHILD, testing/test_child.cc) started as a
// real process, and terminated when the test ends.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_CHILD_PROCESS_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_CHILD_PROCESS_H_

#include <windows.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "platform/windows/win_util.h"

namespace otguard::platform::testutil {

// OTGUARD_TEST_CHILD as a Windows path: under Wine it is the Unix path of the build tree,
// which Wine's drive Z: maps.
inline std::wstring ChildPath() {
  std::wstring path = win::Utf8ToWide(OTGUARD_TEST_CHILD);
  if (!path.empty() && path[0] == L'/') path = L"Z:" + path;
  std::replace(path.begin(), path.end(), L'/', L'\\');
  return path;
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// A started test_child with `args` ("sleep 2"); pid() is 0 when it could not start.
class Child {
 public:
  explicit Child(const std::wstring& args) {
    std::wstring command_line = L"\"" + ChildPath() + L"\" " + args;
    STARTUPINFOW si{};
    si.cb = sizeof si;
    PROCESS_INFORMATION pi{};
    if (CreateProcessW(nullptr, command_line.data(), nullptr, nullptr, FALSE, 0, nullptr, nullptr,
                       &si, &pi)) {
      CloseHandle(pi.hThread);
      process_.reset(pi.hProcess);
      pid_ = pi.dwProcessId;
    }
  }
  ~Child() {
    if (!process_.valid()) return;
    ::TerminateProcess(process_.get(), 1);
    WaitForSingleObject(process_.get(), 10'000);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  DWORD pid() const { return pid_; }
  HANDLE handle() const { return process_.get(); }

 private:
  win::UniqueHandle process_;
  DWORD pid_ = 0;
};

}  // namespace otguard::platform::testutil

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_TESTING_CHILD_PROCESS_H_
