// Linux implementation of otguard/platform/autoruns.h: what cron, systemd and SysV init start
// by themselves, read from their configuration files under a ConfigRoot (a compromised host's
// persistence is often a cron line or a timer: the files are the truth, not a daemon's view).
#include "otguard/platform/autoruns.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "otguard/platform/services.h"
#include "platform/linux/config_files.h"
#include "platform/linux/config_text.h"

namespace otguard::platform {
namespace {

using linux_internal::ListConfigDirectory;
using linux_internal::ReadConfigFile;
using linux_internal::StatConfigPath;

std::string ImageOf(const ConfigRoot& where, const std::string& command) {
  return linux_internal::ResolveProgram(where, linux_internal::CommandProgram(command));
}

struct Collector {
  const ConfigRoot& where;
  std::vector<Autorun> out;
};

void AddCronTable(Collector* c, const std::string& path, bool system_table,
                  const std::string& user) {
  auto text = ReadConfigFile(c->where, path);
  if (!text) return;
  const std::string file = path.substr(path.rfind('/') + 1);
  for (linux_internal::CronJob& job : linux_internal::ParseCrontab(*text, system_table)) {
    Autorun a;
    a.kind = AutorunKind::kCron;
    a.location = path;
    a.name = file + ":" + std::to_string(job.line);
    a.image = ImageOf(c->where, job.command);
    a.command = std::move(job.command);
    a.user = system_table ? std::move(job.user) : user;
    a.schedule = std::move(job.schedule);
    c->out.push_back(std::move(a));
  }
}

void AddCron(Collector* c) {
  AddCronTable(c, "/etc/crontab", /*system_table=*/true, "");
  for (const std::string& name : ListConfigDirectory(c->where, "/etc/cron.d")) {
    // cron skips the files run-parts would skip (editor backups, dpkg leftovers, dot files).
    if (!linux_internal::IsRunPartsName(name)) continue;
    AddCronTable(c, "/etc/cron.d/" + name, /*system_table=*/true, "");
  }
  const std::string spool = "/var/spool/cron/crontabs";
  for (const std::string& user : ListConfigDirectory(c->where, spool)) {
    if (user.starts_with('.')) continue;
    AddCronTable(c, spool + "/" + user, /*system_table=*/false, user);
  }
  // /etc/crontab runs these through run-parts: an executable file with a run-parts name runs.
  for (const char* period : {"hourly", "daily", "weekly", "monthly"}) {
    const std::string dir = std::string("/etc/cron.") + period;
    for (const std::string& name : ListConfigDirectory(c->where, dir)) {
      if (name.starts_with('.')) continue;  // Debian's .placeholder
      const std::string path = dir + "/" + name;
      auto info = StatConfigPath(c->where, path);
      if (!info || info->type != FileType::kRegular) continue;
      Autorun a{AutorunKind::kCron, dir, name, path, path, "root", true, period};
      a.enabled = (info->mode & 0111) != 0 && linux_internal::IsRunPartsName(name);
      c->out.push_back(std::move(a));
    }
  }
}

// A timer's schedule: its OnCalendar= expressions, then its monotonic triggers as "Key=value".
std::string TimerSchedule(const linux_internal::UnitFile& timer) {
  std::string schedule;
  auto add = [&](const std::string& part) {
    if (!schedule.empty()) schedule += "; ";
    schedule += part;
  };
  for (const std::string& v : linux_internal::UnitValues(timer.settings, "Timer", "OnCalendar")) {
    add(v);
  }
  for (const char* key :
       {"OnActiveSec", "OnBootSec", "OnStartupSec", "OnUnitActiveSec", "OnUnitInactiveSec"}) {
    for (const std::string& v : linux_internal::UnitValues(timer.settings, "Timer", key)) {
      add(std::string(key) + "=" + v);
    }
  }
  return schedule;
}

void AddTimers(Collector* c, const std::set<std::string>& enabled) {
  for (const linux_internal::UnitFile& timer : linux_internal::LoadUnits(c->where, ".timer")) {
    Autorun a;
    a.kind = AutorunKind::kSystemdTimer;
    a.location = timer.path;
    a.name = timer.name;
    a.enabled = !timer.masked && enabled.contains(timer.name);
    a.schedule = TimerSchedule(timer);
    // Unit= names the unit started, by default the .service of the timer's own name.
    std::string unit = linux_internal::UnitValue(timer.settings, "Timer", "Unit");
    if (unit.empty()) unit = timer.name.substr(0, timer.name.size() - 6) + ".service";
    if (auto service = linux_internal::LoadUnit(c->where, unit); service && !service->masked) {
      std::vector<std::string> exec =
          linux_internal::UnitValues(service->settings, "Service", "ExecStart");
      if (!exec.empty()) a.command = linux_internal::StripExecPrefixes(exec.front());
      a.user = linux_internal::UnitValue(service->settings, "Service", "User");
      if (a.user.empty()) a.user = "root";
    }
    a.image = ImageOf(c->where, a.command);
    c->out.push_back(std::move(a));
  }
}

// Enabled native units; SysV scripts come as rc links instead (AddRcScripts).
void AddServices(Collector* c) {
  auto services = ListServices(c->where);
  if (!services) return;
  for (ServiceInfo& s : *services) {
    if (s.start_type != ServiceStartType::kAutomatic || !s.name.ends_with(".service")) continue;
    Autorun a;
    a.kind = AutorunKind::kService;
    a.location = std::move(s.config_path);
    a.name = std::move(s.name);
    a.image = ImageOf(c->where, s.binary_path);
    a.command = std::move(s.binary_path);
    a.user = std::move(s.account);
    c->out.push_back(std::move(a));
  }
}

void AddRcScripts(Collector* c) {
  if (auto info = StatConfigPath(c->where, "/etc/rc.local");
      info && info->type == FileType::kRegular) {
    // systemd's rc-local.service and sysvinit both run it only when it is executable.
    Autorun a{AutorunKind::kRcScript,
              "/etc/rc.local",
              "rc.local",
              "/etc/rc.local",
              "/etc/rc.local",
              "root",
              (info->mode & 0111) != 0,
              ""};
    c->out.push_back(std::move(a));
  }
  for (char level = '2'; level <= '5'; ++level) {
    const std::string dir = std::string("/etc/rc") + level + ".d";
    for (const std::string& link : ListConfigDirectory(c->where, dir)) {
      if (linux_internal::RcStartLinkScript(link).empty()) continue;
      auto target = linux_internal::ResolveLinks(c->where, dir + "/" + link);
      if (!target || target->dev_null) continue;
      Autorun a{AutorunKind::kRcScript, dir,    link, target->host_path,
                target->host_path,      "root", true, ""};
      c->out.push_back(std::move(a));
    }
  }
}

}  // namespace

Result<std::vector<Autorun>> ListAutoruns(const ConfigRoot& where) {
  Collector c{where, {}};
  AddCron(&c);
  AddTimers(&c, linux_internal::EnabledUnits(where));
  AddServices(&c);
  AddRcScripts(&c);
  if (c.out.empty() && !StatConfigPath(where, "/etc")) {
    return Unexpected(NotFound("no /etc under '" + where.root + "': nothing to read"));
  }
  std::sort(c.out.begin(), c.out.end(), [](const Autorun& a, const Autorun& b) {
    return std::tie(a.kind, a.location, a.name) < std::tie(b.kind, b.location, b.name);
  });
  return std::move(c.out);
}

}  // namespace otguard::platform
