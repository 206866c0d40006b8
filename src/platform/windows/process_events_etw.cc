// The "etw" process-event source: the Microsoft-Windows-Kernel-Process provider
// ({22FB2CD6-0E7B-422B-A0C7-2FAD1FD0E716}, keyword WINEVENT_KEYWORD_PROCESS 0x10) in a
// user-mode real-time session "otguard-process" (Windows 7+; needs administrator or the
// Performance Log Users group). Event 1 (ProcessStart) carries the pid, the process's
// creation time, the parent pid and the image's NT path; event 2 (ProcessStop) the pid and
// the exit code. The start is then completed, as toolhelp-poll does, by opening the process
// for its DOS path, command line and user; a process already gone keeps the event's fields
// (complete = false).
//
// Payload layouts: see ParseKernelProcessEvent (process_events_internal.h).
//
// Every ETW function is looked up at run time: EnableTraceEx2 does not exist on XP, where this
// source then does not open (the NT Kernel Logger is not used) and the exe still loads. A
// session of the same name left by a crashed agent is stopped and started again.
#include <windows.h>

#include <evntcons.h>
#include <evntrace.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/windows/process_events_internal.h"
#include "platform/windows/processes_internal.h"
#include "platform/windows/win_util.h"

namespace otguard::platform::windows_internal {

namespace {

using StartTraceWFn = ULONG(WINAPI*)(PTRACEHANDLE, LPCWSTR, PEVENT_TRACE_PROPERTIES);
using ControlTraceWFn = ULONG(WINAPI*)(TRACEHANDLE, LPCWSTR, PEVENT_TRACE_PROPERTIES, ULONG);
using EnableTraceEx2Fn = ULONG(WINAPI*)(TRACEHANDLE, LPCGUID, ULONG, UCHAR, ULONGLONG, ULONGLONG,
                                        ULONG, PENABLE_TRACE_PARAMETERS);
using OpenTraceWFn = TRACEHANDLE(WINAPI*)(PEVENT_TRACE_LOGFILEW);
using ProcessTraceFn = ULONG(WINAPI*)(PTRACEHANDLE, ULONG, LPFILETIME, LPFILETIME);
using CloseTraceFn = ULONG(WINAPI*)(TRACEHANDLE);

struct EtwApi {
  StartTraceWFn start = nullptr;
  ControlTraceWFn control = nullptr;
  EnableTraceEx2Fn enable = nullptr;
  OpenTraceWFn open = nullptr;
  ProcessTraceFn process = nullptr;
  CloseTraceFn close = nullptr;

  bool complete() const { return start && control && enable && open && process && close; }
};

const EtwApi& Api() {
  static const EtwApi api = [] {
    EtwApi a;
    a.start = win::LoadSystemFunction<StartTraceWFn>(L"advapi32.dll", "StartTraceW");
    a.control = win::LoadSystemFunction<ControlTraceWFn>(L"advapi32.dll", "ControlTraceW");
    a.enable = win::LoadSystemFunction<EnableTraceEx2Fn>(L"advapi32.dll", "EnableTraceEx2");
    a.open = win::LoadSystemFunction<OpenTraceWFn>(L"advapi32.dll", "OpenTraceW");
    a.process = win::LoadSystemFunction<ProcessTraceFn>(L"advapi32.dll", "ProcessTrace");
    a.close = win::LoadSystemFunction<CloseTraceFn>(L"advapi32.dll", "CloseTrace");
    return a;
  }();
  return api;
}

constexpr GUID kKernelProcessProvider = {
    0x22fb2cd6, 0x0e7b, 0x422b, {0xa0, 0xc7, 0x2f, 0xad, 0x1f, 0xd0, 0xe7, 0x16}};
constexpr ULONGLONG kKeywordProcess = 0x10;  // WINEVENT_KEYWORD_PROCESS
constexpr wchar_t kSessionName[] = L"otguard-process";
constexpr size_t kMaxQueued = 1 << 16;  // events waiting for Next(); more are counted lost
// How long the probe waits for ProcessTrace to fail at once (as it does where ETW is absent).
constexpr DWORD kProbeWaitMs = 300;

// EVENT_TRACE_PROPERTIES followed by the session name, as StartTrace/ControlTrace want it.
struct Properties {
  std::vector<unsigned char> buf;

  Properties() : buf(sizeof(EVENT_TRACE_PROPERTIES) + sizeof kSessionName) {
    auto* p = get();
    p->Wnode.BufferSize = static_cast<ULONG>(buf.size());
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = 1;  // QueryPerformanceCounter time stamps
    p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
    p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
  }
  EVENT_TRACE_PROPERTIES* get() { return reinterpret_cast<EVENT_TRACE_PROPERTIES*>(buf.data()); }
};

class EtwSource final : public ProcessEventSource {
 public:
  explicit EtwSource(std::chrono::milliseconds interval) : interval_(interval) {
    InitializeCriticalSection(&lock_);
  }

  ~EtwSource() override {
    const EtwApi& api = Api();
    if (session_ != 0) {
      Properties props;
      api.control(session_, kSessionName, props.get(), EVENT_TRACE_CONTROL_STOP);
    }
    if (trace_ != INVALID_PROCESSTRACE_HANDLE) api.close(trace_);
    if (thread_.valid()) WaitForSingleObject(thread_.get(), 10'000);
    DeleteCriticalSection(&lock_);
  }

  Status Init() {
    const EtwApi& api = Api();
    if (!api.complete()) {
      return Unimplemented(
          "etw: EnableTraceEx2 or another ETW function is missing (before "
          "Windows 7)");
    }
    stop_.reset(CreateEventW(nullptr, TRUE, FALSE, nullptr));
    ready_.reset(CreateEventW(nullptr, FALSE, FALSE, nullptr));
    if (!stop_.valid() || !ready_.valid()) return win::LastErrorToStatus("etw: CreateEvent");
    Properties props;
    ULONG rc = api.start(&session_, kSessionName, props.get());
    if (rc == ERROR_ALREADY_EXISTS) {  // left by a crashed agent: stop it, start afresh
      Properties stale;
      api.control(0, kSessionName, stale.get(), EVENT_TRACE_CONTROL_STOP);
      props = Properties();
      rc = api.start(&session_, kSessionName, props.get());
    }
    if (rc != ERROR_SUCCESS) {
      session_ = 0;
      return win::WinErrorToStatus(rc, "etw: StartTrace \"otguard-process\"");
    }
    rc = api.enable(session_, &kKernelProcessProvider, EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                    TRACE_LEVEL_INFORMATION, kKeywordProcess, 0, 0, nullptr);
    if (rc != ERROR_SUCCESS) {
      return win::WinErrorToStatus(rc, "etw: EnableTraceEx2 Microsoft-Windows-Kernel-Process");
    }
    EVENT_TRACE_LOGFILEW log{};
    log.LoggerName = const_cast<LPWSTR>(kSessionName);
    log.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
    log.EventRecordCallback = &EtwSource::OnEvent;
    log.Context = this;
    trace_ = api.open(&log);
    if (trace_ == INVALID_PROCESSTRACE_HANDLE) return win::LastErrorToStatus("etw: OpenTrace");
    thread_.reset(CreateThread(nullptr, 0, &EtwSource::Run, this, 0, nullptr));
    if (!thread_.valid()) return win::LastErrorToStatus("etw: CreateThread");
    // ProcessTrace fails at once where real-time delivery does not work.
    if (WaitForSingleObject(thread_.get(), kProbeWaitMs) == WAIT_OBJECT_0) {
      ULONG result = trace_result_.load();
      return result == ERROR_SUCCESS ? Unimplemented("etw: ProcessTrace returned at once")
                                     : win::WinErrorToStatus(result, "etw: ProcessTrace");
    }
    return Status();
  }

  const char* name() const override { return "etw"; }
  // Events ETW dropped (session buffers full, the real-time consumer too slow) plus those
  // dropped here (queue full, payload too short).
  uint64_t lost_events() const override { return lost_.load() + session_lost_; }
  void Stop() override { SetEvent(stop_.get()); }

  Result<std::vector<ProcessEvent>> Next() override {
    std::vector<ProcessEvent> events;
    HANDLE handles[] = {stop_.get(), ready_.get(), thread_.get()};
    DWORD timeout = static_cast<DWORD>(interval_.count());
    DWORD waited = WaitForMultipleObjects(3, handles, FALSE, timeout);
    if (waited == WAIT_OBJECT_0) return events;
    if (waited == WAIT_FAILED) return Unexpected(win::LastErrorToStatus("etw: wait"));
    QuerySessionLosses();
    EnterCriticalSection(&lock_);
    events.swap(queue_);
    LeaveCriticalSection(&lock_);
    if (events.empty() && waited == WAIT_OBJECT_0 + 2) {  // the session ended under us
      ULONG result = trace_result_.load();
      if (result == ERROR_SUCCESS) {
        return Unexpected(Aborted("etw: the session \"otguard-process\" was stopped"));
      }
      return Unexpected(win::WinErrorToStatus(result, "etw: the session ended"));
    }
    for (ProcessEvent& e : events) {
      if (e.kind != ProcessEventKind::kStart) continue;
      ProcessInfo info;
      info.pid = e.pid;
      info.start_time_ns = e.start_time_ns;
      if (processes_internal::FillDetails(&info) && !info.executable.empty()) {
        e.executable = std::move(info.executable);
        e.command_line = std::move(info.command_line);
        e.user = std::move(info.user);
        e.complete = true;
      } else if (!e.executable.empty()) {
        e.executable = processes_internal::DosImagePath(e.executable);  // gone: the event's
      }
    }
    return events;
  }

 private:
  // At most once per interval: the session's own counters of dropped events and buffers.
  void QuerySessionLosses() {
    auto now = std::chrono::steady_clock::now();
    if (now < next_query_) return;
    next_query_ = now + interval_;
    Properties props;
    if (Api().control(session_, kSessionName, props.get(), EVENT_TRACE_CONTROL_QUERY) ==
        ERROR_SUCCESS) {
      session_lost_ =
          static_cast<uint64_t>(props.get()->EventsLost) + props.get()->RealTimeBuffersLost;
    }
  }

  static DWORD WINAPI Run(void* self) {
    auto* source = static_cast<EtwSource*>(self);
    source->trace_result_.store(Api().process(&source->trace_, 1, nullptr, nullptr));
    return 0;
  }

  static void WINAPI OnEvent(PEVENT_RECORD record) {
    auto* source = static_cast<EtwSource*>(record->UserContext);
    if (source == nullptr || !IsEqualGUID(record->EventHeader.ProviderId, kKernelProcessProvider)) {
      return;
    }
    USHORT id = record->EventHeader.EventDescriptor.Id;
    if (id != 1 && id != 2) return;  // threads, images...: not asked for, not reported
    std::optional<ProcessEvent> parsed = ParseKernelProcessEvent(
        id, record->EventHeader.EventDescriptor.Version,
        static_cast<const unsigned char*>(record->UserData), record->UserDataLength);
    if (!parsed) {
      ++source->lost_;  // a payload shorter than its layout
      return;
    }
    ProcessEvent e = std::move(*parsed);
    e.time_ns = RealtimeNs();
    EnterCriticalSection(&source->lock_);
    if (source->queue_.size() < kMaxQueued) {
      source->queue_.push_back(std::move(e));
    } else {
      ++source->lost_;
    }
    LeaveCriticalSection(&source->lock_);
    SetEvent(source->ready_.get());
  }

  std::chrono::milliseconds interval_;
  win::UniqueHandle stop_;
  win::UniqueHandle ready_;
  win::UniqueHandle thread_;
  TRACEHANDLE session_ = 0;
  TRACEHANDLE trace_ = INVALID_PROCESSTRACE_HANDLE;
  std::atomic<ULONG> trace_result_{ERROR_SUCCESS};
  CRITICAL_SECTION lock_;
  std::vector<ProcessEvent> queue_;  // guarded by lock_
  uint64_t session_lost_ = 0;        // from the session's counters, by Next()
  std::chrono::steady_clock::time_point next_query_;
  std::atomic<uint64_t> lost_{0};  // written by the trace thread only
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenEtwSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<EtwSource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace otguard::platform::windows_internal
