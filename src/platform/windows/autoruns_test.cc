// Tests of ListAutoruns on Windows, run under Wine: a Run value, Winlogon, a task file of
// each Task Scheduler generation, a Startup folder file and the services, each planted by the
// test (and removed afterwards) and then found with the kind, location, name, command and
// image an operator would read.
#include "otguard/platform/autoruns.h"

#include <windows.h>
// clang-format off: shlobj.h needs windows.h first.
#include <shlobj.h>
// clang-format on

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "otguard/platform/services.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;
using win::WideToUtf8;

const std::string kPid = std::to_string(GetCurrentProcessId());
constexpr wchar_t kRunKey[] = L"Software\\Microsoft\\Windows\\CurrentVersion\\Run";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

std::string SystemDir() {
  wchar_t buf[MAX_PATH];
  const UINT n = GetSystemDirectoryW(buf, MAX_PATH);
  return WideToUtf8(std::wstring(buf, n));
}

std::string WindowsDir() {
  wchar_t buf[MAX_PATH];
  const UINT n = GetSystemWindowsDirectoryW(buf, MAX_PATH);
  return WideToUtf8(std::wstring(buf, n));
}

// Runs `undo` when the test ends, however it ends.
class Cleanup {
 public:
  explicit Cleanup(std::function<void()> undo) : undo_(std::move(undo)) {}
  Cleanup(const Cleanup&) = delete;
  Cleanup& operator=(const Cleanup&) = delete;
  ~Cleanup() { undo_(); }

 private:
  std::function<void()> undo_;
};

void SetRunValue(HKEY root, const std::string& name, DWORD type, const std::string& data) {
  HKEY key = nullptr;
  ASSERT_EQ(RegCreateKeyExW(root, kRunKey, 0, nullptr, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, nullptr,
                            &key, nullptr),
            ERROR_SUCCESS);
  const std::wstring wide = Utf8ToWide(data);
  EXPECT_EQ(RegSetValueExW(key, Utf8ToWide(name).c_str(), 0, type,
                           reinterpret_cast<const BYTE*>(wide.c_str()),
                           static_cast<DWORD>((wide.size() + 1) * sizeof(wchar_t))),
            ERROR_SUCCESS);
  RegCloseKey(key);
}

void DeleteRunValue(HKEY root, const std::string& name) {
  HKEY key = nullptr;
  if (RegOpenKeyExW(root, kRunKey, 0, KEY_SET_VALUE | KEY_WOW64_64KEY, &key) == ERROR_SUCCESS) {
    RegDeleteValueW(key, Utf8ToWide(name).c_str());
    RegCloseKey(key);
  }
}

// The test's files go where the machine's own programs (the 64-bit Task Scheduler) look:
// under WOW64 a 32-bit process reaches the native System32 only as Sysnative. Done here, not
// with platform/windows/paths.h, so that the test checks otguard's mapping.
std::wstring NativeWide(const std::string& path) {
  const std::wstring p = Utf8ToWide(path);
  const std::wstring windows = Utf8ToWide(WindowsDir());
  const std::wstring system = windows + L"\\System32";
  BOOL wow64 = FALSE;
  if (!IsWow64Process(GetCurrentProcess(), &wow64) || !wow64 || p.size() < system.size() ||
      _wcsnicmp(p.c_str(), system.c_str(), system.size()) != 0) {
    return p;
  }
  return windows + L"\\Sysnative" + p.substr(system.size());
}

void WriteFileBytes(const std::string& path, const std::string& bytes) {
  HANDLE h = CreateFileW(NativeWide(path).c_str(), GENERIC_WRITE, 0, nullptr, CREATE_NEW,
                         FILE_ATTRIBUTE_NORMAL, nullptr);
  ASSERT_NE(h, INVALID_HANDLE_VALUE) << path << " error " << GetLastError();
  DWORD written = 0;
  EXPECT_TRUE(WriteFile(h, bytes.data(), static_cast<DWORD>(bytes.size()), &written, nullptr));
  CloseHandle(h);
}

bool IsDirectory(const std::string& path) {
  const DWORD a = GetFileAttributesW(NativeWide(path).c_str());
  return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY) != 0;
}

// A directory that is removed afterwards only when this test made it.
class MadeDirectory {
 public:
  explicit MadeDirectory(std::string path) : path_(std::move(path)) {
    made_ = !IsDirectory(path_) && CreateDirectoryW(NativeWide(path_).c_str(), nullptr);
    EXPECT_TRUE(IsDirectory(path_)) << path_;
  }
  MadeDirectory(const MadeDirectory&) = delete;
  MadeDirectory& operator=(const MadeDirectory&) = delete;
  ~MadeDirectory() {
    if (made_) RemoveDirectoryW(NativeWide(path_).c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  bool made_ = false;
};

std::vector<Autorun> ListOrFail() {
  auto list = ListAutoruns();
  EXPECT_TRUE(list.has_value()) << list.error().ToString();
  return list.has_value() ? *list : std::vector<Autorun>{};
}

std::vector<Autorun> Named(const std::vector<Autorun>& all, AutorunKind kind,
                           const std::string& name) {
  std::vector<Autorun> out;
  for (const auto& a : all) {
    if (a.kind == kind && a.name == name) out.push_back(a);
  }
  return out;
}

std::string Utf16LeWithBom(const std::string& ascii) {
  std::string out("\xFF\xFE", 2);
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  return out;
}

TEST(ListAutoruns, RunValuesOfTheUserAndTheMachine) {
  // An unquoted program path with spaces, as careless installers write it.
  char temp[MAX_PATH];
  ASSERT_GT(GetTempPathA(MAX_PATH, temp), 0u);
  MadeDirectory dir(std::string(temp) + "otguard autoruns " + kPid);
  const std::string exe = dir.path() + "\\hmi agent.exe";
  WriteFileBytes(exe, "MZ");
  Cleanup remove_exe([&] { DeleteFileW(NativeWide(exe).c_str()); });

  const std::string user_value = "otguard-test-user-" + kPid;
  const std::string bare_value = "otguard-test-bare-" + kPid;
  const std::string machine_value = "otguard-test-machine-" + kPid;
  SetRunValue(HKEY_CURRENT_USER, user_value, REG_SZ, exe + " -minimized");
  Cleanup u([&] { DeleteRunValue(HKEY_CURRENT_USER, user_value); });
  SetRunValue(HKEY_CURRENT_USER, bare_value, REG_SZ, "cmd.exe /c exit");
  Cleanup b([&] { DeleteRunValue(HKEY_CURRENT_USER, bare_value); });
  SetRunValue(HKEY_LOCAL_MACHINE, machine_value, REG_EXPAND_SZ,
              "\"%SystemRoot%\\system32\\notepad.exe\" C:\\plant\\notes.txt");
  Cleanup m([&] { DeleteRunValue(HKEY_LOCAL_MACHINE, machine_value); });

  const auto all = ListOrFail();
  const auto user = Named(all, AutorunKind::kRunKey, user_value);
  ASSERT_EQ(user.size(), 1u);
  // HKCU is listed as the loaded hive it is: HKU\<the user's SID>.
  EXPECT_EQ(user[0].location.rfind("HKU\\S-1-5-", 0), 0u) << user[0].location;
  EXPECT_EQ(user[0].location,
            "HKU\\" + user[0].user + "\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  EXPECT_EQ(user[0].command, exe + " -minimized");
  EXPECT_EQ(Lower(user[0].image), Lower(exe));
  EXPECT_TRUE(user[0].enabled);

  const auto bare = Named(all, AutorunKind::kRunKey, bare_value);
  ASSERT_EQ(bare.size(), 1u);
  EXPECT_EQ(Lower(bare[0].image), Lower(SystemDir() + "\\cmd.exe"));

  const auto machine = Named(all, AutorunKind::kRunKey, machine_value);
  ASSERT_EQ(machine.size(), 1u);
  EXPECT_EQ(machine[0].location, "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
  EXPECT_EQ(machine[0].command, "\"%SystemRoot%\\system32\\notepad.exe\" C:\\plant\\notes.txt");
  EXPECT_EQ(Lower(machine[0].image), Lower(WindowsDir() + "\\system32\\notepad.exe"));
  EXPECT_EQ(machine[0].user, "");
}

TEST(ListAutoruns, WinlogonShellAndUserinitAreAlwaysReported) {
  const auto all = ListOrFail();
  const std::string location = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon";
  int shells = 0;
  for (const auto& a : all) {
    if (a.kind != AutorunKind::kWinlogon) continue;
    EXPECT_TRUE(a.name == "Shell" || a.name == "Userinit" || a.name == "Taskman") << a.name;
    EXPECT_FALSE(a.command.empty());
    if (a.location == location && a.name == "Shell") ++shells;
  }
  // Windows and Wine both configure explorer.exe as the shell.
  EXPECT_GE(shells, 1);
}

// A minimal Task Scheduler 1.0 file as [MS-TSCH] 2.4 lays it out: no triggers.
std::string MinimalJob(const std::string& app, const std::string& params) {
  std::string job;
  auto le16 = [&job](uint16_t v) {
    job.push_back(static_cast<char>(v & 0xFF));
    job.push_back(static_cast<char>(v >> 8));
  };
  auto text = [&](const std::string& s) {
    le16(static_cast<uint16_t>(s.size() + 1));
    for (char c : s) le16(static_cast<uint8_t>(c));
    le16(0);
  };
  le16(0x0501);            // Product Version
  le16(1);                 // File Version
  job.append(16, '\x11');  // uuid
  le16(70);                // App Name Len Offset
  const size_t trigger_offset_at = job.size();
  le16(0);                            // Trigger Offset, patched below
  job.append(68 - job.size(), '\0');  // retry, idle, priority, run time, exit, status, flags
  le16(0);                            // Running Instance Count
  text(app);
  text(params);
  text("C:\\");      // Working Directory
  text("OPERATOR");  // Author
  text("");          // Comment: just the count... and a NUL
  le16(0);           // User Data
  le16(0);           // Reserved Data
  const size_t triggers = job.size();
  job[trigger_offset_at] = static_cast<char>(triggers & 0xFF);
  job[trigger_offset_at + 1] = static_cast<char>(triggers >> 8);
  le16(0);  // no triggers
  return job;
}

TEST(ListAutoruns, TaskFilesOfBothTaskSchedulers) {
  MadeDirectory tasks(SystemDir() + "\\Tasks");
  MadeDirectory folder(tasks.path() + "\\otguard-test-" + kPid);
  const std::string task_file = folder.path() + "\\Nightly Export";
  WriteFileBytes(task_file, Utf16LeWithBom(R"(<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <Triggers><BootTrigger><Enabled>true</Enabled></BootTrigger></Triggers>
  <Principals><Principal id="Author"><UserId>S-1-5-18</UserId></Principal></Principals>
  <Settings><Enabled>false</Enabled></Settings>
  <Actions Context="Author">
    <Exec><Command>%windir%\system32\cmd.exe</Command><Arguments>/c echo &amp; exit</Arguments></Exec>
  </Actions>
</Task>)"));
  Cleanup remove_task([&] { DeleteFileW(NativeWide(task_file).c_str()); });

  MadeDirectory job_dir(WindowsDir() + "\\Tasks");
  const std::string job_file = job_dir.path() + "\\otguard-test-" + kPid + ".job";
  WriteFileBytes(job_file, MinimalJob("C:\\Program Files\\Vendor\\export.exe", "-all"));
  Cleanup remove_job([&] { DeleteFileW(NativeWide(job_file).c_str()); });

  const auto all = ListOrFail();
  const auto xml =
      Named(all, AutorunKind::kScheduledTask, "\\otguard-test-" + kPid + "\\Nightly Export");
  ASSERT_EQ(xml.size(), 1u);
  EXPECT_EQ(Lower(xml[0].location), Lower(task_file));
  EXPECT_EQ(xml[0].command, "%windir%\\system32\\cmd.exe /c echo & exit");
  EXPECT_EQ(Lower(xml[0].image), Lower(WindowsDir() + "\\system32\\cmd.exe"));
  EXPECT_EQ(xml[0].user, "S-1-5-18");
  EXPECT_FALSE(xml[0].enabled);
  EXPECT_EQ(xml[0].schedule, "BootTrigger");

  const auto job = Named(all, AutorunKind::kScheduledTask, "otguard-test-" + kPid);
  ASSERT_EQ(job.size(), 1u);
  EXPECT_EQ(Lower(job[0].location), Lower(job_file));
  EXPECT_EQ(job[0].command, "C:\\Program Files\\Vendor\\export.exe -all");
  // A program that does not exist is still named (it may be the evidence of a removed tool).
  EXPECT_EQ(job[0].image, "C:\\Program Files\\Vendor\\export.exe");
  EXPECT_TRUE(job[0].enabled);
}

TEST(ListAutoruns, FilesInTheUsersStartupFolder) {
  wchar_t buf[MAX_PATH];
  ASSERT_TRUE(
      SUCCEEDED(SHGetFolderPathW(nullptr, CSIDL_STARTUP, nullptr, SHGFP_TYPE_CURRENT, buf)));
  MadeDirectory startup(WideToUtf8(buf));
  const std::string script = startup.path() + "\\otguard-test-" + kPid + ".bat";
  const std::string shortcut = startup.path() + "\\otguard-test-" + kPid + ".lnk";
  WriteFileBytes(script, "@echo off\r\n");
  Cleanup s([&] { DeleteFileW(NativeWide(script).c_str()); });
  WriteFileBytes(shortcut, "L");  // not a real shortcut: its target is never read anyway
  Cleanup l([&] { DeleteFileW(NativeWide(shortcut).c_str()); });

  const auto all = ListOrFail();
  const auto bat = Named(all, AutorunKind::kStartupFolder, "otguard-test-" + kPid + ".bat");
  ASSERT_EQ(bat.size(), 1u);
  EXPECT_EQ(bat[0].location, startup.path());
  EXPECT_EQ(bat[0].command, script);
  EXPECT_EQ(bat[0].image, script);
  const auto lnk = Named(all, AutorunKind::kStartupFolder, "otguard-test-" + kPid + ".lnk");
  ASSERT_EQ(lnk.size(), 1u);
  EXPECT_EQ(lnk[0].command, shortcut);
  EXPECT_EQ(lnk[0].image, "");
}

TEST(ListAutoruns, AutoStartServicesOnlyAndInAStableOrder) {
  const auto all = ListOrFail();
  ASSERT_FALSE(all.empty());
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LE(std::tie(all[i - 1].kind, all[i - 1].location, all[i - 1].name),
              std::tie(all[i].kind, all[i].location, all[i].name));
  }
  auto services = ListServices();
  ASSERT_TRUE(services.has_value()) << services.error().ToString();
  size_t expected = 0;
  for (const auto& s : *services) {
    const bool autostart = s.start_type == ServiceStartType::kAutomatic ||
                           s.start_type == ServiceStartType::kBoot ||
                           s.start_type == ServiceStartType::kSystem;
    const auto listed = Named(all, AutorunKind::kService, s.name);
    if (!autostart || s.driver) {
      EXPECT_TRUE(listed.empty()) << s.name;
      continue;
    }
    ++expected;
    ASSERT_EQ(listed.size(), 1u) << s.name;
    EXPECT_EQ(listed[0].command, s.binary_path);
    EXPECT_EQ(listed[0].location, s.config_path.empty()
                                      ? "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + s.name
                                      : s.config_path);
    EXPECT_EQ(listed[0].user, s.account);
    if (!s.service_dll.empty()) {
      EXPECT_EQ(listed[0].image, s.service_dll);
    }
  }
  // Wine starts RpcSs and PlugPlay automatically, as Windows does.
  EXPECT_GT(expected, 0u);
}

}  // namespace
}  // namespace otguard::platform
