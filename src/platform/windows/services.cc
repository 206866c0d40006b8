// Services on Windows: the Service Control Manager's list with each service's configuration,
// installing and removing the agent's own service, and running under the SCM's dispatcher.
#include "otguard/platform/services.h"

#include <windows.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <mutex>
#include <string>
#include <vector>

#include "otguard/platform/registry.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using win::LastErrorToStatus;
using win::Utf8ToWide;
using win::WideToUtf8;
using win::WinErrorToStatus;

// EnumServicesStatusEx returns at most 256 KiB per call; a host with many services takes a
// few calls, continued with the resume handle.
constexpr DWORD kEnumBufferBytes = 64 * 1024;
constexpr int kMaxEnumCalls = 10000;
constexpr DWORD kConfigBufferBytes = 8 * 1024;
constexpr int kMaxQueryAttempts = 8;
// How long UninstallService waits for the service to stop, and how often it looks.
constexpr DWORD kStopTimeoutMs = 30'000;
constexpr DWORD kStopPollMs = 100;
// Failure actions of the agent's service: restart twice after a minute each, then give up
// until the failure count resets a day later (a crash loop must not hammer an operator
// station).
constexpr DWORD kRestartDelayMs = 60'000;
constexpr DWORD kFailureResetSeconds = 24 * 60 * 60;
// What the agent's service tells the SCM to wait for while it stops.
constexpr DWORD kStopWaitHintMs = 30'000;

// SERVICE_FAILURE_ACTIONS_FLAG (Vista and later): the SDK declares it only for a Vista
// floor, and the XP build must still ask for it when it runs on a newer Windows.
struct FailureActionsFlag {
  BOOL failure_actions_on_non_crash_failures;
};
constexpr DWORD kConfigFailureActionsFlag = 4;  // SERVICE_CONFIG_FAILURE_ACTIONS_FLAG

class ScHandle {
 public:
  explicit ScHandle(SC_HANDLE handle = nullptr) : handle_(handle) {}
  ScHandle(ScHandle&& other) noexcept : handle_(other.handle_) { other.handle_ = nullptr; }
  ScHandle(const ScHandle&) = delete;
  ScHandle& operator=(const ScHandle&) = delete;
  ScHandle& operator=(ScHandle&&) = delete;
  ~ScHandle() {
    if (handle_ != nullptr) CloseServiceHandle(handle_);
  }
  SC_HANDLE get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  SC_HANDLE handle_;
};

Result<ScHandle> OpenManager(DWORD access) {
  ScHandle scm(OpenSCManagerW(nullptr, nullptr, access));
  if (!scm) return Unexpected(LastErrorToStatus("open the Service Control Manager"));
  return scm;
}

// Storage aligned for the structures the service APIs write into a byte buffer.
using AlignedBuffer = std::vector<uint64_t>;
AlignedBuffer MakeBuffer(DWORD bytes) { return AlignedBuffer(bytes / sizeof(uint64_t) + 1); }
DWORD BufferBytes(const AlignedBuffer& buffer) {
  return static_cast<DWORD>(buffer.size() * sizeof(uint64_t));
}
BYTE* BufferData(AlignedBuffer& buffer) { return reinterpret_cast<BYTE*>(buffer.data()); }

// Calls `query(data, size, &needed)` (QueryServiceConfigW and the like) with a buffer grown
// to what it asks for; the configuration may change between calls.
template <typename Query>
Result<AlignedBuffer> QueryGrowing(Query query, const std::string& what) {
  AlignedBuffer buffer = MakeBuffer(kConfigBufferBytes);
  for (int attempt = 0; attempt < kMaxQueryAttempts; ++attempt) {
    DWORD needed = 0;
    if (query(BufferData(buffer), BufferBytes(buffer), &needed)) return buffer;
    DWORD err = GetLastError();
    if (err != ERROR_INSUFFICIENT_BUFFER) return Unexpected(WinErrorToStatus(err, what));
    buffer = MakeBuffer(needed);
  }
  return Unexpected(Aborted(what + ": kept changing size"));
}

ServiceState StateFromScm(DWORD state) {
  switch (state) {
    case SERVICE_STOPPED:
      return ServiceState::kStopped;
    case SERVICE_START_PENDING:
      return ServiceState::kStartPending;
    case SERVICE_STOP_PENDING:
      return ServiceState::kStopPending;
    case SERVICE_RUNNING:
      return ServiceState::kRunning;
    case SERVICE_CONTINUE_PENDING:
      return ServiceState::kContinuePending;
    case SERVICE_PAUSE_PENDING:
      return ServiceState::kPausePending;
    case SERVICE_PAUSED:
      return ServiceState::kPaused;
    default:
      return ServiceState::kUnknown;
  }
}

ServiceStartType StartTypeFromScm(DWORD start_type) {
  switch (start_type) {
    case SERVICE_BOOT_START:
      return ServiceStartType::kBoot;
    case SERVICE_SYSTEM_START:
      return ServiceStartType::kSystem;
    case SERVICE_AUTO_START:
      return ServiceStartType::kAutomatic;
    case SERVICE_DEMAND_START:
      return ServiceStartType::kManual;
    case SERVICE_DISABLED:
      return ServiceStartType::kDisabled;
    default:
      return ServiceStartType::kUnknown;
  }
}

// A service as EnumServicesStatusEx gave it; `key` is its name as the SCM spells it (the
// UTF-8 form need not survive a round trip).
struct Enumerated {
  std::wstring key;
  ServiceInfo info;
};

Enumerated FromEnumEntry(const ENUM_SERVICE_STATUS_PROCESSW& entry) {
  Enumerated e;
  e.key = entry.lpServiceName != nullptr ? entry.lpServiceName : L"";
  e.info.name = WideToUtf8(e.key);
  e.info.config_path = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\" + e.info.name;
  if (entry.lpDisplayName != nullptr) e.info.display_name = WideToUtf8(entry.lpDisplayName);
  const SERVICE_STATUS_PROCESS& status = entry.ServiceStatusProcess;
  e.info.state = StateFromScm(status.dwCurrentState);
  e.info.pid = status.dwProcessId;
  e.info.driver = (status.dwServiceType & SERVICE_DRIVER) != 0;
  return e;
}

Result<std::vector<Enumerated>> EnumerateServices(SC_HANDLE scm) {
  std::vector<Enumerated> services;
  AlignedBuffer buffer = MakeBuffer(kEnumBufferBytes);
  DWORD resume = 0;
  for (int call = 0; call < kMaxEnumCalls; ++call) {
    DWORD needed = 0;
    DWORD returned = 0;
    BOOL ok = EnumServicesStatusExW(scm, SC_ENUM_PROCESS_INFO, SERVICE_WIN32 | SERVICE_DRIVER,
                                    SERVICE_STATE_ALL, BufferData(buffer), BufferBytes(buffer),
                                    &needed, &returned, &resume, nullptr);
    DWORD err = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok && err != ERROR_MORE_DATA) {
      return Unexpected(WinErrorToStatus(err, "enumerate services"));
    }
    // Wine 8 ignores the resume handle (it stays 0): its partial list would come back from
    // the start on every call, so it is dropped and the whole list read with a bigger buffer.
    if (!ok && resume == 0) {
      services.clear();
      buffer = MakeBuffer(std::max(needed, BufferBytes(buffer) * 2));
      continue;
    }
    const auto* entries = reinterpret_cast<const ENUM_SERVICE_STATUS_PROCESSW*>(buffer.data());
    for (DWORD i = 0; i < returned; ++i) services.push_back(FromEnumEntry(entries[i]));
    if (ok) return services;
    // Not even one entry fitted: the next call gets what it asked for.
    if (returned == 0) buffer = MakeBuffer(std::max(needed, BufferBytes(buffer) * 2));
  }
  return Unexpected(Aborted("enumerate services: the list did not end"));
}

std::string ExpandEnvironment(const std::string& text) {
  std::wstring wide = Utf8ToWide(text);
  std::wstring out(wide.size() + 64, L'\0');
  for (int attempt = 0; attempt < kMaxQueryAttempts; ++attempt) {
    DWORD n = ExpandEnvironmentStringsW(wide.c_str(), out.data(), static_cast<DWORD>(out.size()));
    if (n == 0) return text;  // kept as configured rather than lost
    if (n <= out.size()) return WideToUtf8(out.c_str(), out.size());
    out.assign(n, L'\0');
  }
  return text;
}

// Parameters\ServiceDll, else the service key's own ServiceDll (older svchost services).
std::string ServiceDll(const std::string& name) {
  const std::string key = "SYSTEM\\CurrentControlSet\\Services\\" + name;
  for (const std::string& where : {key + "\\Parameters", key}) {
    auto value = ReadRegistryValue(RegistryHive::kLocalMachine, where, "ServiceDll");
    if (!value.has_value()) continue;
    if (value->type == RegistryType::kExpandString) return ExpandEnvironment(value->text);
    if (value->type == RegistryType::kString) return value->text;
  }
  return {};
}

// Fills in what needs the service opened. A service that cannot be opened or queried (access
// denied, deleted meanwhile) keeps what the enumeration gave.
void AddConfiguration(SC_HANDLE scm, Enumerated& service) {
  ServiceInfo& info = service.info;
  if (!info.driver) info.service_dll = ServiceDll(info.name);
  ScHandle handle(OpenServiceW(scm, service.key.c_str(), SERVICE_QUERY_CONFIG));
  if (!handle) return;
  auto config = QueryGrowing(
      [&](BYTE* data, DWORD size, DWORD* needed) {
        return QueryServiceConfigW(handle.get(), reinterpret_cast<QUERY_SERVICE_CONFIGW*>(data),
                                   size, needed);
      },
      "query service " + info.name);
  if (config.has_value()) {
    const auto* c = reinterpret_cast<const QUERY_SERVICE_CONFIGW*>(config->data());
    info.start_type = StartTypeFromScm(c->dwStartType);
    if (c->lpBinaryPathName != nullptr) info.binary_path = WideToUtf8(c->lpBinaryPathName);
    if (c->lpServiceStartName != nullptr) info.account = WideToUtf8(c->lpServiceStartName);
  }
  auto description = QueryGrowing(
      [&](BYTE* data, DWORD size, DWORD* needed) {
        return QueryServiceConfig2W(handle.get(), SERVICE_CONFIG_DESCRIPTION, data, size, needed);
      },
      "query service description " + info.name);
  if (description.has_value()) {
    const auto* d = reinterpret_cast<const SERVICE_DESCRIPTIONW*>(description->data());
    if (d->lpDescription != nullptr) info.description = WideToUtf8(d->lpDescription);
  }
}

Status SetDescription(SC_HANDLE service, const std::string& text) {
  std::wstring wide = Utf8ToWide(text);
  SERVICE_DESCRIPTIONW description{};
  description.lpDescription = wide.data();
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_DESCRIPTION, &description)) {
    return LastErrorToStatus("set the service description");
  }
  return Status::Ok();
}

// The agent must come back after a crash: restart it (needs SERVICE_START on `service`).
Status SetFailureActions(SC_HANDLE service) {
  SC_ACTION actions[] = {{SC_ACTION_RESTART, kRestartDelayMs},
                         {SC_ACTION_RESTART, kRestartDelayMs},
                         {SC_ACTION_NONE, 0}};
  SERVICE_FAILURE_ACTIONSW failure{};
  failure.dwResetPeriod = kFailureResetSeconds;
  failure.cActions = static_cast<DWORD>(std::size(actions));
  failure.lpsaActions = actions;
  if (!ChangeServiceConfig2W(service, SERVICE_CONFIG_FAILURE_ACTIONS, &failure)) {
    return LastErrorToStatus("set the service failure actions");
  }
  // Vista and later also apply them when the service stops with an error exit code rather
  // than crashing; XP has no such setting (the call fails there and that is fine).
  if (win::IsVistaOrLater()) {
    FailureActionsFlag flag{TRUE};
    ChangeServiceConfig2W(service, kConfigFailureActionsFlag, &flag);
  }
  return Status::Ok();
}

Result<SERVICE_STATUS_PROCESS> QueryStatus(SC_HANDLE service) {
  SERVICE_STATUS_PROCESS status{};
  DWORD needed = 0;
  if (!QueryServiceStatusEx(service, SC_STATUS_PROCESS_INFO, reinterpret_cast<BYTE*>(&status),
                            sizeof(status), &needed)) {
    return Unexpected(LastErrorToStatus("query service status"));
  }
  return status;
}

// Asks the service to stop and waits (bounded) until it has. A service still starting cannot
// take the request yet: it is asked again once it runs.
Status StopAndWait(SC_HANDLE service, const std::string& name) {
  const DWORD start = GetTickCount();  // unsigned differences survive the 49-day wrap
  for (;;) {
    OTGUARD_ASSIGN_OR_RETURN(SERVICE_STATUS_PROCESS status, QueryStatus(service));
    if (status.dwCurrentState == SERVICE_STOPPED) return Status::Ok();
    if (status.dwCurrentState == SERVICE_RUNNING || status.dwCurrentState == SERVICE_PAUSED) {
      SERVICE_STATUS ignored{};
      if (!ControlService(service, SERVICE_CONTROL_STOP, &ignored)) {
        DWORD err = GetLastError();
        if (err != ERROR_SERVICE_NOT_ACTIVE && err != ERROR_SERVICE_CANNOT_ACCEPT_CTRL) {
          return WinErrorToStatus(err, "stop service " + name);
        }
      }
    }
    if (GetTickCount() - start >= kStopTimeoutMs) {
      return Aborted("service " + name + " did not stop within 30 s");
    }
    Sleep(kStopPollMs);
  }
}

// The one service this process runs (RunAsService is called once per process). Static, not
// on RunAsService's stack: the service thread still runs for a moment after it reported
// STOPPED, which lets the dispatcher, and so RunAsService, return.
struct ServiceRun {
  std::function<int(StopSignal& stop)> body;
  std::wstring name;
  SERVICE_STATUS_HANDLE status_handle = nullptr;
  std::mutex mutex;  // the handler (dispatcher thread) and the service thread both report
  SERVICE_STATUS status{};
  StopSignal stop;
  std::atomic<int> exit_code{0};
  std::atomic<DWORD> register_error{ERROR_SUCCESS};
};
ServiceRun& TheRun() {
  static ServiceRun* run = new ServiceRun;  // never destroyed: see above
  return *run;
}

// Reports `state` to the SCM. Nothing is reported after STOPPED (a late stop request must
// not revive a service the SCM has already seen end).
void Report(ServiceRun& run, DWORD state, DWORD win32_exit_code = NO_ERROR,
            DWORD specific_exit_code = 0) {
  std::lock_guard lock(run.mutex);
  if (run.status.dwCurrentState == SERVICE_STOPPED) return;
  SERVICE_STATUS& s = run.status;
  s.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.dwCurrentState = state;
  s.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  s.dwWin32ExitCode = win32_exit_code;
  s.dwServiceSpecificExitCode = specific_exit_code;
  bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  s.dwCheckPoint = pending ? s.dwCheckPoint + 1 : 0;
  s.dwWaitHint = pending ? kStopWaitHintMs : 0;
  SetServiceStatus(run.status_handle, &s);
}

DWORD WINAPI ControlHandler(DWORD control, DWORD, void*, void* context) {
  auto& run = *static_cast<ServiceRun*>(context);
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      run.stop.Notify();
      Report(run, SERVICE_STOP_PENDING);
      return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;  // the SCM already has the last reported status
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

// The service thread. argv[0] is the name the SCM started the service under.
void WINAPI ServiceMain(DWORD argc, wchar_t** argv) {
  ServiceRun& run = TheRun();
  const wchar_t* name = argc > 0 && argv[0] != nullptr ? argv[0] : run.name.c_str();
  run.status_handle = RegisterServiceCtrlHandlerExW(name, ControlHandler, &run);
  if (run.status_handle == nullptr) {
    // Without a status handle nothing can be reported; the SCM times the start out.
    run.register_error = GetLastError();
    return;
  }
  Report(run, SERVICE_RUNNING);
  // An exception escaping the body ends the process: the SCM counts that as a crash and the
  // failure actions restart the agent, which is what a crash should lead to.
  int code = run.body(run.stop);
  run.exit_code = code;
  if (code == 0) {
    Report(run, SERVICE_STOPPED);
  } else {
    Report(run, SERVICE_STOPPED, ERROR_SERVICE_SPECIFIC_ERROR, static_cast<DWORD>(code));
  }
}

}  // namespace

// The registry is the live host's; an offline hive is not read.
Result<std::vector<ServiceInfo>> ListServices(const ConfigRoot&) { return ListServices(); }

Result<std::vector<ServiceInfo>> ListServices() {
  OTGUARD_ASSIGN_OR_RETURN(ScHandle scm,
                           OpenManager(SC_MANAGER_ENUMERATE_SERVICE | SC_MANAGER_CONNECT));
  OTGUARD_ASSIGN_OR_RETURN(auto enumerated, EnumerateServices(scm.get()));
  std::vector<ServiceInfo> services;
  services.reserve(enumerated.size());
  for (Enumerated& service : enumerated) {
    AddConfiguration(scm.get(), service);
    services.push_back(std::move(service.info));
  }
  return services;
}

Status InstallService(const ServiceDefinition& definition) {
  OTGUARD_ASSIGN_OR_RETURN(ScHandle scm,
                           OpenManager(SC_MANAGER_CONNECT | SC_MANAGER_CREATE_SERVICE));
  const std::string& display =
      definition.display_name.empty() ? definition.name : definition.display_name;
  ScHandle service(
      CreateServiceW(scm.get(), Utf8ToWide(definition.name).c_str(), Utf8ToWide(display).c_str(),
                     SERVICE_CHANGE_CONFIG | SERVICE_START | DELETE, SERVICE_WIN32_OWN_PROCESS,
                     definition.auto_start ? SERVICE_AUTO_START : SERVICE_DEMAND_START,
                     SERVICE_ERROR_NORMAL, Utf8ToWide(definition.command_line).c_str(), nullptr,
                     nullptr, nullptr, nullptr /* LocalSystem */, nullptr));
  const std::string context = "install service " + definition.name;
  if (!service) {
    DWORD err = GetLastError();
    // Another service already has this display name: the same situation to the user.
    if (err == ERROR_DUPLICATE_SERVICE_NAME) {
      return AlreadyExists(context + ": the display name \"" + display + "\" is taken");
    }
    return WinErrorToStatus(err, context);
  }
  Status configured = SetDescription(service.get(), definition.description);
  if (configured.ok()) configured = SetFailureActions(service.get());
  if (!configured.ok()) {
    DeleteService(service.get());  // no half-configured agent service left behind
    return configured.WithContext(context);
  }
  return Status::Ok();
}

Status UninstallService(const std::string& name) {
  OTGUARD_ASSIGN_OR_RETURN(ScHandle scm, OpenManager(SC_MANAGER_CONNECT));
  ScHandle service(OpenServiceW(scm.get(), Utf8ToWide(name).c_str(),
                                SERVICE_STOP | SERVICE_QUERY_STATUS | DELETE));
  if (!service) return LastErrorToStatus("uninstall service " + name);
  Status stopped = StopAndWait(service.get(), name);
  // Deleted even when it did not stop: the SCM then removes it once it ends, as `sc delete`.
  if (!DeleteService(service.get()) && GetLastError() != ERROR_SERVICE_MARKED_FOR_DELETE) {
    return LastErrorToStatus("delete service " + name);
  }
  if (!stopped.ok()) {
    return stopped.WithContext("uninstall service " + name +
                               " (marked for deletion; removed when it stops)");
  }
  return Status::Ok();
}

Status RunAsService(const std::string& name, const std::function<int(StopSignal& stop)>& body) {
  static std::atomic<bool> started{false};
  if (started.exchange(true)) return FailedPrecondition("RunAsService runs once per process");
  ServiceRun& run = TheRun();
  run.body = body;
  run.name = Utf8ToWide(name);
  SERVICE_TABLE_ENTRYW table[] = {{run.name.data(), ServiceMain}, {nullptr, nullptr}};
  // Blocks until the service has reported STOPPED.
  if (!StartServiceCtrlDispatcherW(table)) {
    DWORD err = GetLastError();
    started = false;  // nothing ran: a later call may try again
    if (err == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT) {
      return FailedPrecondition("not started by the Service Control Manager");
    }
    return WinErrorToStatus(err, "service dispatcher for " + name);
  }
  if (run.register_error != ERROR_SUCCESS) {
    return WinErrorToStatus(run.register_error, "register service control handler for " + name);
  }
  if (run.exit_code != 0) {
    return Aborted("service body ended with exit code " + std::to_string(run.exit_code));
  }
  return Status::Ok();
}

}  // namespace otguard::platform
