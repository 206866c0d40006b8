// Services on Linux: systemd's service units and the SysV init scripts that have no unit,
// read from their files (no D-Bus: the inventory must work in a container without systemd and
// on a mounted disk image); running as a service is running in the foreground until SIGTERM
// (systemd Type=simple).
#include "otguard/platform/services.h"

#include <signal.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <span>
#include <thread>

#include "otguard/platform/files.h"
#include "platform/linux/config_files.h"
#include "platform/linux/config_text.h"

namespace otguard::platform {
namespace {

// What the cgroup file system tells of a unit: systemd puts each service's processes into
// system.slice/<unit>. The main pid itself is only known to systemd (MainPID over D-Bus, which
// a container or an image does not have): the first pid listed stands in for it.
struct CgroupState {
  ServiceState state = ServiceState::kUnknown;
  uint32_t pid = 0;
};

// The system.slice directory of the live host's systemd hierarchy: cgroup v2 (unified) or the
// v1 named "systemd" hierarchy; "" when systemd manages no cgroups here (not PID 1).
std::string SystemSliceDirectory() {
  for (const char* dir : {"/sys/fs/cgroup/system.slice", "/sys/fs/cgroup/systemd/system.slice",
                          "/sys/fs/cgroup/unified/system.slice"}) {
    auto info = StatPath(dir, /*follow_symlinks=*/false);
    if (info && info->type == FileType::kDirectory) return dir;
  }
  return {};
}

// cgroup.procs lists processes in v1 and v2 alike (v1's `tasks` lists threads). Like /proc, the
// cgroup file system reports a size of 0, so the file is read, not sized: the first pid is
// enough.
CgroupState ReadCgroupState(const std::string& slice, const std::string& unit) {
  if (slice.empty()) return {};
  auto file = ReadOnlyFile::Open(slice + "/" + unit + "/cgroup.procs");
  if (!file) return {ServiceState::kStopped, 0};  // no cgroup: the unit is not active
  char text[32] = {};
  auto n = file->ReadFull(0, std::span(reinterpret_cast<uint8_t*>(text), sizeof text));
  uint32_t pid = 0;
  if (n) std::from_chars(text, text + *n, pid);
  return {pid != 0 ? ServiceState::kRunning : ServiceState::kStopped, pid};
}

ServiceInfo FromUnit(const linux_internal::UnitFile& unit, const std::set<std::string>& enabled) {
  using linux_internal::UnitValue;
  using linux_internal::UnitValues;
  ServiceInfo info;
  info.name = unit.name;  // "ssh.service": never mistaken for the SysV script "ssh"
  info.display_name = UnitValue(unit.settings, "Unit", "Description");
  info.description = info.display_name;
  std::vector<std::string> exec = UnitValues(unit.settings, "Service", "ExecStart");
  if (!exec.empty()) info.binary_path = linux_internal::StripExecPrefixes(exec.front());
  info.account = UnitValue(unit.settings, "Service", "User");
  if (info.account.empty()) info.account = "root";
  info.config_path = unit.path;
  if (unit.masked) {
    info.start_type = ServiceStartType::kDisabled;
  } else {
    info.start_type =
        enabled.contains(unit.name) ? ServiceStartType::kAutomatic : ServiceStartType::kManual;
  }
  return info;
}

// /etc/init.d scripts that are no init script (Debian's helpers and documentation).
bool IsInitScriptName(const std::string& name) {
  return !name.empty() && name.front() != '.' && name != "README" && name != "skeleton" &&
         name != "rc" && name != "rcS" && !name.ends_with(".dpkg-old") &&
         !name.ends_with(".dpkg-dist");
}

// The scripts started at boot: an S link in a multi-user run level (2 to 5).
std::set<std::string> StartedInitScripts(const ConfigRoot& where) {
  std::set<std::string> started;
  for (char level = '2'; level <= '5'; ++level) {
    std::string dir = std::string("/etc/rc") + level + ".d";
    for (const std::string& link : linux_internal::ListConfigDirectory(where, dir)) {
      std::string script = linux_internal::RcStartLinkScript(link);
      if (!script.empty()) started.insert(script);
    }
  }
  return started;
}

// SysV scripts without a native unit of the same name (systemd-sysv-generator(8) makes units
// only for those, and so do we).
std::vector<ServiceInfo> ListInitScripts(const ConfigRoot& where,
                                         const std::set<std::string>& unit_names) {
  std::vector<ServiceInfo> out;
  std::set<std::string> started = StartedInitScripts(where);
  for (const std::string& name : linux_internal::ListConfigDirectory(where, "/etc/init.d")) {
    if (!IsInitScriptName(name) || unit_names.contains(name + ".service")) continue;
    std::string path = "/etc/init.d/" + name;
    auto stat = linux_internal::StatConfigPath(where, path);
    if (!stat || stat->type != FileType::kRegular || (stat->mode & 0111) == 0) continue;
    ServiceInfo info;
    info.name = name;
    if (auto text = linux_internal::ReadConfigFile(where, path)) {
      info.description = linux_internal::LsbShortDescription(*text);
    }
    info.display_name = info.description.empty() ? name : info.description;
    info.binary_path = path;
    info.account = "root";
    info.config_path = path;
    info.start_type =
        started.contains(name) ? ServiceStartType::kAutomatic : ServiceStartType::kManual;
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

Result<std::vector<ServiceInfo>> ListServices(const ConfigRoot& where) {
  std::vector<linux_internal::UnitFile> units = linux_internal::LoadUnits(where, ".service");
  std::set<std::string> enabled = linux_internal::EnabledUnits(where);
  std::vector<ServiceInfo> services;
  std::set<std::string> unit_names;
  for (const linux_internal::UnitFile& unit : units) {
    unit_names.insert(unit.name);
    services.push_back(FromUnit(unit, enabled));
  }
  std::vector<ServiceInfo> scripts = ListInitScripts(where, unit_names);
  if (services.empty() && scripts.empty() &&
      !linux_internal::StatConfigPath(where, "/etc/init.d") &&
      !linux_internal::StatConfigPath(where, "/lib/systemd/system") &&
      !linux_internal::StatConfigPath(where, "/etc/systemd/system")) {
    return Unexpected(
        NotFound("no systemd unit directory and no /etc/init.d under '" + where.root + "'"));
  }
  services.insert(services.end(), std::make_move_iterator(scripts.begin()),
                  std::make_move_iterator(scripts.end()));
  if (where.root.empty()) {
    // The state is the live host's: meaningless for the files of another disk.
    const std::string slice = SystemSliceDirectory();
    for (ServiceInfo& s : services) {
      // systemd-sysv-generator runs a script as "<name>.service".
      std::string unit = s.name.ends_with(".service") ? s.name : s.name + ".service";
      CgroupState cg = ReadCgroupState(slice, unit);
      s.state = cg.state;
      s.pid = cg.pid;
    }
  }
  std::sort(services.begin(), services.end(),
            [](const ServiceInfo& a, const ServiceInfo& b) { return a.name < b.name; });
  return services;
}
Result<std::vector<ServiceInfo>> ListServices() { return ListServices(ConfigRoot{}); }

namespace {
std::string DefaultUnitPath(const std::string& name) {
  return "/etc/systemd/system/" + name + ".service";
}
}  // namespace

Status InstallService(const ServiceDefinition& definition) {
  if (definition.name.empty() || definition.name.find('/') != std::string::npos) {
    return InvalidArgument("service install: bad service name '" + definition.name + "'");
  }
  std::string path =
      definition.unit_path.empty() ? DefaultUnitPath(definition.name) : definition.unit_path;
  if (PathExists(path)) return AlreadyExists(path + " exists");
  Status written = WriteFileAtomic(path, SystemdUnitText(definition), 0644);
  if (!written.ok()) return written.WithContext("service install");
  return Status::Ok();
}

Status UninstallService(const std::string& name) {
  std::string path = DefaultUnitPath(name);
  if (!PathExists(path)) return NotFound(path + " does not exist");
  return RemoveFile(path);
}

Status RunAsService(const std::string&, const std::function<int(StopSignal& stop)>& body) {
  // SIGTERM/SIGINT are taken by a thread that waits for them, so the body's threads never run
  // a handler. Blocked before any thread starts, so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);  // wakes the waiter when the body ends by itself
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
    return Internal("service run: cannot block SIGTERM");
  }
  StopSignal stop;
  std::thread waiter([&] {
    int which = 0;
    sigwait(&signals, &which);
    stop.Notify();
  });
  int code = body(stop);
  if (!stop.stopped()) pthread_kill(waiter.native_handle(), SIGUSR1);
  waiter.join();
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  if (code != 0) return Aborted("service body ended with exit code " + std::to_string(code));
  return Status();
}

}  // namespace otguard::platform
