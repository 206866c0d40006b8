#include "platform/windows/win_util.h"

#include <memory>
#include <string>

namespace otguard::platform::win {

std::wstring Utf8ToWide(std::string_view utf8) {
  if (utf8.empty()) return {};
  int n = MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) return {};
  std::wstring out(static_cast<size_t>(n), L'\0');
  MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

std::string WideToUtf8(std::wstring_view wide) {
  if (wide.empty()) return {};
  int n = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), nullptr, 0,
                              nullptr, nullptr);
  if (n <= 0) return {};
  std::string out(static_cast<size_t>(n), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()), out.data(), n,
                      nullptr, nullptr);
  return out;
}

std::string WideToUtf8(const wchar_t* wide, size_t max_chars) {
  if (wide == nullptr) return {};
  size_t n = 0;
  while (n < max_chars && wide[n] != L'\0') ++n;
  return WideToUtf8(std::wstring_view(wide, n));
}

Status WinErrorToStatus(DWORD error, std::string_view context) {
  wchar_t* buffer = nullptr;
  DWORD n = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      nullptr, error, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
  std::string text = n > 0 ? WideToUtf8(std::wstring_view(buffer, n)) : "Windows error";
  if (buffer != nullptr) LocalFree(buffer);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  std::string message = std::string(context) + ": " + text + " (" +
                        std::to_string(static_cast<unsigned>(error)) + ")";
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_NAME:
    case ERROR_BAD_NETPATH:
    case ERROR_SERVICE_DOES_NOT_EXIST:
    case ERROR_NOT_FOUND:
      return NotFound(std::move(message));
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
    case ERROR_PRIVILEGE_NOT_HELD:
      return PermissionDenied(std::move(message));
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS:
    case ERROR_SERVICE_EXISTS:
      return AlreadyExists(std::move(message));
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
    case ERROR_DISK_FULL:
      return ResourceExhausted(std::move(message));
    case ERROR_INVALID_PARAMETER:
    case ERROR_FILENAME_EXCED_RANGE:
      return InvalidArgument(std::move(message));
    case ERROR_CALL_NOT_IMPLEMENTED:
    case ERROR_NOT_SUPPORTED:
      return Unimplemented(std::move(message));
    case ERROR_TIMEOUT:
    case WAIT_TIMEOUT:
    case ERROR_OPERATION_ABORTED:
      return Aborted(std::move(message));
    default:
      return IoError(std::move(message));
  }
}

namespace {
constexpr int64_t kUnixEpochIn100ns = 116444736000000000LL;  // 1601-01-01 to 1970-01-01
}  // namespace

int64_t FileTimeToUnixNs(const FILETIME& time) {
  int64_t ticks = (static_cast<int64_t>(time.dwHighDateTime) << 32) | time.dwLowDateTime;
  if (ticks == 0) return 0;
  return (ticks - kUnixEpochIn100ns) * 100;
}

FILETIME UnixNsToFileTime(int64_t ns) {
  uint64_t ticks = static_cast<uint64_t>(ns / 100 + kUnixEpochIn100ns);
  FILETIME out;
  out.dwLowDateTime = static_cast<DWORD>(ticks & 0xffffffffu);
  out.dwHighDateTime = static_cast<DWORD>(ticks >> 32);
  return out;
}

FARPROC LoadSystemFunctionAddress(const wchar_t* dll, const char* name) {
  // Already loaded (kernel32, ntdll, advapi32 are in every process): no search at all.
  HMODULE module = GetModuleHandleW(dll);
  if (module == nullptr) {
    wchar_t system_dir[MAX_PATH];
    UINT n = GetSystemDirectoryW(system_dir, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return nullptr;
    std::wstring path = std::wstring(system_dir, n) + L"\\" + dll;
    module = LoadLibraryExW(path.c_str(), nullptr, LOAD_WITH_ALTERED_SEARCH_PATH);
    if (module == nullptr) return nullptr;
  }
  return GetProcAddress(module, name);
}

bool RunsUnderWow64() {
  if (sizeof(void*) == 8) return false;
  using IsWow64ProcessFn = BOOL(WINAPI*)(HANDLE, PBOOL);
  static const bool wow64 = [] {
    // Looked up: XP before SP2 lacks it (and no 32-bit XP runs under WOW64).
    const auto fn = LoadSystemFunction<IsWow64ProcessFn>(L"kernel32.dll", "IsWow64Process");
    BOOL result = FALSE;
    return fn != nullptr && fn(GetCurrentProcess(), &result) && result;
  }();
  return wow64;
}

const WindowsVersion& RunningWindowsVersion() {
  static const WindowsVersion version = [] {
    WindowsVersion v;
    using RtlGetVersionFn = LONG(WINAPI*)(OSVERSIONINFOEXW*);
    auto rtl_get_version = LoadSystemFunction<RtlGetVersionFn>(L"ntdll.dll", "RtlGetVersion");
    OSVERSIONINFOEXW info{};
    info.dwOSVersionInfoSize = sizeof(info);
    if (rtl_get_version != nullptr && rtl_get_version(&info) == 0) {
      v.major = info.dwMajorVersion;
      v.minor = info.dwMinorVersion;
      v.build = info.dwBuildNumber;
      v.service_pack_major = info.wServicePackMajor;
      v.service_pack = info.szCSDVersion;
    }
    return v;
  }();
  return version;
}

}  // namespace otguard::platform::win
