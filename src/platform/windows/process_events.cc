// Windows implementation of otguard/platform/process_events.h: the probe that picks the best
// source this host allows, and the last resort, "toolhelp-poll" ("etw" is in
// process_events_etw.cc).
//
// toolhelp-poll takes a ToolHelp32 snapshot every poll interval (processes.cc's listing,
// with each process's start time but without its details) and compares it with the previous
// one: a new process is a start, a process gone is an exit. The start time tells a reused pid
// from the process that had it before. Only a new process is opened for its image path,
// command line and user. A process that starts and ends between two snapshots is never seen;
// one that ends right after its snapshot may be gone before it is opened (complete = false).
#include <windows.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "otguard/platform/process_events.h"
#include "platform/process_event_sources.h"
#include "platform/windows/process_events_internal.h"
#include "platform/windows/processes_internal.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace windows_internal {

int64_t RealtimeNs() {
  FILETIME now;
  GetSystemTimeAsFileTime(&now);
  return win::FileTimeToUnixNs(now);
}

namespace {

bool SameProcess(const KnownProcess& before, const ProcessInfo& now) {
  if (before.start_time_ns != 0 && now.start_time_ns != 0) {
    return before.start_time_ns == now.start_time_ns;
  }
  return before.ppid == now.ppid && before.name == now.name;
}

}  // namespace

SnapshotChange CompareSnapshots(std::vector<ProcessInfo> now,
                                std::unordered_map<uint32_t, KnownProcess>* known) {
  SnapshotChange change;
  std::unordered_map<uint32_t, KnownProcess> current;
  current.reserve(now.size());
  for (ProcessInfo& p : now) {
    if (current.size() >= kMaxTrackedProcesses) break;
    if (p.pid == 0) continue;  // Idle: not a process that runs a program
    if (!current.emplace(p.pid, KnownProcess{p.start_time_ns, p.ppid, p.name}).second) continue;
    auto it = known->find(p.pid);
    if (it != known->end() && SameProcess(it->second, p)) continue;
    if (it != known->end()) change.ended.push_back(p.pid);  // the pid was reused
    change.started.push_back(std::move(p));
  }
  for (const auto& [pid, process] : *known) {
    if (!current.contains(pid)) change.ended.push_back(pid);
  }
  *known = std::move(current);
  return change;
}

namespace {

class ToolhelpPollSource final : public ProcessEventSource {
 public:
  explicit ToolhelpPollSource(std::chrono::milliseconds interval) : interval_(interval) {}

  Status Init() {
    // Manual reset: once raised, every later Next() returns at once too.
    stop_.reset(CreateEventW(nullptr, TRUE, FALSE, nullptr));
    if (!stop_.valid()) return win::LastErrorToStatus("process events: CreateEvent");
    Result<std::vector<ProcessInfo>> list = processes_internal::List(false);
    if (!list.has_value()) return list.error().WithContext("process events: toolhelp-poll");
    CompareSnapshots(std::move(*list), &known_);
    next_scan_ = std::chrono::steady_clock::now() + interval_;
    return Status();
  }

  const char* name() const override { return "toolhelp-poll"; }
  uint64_t lost_events() const override { return 0; }
  void Stop() override { SetEvent(stop_.get()); }

  Result<std::vector<ProcessEvent>> Next() override {
    std::vector<ProcessEvent> events;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        next_scan_ - std::chrono::steady_clock::now());
    DWORD timeout = static_cast<DWORD>(std::clamp<int64_t>(wait.count(), 0, 0x7fffffff));
    DWORD waited = WaitForSingleObject(stop_.get(), timeout);
    if (waited == WAIT_OBJECT_0) return events;  // stopped
    if (waited == WAIT_FAILED) {
      return Unexpected(win::LastErrorToStatus("process events: WaitForSingleObject"));
    }
    next_scan_ = std::chrono::steady_clock::now() + interval_;
    Result<std::vector<ProcessInfo>> list = processes_internal::List(false);
    if (!list.has_value()) return Unexpected(list.error().WithContext("process events"));
    int64_t now = RealtimeNs();
    SnapshotChange change = CompareSnapshots(std::move(*list), &known_);
    for (uint32_t pid : change.ended) {
      ProcessEvent exit;
      exit.kind = ProcessEventKind::kExit;
      exit.pid = pid;
      exit.time_ns = now;
      exit.complete = false;  // neither its exit code nor when exactly it ended is known
      events.push_back(std::move(exit));
    }
    for (ProcessInfo& p : change.started) {
      ProcessEvent start;
      start.pid = p.pid;
      start.ppid = p.ppid;
      start.time_ns = now;
      // Gone or reused since the snapshot, or not ours to open: what the snapshot had.
      start.complete = processes_internal::FillDetails(&p) && !p.executable.empty();
      start.start_time_ns = p.start_time_ns;
      start.executable = std::move(p.executable);
      start.command_line = std::move(p.command_line);
      start.user = std::move(p.user);
      events.push_back(std::move(start));
    }
    return events;
  }

 private:
  std::chrono::milliseconds interval_;
  win::UniqueHandle stop_;
  std::unordered_map<uint32_t, KnownProcess> known_;
  std::chrono::steady_clock::time_point next_scan_;
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenToolhelpPollSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<ToolhelpPollSource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace windows_internal

namespace {

// Best first: the kernel's own events (7+; the NT Kernel Logger on XP, where it is free)
// before polling.
constexpr internal::SourceEntry kSources[] = {
    {"etw", windows_internal::OpenEtwSource},
    {"kernel-logger", windows_internal::OpenKernelLoggerSource},
    {"toolhelp-poll", windows_internal::OpenToolhelpPollSource},
};

}  // namespace

std::vector<std::string> ProcessEventSourceNames() { return internal::SourceNames(kSources); }

Result<std::unique_ptr<ProcessEventSource>> OpenProcessEventSource(
    const ProcessEventSourceOptions& options, std::vector<SourceProbe>* probes) {
  return internal::OpenFirstSource(kSources, "Windows", options, probes);
}

}  // namespace otguard::platform
