// What starts by itself on Windows: the Run keys of the machine and of every loaded user
// hive, Winlogon's Shell/Userinit/Taskman, the Startup folders, the Task Scheduler's task
// files and the auto-start services. Everything is read, nothing is resolved by running it:
// a shortcut (.lnk) in a Startup folder is reported as the file (its target is not read), a
// COM handler task by its CLSID.
//
// Under WOW64 (the i686 build on 64-bit Windows) System32 paths are read through Sysnative,
// so the 32-bit agent sees the native System32\Tasks and binaries, and reports them under
// their System32 names.
#include "otguard/platform/autoruns.h"

#include <windows.h>
// clang-format off: shlobj.h needs windows.h first.
#include <shlobj.h>
// clang-format on

#include <algorithm>
#include <cwchar>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "otguard/platform/files.h"
#include "otguard/platform/registry.h"
#include "otguard/platform/services.h"
#include "platform/task_files.h"
#include "platform/windows/paths.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;
using win::WideToUtf8;

constexpr char kCurrentVersion[] = "Microsoft\\Windows\\CurrentVersion";
constexpr char kWinlogonKey[] = "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
// The machine's Run keys (below HKLM\SOFTWARE\<these>). RunServices and RunServicesOnce are
// Windows 9x's, ignored by NT, yet written by old malware and still worth seeing. RunOnceEx
// holds numbered sub-keys of setup steps, not command lines; it is not read.
constexpr const char* kMachineRunKeys[] = {
    "Microsoft\\Windows\\CurrentVersion\\Run",
    "Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "Microsoft\\Windows\\CurrentVersion\\RunServices",
    "Microsoft\\Windows\\CurrentVersion\\RunServicesOnce",
    "Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run",
    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run",
    "Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\RunOnce",
};
// A user's (below HKU\<sid>\Software\).
constexpr const char* kUserRunKeys[] = {
    "Microsoft\\Windows\\CurrentVersion\\Run",
    "Microsoft\\Windows\\CurrentVersion\\RunOnce",
    "Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run",
};
constexpr const char* kWinlogonValues[] = {"Shell", "Userinit", "Taskman"};
constexpr size_t kMaxEnvExpandChars = 32 * 1024;
// An unquoted command line is tried as a program path up to this many spaces (each try looks
// at the file system); a real path has far fewer.
constexpr int kMaxPrefixesTried = 16;

// ---- Paths ----

std::wstring WindowsDir() {
  wchar_t buf[MAX_PATH];
  const UINT n = GetSystemWindowsDirectoryW(buf, MAX_PATH);  // not the per-session one
  return n > 0 && n < MAX_PATH ? std::wstring(buf, n) : std::wstring(L"C:\\Windows");
}

std::wstring SystemDir() { return WindowsDir() + L"\\System32"; }

bool StartsWithNoCase(std::wstring_view s, std::wstring_view prefix) {
  return s.size() >= prefix.size() && _wcsnicmp(s.data(), prefix.data(), prefix.size()) == 0;
}

// The path to open for `path`: a System32 path through Sysnative under WOW64.
std::wstring ForAccess(const std::wstring& path) { return win::NativeSystemPath(path); }

bool IsFile(const std::wstring& path) {
  const DWORD attributes = GetFileAttributesW(ForAccess(path).c_str());
  return attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) == 0;
}

std::wstring ExpandEnvironment(const std::wstring& text) {
  if (text.find(L'%') == std::wstring::npos) return text;
  std::wstring out(MAX_PATH, L'\0');
  for (int attempt = 0; attempt < 2; ++attempt) {
    const DWORD n =
        ExpandEnvironmentStringsW(text.c_str(), out.data(), static_cast<DWORD>(out.size()));
    if (n == 0 || n > kMaxEnvExpandChars) return text;
    if (n <= out.size()) {
      out.resize(n - 1);  // n counts the NUL
      return out;
    }
    out.resize(n);
  }
  return text;
}

std::wstring TrimSpaces(std::wstring_view s) {
  while (!s.empty() && (s.front() == L' ' || s.front() == L'\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == L' ' || s.back() == L'\t')) s.remove_suffix(1);
  return std::wstring(s);
}

bool HasExtension(const std::wstring& path) {
  const size_t dot = path.rfind(L'.');
  return dot != std::wstring::npos && path.find(L'\\', dot) == std::wstring::npos;
}

// A name without a directory: found as CreateProcess would, in System32, the Windows folder,
// then the PATH (".exe" added when there is no extension).
std::optional<std::wstring> SearchBareName(const std::wstring& name) {
  const std::wstring exe = HasExtension(name) ? name : name + L".exe";
  for (const std::wstring& dir : {SystemDir(), WindowsDir()}) {
    if (IsFile(dir + L"\\" + exe)) return dir + L"\\" + exe;
  }
  wchar_t path_var[8192];
  const DWORD n = GetEnvironmentVariableW(L"PATH", path_var, ARRAYSIZE(path_var));
  if (n == 0 || n >= ARRAYSIZE(path_var)) return std::nullopt;
  wchar_t found[MAX_PATH];
  const DWORD m = SearchPathW(path_var, name.c_str(), L".exe", MAX_PATH, found, nullptr);
  if (m == 0 || m >= MAX_PATH) return std::nullopt;
  return std::wstring(found, m);
}

// Forms services and Winlogon use that are not Win32 paths: "\??\C:\x", "\SystemRoot\x",
// "system32\x" (relative to the Windows folder).
std::wstring NormalizeProgramPath(std::wstring path) {
  if (StartsWithNoCase(path, L"\\??\\")) return path.substr(4);
  if (StartsWithNoCase(path, L"\\SystemRoot\\")) return WindowsDir() + path.substr(11);
  if (StartsWithNoCase(path, L"system32\\")) return WindowsDir() + L"\\" + path;
  return path;
}

bool IsBareName(const std::wstring& path) {
  return path.find_first_of(L"\\/:") == std::wstring::npos;
}

// The file `program` (a path or a bare name, unquoted) names when it exists, with ".exe"
// added as CreateProcess does.
std::optional<std::wstring> Locate(const std::wstring& program) {
  if (program.empty()) return std::nullopt;
  if (IsBareName(program)) return SearchBareName(program);
  const std::wstring path = NormalizeProgramPath(program);
  if (IsFile(path)) return path;
  if (!HasExtension(path) && IsFile(path + L".exe")) return path + L".exe";
  return std::nullopt;
}

// The image of a program field (a task's Command, a .job's application): the whole text is
// the program, quoted or not.
std::string ImageOfProgram(const std::string& program) {
  std::wstring p = TrimSpaces(ExpandEnvironment(Utf8ToWide(program)));
  if (p.size() >= 2 && p.front() == L'"' && p.back() == L'"') p = p.substr(1, p.size() - 2);
  if (p.empty()) return {};
  if (auto found = Locate(p)) return WideToUtf8(*found);
  return IsBareName(p) ? std::string() : WideToUtf8(NormalizeProgramPath(p));
}

bool EndsWithExeNoCase(const std::wstring& s) {
  return s.size() >= 4 && _wcsicmp(s.c_str() + s.size() - 4, L".exe") == 0;
}

// The image of a command line (Run values, service binary paths): a quoted program, else
// the shortest prefix before a space that names an existing file, the way CreateProcess
// reads "C:\Program Files\Vendor\hmi.exe -x" ("C:\Program.exe" first). When none exists:
// the shortest prefix ending in ".exe", else the first word.
std::string ImageOfCommandLine(const std::string& command) {
  const std::wstring cmd = TrimSpaces(ExpandEnvironment(Utf8ToWide(command)));
  if (cmd.empty()) return {};
  if (cmd.front() == L'"') {
    const size_t end = cmd.find(L'"', 1);
    return ImageOfProgram(WideToUtf8(cmd.substr(1, end == std::wstring::npos ? end : end - 1)));
  }
  std::optional<std::wstring> exe_prefix;
  int tried = 0;
  for (size_t end = cmd.find(L' '); tried < kMaxPrefixesTried; end = cmd.find(L' ', end + 1)) {
    ++tried;
    const std::wstring prefix = TrimSpaces(cmd.substr(0, end));
    if (auto found = Locate(prefix)) return WideToUtf8(*found);
    if (!exe_prefix.has_value() && EndsWithExeNoCase(prefix)) exe_prefix = prefix;
    if (end == std::wstring::npos) break;
  }
  if (exe_prefix.has_value()) return ImageOfProgram(WideToUtf8(*exe_prefix));
  return ImageOfProgram(WideToUtf8(cmd.substr(0, cmd.find_first_of(L" \t"))));
}

// ---- Sources ----

// What the sources found, and whether any of them could be read at all.
struct Collected {
  std::vector<Autorun> autoruns;
  bool read_any = false;
  Status first_error;

  void Failed(const Status& status) {
    if (first_error.ok()) first_error = status;
  }
};

bool IsText(const RegistryValue& v) {
  return v.type == RegistryType::kString || v.type == RegistryType::kExpandString;
}

void AddRunKey(RegistryHive hive, const std::string& key, const std::string& user, Collected* out) {
  auto values = ListRegistryValues(hive, key);
  if (!values.has_value()) {
    if (values.error().code() != StatusCode::kNotFound) out->Failed(values.error());
    return;
  }
  out->read_any = true;
  for (const auto& v : *values) {
    if (!IsText(v)) continue;  // Explorer runs only string values
    Autorun a;
    a.kind = AutorunKind::kRunKey;
    a.location = std::string(RegistryHiveName(hive)) + "\\" + key;
    a.name = v.name;
    a.command = v.text;
    a.image = ImageOfCommandLine(v.text);
    a.user = user;
    out->autoruns.push_back(std::move(a));
  }
}

// Shell and Userinit hold comma-separated programs (Winlogon starts each: "userinit.exe,"
// and an appended ",C:\evil.exe" both run); each becomes its own entry.
void AddWinlogon(RegistryHive hive, const std::string& key, const std::string& user,
                 Collected* out) {
  for (const char* name : kWinlogonValues) {
    auto v = ReadRegistryValue(hive, key, name);
    if (!v.has_value()) {
      if (v.error().code() != StatusCode::kNotFound) out->Failed(v.error());
      continue;
    }
    out->read_any = true;
    if (!IsText(*v)) continue;
    std::string_view rest = v->text;
    while (true) {
      const size_t comma = rest.find(',');
      const std::wstring part = TrimSpaces(Utf8ToWide(rest.substr(0, comma)));
      if (!part.empty()) {
        Autorun a;
        a.kind = AutorunKind::kWinlogon;
        a.location = std::string(RegistryHiveName(hive)) + "\\" + key;
        a.name = name;
        a.command = WideToUtf8(part);
        a.image = ImageOfCommandLine(a.command);
        a.user = user;
        out->autoruns.push_back(std::move(a));
      }
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
}

void AddRegistry(Collected* out) {
  for (const char* key : kMachineRunKeys) {
    AddRunKey(RegistryHive::kLocalMachine, std::string("SOFTWARE\\") + key, "", out);
  }
  AddWinlogon(RegistryHive::kLocalMachine, kWinlogonKey, "", out);
  auto sids = ListRegistrySubkeys(RegistryHive::kUsers, "");
  if (!sids.has_value()) {
    out->Failed(sids.error());
    return;
  }
  for (const auto& sid : *sids) {
    // <sid>_Classes is the user's file associations, mounted beside the hive itself.
    if (sid.size() > 8 && sid.compare(sid.size() - 8, 8, "_Classes") == 0) continue;
    for (const char* key : kUserRunKeys) {
      AddRunKey(RegistryHive::kUsers, sid + "\\Software\\" + key, sid, out);
    }
    AddWinlogon(RegistryHive::kUsers,
                sid + "\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", sid, out);
  }
}

std::optional<std::wstring> FolderPath(int csidl) {
  wchar_t buf[MAX_PATH];
  if (FAILED(SHGetFolderPathW(nullptr, csidl, nullptr, SHGFP_TYPE_CURRENT, buf))) {
    return std::nullopt;
  }
  return std::wstring(buf);
}

bool EndsWithNoCase(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         _stricmp(s.c_str() + s.size() - suffix.size(), std::string(suffix).c_str()) == 0;
}

// The names in `dir`: a missing folder is normal (nothing configured), another error is
// recorded.
std::optional<std::vector<std::string>> ListFolder(const std::string& dir, Collected* out) {
  auto names = ListDirectory(dir);
  if (!names.has_value()) {
    if (names.error().code() != StatusCode::kNotFound) out->Failed(names.error());
    return std::nullopt;
  }
  out->read_any = true;
  return std::move(*names);
}

// Explorer opens every file directly in a Startup folder (not in sub-folders) at logon.
void AddStartupFolder(int csidl, Collected* out) {
  const auto folder = FolderPath(csidl);
  if (!folder.has_value()) return;  // this profile has none
  const std::string dir = WideToUtf8(*folder);
  auto names = ListFolder(dir, out);
  if (!names) return;
  for (const auto& name : *names) {
    if (_stricmp(name.c_str(), "desktop.ini") == 0) continue;  // the folder's own look
    const std::string path = dir + "\\" + name;
    auto info = StatPath(path, /*follow_symlinks=*/true);
    if (!info.has_value() || info->type != FileType::kRegular) continue;
    Autorun a;
    a.kind = AutorunKind::kStartupFolder;
    a.location = dir;
    a.name = name;
    a.command = path;
    // A shortcut's target is inside the .lnk (not parsed here): the image is unknown.
    a.image = EndsWithNoCase(name, ".lnk") ? "" : path;
    out->autoruns.push_back(std::move(a));
  }
}

// One entry per program the task starts; a task without a program (a COM handler, or a file
// that does not parse) still gets one, so that its presence is seen.
void AddTask(const std::string& location, const std::string& name,
             const Result<internal::TaskDefinition>& task, Collected* out) {
  Autorun base;
  base.kind = AutorunKind::kScheduledTask;
  base.location = location;
  base.name = name;
  if (!task.has_value()) {
    out->autoruns.push_back(std::move(base));
    return;
  }
  base.user = task->user;
  base.enabled = task->enabled;
  base.schedule = task->schedule;
  for (const auto& action : task->actions) {
    Autorun a = base;
    a.command = action.arguments.empty() ? action.command : action.command + " " + action.arguments;
    a.image = ImageOfProgram(action.command);
    out->autoruns.push_back(std::move(a));
  }
  for (const auto& clsid : task->com_handlers) {
    Autorun a = base;
    a.command = clsid;
    out->autoruns.push_back(std::move(a));
  }
  if (task->actions.empty() && task->com_handlers.empty()) out->autoruns.push_back(base);
}

Result<internal::TaskDefinition> ReadTask(const std::string& path, bool job) {
  auto bytes = ReadFileToString(path, internal::kMaxTaskFileBytes);
  if (!bytes.has_value()) return Unexpected(bytes.error());
  return job ? internal::ParseJobFile(*bytes) : internal::ParseTaskXml(*bytes);
}

// Task Scheduler 2.0: one XML file per task, in folders (the task path) below System32\Tasks.
void AddXmlTasks(Collected* out) {
  const std::wstring native = SystemDir() + L"\\Tasks";
  const std::string root = WideToUtf8(ForAccess(native));
  const std::string shown_root = WideToUtf8(native);
  bool listed = false;
  WalkCallbacks callbacks;
  callbacks.enter_directory = [&](const std::string&) {
    listed = true;
    return true;
  };
  callbacks.on_file = [&](const std::string& path, const FileInfo&) {
    const std::string relative = path.size() > root.size() ? path.substr(root.size() + 1) : "";
    AddTask(shown_root + "\\" + relative, "\\" + relative, ReadTask(path, /*job=*/false), out);
    return true;
  };
  bool root_failed = false;
  callbacks.on_issue = [&](const WalkIssue& issue) {
    if (issue.path == root) root_failed = true;  // absent before Vista: not an error
    if (issue.kind == WalkIssueKind::kPermissionDenied) {
      out->Failed(PermissionDenied(issue.path + ": " + issue.message));
    }
  };
  const std::string roots[] = {root};
  Walk(roots, WalkOptions{}, callbacks);
  if (listed && !root_failed) out->read_any = true;
}

// Task Scheduler 1.0 (2000, XP, 2003; later Windows still run them): Tasks\*.job.
void AddJobTasks(Collected* out) {
  const std::string dir = WideToUtf8(WindowsDir() + L"\\Tasks");
  auto names = ListFolder(dir, out);
  if (!names) return;
  for (const auto& name : *names) {
    if (!EndsWithNoCase(name, ".job")) continue;
    const std::string path = dir + "\\" + name;
    AddTask(path, name.substr(0, name.size() - 4), ReadTask(path, /*job=*/true), out);
  }
}

void AddServices(Collected* out) {
  auto services = ListServices();
  if (!services.has_value()) {
    out->Failed(services.error());
    return;
  }
  out->read_any = true;
  for (const auto& s : *services) {
    if (s.driver) continue;
    if (s.start_type != ServiceStartType::kAutomatic && s.start_type != ServiceStartType::kBoot &&
        s.start_type != ServiceStartType::kSystem) {
      continue;
    }
    Autorun a;
    a.kind = AutorunKind::kService;
    // Where the SCM keeps it (services.cc may leave config_path to the caller).
    a.location = s.config_path.empty() ? "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + s.name
                                       : s.config_path;
    a.name = s.name;
    a.command = s.binary_path;
    a.image = s.service_dll.empty() ? ImageOfCommandLine(s.binary_path) : s.service_dll;
    a.user = s.account;
    out->autoruns.push_back(std::move(a));
  }
}

}  // namespace

// `where` names files on Linux; on Windows the live registry and folders are read (the
// registry of a mounted image would have to be loaded as a hive first).
Result<std::vector<Autorun>> ListAutoruns(const ConfigRoot&) {
  Collected c;
  AddRegistry(&c);
  AddStartupFolder(CSIDL_COMMON_STARTUP, &c);
  AddStartupFolder(CSIDL_STARTUP, &c);
  AddXmlTasks(&c);
  AddJobTasks(&c);
  AddServices(&c);
  if (!c.read_any) {
    return Unexpected(c.first_error.ok() ? NotFound("no autorun location could be read")
                                         : c.first_error);
  }
  std::stable_sort(c.autoruns.begin(), c.autoruns.end(), [](const Autorun& a, const Autorun& b) {
    return std::tie(a.kind, a.location, a.name) < std::tie(b.kind, b.location, b.name);
  });
  return std::move(c.autoruns);
}

}  // namespace otguard::platform
