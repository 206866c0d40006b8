// Windows implementation of otguard/platform/processes.h.
//
// A ToolHelp snapshot gives every process with its parent and image name; each process is
// then opened for query only (never for writing, never suspended or injected into) for its
// image path, command line, user and start time. What cannot be opened keeps the snapshot's
// fields. Functions newer than XP SP3 are looked up at run time:
//   QueryFullProcessImageNameW (Vista)  else GetModuleFileNameExW / GetProcessImageFileNameW
//   NtQueryInformationProcess class 60 (ProcessCommandLineInformation, 8.1)  else the PEB
//   PROCESS_QUERY_LIMITED_INFORMATION (Vista; an access right, not a function)
//                                        else PROCESS_QUERY_INFORMATION | PROCESS_VM_READ
// A 32-bit otguard on 64-bit Windows before 8.1 cannot read a 64-bit process's PEB (its
// pointers are 64-bit and out of reach of 32-bit ReadProcessMemory): that command line is
// nullopt. The x86_64 build has no such gap.
#include <windows.h>

#include <psapi.h>
#include <sddl.h>
#include <tlhelp32.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "otguard/platform/processes.h"
#include "platform/windows/processes_internal.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {

namespace {

using win::LoadSystemFunction;
using win::UniqueHandle;
using win::WideToUtf8;

using NtQueryInformationProcessFn = LONG(NTAPI*)(HANDLE, ULONG, PVOID, ULONG, PULONG);
using QueryFullProcessImageNameWFn = BOOL(WINAPI*)(HANDLE, DWORD, LPWSTR, PDWORD);
using IsWow64ProcessFn = BOOL(WINAPI*)(HANDLE, PBOOL);

constexpr ULONG kProcessBasicInformation = 0;
constexpr ULONG kProcessCommandLineInformation = 60;
constexpr LONG kStatusInfoLengthMismatch = static_cast<LONG>(0xC0000004);
constexpr LONG kStatusBufferTooSmall = static_cast<LONG>(0xC0000023);
constexpr DWORD kQueryLimitedInformation = 0x1000;  // PROCESS_QUERY_LIMITED_INFORMATION

// PROCESS_BASIC_INFORMATION with every field pointer-sized (NTSTATUS and KPRIORITY are
// padded to that), so one definition fits both builds.
struct BasicInformation {
  LONG_PTR exit_status;
  ULONG_PTR peb_base_address;
  ULONG_PTR affinity_mask;
  LONG_PTR base_priority;
  ULONG_PTR unique_process_id;
  ULONG_PTR inherited_from_unique_process_id;
};

// UNICODE_STRING of this build's bitness (the PEB read is same-bitness only).
struct UnicodeString {
  USHORT length;  // bytes, without a terminating NUL
  USHORT maximum_length;
  ULONG_PTR buffer;
};

// Offsets in the undocumented but stable (since NT 4) structures, per pointer size:
// PEB.ProcessParameters and RTL_USER_PROCESS_PARAMETERS.CommandLine.
constexpr size_t kPebProcessParameters = sizeof(void*) == 8 ? 0x20 : 0x10;
constexpr size_t kParametersCommandLine = sizeof(void*) == 8 ? 0x70 : 0x40;

NtQueryInformationProcessFn NtQuery() {
  static const auto fn =
      LoadSystemFunction<NtQueryInformationProcessFn>(L"ntdll.dll", "NtQueryInformationProcess");
  return fn;
}

bool ReadRemote(HANDLE process, ULONG_PTR address, void* out, size_t size) {
  SIZE_T read = 0;
  return ReadProcessMemory(process, reinterpret_cast<LPCVOID>(address), out, size, &read) &&
         read == size;
}

// True when this 32-bit process runs on 64-bit Windows and `process` is a 64-bit one.
bool IsOutOfReach(HANDLE process) {
  if (sizeof(void*) == 8) return false;
  static const auto is_wow64 =
      LoadSystemFunction<IsWow64ProcessFn>(L"kernel32.dll", "IsWow64Process");
  BOOL self = FALSE, target = FALSE;
  if (is_wow64 == nullptr || !is_wow64(GetCurrentProcess(), &self) || !self) return false;
  return is_wow64(process, &target) && !target;
}

// DOS device name -> target ("C:" -> "\Device\HarddiskVolume2"), for the XP path fallback.
using DeviceMap = std::vector<std::pair<std::wstring, std::wstring>>;
DeviceMap ReadDeviceMap() {
  DeviceMap map;
  wchar_t drives[512];
  DWORD n = GetLogicalDriveStringsW(ARRAYSIZE(drives) - 1, drives);
  if (n == 0 || n >= ARRAYSIZE(drives)) return map;
  for (const wchar_t* d = drives; *d != L'\0'; d += wcslen(d) + 1) {
    std::wstring drive(d, 2);  // "C:" of "C:\"
    wchar_t target[MAX_PATH];
    if (QueryDosDeviceW(drive.c_str(), target, ARRAYSIZE(target)) != 0) {
      map.emplace_back(drive, target);
    }
  }
  return map;
}

std::wstring WindowsDirectory() {
  wchar_t dir[MAX_PATH];
  UINT n = GetSystemWindowsDirectoryW(dir, ARRAYSIZE(dir));
  return n > 0 && n < ARRAYSIZE(dir) ? std::wstring(dir, n) : L"C:\\Windows";
}

// What one listing shares: SID -> account name lookups (which can be slow on a domain member)
// and the device map, each made once.
struct ListingContext {
  std::map<std::string, std::string> users;  // SID bytes -> "DOMAIN\user"
  std::optional<DeviceMap> devices;
  std::wstring windows_dir;

  const DeviceMap& Devices() {
    if (!devices) {
      devices = ReadDeviceMap();
      windows_dir = WindowsDirectory();
    }
    return *devices;
  }
};

std::string AccountName(PSID sid) {
  wchar_t name[256], domain[256];
  DWORD name_len = ARRAYSIZE(name), domain_len = ARRAYSIZE(domain);
  SID_NAME_USE use;
  if (LookupAccountSidW(nullptr, sid, name, &name_len, domain, &domain_len, &use)) {
    std::wstring account = domain_len > 0 ? std::wstring(domain) + L"\\" + name : name;
    return WideToUtf8(account);
  }
  // A SID with no name here (a deleted account, an unreachable domain) is still an identity.
  wchar_t* text = nullptr;
  if (!ConvertSidToStringSidW(sid, &text)) return "";
  std::string out = WideToUtf8(text);
  LocalFree(text);
  return out;
}

std::string ProcessUser(HANDLE process, ListingContext* ctx) {
  HANDLE raw = nullptr;
  if (!OpenProcessToken(process, TOKEN_QUERY, &raw)) return "";
  UniqueHandle token(raw);
  DWORD size = 0;
  GetTokenInformation(token.get(), TokenUser, nullptr, 0, &size);
  if (size == 0) return "";
  std::vector<unsigned char> buf(size);
  if (!GetTokenInformation(token.get(), TokenUser, buf.data(), size, &size)) return "";
  PSID sid = reinterpret_cast<TOKEN_USER*>(buf.data())->User.Sid;
  std::string key(static_cast<const char*>(sid), GetLengthSid(sid));
  auto it = ctx->users.find(key);
  if (it == ctx->users.end()) it = ctx->users.emplace(key, AccountName(sid)).first;
  return it->second;
}

int64_t StartTime(HANDLE process) {
  FILETIME creation, exit, kernel, user;
  if (!GetProcessTimes(process, &creation, &exit, &kernel, &user)) return 0;
  return win::FileTimeToUnixNs(creation);
}

// The image path as a DOS path. `can_read` says the handle has PROCESS_VM_READ too.
std::string ImagePath(HANDLE process, bool can_read, ListingContext* ctx) {
  // Chosen by version, as OpenForQuery chooses the access: the Vista API with the limited
  // right, the XP way with the rights XP has. Also where kernel32 has the newer function on an
  // OS that reports XP (Wine's XP prefix), so the XP way is what runs there.
  static const auto query_full = win::IsVistaOrLater()
                                     ? LoadSystemFunction<QueryFullProcessImageNameWFn>(
                                           L"kernel32.dll", "QueryFullProcessImageNameW")
                                     : nullptr;
  std::wstring path(32768, L'\0');
  DWORD n = static_cast<DWORD>(path.size());
  if (query_full != nullptr) {
    if (!query_full(process, 0, path.data(), &n)) return "";
    path.resize(n);
    return WideToUtf8(path);
  }
  // XP: the module list (needs VM_READ), else the image's NT path; both may be NT forms.
  n = can_read ? GetModuleFileNameExW(process, nullptr, path.data(), n) : 0;
  if (n == 0) n = GetProcessImageFileNameW(process, path.data(), static_cast<DWORD>(path.size()));
  if (n == 0) return "";
  path.resize(n);
  const DeviceMap& devices = ctx->Devices();  // sets ctx->windows_dir too
  return WideToUtf8(processes_internal::NtPathToDosPath(path, devices, ctx->windows_dir));
}

// Opens for query: the limited right where it exists (it also opens protected processes),
// else the XP rights, with VM_READ for the module list and the PEB when granted.
UniqueHandle OpenForQuery(DWORD pid, bool* can_read) {
  *can_read = false;
  if (win::IsVistaOrLater()) return UniqueHandle(OpenProcess(kQueryLimitedInformation, FALSE, pid));
  UniqueHandle h(OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
  if (h.valid()) {
    *can_read = true;
    return h;
  }
  return UniqueHandle(OpenProcess(PROCESS_QUERY_INFORMATION, FALSE, pid));
}

std::optional<std::string> CommandLine(DWORD pid, HANDLE query, bool can_read) {
  if (auto line = processes_internal::CommandLineFromNtQuery(query)) return line;
  if (can_read) return processes_internal::CommandLineFromPeb(query);
  UniqueHandle reader(OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid));
  if (!reader.valid()) return std::nullopt;
  return processes_internal::CommandLineFromPeb(reader.get());
}

// Opens the process once for its details; with `details` false only its start time (what a
// poller compares). False when it cannot be opened (System, Idle, protected or other users'
// processes).
bool AddDetails(ProcessInfo* info, bool details, ListingContext* ctx) {
  bool can_read = false;
  UniqueHandle process = OpenForQuery(info->pid, &can_read);
  if (!process.valid()) return false;
  info->start_time_ns = StartTime(process.get());
  if (!details) return true;
  info->executable = ImagePath(process.get(), can_read, ctx);
  info->command_line = CommandLine(info->pid, process.get(), can_read);
  info->user = ProcessUser(process.get(), ctx);
  return true;
}

}  // namespace

namespace processes_internal {

// Windows 8.1+: the command line without reading the other process's memory.
std::optional<std::string> CommandLineFromNtQuery(HANDLE process) {
  NtQueryInformationProcessFn query = NtQuery();
  if (query == nullptr) return std::nullopt;
  std::vector<unsigned char> buf(sizeof(UnicodeString) + 1024);
  ULONG needed = 0;
  LONG status = query(process, kProcessCommandLineInformation, buf.data(),
                      static_cast<ULONG>(buf.size()), &needed);
  bool too_small = status == kStatusInfoLengthMismatch || status == kStatusBufferTooSmall;
  if (too_small && needed > buf.size() && needed < (1u << 20)) {
    buf.resize(needed);
    status = query(process, kProcessCommandLineInformation, buf.data(),
                   static_cast<ULONG>(buf.size()), &needed);
  }
  if (status < 0) return std::nullopt;  // older Windows: STATUS_INVALID_INFO_CLASS
  UnicodeString line;
  std::memcpy(&line, buf.data(), sizeof line);
  auto* begin = reinterpret_cast<const unsigned char*>(line.buffer);
  if (line.length == 0) return std::string();
  if (begin < buf.data() + sizeof line || begin + line.length > buf.data() + buf.size()) {
    return std::nullopt;  // not inside the buffer we passed: do not trust it
  }
  std::wstring wide(line.length / sizeof(wchar_t), L'\0');
  std::memcpy(wide.data(), begin, wide.size() * sizeof(wchar_t));
  return WideToUtf8(wide);
}

// PEB -> ProcessParameters -> CommandLine, read with ReadProcessMemory (which needs
// PROCESS_VM_READ). Works for a process of this build's bitness, and from 64-bit for a
// 32-bit (WOW64) one, whose native PEB holds the same command line.
std::optional<std::string> CommandLineFromPeb(HANDLE process) {
  NtQueryInformationProcessFn query = NtQuery();
  if (query == nullptr || IsOutOfReach(process)) return std::nullopt;
  BasicInformation basic{};
  ULONG len = 0;
  if (query(process, kProcessBasicInformation, &basic, sizeof basic, &len) < 0 ||
      basic.peb_base_address == 0) {
    return std::nullopt;
  }
  ULONG_PTR parameters = 0;
  UnicodeString line{};
  if (!ReadRemote(process, basic.peb_base_address + kPebProcessParameters, &parameters,
                  sizeof parameters) ||
      parameters == 0 ||
      !ReadRemote(process, parameters + kParametersCommandLine, &line, sizeof line)) {
    return std::nullopt;
  }
  std::wstring wide(line.length / sizeof(wchar_t), L'\0');
  if (!wide.empty() && !ReadRemote(process, line.buffer, wide.data(), line.length & ~1u)) {
    return std::nullopt;
  }
  return WideToUtf8(wide);
}

// NT forms of an image path as XP's APIs return them, to the DOS path a user knows:
// "\Device\HarddiskVolume2\x.exe" -> "C:\x.exe", "\SystemRoot\System32\smss.exe" ->
// "C:\Windows\System32\smss.exe", "\??\C:\x.exe" -> "C:\x.exe". Other paths are unchanged.
std::wstring NtPathToDosPath(std::wstring_view path, const DeviceMap& devices,
                             std::wstring_view windows_dir) {
  auto starts_with = [&](std::wstring_view prefix) {
    return path.size() >= prefix.size() &&
           _wcsnicmp(path.data(), prefix.data(), prefix.size()) == 0;
  };
  if (starts_with(L"\\??\\")) return std::wstring(path.substr(4));
  if (starts_with(L"\\SystemRoot\\")) {
    return std::wstring(windows_dir) + std::wstring(path.substr(11));
  }
  for (const auto& [drive, device] : devices) {
    if (starts_with(device) && path.size() > device.size() && path[device.size()] == L'\\') {
      return drive + std::wstring(path.substr(device.size()));
    }
  }
  return std::wstring(path);
}

Result<std::vector<ProcessInfo>> List(bool details) {
  UniqueHandle snapshot(CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0));
  if (!snapshot.valid()) return Unexpected(win::LastErrorToStatus("CreateToolhelp32Snapshot"));
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof entry;
  if (!Process32FirstW(snapshot.get(), &entry)) {
    return Unexpected(win::LastErrorToStatus("Process32First"));
  }
  ListingContext ctx;
  std::vector<ProcessInfo> out;
  do {
    ProcessInfo info;
    info.pid = entry.th32ProcessID;
    info.ppid = entry.th32ParentProcessID;
    info.name = WideToUtf8(entry.szExeFile, ARRAYSIZE(entry.szExeFile));
    if (info.name.empty()) info.name = "[" + std::to_string(info.pid) + "]";
    AddDetails(&info, details, &ctx);
    out.push_back(std::move(info));
    entry.dwSize = sizeof entry;
  } while (Process32NextW(snapshot.get(), &entry));
  return out;
}

std::string DosImagePath(std::string_view nt_path) {
  ListingContext ctx;
  const DeviceMap& devices = ctx.Devices();
  return WideToUtf8(NtPathToDosPath(win::Utf8ToWide(nt_path), devices, ctx.windows_dir));
}

bool FillDetails(ProcessInfo* info) {
  ListingContext ctx;
  int64_t listed_start = info->start_time_ns;
  if (!AddDetails(info, true, &ctx)) return false;
  // The pid was reused since the listing: these details are another process's.
  if (listed_start != 0 && info->start_time_ns != listed_start) {
    info->executable.clear();
    info->command_line.reset();
    info->user.clear();
    info->start_time_ns = listed_start;
    return false;
  }
  return true;
}

}  // namespace processes_internal

Result<std::vector<ProcessInfo>> ListProcesses() { return processes_internal::List(true); }

// Windows names no replaced image differently: the path is the image.
std::string RunningImagePath(const ProcessInfo& process) { return process.executable; }

uint32_t CurrentProcessId() { return GetCurrentProcessId(); }

}  // namespace otguard::platform
