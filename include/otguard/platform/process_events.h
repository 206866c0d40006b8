// Process starts as they happen, without a driver or a hook: the agent's process observation.
// One interface, one implementation per source; OpenProcessEventSource probes the sources this
// host allows, best first, and returns the first that works.
//
//   Linux:   "ebpf" (sched_process_exec/exit tracepoints through libbpf, ring buffer),
//            "fanotify" (FAN_OPEN_EXEC on the mounts), "proc-connector" (netlink), "proc-poll"
//            (/proc every poll interval; always available, also in an unprivileged container).
//   Windows: "etw" (Microsoft-Windows-Kernel-Process in a user-mode real-time session, 7+),
//            "toolhelp-poll" (ToolHelp32 snapshots; XP and the fallback).
//
// docs/agent.md says what each source can miss and at which interval.
//
// Thread-safety: a ProcessEventSource is used by one thread at a time; Stop() alone may be
// called from another thread (the agent's signal thread) to end a blocking Next().
#ifndef OTGUARD_PLATFORM_PROCESS_EVENTS_H_
#define OTGUARD_PLATFORM_PROCESS_EVENTS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

enum class ProcessEventKind { kStart, kExit };

// One process start or exit. Fields a source cannot tell stay empty/0; `complete` says whether
// executable and command line were read while the process still existed (a short-lived process
// may be gone before a pid-only source reads /proc: then only what the event itself carries).
struct ProcessEvent {
  ProcessEventKind kind = ProcessEventKind::kStart;
  uint32_t pid = 0;
  uint32_t ppid = 0;
  std::string executable;                   // full path, UTF-8
  std::optional<std::string> command_line;  // nullopt: not readable
  std::string user;                         // user name ("DOMAIN\\user" on Windows); "" unknown
  int64_t time_ns = 0;                      // when the source saw it, ns since the Unix epoch
  int64_t start_time_ns = 0;                // the process's own start time when known, else 0
  int exit_code = 0;                        // kExit only, when known
  bool complete = true;
};

struct ProcessEventSourceOptions {
  // Sources to try, in order; empty: every source of this OS, best first. Unknown names are
  // InvalidArgument.
  std::vector<std::string> prefer;
  // The polling sources' interval (and the longest a blocking source waits before Next()
  // returns an empty batch, so the caller's loop can do its other work).
  std::chrono::milliseconds poll_interval{1000};
};

class ProcessEventSource {
 public:
  virtual ~ProcessEventSource() = default;
  // "ebpf", "fanotify", "proc-connector", "proc-poll", "etw", "toolhelp-poll".
  virtual const char* name() const = 0;
  // The events since the last call, waiting up to the poll interval for the first. An empty
  // vector after a timeout or Stop(). An error only when the source broke (the caller may
  // reopen); events lost by the kernel (ring buffer full, netlink ENOBUFS) are counted in
  // lost_events(), never an error.
  virtual Result<std::vector<ProcessEvent>> Next() = 0;
  // Ends a blocking Next() from another thread; Next() then returns at once, empty.
  virtual void Stop() = 0;
  virtual uint64_t lost_events() const = 0;
};

// Why each source was or was not chosen, for the agent's start-up record and docs.
struct SourceProbe {
  std::string name;
  Status status;  // OK for the chosen one; why not for those tried before it
};

// The first source in `options.prefer` (or the OS's order) that opens. `probes` (may be null)
// receives each tried source's outcome. Errors only for bad options; the polling source always
// opens.
Result<std::unique_ptr<ProcessEventSource>> OpenProcessEventSource(
    const ProcessEventSourceOptions& options, std::vector<SourceProbe>* probes);

// The names this OS knows, best first.
std::vector<std::string> ProcessEventSourceNames();

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_PROCESS_EVENTS_H_
