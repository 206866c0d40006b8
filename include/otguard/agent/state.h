// The agent's state directory (docs/agent.md, "State directory"):
//
//   STATE/agent.lock          held while an agent runs (advisory; a second agent is refused)
//   STATE/agent.json          the agent's id, start count, counters and when jobs last ran
//   STATE/history/YYYY-MM-DD.jsonl   observations, one JSON line each, by UTC day
//   STATE/spool/              the outgoing event spool (otguard/agent/spool.h)
//   STATE/allowlist/          allowlist versions the agent wrote when following upgrades
//
// Only this directory is ever locked or written: never a file the agent observes or scans.
//
// Thread-safety: one thread at a time per object.
#ifndef OTGUARD_AGENT_STATE_H_
#define OTGUARD_AGENT_STATE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/platform/state_files.h"

namespace otguard::agent {

// What agent.json keeps between runs.
struct AgentState {
  std::string agent_id;  // 32 hex digits, made on the first start; the spool's id prefix
  uint64_t starts = 0;
  std::map<std::string, uint64_t> counters;  // "alerts", "processes_observed", ...
  std::map<std::string, int64_t> last_run;   // job name -> ns since the epoch
};

// agent.json as text and back. InvalidArgument naming what is wrong.
std::string FormatAgentState(const AgentState& state);
Result<AgentState> ParseAgentState(std::string_view json);

class StateDir {
 public:
  // Creates the directory (0700) and its folders, takes the lock (FailedPrecondition: another
  // agent uses it), reads agent.json (a corrupt one is kept aside as agent.json.corrupt and a
  // new identity begins: the agent must start unattended) and counts this start.
  static Result<StateDir> Open(const std::string& path);
  StateDir(StateDir&&) noexcept = default;
  StateDir& operator=(StateDir&&) noexcept = default;

  const std::string& path() const { return path_; }
  std::string HistoryDir() const;
  std::string SpoolDir() const;
  std::string AllowlistDir() const;
  AgentState& state() { return state_; }
  const AgentState& state() const { return state_; }
  bool state_was_corrupt() const { return state_was_corrupt_; }
  // Writes agent.json atomically (temp file, fsync, rename).
  Status Save() const;

 private:
  StateDir(std::string path, platform::DirectoryLock lock)
      : path_(std::move(path)), lock_(std::move(lock)) {}
  std::string path_;
  platform::DirectoryLock lock_;
  AgentState state_;
  bool state_was_corrupt_ = false;
};

struct HistoryOptions {
  uint64_t max_bytes = 256ull << 20;
  int keep_days = 90;
};

struct HistoryStats {
  uint64_t written = 0;       // lines written by this process
  uint64_t dropped = 0;       // lines not written because today's file alone is over max_bytes
  uint64_t days_removed = 0;  // old day files removed (keep_days, max_bytes)
  uint64_t bytes = 0;         // of every day file
};

// The observation history: lines appended to the file of their UTC day. Lines are buffered
// and written by Flush() (the agent flushes every loop turn and syncs at a stop). Old days are
// removed beyond keep_days and, oldest first, while the files exceed max_bytes; today's file
// is never removed, and what no longer fits today is counted in `dropped`, never silently.
class HistoryLog {
 public:
  static Result<HistoryLog> Open(const std::string& dir, const HistoryOptions& options);
  HistoryLog(HistoryLog&&) noexcept;
  HistoryLog& operator=(HistoryLog&&) noexcept;
  ~HistoryLog();

  // `line` is one observation (host::ObservationToJson), without a newline.
  void Append(EventTime time, std::string_view line);
  // Writes what is buffered; with `sync`, fsyncs it. IoError with the path.
  Status Flush(bool sync);
  // Removes days older than keep_days before `now`, and the oldest while over max_bytes.
  Status Prune(EventTime now);
  const HistoryStats& stats() const;

  // "2026-12-05.jsonl" for a time.
  static std::string DayFileName(EventTime time);

 private:
  struct Impl;
  explicit HistoryLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace otguard::agent

#endif  // OTGUARD_AGENT_STATE_H_
