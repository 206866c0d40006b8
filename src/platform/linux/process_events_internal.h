// What the Linux process-event sources (process_events*.cc) share: the stop signal, reading a
// started process from /proc, and each source's opener for process_events.cc's probe.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_PROCESS_EVENTS_INTERNAL_H_
#define OTGUARD_SRC_PLATFORM_LINUX_PROCESS_EVENTS_INTERNAL_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/process_events.h"
#include "platform/linux/proc_reader.h"

namespace otguard::platform::linux_internal {

// The most events one Next() returns; the rest wait in the kernel's buffer for the next call,
// so a burst never grows the agent's memory beyond this.
inline constexpr size_t kMaxEventsPerBatch = 4096;

// An eventfd that Stop() raises from any thread and every source polls beside its own
// descriptor, so a blocking Next() returns at once.
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  bool valid() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // Async-signal-safe (an atomic store and a write(2)).
  void Raise();
  bool raised() const { return raised_.load(std::memory_order_acquire); }

 private:
  int fd_;
  std::atomic<bool> raised_{false};
};

// Waits until `fd` is readable, the stop signal is raised, or `timeout` passes. True when `fd`
// is readable (and the stop signal is not raised); an error only when poll(2) fails.
Result<bool> WaitReadable(int fd, const StopSignal& stop, std::chrono::milliseconds timeout);

// Now, as ns since the Unix epoch (CLOCK_REALTIME).
int64_t RealtimeNs();

// Completes a start event of `event->pid` from /proc/<pid> (executable, command line, user,
// parent, start time), keeping what the event already has where /proc has nothing.
// `complete` becomes false when the process was gone before it could be read.
void FillFromProc(ProcessReader* reader, ProcessEvent* event);
// The same for a source whose event has the parent, user and start time already: only the
// executable and command line are read (half the system calls).
void FillImageFromProc(ProcessReader* reader, ProcessEvent* event);

// What changed between two process lists (proc-poll): `known` maps pid -> start time (ticks)
// of the previous list and becomes `now`'s (kernel threads left out). A pid whose start time
// changed was reused: its old process ended and a new one started. At most
// kMaxTrackedProcesses processes are kept.
inline constexpr size_t kMaxTrackedProcesses = 1 << 20;  // far beyond pid_max's default
struct ProcessListChange {
  std::vector<ProcessStamp> started;
  std::vector<uint32_t> ended;
};
ProcessListChange CompareProcessLists(const std::vector<ProcessStamp>& now,
                                      std::unordered_map<uint32_t, uint64_t>* known);
bool IsKernelThread(const ProcessStamp& stamp);

// A wait(2) status as a shell shows it: the exit status, or 128 + the signal that ended the
// process.
inline int DecodeWaitStatus(int status) {
  if ((status & 0x7f) == 0) return (status >> 8) & 0xff;
  return 128 + (status & 0x7f);
}

// Each source's opener. An error says why the source cannot run on this host (no privilege,
// no BTF, not built in ...); process_events.cc reports it in the probe and tries the next.
Result<std::unique_ptr<ProcessEventSource>> OpenEbpfSource(
    const ProcessEventSourceOptions& options);
Result<std::unique_ptr<ProcessEventSource>> OpenFanotifySource(
    const ProcessEventSourceOptions& options);
Result<std::unique_ptr<ProcessEventSource>> OpenProcConnectorSource(
    const ProcessEventSourceOptions& options);
Result<std::unique_ptr<ProcessEventSource>> OpenProcPollSource(
    const ProcessEventSourceOptions& options);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_PROCESS_EVENTS_INTERNAL_H_
