// Incident hunting: matches this host against IOC packs (include/otguard/host/ioc.h) and writes
// a remediation plan that a person carries out. The hunt reads only: it never stops, deletes or
// changes anything; the plan says what to do, in a safe order, and what to check first.
//
// Three steps, the last two pure (so the Windows logic is tested on every OS with a synthetic
// snapshot, and for real under Wine):
//   CollectHuntSnapshot  the host: the inventory plus what the packs ask for (files behind path
//                        globs, registry keys, the hosts file, YARA matches);
//   MatchIndicators      findings: which indicator matched which object, with the evidence;
//   PlanRemediation      ordered steps adapted to what was found.
//
// Thread-safety: the functions are thread-safe; the structs are plain values.
#ifndef OTGUARD_HOST_HUNT_H_
#define OTGUARD_HOST_HUNT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/host/inventory.h"
#include "otguard/host/ioc.h"

namespace otguard::host {

// A file the hunt looked at because a pack's path glob named it (or --path asked for it).
struct HuntFile {
  std::string path;  // on the system examined: without HuntOptions::root
  bool directory = false;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string md5, sha1, sha256;  // "" for directories and files not read
  std::vector<std::string> yara;  // "<pack>/<indicator>" whose YARA rules matched
  std::string error;              // why it was not read
};

// A script an autorun or a service runs (its program, or a script file named in its command),
// read when a pack looks for domains or URLs: a downloader's URL is often in the script, not
// in the command line that runs it.
struct HuntScript {
  std::string path;     // on the system examined: without HuntOptions::root
  std::string used_by;  // "cron root", "service foo"
  std::string text;     // at most 1 MiB
};

// A registry key a pack asked about (Windows).
struct HuntRegistryKey {
  std::string key;  // normalized: "HKLM\\SYSTEM\\CurrentControlSet\\Services"
  bool exists = false;
  struct Value {
    std::string name;
    std::string data;  // text, multi-strings joined with "\n", numbers in decimal, binary as hex
  };
  std::vector<Value> values;
};

struct HuntSnapshot {
  TargetOs os = TargetOs::kLinux;
  Inventory inventory;
  // %SystemRoot% and friends, upper-case names; empty on Linux.
  std::map<std::string, std::string> environment;
  std::vector<HuntFile> files;  // sorted by path
  std::vector<HuntRegistryKey> registry;
  std::string hosts_file;  // the hosts file's text ("" when absent)
  std::vector<HuntScript> scripts;
  // Collectors that failed for another reason than "not on this OS" (they make a clean result
  // incomplete): "registry HKLM\\...: permission denied".
  std::vector<std::string> incomplete;
};

struct HuntOptions {
  // Reads files (Linux autoruns, services, packages, the hosts file, the packs' path globs) under
  // this root: a mounted image of another host's disk. Processes and sockets stay live.
  platform::ConfigRoot root;
  // More files and directories (recursively, under the root) whose hashes and YARA rules are
  // checked.
  std::vector<std::string> extra_paths;
  uint64_t max_file_size = uint64_t{256} << 20;  // larger files are not hashed (an error)
  size_t max_files = 200000;                     // files looked at through globs and extra paths
};

Result<HuntSnapshot> CollectHuntSnapshot(const std::vector<Pack>& packs,
                                         const HuntOptions& options);

// One object that matched one indicator.
struct Finding {
  std::string pack_id;
  std::string pack_version;
  Indicator indicator;  // a copy: findings outlive the packs
  // The object: "process", "service", "file", "registry-key", "registry-value", "socket",
  // "autorun", "scheduled-task", "hosts-entry", "script".
  std::string object_type;
  std::string object;  // a one-line identity: "pid 4242 dllhostex.exe", "service Foo", a path
  // Object fields for the plan and the records (process: pid, ppid, name, executable,
  // command_line, parent_name; service: name, state, service_dll, binary_path, pid; file: path;
  // registry: key, value; socket: protocol, local_address, local_port, remote_address,
  // remote_port, pid; autorun: kind, location, name, command, image).
  std::map<std::string, std::string> fields;
  std::vector<std::string> evidence;  // "description matches 'Enables a common interface*'"
};

// The findings, ordered by severity (critical first), then pack, indicator, object.
std::vector<Finding> MatchIndicators(const std::vector<Pack>& packs, const HuntSnapshot& snapshot);

enum class StepAction {
  kBlockTraffic,    // at the host firewall or, better on a DCS, at the switch / perimeter
  kDisableTask,     // scheduled task / cron / timer / run key: stop it starting again
  kDisableService,  // set the start type to disabled (the SCM would restart it otherwise)
  kStopService,
  kEndProcess,
  kDeleteService,
  kDeleteFile,
  kDeleteDirectory,
  kDeleteRegistryValue,
  kDeleteRegistryKey,
  kDeleteTask,
  kRemoveAutorun,
  kRemoveHostsEntry,
  kPrevent,  // the packs' prevention advice (patch, close ports, keep a scanner current)
  kVerify,   // hunt and scan again
};
const char* StepActionName(StepAction action);  // "stop-service", "end-process", ...

struct PlanStep {
  int number = 0;  // 1-based, in the order to carry out
  StepAction action = StepAction::kVerify;
  std::string target;  // service name, pid and image, path, registry key or value, ...
  std::string what;    // one line: "Stop service WindowsUpdateHelper"
  std::string why;     // the findings behind it
  std::vector<std::string> check_first;  // what to confirm on a DCS host before doing it
  std::vector<std::string> notes;        // the indicators' remediation advice
  // The command a person would type ("sc stop \"X\"", "kill -TERM 4242"); "" when the step
  // is manual (a perimeter firewall, a name unsafe to put in a command line).
  std::string command;
  std::vector<int> after;  // steps that must be done first
};

struct Plan {
  TargetOs os = TargetOs::kLinux;
  std::vector<PlanStep> steps;
};

// The order: block traffic, disable what restarts the malware (tasks, autoruns, service start
// types), stop services, end processes (a parent before its child), delete services, delete
// files then directories, delete registry values, keys and tasks, prevention, verification.
Plan PlanRemediation(const std::vector<Finding>& findings, const std::vector<Pack>& packs,
                     const HuntSnapshot& snapshot);

// The plan as text, as JSON, or as a script for a person to review and run step by step (a
// .cmd batch file on Windows, a POSIX sh script on Linux): every step asks before it runs, and
// a step whose target contains characters unsafe in that shell is left for the person to do.
std::string PlanText(const Plan& plan);
std::string PlanJson(const Plan& plan);
std::string PlanScript(const Plan& plan);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_HUNT_H_
