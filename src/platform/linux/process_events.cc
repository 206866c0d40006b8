// Linux implementation of otguard/platform/process_events.h: the probe that picks the best
// source this host allows, what the sources share, and the last resort, "proc-poll".
//
// proc-poll lists /proc every poll interval and compares the (pid, start time) pairs with the
// previous list: a new pair is a start, a pair gone is an exit. The start time tells a reused
// pid from the process that had it before. A process that starts and ends between two lists is
// never seen; one that execs without forking keeps its pid and start time and is not reported
// again (the event sources report each exec), and a fork that never execs is reported as a
// start of its parent's program (the event sources report execs only). Kernel threads are left
// out.
#include "otguard/platform/process_events.h"
#include "platform/process_event_sources.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <ctime>
#include <unordered_map>
#include <utility>

#include "platform/linux/proc_reader.h"
#include "platform/linux/process_events_internal.h"

namespace otguard::platform {
namespace linux_internal {

StopSignal::StopSignal() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

StopSignal::~StopSignal() {
  if (fd_ >= 0) close(fd_);
}

void StopSignal::Raise() {
  raised_.store(true, std::memory_order_release);
  uint64_t one = 1;
  // EAGAIN (the counter is full) still leaves it raised.
  [[maybe_unused]] ssize_t n = write(fd_, &one, sizeof one);
}

Result<bool> WaitReadable(int fd, const StopSignal& stop, std::chrono::milliseconds timeout) {
  pollfd fds[2] = {{stop.fd(), POLLIN, 0}, {fd, POLLIN, 0}};
  int nfds = fd >= 0 ? 2 : 1;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    int n = poll(fds, nfds, static_cast<int>(std::max<int64_t>(0, left.count())));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unexpected(ErrnoToStatus(errno, "poll"));
    if (fds[0].revents != 0) return false;
    return n > 0 && nfds == 2 && fds[1].revents != 0;
  }
}

int64_t RealtimeNs() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

namespace {

void Complete(std::optional<ProcessInfo> info, ProcessEvent* event) {
  if (!info) {
    event->complete = false;
    return;
  }
  if (event->ppid == 0) event->ppid = info->ppid;
  if (event->start_time_ns == 0) event->start_time_ns = info->start_time_ns;
  if (event->user.empty()) event->user = std::move(info->user);
  // A zombie (a process that has ended but is not yet reaped) has no executable and no
  // command line any more: read too late, like a process that is gone.
  if (info->executable.empty()) {
    event->complete = false;
    return;
  }
  event->executable = std::move(info->executable);
  event->command_line = std::move(info->command_line);
}

}  // namespace

void FillFromProc(ProcessReader* reader, ProcessEvent* event) {
  Complete(reader->Read(event->pid), event);
}

void FillImageFromProc(ProcessReader* reader, ProcessEvent* event) {
  Complete(reader->ReadImage(event->pid), event);
}

// Kernel threads run no program: the event sources never report them either. (Not "pid 2 and
// its children": in a pid namespace of its own, pid 2 is an ordinary process.)
bool IsKernelThread(const ProcessStamp& s) { return s.kernel_thread; }

ProcessListChange CompareProcessLists(const std::vector<ProcessStamp>& now,
                                      std::unordered_map<uint32_t, uint64_t>* known) {
  ProcessListChange change;
  std::unordered_map<uint32_t, uint64_t> current;
  current.reserve(now.size());
  for (const ProcessStamp& s : now) {
    if (current.size() >= kMaxTrackedProcesses) break;
    if (IsKernelThread(s) || !current.emplace(s.pid, s.start_ticks).second) continue;
    auto it = known->find(s.pid);
    if (it != known->end() && it->second == s.start_ticks) continue;
    if (it != known->end()) change.ended.push_back(s.pid);  // the pid was reused
    change.started.push_back(s);
  }
  for (const auto& [pid, ticks] : *known) {
    if (!current.contains(pid)) change.ended.push_back(pid);
  }
  *known = std::move(current);
  return change;
}

namespace {

class ProcPollSource final : public ProcessEventSource {
 public:
  explicit ProcPollSource(std::chrono::milliseconds interval) : interval_(interval) {}

  Status Init() {
    if (!stop_.valid()) return ErrnoToStatus(errno, "eventfd");
    OTGUARD_RETURN_IF_ERROR(ListProcessStamps(&stamps_));
    for (const ProcessStamp& s : stamps_) {
      if (!IsKernelThread(s)) known_.emplace(s.pid, s.start_ticks);
    }
    next_scan_ = std::chrono::steady_clock::now() + interval_;
    return Status();
  }

  const char* name() const override { return "proc-poll"; }
  uint64_t lost_events() const override { return 0; }
  void Stop() override { stop_.Raise(); }

  Result<std::vector<ProcessEvent>> Next() override {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_scan_ - std::chrono::steady_clock::now());
    if (wait.count() > 0) {
      OTGUARD_RETURN_IF_ERROR(WaitReadable(-1, stop_, wait));
    }
    std::vector<ProcessEvent> events;
    if (stop_.raised()) return events;
    next_scan_ = std::chrono::steady_clock::now() + interval_;
    OTGUARD_RETURN_IF_ERROR(ListProcessStamps(&stamps_));
    Diff(&events);
    return events;
  }

 private:
  void Diff(std::vector<ProcessEvent>* events) {
    int64_t now = RealtimeNs();
    ProcessListChange change = CompareProcessLists(stamps_, &known_);
    for (uint32_t pid : change.ended) events->push_back(ExitEvent(pid, now));
    for (const ProcessStamp& s : change.started) {
      ProcessEvent start;
      start.pid = s.pid;
      start.ppid = s.ppid;
      start.time_ns = now;
      start.start_time_ns = reader_.TicksToEpochNs(s.start_ticks);
      FillFromProc(&reader_, &start);
      events->push_back(std::move(start));
    }
  }

  static ProcessEvent ExitEvent(uint32_t pid, int64_t now) {
    ProcessEvent exit;
    exit.kind = ProcessEventKind::kExit;
    exit.pid = pid;
    exit.time_ns = now;
    exit.complete = false;  // neither its exit code nor when exactly it ended is known
    return exit;
  }

  std::chrono::milliseconds interval_;
  StopSignal stop_;
  ProcessReader reader_;
  std::vector<ProcessStamp> stamps_;
  std::unordered_map<uint32_t, uint64_t> known_;  // pid -> start ticks
  std::chrono::steady_clock::time_point next_scan_;
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenProcPollSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<ProcPollSource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace linux_internal

namespace {

// Best first: the kernel's own events before polling; eBPF gives the parent and the exec'd
// path in the event itself, fanotify the exact file, the proc connector only a pid.
constexpr internal::SourceEntry kSources[] = {
    {"ebpf", linux_internal::OpenEbpfSource},
    {"fanotify", linux_internal::OpenFanotifySource},
    {"proc-connector", linux_internal::OpenProcConnectorSource},
    {"proc-poll", linux_internal::OpenProcPollSource},
};

}  // namespace

std::vector<std::string> ProcessEventSourceNames() { return internal::SourceNames(kSources); }

Result<std::unique_ptr<ProcessEventSource>> OpenProcessEventSource(
    const ProcessEventSourceOptions& options, std::vector<SourceProbe>* probes) {
  return internal::OpenFirstSource(kSources, "Linux", options, probes);
}

}  // namespace otguard::platform
