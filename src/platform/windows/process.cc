// Windows implementation of otguard/platform/process.h.
#include "otguard/platform/process.h"

#include <windows.h>  // before every other Windows header

#include <shellapi.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

// PROCESS_MODE_BACKGROUND_BEGIN (Vista+): lowers CPU, I/O and memory priority together.
constexpr DWORD kProcessModeBackgroundBegin = 0x00100000;

}  // namespace

Status LowerPriority() {
  // Vista and later: background mode also gives very-low I/O priority and low memory priority.
  // It can only be set on the current process and is refused on XP; the idle CPU class is set
  // in any case so that threads created afterwards inherit it.
  HANDLE self = GetCurrentProcess();
  if (!SetPriorityClass(self, IDLE_PRIORITY_CLASS))
    return win::LastErrorToStatus("SetPriorityClass");
  if (win::IsVistaOrLater()) SetPriorityClass(self, kProcessModeBackgroundBegin);
  return Status::Ok();
}

Result<PriorityInfo> CurrentPriority() {
  PriorityInfo info;
  DWORD cls = GetPriorityClass(GetCurrentProcess());
  if (cls == 0) return Unexpected(win::LastErrorToStatus("GetPriorityClass"));
  // The nice value closest to each class, so reports read alike on both OSes.
  switch (cls) {
    case IDLE_PRIORITY_CLASS:
      info.nice = 19;
      break;
    case BELOW_NORMAL_PRIORITY_CLASS:
      info.nice = 10;
      break;
    case NORMAL_PRIORITY_CLASS:
      info.nice = 0;
      break;
    case ABOVE_NORMAL_PRIORITY_CLASS:
      info.nice = -10;
      break;
    case HIGH_PRIORITY_CLASS:
      info.nice = -15;
      break;
    case REALTIME_PRIORITY_CLASS:
      info.nice = -20;
      break;
    default:
      info.nice = 0;
      break;
  }
  // Background mode is not visible through GetPriorityClass; the idle class is what was asked.
  info.io_idle = cls == IDLE_PRIORITY_CLASS && win::IsVistaOrLater();
  return info;
}

Result<double> ProcessCpuSeconds() {
  FILETIME creation, exit, kernel, user;
  if (!GetProcessTimes(GetCurrentProcess(), &creation, &exit, &kernel, &user)) {
    return Unexpected(win::LastErrorToStatus("GetProcessTimes"));
  }
  auto ticks = [](const FILETIME& t) {
    return static_cast<double>((static_cast<uint64_t>(t.dwHighDateTime) << 32) | t.dwLowDateTime);
  };
  return (ticks(kernel) + ticks(user)) / 1e7;
}

double MonotonicSeconds() {
  static const double frequency = [] {
    LARGE_INTEGER f;
    QueryPerformanceFrequency(&f);
    return static_cast<double>(f.QuadPart);
  }();
  LARGE_INTEGER now;
  QueryPerformanceCounter(&now);
  return static_cast<double>(now.QuadPart) / frequency;
}

unsigned CpuCount() {
  DWORD_PTR process_mask = 0, system_mask = 0;
  if (GetProcessAffinityMask(GetCurrentProcess(), &process_mask, &system_mask)) {
    unsigned n = 0;
    for (DWORD_PTR m = process_mask; m != 0; m &= m - 1) ++n;
    if (n > 0) return n;
  }
  SYSTEM_INFO info;
  GetSystemInfo(&info);
  return info.dwNumberOfProcessors > 0 ? info.dwNumberOfProcessors : 1;
}

std::string HostName() {
  wchar_t name[MAX_COMPUTERNAME_LENGTH + 1];
  DWORD size = MAX_COMPUTERNAME_LENGTH + 1;
  if (!GetComputerNameW(name, &size)) return "";
  return win::WideToUtf8(std::wstring_view(name, size));
}

std::string CurrentUserName() {
  wchar_t name[256 + 1];
  DWORD size = 256 + 1;
  if (!GetUserNameW(name, &size) || size == 0) return "";
  return win::WideToUtf8(std::wstring_view(name, size - 1));
}

bool IsPrivileged() {
  // Membership of the Administrators group counting only enabled SIDs: with UAC a filtered
  // (not elevated) token has the group for deny-only, and CheckTokenMembership says no.
  SID_IDENTIFIER_AUTHORITY nt_authority = SECURITY_NT_AUTHORITY;
  PSID administrators = nullptr;
  if (!AllocateAndInitializeSid(&nt_authority, 2, SECURITY_BUILTIN_DOMAIN_RID,
                                DOMAIN_ALIAS_RID_ADMINS, 0, 0, 0, 0, 0, 0, &administrators)) {
    return false;
  }
  BOOL member = FALSE;
  if (!CheckTokenMembership(nullptr, administrators, &member)) member = FALSE;
  FreeSid(administrators);
  return member != FALSE;
}

std::string ExecutablePath() {
  std::wstring buffer(MAX_PATH, L'\0');
  for (;;) {
    DWORD n = GetModuleFileNameW(nullptr, buffer.data(), static_cast<DWORD>(buffer.size()));
    if (n == 0) return "";
    if (n < buffer.size()) return win::WideToUtf8(std::wstring_view(buffer.data(), n));
    if (buffer.size() >= 32768) return "";
    buffer.resize(buffer.size() * 2);
  }
}

std::string GetEnv(const std::string& name) {
  std::wstring wname = win::Utf8ToWide(name);
  DWORD n = GetEnvironmentVariableW(wname.c_str(), nullptr, 0);
  if (n == 0) return "";
  std::wstring value(n, L'\0');
  n = GetEnvironmentVariableW(wname.c_str(), value.data(), n);
  return win::WideToUtf8(std::wstring_view(value.data(), n));
}

namespace {
bool IsConsole(DWORD which) {
  DWORD mode = 0;
  return GetConsoleMode(GetStdHandle(which), &mode) != 0;
}
}  // namespace

bool StderrIsTerminal() { return IsConsole(STD_ERROR_HANDLE); }
bool StdoutIsTerminal() { return IsConsole(STD_OUTPUT_HANDLE); }

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  int n = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &n);
  if (wide == nullptr || n != argc) {
    // Cannot happen for a console program; keep what the C runtime parsed.
    if (wide != nullptr) LocalFree(wide);
    return std::vector<std::string>(argv, argv + argc);
  }
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(win::WideToUtf8(std::wstring_view(wide[i])));
  LocalFree(wide);
  return out;
}

void PrepareConsole() {
  // UTF-8 bytes written to a console show as UTF-8; redirected output is unaffected (bytes).
  SetConsoleOutputCP(CP_UTF8);
}

Status TerminateProcess(uint32_t pid) {
  // 0 is the idle process, 4 (or 8 on 2000) the System process; 1 exists on neither.
  if (pid <= 1 || pid == 4 || pid == GetCurrentProcessId()) {
    return InvalidArgument("refusing to end pid " + std::to_string(pid));
  }
  HANDLE process = OpenProcess(PROCESS_TERMINATE, FALSE, pid);
  if (process == nullptr) {
    DWORD error = GetLastError();
    // OpenProcess says "invalid parameter" for a pid that does not exist.
    if (error == ERROR_INVALID_PARAMETER) return NotFound("no process " + std::to_string(pid));
    return win::WinErrorToStatus(error, "open process " + std::to_string(pid));
  }
  BOOL ended = ::TerminateProcess(process, 1);
  DWORD error = GetLastError();
  CloseHandle(process);
  if (!ended) return win::WinErrorToStatus(error, "end process " + std::to_string(pid));
  return Status::Ok();
}

void ReleaseFreeMemory() { HeapCompact(GetProcessHeap(), 0); }

}  // namespace otguard::platform
