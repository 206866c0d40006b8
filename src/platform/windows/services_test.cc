#include "otguard/platform/services.h"

#include <windows.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::Utf8ToWide;
using win::WideToUtf8;

constexpr DWORD kDeadlineMs = 60'000;  // Wine starts a service process in a few seconds

// Polls `done` until it holds or the deadline passes.
bool WaitUntil(const std::function<bool()>& done) {
  const DWORD start = GetTickCount();
  while (!done()) {
    if (GetTickCount() - start > kDeadlineMs) return false;
    Sleep(50);
  }
  return true;
}

bool FileExists(const std::wstring& path) {
  return GetFileAttributesW(path.c_str()) != INVALID_FILE_ATTRIBUTES;
}

// OTGUARD_SERVICE_CHILD is the build tree's path: a Unix one when cross-built, which the SCM
// cannot start; Wine's kernel32 turns it into its drive form (Z:\...).
std::wstring WindowsPath(const std::string& path) {
  if (path.empty() || path[0] != '/') return Utf8ToWide(path);
  using ToDos = wchar_t*(CDECL*)(const char*);
  auto to_dos = win::LoadSystemFunction<ToDos>(L"kernel32.dll", "wine_get_dos_file_name");
  if (to_dos == nullptr) return Utf8ToWide(path);
  wchar_t* dos = to_dos(path.c_str());
  if (dos == nullptr) return Utf8ToWide(path);
  std::wstring out = dos;
  HeapFree(GetProcessHeap(), 0, dos);
  return out;
}

bool RunningUnderWine() {
  return win::LoadSystemFunctionAddress(L"ntdll.dll", "wine_get_version") != nullptr;
}

std::optional<ServiceInfo> FindService(const std::string& name) {
  auto services = ListServices();
  EXPECT_TRUE(services.has_value()) << services.error().ToString();
  if (!services.has_value()) return std::nullopt;
  for (ServiceInfo& s : *services) {
    if (s.name == name) return std::move(s);
  }
  return std::nullopt;
}

class ScHandle {
 public:
  explicit ScHandle(SC_HANDLE h) : h_(h) {}
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ~ScHandle() {
    if (h_ != nullptr) CloseServiceHandle(h_);
  }
  SC_HANDLE get() const { return h_; }
  void reset() {
    if (h_ != nullptr) CloseServiceHandle(h_);
    h_ = nullptr;
  }

 private:
  SC_HANDLE h_;
};

DWORD CurrentState(SC_HANDLE service, SERVICE_STATUS_PROCESS* out = nullptr) {
  SERVICE_STATUS_PROCESS status{};
  DWORD needed = 0;
  if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&status),
                            sizeof(status), &needed)) {
    return 0;
  }
  if (out != nullptr) *out = status;
  return status.dwCurrentState;
}

// Each test's service is named otguard-test-<pid>-<n> and removed at the end, however the
// test ended; so is its marker directory.
class ServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static int counter = 0;
    name_ =
        "otguard-test-" + std::to_string(GetCurrentProcessId()) + "-" + std::to_string(++counter);
    wchar_t temp[MAX_PATH];
    ASSERT_GT(GetTempPathW(MAX_PATH, temp), 0u);
    dir_ = std::wstring(temp) + Utf8ToWide(name_);
    ASSERT_TRUE(CreateDirectoryW(dir_.c_str(), nullptr));
  }
  void TearDown() override {
    Status removed = UninstallService(name_);
    EXPECT_TRUE(removed.ok() || removed.code() == StatusCode::kNotFound) << removed.ToString();
    EXPECT_FALSE(FindService(name_).has_value());
    for (const wchar_t* marker : {L"\\running", L"\\stopped"}) DeleteFileW((dir_ + marker).c_str());
    EXPECT_TRUE(RemoveDirectoryW(dir_.c_str()));
  }

  std::string name_;
  std::wstring dir_;
};

TEST(RunAsServiceTest, OutsideTheScmIsAFailedPrecondition) {
  // Wine's dispatcher connects to the control pipe of the service process the SCM started
  // last, without checking that it is this process: while a service is starting (Wine's own
  // drivers just after wineboot) it can take over that start. Windows checks; here the test
  // waits until nothing is starting.
  ASSERT_TRUE(WaitUntil([] {
    auto services = ListServices();
    return services.has_value() &&
           std::none_of(services->begin(), services->end(), [](const ServiceInfo& s) {
             return s.state == ServiceState::kStartPending;
           });
  }));
  bool ran = false;
  Status status = RunAsService("otguard-not-a-service", [&](StopSignal&) {
    ran = true;
    return 0;
  });
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.ToString();
  EXPECT_NE(status.message().find("Service Control Manager"), std::string::npos);
  EXPECT_FALSE(ran);
}

TEST(ListServicesTest, ListsTheHostsServicesAndDrivers) {
  auto services = ListServices();
  ASSERT_TRUE(services.has_value()) << services.error().ToString();
  ASSERT_FALSE(services->empty());
  // Every Windows (and Wine) runs the RPC service; it runs in a process of its own.
  auto rpcss = std::find_if(services->begin(), services->end(), [](const ServiceInfo& s) {
    return _stricmp(s.name.c_str(), "RpcSs") == 0;
  });
  ASSERT_NE(rpcss, services->end());
  EXPECT_FALSE(rpcss->driver);
  EXPECT_FALSE(rpcss->binary_path.empty());
  EXPECT_NE(rpcss->start_type, ServiceStartType::kUnknown);
  if (rpcss->state == ServiceState::kRunning) {
    EXPECT_NE(rpcss->pid, 0u);
  }
  // Drivers are listed too (Wine has its plug-and-play bus drivers, Windows hundreds).
  EXPECT_TRUE(std::any_of(services->begin(), services->end(),
                          [](const ServiceInfo& s) { return s.driver; }));
  std::vector<std::string> names;
  for (const ServiceInfo& s : *services) names.push_back(s.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "listed twice";
  for (const ServiceInfo& s : *services) {
    EXPECT_FALSE(s.name.empty());
    if (s.state == ServiceState::kStopped) {
      EXPECT_EQ(s.pid, 0u) << s.name;
    }
  }
}

TEST_F(ServicesTest, ListShowsConfigurationDescriptionAndServiceDll) {
  const std::string command = "C:\\windows\\system32\\svchost.exe -k otguard-test";
  const std::string description = "Prüfdienst für Leitstand 报警 — otguard test";
  {
    ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_ALL_ACCESS));
    ASSERT_NE(scm.get(), nullptr);
    ScHandle service(CreateServiceW(
        scm.get(), Utf8ToWide(name_).c_str(), L"Otguard Test Dienst", SERVICE_ALL_ACCESS,
        SERVICE_WIN32_SHARE_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL,
        Utf8ToWide(command).c_str(), nullptr, nullptr, nullptr, nullptr, nullptr));
    ASSERT_NE(service.get(), nullptr) << GetLastError();
    std::wstring wide = Utf8ToWide(description);
    SERVICE_DESCRIPTIONW d{wide.data()};
    ASSERT_TRUE(ChangeServiceConfig2W(service.get(), SERVICE_CONFIG_DESCRIPTION, &d));
  }
  const std::wstring parameters =
      L"SYSTEM\\CurrentControlSet\\Services\\" + Utf8ToWide(name_) + L"\\Parameters";
  HKEY key = nullptr;
  ASSERT_EQ(RegCreateKeyExW(HKEY_LOCAL_MACHINE, parameters.c_str(), 0, nullptr, 0,
                            KEY_ALL_ACCESS | KEY_WOW64_64KEY, nullptr, &key, nullptr),
            ERROR_SUCCESS);
  const wchar_t dll[] = L"%SystemRoot%\\System32\\otgtest.dll";
  EXPECT_EQ(RegSetValueExW(key, L"ServiceDll", 0, REG_EXPAND_SZ, reinterpret_cast<const BYTE*>(dll),
                           sizeof(dll)),
            ERROR_SUCCESS);
  RegCloseKey(key);

  auto found = FindService(name_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->display_name, "Otguard Test Dienst");
  EXPECT_EQ(found->description, description);
  EXPECT_EQ(found->start_type, ServiceStartType::kManual);
  EXPECT_EQ(found->state, ServiceState::kStopped);
  EXPECT_EQ(found->binary_path, command);
  EXPECT_EQ(found->account, "LocalSystem");
  EXPECT_FALSE(found->driver);
  EXPECT_EQ(found->pid, 0u);
  // Expanded with this system's %SystemRoot% (Wine: C:\windows), the rest as configured.
  wchar_t windows_dir[MAX_PATH];
  ASSERT_GT(GetSystemWindowsDirectoryW(windows_dir, MAX_PATH), 0u);
  EXPECT_EQ(found->service_dll, WideToUtf8(windows_dir) + "\\System32\\otgtest.dll");
  EXPECT_EQ(_stricmp(found->service_dll.c_str(), "C:\\windows\\system32\\otgtest.dll"), 0)
      << found->service_dll;
}

TEST_F(ServicesTest, InstallAndUninstallRoundTrip) {
  ServiceDefinition definition;
  definition.name = name_;
  definition.display_name = "otguard test agent " + name_;
  definition.description = "Überwacht die Anlage (otguard test)";
  definition.command_line = "\"C:\\Program Files\\otguard\\otguard.exe\" agent --service";
  definition.auto_start = true;
  ASSERT_TRUE(InstallService(definition).ok());

  auto found = FindService(name_);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->display_name, definition.display_name);
  EXPECT_EQ(found->description, definition.description);
  EXPECT_EQ(found->binary_path, definition.command_line);
  EXPECT_EQ(found->start_type, ServiceStartType::kAutomatic);
  EXPECT_EQ(found->account, "LocalSystem");

  {
    ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
    ScHandle service(OpenServiceW(scm.get(), Utf8ToWide(name_).c_str(), SERVICE_QUERY_CONFIG));
    ASSERT_NE(service.get(), nullptr);
    alignas(8) BYTE buffer[8192];
    DWORD needed = 0;
    if (!QueryServiceConfig2W(service.get(), SERVICE_CONFIG_FAILURE_ACTIONS, buffer, sizeof(buffer),
                              &needed)) {
      // Wine 8 accepts failure actions without storing them and cannot report them
      // (ERROR_INVALID_LEVEL); Windows must report what was set.
      ASSERT_TRUE(RunningUnderWine()) << GetLastError();
      EXPECT_EQ(GetLastError(), static_cast<DWORD>(ERROR_INVALID_LEVEL));
    } else {
      const auto* failure = reinterpret_cast<const SERVICE_FAILURE_ACTIONSW*>(buffer);
      ASSERT_EQ(failure->cActions, 3u);
      EXPECT_EQ(failure->lpsaActions[0].Type, SC_ACTION_RESTART);
      EXPECT_EQ(failure->lpsaActions[0].Delay, 60'000u);
      EXPECT_EQ(failure->lpsaActions[1].Type, SC_ACTION_RESTART);
      EXPECT_EQ(failure->lpsaActions[2].Type, SC_ACTION_NONE);
    }
  }

  Status again = InstallService(definition);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();

  ASSERT_TRUE(UninstallService(name_).ok());
  EXPECT_FALSE(FindService(name_).has_value());
  Status missing = UninstallService(name_);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
}

TEST_F(ServicesTest, RunsUnderTheScmAndStopsOnRequest) {
  const std::wstring child = WindowsPath(OTGUARD_SERVICE_CHILD);
  ServiceDefinition definition;
  definition.name = name_;
  definition.description = "otguard service test";
  definition.command_line = WideToUtf8(L"\"" + child + L"\" \"" + dir_ + L"\" 7");
  definition.auto_start = false;
  ASSERT_TRUE(InstallService(definition).ok());

  ScHandle scm(OpenSCManagerW(nullptr, nullptr, SC_MANAGER_CONNECT));
  ScHandle service(OpenServiceW(scm.get(), Utf8ToWide(name_).c_str(),
                                SERVICE_START | SERVICE_STOP | SERVICE_QUERY_STATUS));
  ASSERT_NE(service.get(), nullptr);

  // 1. Started by the SCM, the body runs; a stop request ends it with its exit code.
  ASSERT_TRUE(StartServiceW(service.get(), 0, nullptr)) << GetLastError();
  ASSERT_TRUE(WaitUntil([&] { return CurrentState(service.get()) == SERVICE_RUNNING; }));
  ASSERT_TRUE(WaitUntil([&] { return FileExists(dir_ + L"\\running"); }));
  auto running = FindService(name_);
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->state, ServiceState::kRunning);
  EXPECT_NE(running->pid, 0u);
  EXPECT_FALSE(FileExists(dir_ + L"\\stopped"));

  SERVICE_STATUS control{};
  ASSERT_TRUE(ControlService(service.get(), SERVICE_CONTROL_STOP, &control)) << GetLastError();
  ASSERT_TRUE(WaitUntil([&] { return CurrentState(service.get()) == SERVICE_STOPPED; }));
  EXPECT_TRUE(FileExists(dir_ + L"\\stopped"));
  SERVICE_STATUS_PROCESS status{};
  CurrentState(service.get(), &status);
  EXPECT_EQ(status.dwWin32ExitCode, static_cast<DWORD>(ERROR_SERVICE_SPECIFIC_ERROR));
  EXPECT_EQ(status.dwServiceSpecificExitCode, 7u);

  // 2. Uninstalling a running service stops it first.
  DeleteFileW((dir_ + L"\\running").c_str());
  DeleteFileW((dir_ + L"\\stopped").c_str());
  ASSERT_TRUE(StartServiceW(service.get(), 0, nullptr)) << GetLastError();
  ASSERT_TRUE(WaitUntil([&] { return FileExists(dir_ + L"\\running"); }));
  ASSERT_TRUE(WaitUntil([&] { return CurrentState(service.get()) == SERVICE_RUNNING; }));
  Status removed = UninstallService(name_);
  EXPECT_TRUE(removed.ok()) << removed.ToString();
  EXPECT_TRUE(FileExists(dir_ + L"\\stopped"));
  // Deleted services go once the last handle to them is closed.
  service.reset();
  EXPECT_FALSE(FindService(name_).has_value());
}

}  // namespace
}  // namespace otguard::platform
