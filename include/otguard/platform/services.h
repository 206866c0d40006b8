// Services of this host (the Windows Service Control Manager) and running otguard itself as a
// service.
//
// Thread-safety: all functions are thread-safe; RunAsService is called once per process.
#ifndef OTGUARD_PLATFORM_SERVICES_H_
#define OTGUARD_PLATFORM_SERVICES_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/base/stop_signal.h"
#include "otguard/platform/packages.h"

namespace otguard::platform {

enum class ServiceState {
  kStopped,
  kStartPending,
  kStopPending,
  kRunning,
  kContinuePending,
  kPausePending,
  kPaused,
  kUnknown
};
enum class ServiceStartType { kBoot, kSystem, kAutomatic, kManual, kDisabled, kUnknown };

struct ServiceInfo {
  std::string name;  // the key name ("LanmanServer")
  std::string display_name;
  std::string description;  // "" when none
  ServiceState state = ServiceState::kUnknown;
  ServiceStartType start_type = ServiceStartType::kUnknown;
  std::string binary_path;  // the command line the SCM starts, as configured
  // For services hosted by svchost.exe: Parameters\ServiceDll (or the service key's own
  // ServiceDll), with environment variables expanded; "" otherwise.
  std::string service_dll;
  std::string account;  // "LocalSystem", "NT AUTHORITY\\NetworkService", ...
  uint32_t pid = 0;     // when running
  bool driver = false;  // a kernel or file-system driver rather than a Win32 service
  // Where it is configured: "HKLM\\SYSTEM\\CurrentControlSet\\Services\\<name>", the unit
  // file ("/lib/systemd/system/ssh.service") or the SysV script ("/etc/init.d/cron").
  std::string config_path;
};

// Every service and driver the SCM knows. On Linux the systemd service units (unit files under
// /etc/systemd/system, /run/systemd/system, /lib/systemd/system, /usr/lib/systemd/system, the
// first of a name winning as systemd does, with their <unit>.d/*.conf drop-ins applied; named
// with their suffix, "ssh.service"; templates and aliases left out) and SysV scripts in
// /etc/init.d without a unit (named "cron", the LSB Short-Description as description, auto when
// an /etc/rc[2-5].d/S link starts them): the description and ExecStart from the unit file, the
// state from the unit's cgroup (running when it has processes; `pid` is the first one listed,
// as the main pid is only known to systemd over D-Bus; kUnknown when systemd manages no cgroups,
// as in a container), the start type from the [Install] links (auto when a *.wants/ or
// *.requires/ link enables it, disabled when masked, manual otherwise). `binary_path` is the
// first ExecStart= command line without systemd's prefixes ("-", "@", "+" ...); `account` the
// User= (root when none). NotFound when there is neither a unit directory nor /etc/init.d.
Result<std::vector<ServiceInfo>> ListServices();
// The same, reading unit files under where.root (state then comes from the live host only when
// where.root is empty).
Result<std::vector<ServiceInfo>> ListServices(const ConfigRoot& where);

const char* ServiceStateName(ServiceState state);         // "running", "stopped", ...
const char* ServiceStartTypeName(ServiceStartType type);  // "auto", "manual", "disabled", ...

// What `otguard service install` registers.
struct ServiceDefinition {
  std::string name;
  std::string display_name;
  std::string description;
  std::string command_line;  // executable and arguments, quoted as the SCM needs
  bool auto_start = true;
  // Linux (systemd runs a service's command in the foreground, Type=simple): the unit's
  // ExecStart; "" = command_line.
  std::string foreground_command_line;
  // Linux: the unit file written; "" = /etc/systemd/system/<name>.service.
  std::string unit_path;
  // Linux: the unit's MemoryMax= in bytes; 0 = none.
  uint64_t memory_max_bytes = 0;
};
// Registers the service (AlreadyExists when it exists; PermissionDenied when not elevated).
// Windows: with the Service Control Manager. Linux: writes the systemd unit
// (SystemdUnitText) to unit_path; enabling and starting it is systemctl's job
// (`systemctl daemon-reload && systemctl enable --now <name>`), never done here.
Status InstallService(const ServiceDefinition& definition);
// Stops (waiting a bounded time) and removes the service; NotFound when it does not exist.
// Linux: removes /etc/systemd/system/<name>.service (stopping it is systemctl's job).
Status UninstallService(const std::string& name);
// The systemd unit for `definition`: Type=simple, ExecStart=foreground_command_line, the
// lowest CPU and I/O priority (Nice=19, IOSchedulingClass=idle, CPUWeight=1), MemoryMax,
// KillSignal=SIGTERM with a bounded stop, Restart=on-failure. Pure text, on every OS.
std::string SystemdUnitText(const ServiceDefinition& definition);

// Runs `body` as the service `name`: on Windows under the SCM's dispatcher (reports running,
// turns a stop or shutdown request into stop->Notify(), reports stopped with body's exit
// code); on Linux in the foreground, with SIGTERM and SIGINT notifying `stop` (systemd's
// Type=simple). FailedPrecondition on Windows when not started by the SCM.
Status RunAsService(const std::string& name, const std::function<int(StopSignal& stop)>& body);

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_SERVICES_H_
