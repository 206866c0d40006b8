// The agent's local policy (docs/agent.md, "Policy"): what `otguard agent run` observes, which
// allowlist mode it runs in, when upgrades may change allowlisted files, what it runs on a
// schedule and how much disk its spool and history may take. A TOML file; every value has a
// default so an empty file is a valid policy (learn mode, nothing scheduled).
//
// Thread-safety: values and pure functions.
#ifndef OTGUARD_AGENT_POLICY_H_
#define OTGUARD_AGENT_POLICY_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/base/status.h"

namespace otguard::agent {

enum class AllowlistMode { kOff, kLearn, kMonitor, kEnforce };
const char* AllowlistModeName(AllowlistMode mode);  // "off", "learn", "monitor", "enforce"

struct ObservePolicy {
  std::string process_source = "auto";  // "auto" or a platform::ProcessEventSource name
  std::chrono::milliseconds poll_interval{1000};
  std::chrono::milliseconds connections_interval{5000};
};

struct AllowlistPolicy {
  // Default: monitor when `file` is set, learn otherwise. Enforce only when written.
  AllowlistMode mode = AllowlistMode::kLearn;
  std::string file;  // the approved allowlist (TOML, docs/allowlist.md); "" none
  // Executables (full paths) enforce never ends, whatever the allowlist says.
  std::vector<std::string> critical;
};

// A maintenance window: a fixed period (RFC 3339 begin/end) or a weekly one in UTC
// ("Sun 02:00-04:00"; an end before the begin runs past midnight into the next day).
struct WindowSpec {
  bool weekly = false;
  EventTime begin, end;  // fixed windows
  int weekday = 0;       // weekly: 0 = Sunday ... 6 = Saturday
  int begin_minute = 0;  // weekly: minutes after midnight UTC
  int end_minute = 0;
  std::string text;  // as written, for records
};

struct UpgradesPolicy {
  std::vector<WindowSpec> windows;
  std::vector<std::string> trusted_updaters;
};

// When a scheduled job runs: every `every` (counted from the agent's start, then from the
// last run), or daily at `at_minute` UTC. Off when neither is set.
struct JobSchedule {
  std::chrono::seconds every{0};
  int at_minute = -1;  // minutes after midnight UTC; -1 none
  bool enabled() const { return every.count() > 0 || at_minute >= 0; }
};

struct ScanJob {
  JobSchedule when;
  std::vector<std::string> paths;
  std::vector<std::string> exclude;
  std::vector<std::string> databases;   // "" list: the bundled signatures
  std::vector<std::string> yara_files;  // Linux
  double max_cpu_percent = 10;          // the scan throttle (scan::ScanOptions)
  unsigned threads = 1;
  uint64_t max_filesize = 100ull << 20;
  bool one_file_system = true;
};

struct HuntJob {
  JobSchedule when;
  std::vector<std::string> packs;  // IOC pack files beside the built-in ones
};

struct SchedulePolicy {
  JobSchedule inventory;
  ScanJob scan;
  HuntJob hunt;
};

struct Policy {
  std::string origin;  // the file it came from
  ObservePolicy observe;
  AllowlistPolicy allowlist;
  UpgradesPolicy upgrades;
  SchedulePolicy schedule;
  uint64_t spool_max_bytes = 64ull << 20;
  uint64_t history_max_bytes = 256ull << 20;
  int history_keep_days = 90;
};

// Parses the policy text. InvalidArgument naming the origin, the place and the key:
// "agent.toml:4:1: allowlist.mode: unknown mode 'enforcing' (off, learn, monitor, enforce)".
// Unknown sections and keys are errors too (a misspelt key would silently do nothing).
Result<Policy> ParsePolicy(std::string_view text, std::string_view origin);
// Reads and parses `path` (at most 1 MiB); the file's own errors as ParsePolicy's, read errors
// with the path.
Result<Policy> LoadPolicy(const std::string& path);

// "200ms", "5s", "10m", "6h", "7d" (a bare number of seconds in TOML is also a duration).
Result<std::chrono::milliseconds> ParseDuration(std::string_view text);
// "4096", "512K", "64M", "1G" (binary: K = 1024; "KiB"/"KB" spell the same).
Result<uint64_t> ParseByteSize(std::string_view text);
// "Sun 02:00-04:00", or "2026-12-06T02:00:00Z/2026-12-06T04:00:00Z".
Result<WindowSpec> ParseWindow(std::string_view text);

// Whether `t` falls inside `window`.
bool InWindow(const WindowSpec& window, EventTime t);
// When a job of `schedule` is due next, given its last run (or the agent's start when it never
// ran): `last` + every, or the first HH:MM UTC after `last`. Far in the future when disabled.
EventTime NextRun(const JobSchedule& schedule, EventTime last);

}  // namespace otguard::agent

#endif  // OTGUARD_AGENT_POLICY_H_
