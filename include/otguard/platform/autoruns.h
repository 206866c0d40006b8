// What starts by itself on this host (persistence): Windows Run/RunOnce keys, Winlogon, startup
// folders, scheduled tasks and auto-start services; Linux cron tables, systemd timers and
// enabled units, rc scripts. Read-only.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_AUTORUNS_H_
#define OTGUARD_PLATFORM_AUTORUNS_H_

#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/packages.h"

namespace otguard::platform {

enum class AutorunKind {
  kRunKey,         // HKLM/HKU ...\CurrentVersion\Run, RunOnce, Wow6432Node, Policies\...\Run
  kWinlogon,       // Winlogon Shell / Userinit / Taskman
  kStartupFolder,  // a file in a Startup folder
  kScheduledTask,  // Task Scheduler (System32\Tasks XML, XP's Tasks\*.job)
  kService,        // an auto-start service (Windows SCM, Linux enabled systemd unit)
  kCron,           // a cron table entry
  kSystemdTimer,   // a systemd .timer unit and the unit it starts
  kRcScript,       // /etc/rc.local, /etc/init.d scripts linked from /etc/rc?.d
};

struct Autorun {
  AutorunKind kind = AutorunKind::kRunKey;
  // Where it is configured: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
  // "C:\\Windows\\System32\\Tasks\\UPnPHostServices", "/etc/cron.d/sysstat".
  std::string location;
  // Its name there: the registry value name, the task path ("\\UPnPHostServices"), the unit
  // ("sysstat.timer"), the cron file and line ("sysstat:3"), the file name.
  std::string name;
  std::string command;  // the command line it runs, as configured (not expanded)
  // The program that command runs, best effort: environment variables expanded, quotes and
  // arguments removed, a bare name resolved through System32 / PATH. "" when unknown.
  std::string image;
  std::string user;      // the account it runs as when configured ("root", "SYSTEM"); may be ""
  bool enabled = true;   // false for a disabled task or unit that is still configured
  std::string schedule;  // cron's "*/5 * * * *", a timer's OnCalendar=, a task trigger; may be ""
};

// Every autorun found, in a stable order (kind, location, name). Locations that cannot be read
// (permissions, a missing directory) are skipped; errors only when nothing could be read.
// `where` applies on Linux; Windows reads the live registry, folders and SCM and ignores it.
// On Windows a Startup folder file is reported as itself (a shortcut's target is not read:
// `image` is "" for a .lnk), a task with several Exec actions once per action, Shell and
// Userinit once per comma-separated program, and a task file that does not parse with an
// empty command (its presence is still seen).
Result<std::vector<Autorun>> ListAutoruns(const ConfigRoot& where = {});

const char* AutorunKindName(AutorunKind kind);  // "run-key", "scheduled-task", "cron", ...

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_AUTORUNS_H_
