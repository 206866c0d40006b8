// Internals of the Windows process-event sources (process_events*.cc), declared for their tests.
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_PROCESS_EVENTS_INTERNAL_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_PROCESS_EVENTS_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "otguard/platform/process_events.h"
#include "otguard/platform/processes.h"

namespace otguard::platform::windows_internal {

// What the poller remembers of a listed process to tell it from a later one with its pid.
struct KnownProcess {
  int64_t start_time_ns = 0;  // 0: the process could not be opened
  uint32_t ppid = 0;
  std::string name;
};

struct SnapshotChange {
  std::vector<ProcessInfo> started;  // in listing order
  std::vector<uint32_t> ended;       // pids; a reused pid is both ended and started
};

// At most this many processes are remembered (bounded memory on a runaway host).
inline constexpr size_t kMaxTrackedProcesses = 1 << 16;

// The difference between the processes in `known` and the listing `now`, which then replaces
// `known`. A pid is the same process when both start times are known and equal, or, when
// either is unknown (a process this caller may not open), when its parent and image name are
// unchanged. Pid 0 (the Idle process) is left out.
SnapshotChange CompareSnapshots(std::vector<ProcessInfo> now,
                                std::unordered_map<uint32_t, KnownProcess>* known);

// The sources, each an error when it cannot open here.
Result<std::unique_ptr<ProcessEventSource>> OpenToolhelpPollSource(
    const ProcessEventSourceOptions& options);
Result<std::unique_ptr<ProcessEventSource>> OpenEtwSource(const ProcessEventSourceOptions& options);

// One Microsoft-Windows-Kernel-Process event's payload (etw_payload.cc has the layouts):
// id 1 ProcessStart (pid, parent, creation time, the image's NT path, complete = false),
// id 2 ProcessStop (pid, creation time, exit code). nullopt for other ids and for a payload
// shorter than its layout. time_ns is left 0.
std::optional<ProcessEvent> ParseKernelProcessEvent(uint16_t id, uint8_t version,
                                                    const unsigned char* data, size_t size);

// One NT Kernel Logger Process event's payload (etw_payload.cc has the layouts): type 1 Start
// (pid, parent, the image's base name, v2+ the command line; complete = false), type 2 End (pid,
// parent, exit code). `pointer_size` is the logging kernel's (4 or 8). nullopt for other types
// (the DCStart/DCEnd rundown), version 0, and a payload shorter than its layout.
std::optional<ProcessEvent> ParseKernelLoggerProcessEvent(uint8_t type, uint8_t version,
                                                          size_t pointer_size,
                                                          const unsigned char* data, size_t size);
Result<std::unique_ptr<ProcessEventSource>> OpenKernelLoggerSource(
    const ProcessEventSourceOptions& options);

// Now, in ns since the Unix epoch.
int64_t RealtimeNs();

}  // namespace otguard::platform::windows_internal

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_PROCESS_EVENTS_INTERNAL_H_
