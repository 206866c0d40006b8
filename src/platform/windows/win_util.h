// What every Windows file of the platform shares: UTF-8 <-> UTF-16, Win32 errors as Statuses,
// handles as RAII, and newer APIs looked up at run time (the i686 build runs on XP, whose
// DLLs lack them; docs/windows.md lists each with its fallback).
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_WIN_UTIL_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_WIN_UTIL_H_

#include <windows.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/base/status.h"

namespace otguard::platform::win {

// Invalid sequences become U+FFFD rather than failing: a name is still shown.
std::wstring Utf8ToWide(std::string_view utf8);
std::string WideToUtf8(std::wstring_view wide);
// A NUL-terminated buffer of at most `max_chars` (registry and API strings may lack the NUL).
std::string WideToUtf8(const wchar_t* wide, size_t max_chars);

// A Win32 error code (GetLastError, or a returned LSTATUS) as a Status with the matching code
// and the system's message: "context: The system cannot find the file specified. (2)".
Status WinErrorToStatus(DWORD error, std::string_view context);
inline Status LastErrorToStatus(std::string_view context) {
  return WinErrorToStatus(GetLastError(), context);
}

// FILETIME (100 ns since 1601) as ns since the Unix epoch; 0 stays 0.
int64_t FileTimeToUnixNs(const FILETIME& time);
FILETIME UnixNsToFileTime(int64_t ns);

// Owns a kernel handle (CloseHandle). Both null and INVALID_HANDLE_VALUE mean "none".
class UniqueHandle {
 public:
  UniqueHandle() = default;
  explicit UniqueHandle(HANDLE handle) : handle_(handle) {}
  UniqueHandle(UniqueHandle&& other) noexcept : handle_(other.release()) {}
  UniqueHandle& operator=(UniqueHandle&& other) noexcept {
    reset(other.release());
    return *this;
  }
  UniqueHandle(const UniqueHandle&) = delete;
  UniqueHandle& operator=(const UniqueHandle&) = delete;
  ~UniqueHandle() { reset(); }

  HANDLE get() const { return handle_; }
  bool valid() const { return handle_ != nullptr && handle_ != INVALID_HANDLE_VALUE; }
  HANDLE release() {
    HANDLE h = handle_;
    handle_ = nullptr;
    return h;
  }
  void reset(HANDLE handle = nullptr) {
    if (valid()) CloseHandle(handle_);
    handle_ = handle;
  }

 private:
  HANDLE handle_ = nullptr;
};

// A function of a system DLL that may be missing on older Windows: null when the DLL or the
// export is absent. The DLL is loaded from System32 only (never beside otguard.exe or from
// the current directory) and kept loaded. Usage:
//   static const auto fn = LoadSystemFunction<decltype(&GetTickCount64)>(L"kernel32.dll",
//                                                                   "GetTickCount64");
FARPROC LoadSystemFunctionAddress(const wchar_t* dll, const char* name);
template <typename Fn>
Fn LoadSystemFunction(const wchar_t* dll, const char* name) {
  return reinterpret_cast<Fn>(reinterpret_cast<void*>(LoadSystemFunctionAddress(dll, name)));
}

// The Windows version the process runs on (RtlGetVersion: not subject to the manifest
// compatibility shims of GetVersionEx). E.g. {5, 1} for XP, {6, 1} for 7.
struct WindowsVersion {
  DWORD major = 0;
  DWORD minor = 0;
  DWORD build = 0;
  WORD service_pack_major = 0;
  std::wstring service_pack;
};
const WindowsVersion& RunningWindowsVersion();
inline bool IsVistaOrLater() { return RunningWindowsVersion().major >= 6; }

// True in a 32-bit process on 64-bit Windows (WOW64), where System32 paths lead to SysWOW64
// and HKLM\SOFTWARE to Wow6432Node unless asked otherwise (paths.h, registry.cc).
bool RunsUnderWow64();

}  // namespace otguard::platform::win

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_WIN_UTIL_H_
