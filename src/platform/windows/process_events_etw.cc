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
// source then does not open and the exe still loads. A session of the same name left by a
// crashed agent is stopped and started again.
//
// The "kernel-logger" source (XP and 2003, or wherever "etw" does not open): the NT Kernel
// Logger session with EVENT_TRACE_FLAG_PROCESS, read in real time through the XP-era
// EventCallback. Its Process events (MOF class Process, type 1 Start, 2 End) carry the pid, the
// parent, the image's base name and (Vista+) the command line: ParseKernelLoggerProcessEvent.
// There is one NT Kernel Logger per machine: when another tool (xperf, Process Monitor, a
// crashed agent) holds it, this source does not open and never takes it over; "toolhelp-poll"
// is used instead.
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
  bool enough_for_kernel_logger() const { return start && control && open && process && close; }
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
// The NT Kernel Logger: its session's control GUID (SystemTraceControlGuid) and the class of
// its Process events (ProcessGuid), from evntrace.h's documented values.
constexpr wchar_t kKernelLoggerName[] = L"NT Kernel Logger";  // KERNEL_LOGGER_NAMEW
constexpr GUID kSystemTraceControlGuid = {
    0x9e814aad, 0x3204, 0x11d2, {0x9a, 0x82, 0x00, 0x60, 0x08, 0xa8, 0x69, 0x39}};
constexpr GUID kProcessClassGuid = {
    0x3d6fa8d0, 0xfe05, 0x11d0, {0x9d, 0xda, 0x00, 0xc0, 0x4f, 0xd7, 0xba, 0x7c}};
constexpr ULONG kFlagProcess = 0x00000001;  // EVENT_TRACE_FLAG_PROCESS

enum class Session { kKernelProcess, kKernelLogger };
constexpr size_t kMaxQueued = 1 << 16;  // events waiting for Next(); more are counted lost
// How long the probe waits for ProcessTrace to fail at once (as it does where ETW is absent).
constexpr DWORD kProbeWaitMs = 300;

const wchar_t* SessionName(Session session) {
  return session == Session::kKernelLogger ? kKernelLoggerName : kSessionName;
}

// EVENT_TRACE_PROPERTIES followed by room for the session name, as StartTrace/ControlTrace
// want it.
struct Properties {
  std::vector<unsigned char> buf;

  explicit Properties(Session session)
      : buf(sizeof(EVENT_TRACE_PROPERTIES) + sizeof kKernelLoggerName + sizeof kSessionName) {
    auto* p = get();
    p->Wnode.BufferSize = static_cast<ULONG>(buf.size());
    p->Wnode.Flags = WNODE_FLAG_TRACED_GUID;
    p->Wnode.ClientContext = 1;  // QueryPerformanceCounter time stamps
    p->LogFileMode = EVENT_TRACE_REAL_TIME_MODE;
    p->LoggerNameOffset = sizeof(EVENT_TRACE_PROPERTIES);
    if (session == Session::kKernelLogger) {
      p->Wnode.Guid = kSystemTraceControlGuid;
      p->EnableFlags = kFlagProcess;
    }
  }
  EVENT_TRACE_PROPERTIES* get() { return reinterpret_cast<EVENT_TRACE_PROPERTIES*>(buf.data()); }
};

class EtwSource;
// The kernel logger's EventCallback has no context argument: the one source reading it (there
// is one NT Kernel Logger per machine).
std::atomic<EtwSource*> g_kernel_logger_source{nullptr};

class EtwSource final : public ProcessEventSource {
 public:
  EtwSource(Session session, std::chrono::milliseconds interval)
      : session_kind_(session), interval_(interval) {
    InitializeCriticalSection(&lock_);
  }

  ~EtwSource() override {
    const EtwApi& api = Api();
    if (session_ != 0) {  // only a session this source started
      Properties props(session_kind_);
      api.control(session_, SessionName(session_kind_), props.get(), EVENT_TRACE_CONTROL_STOP);
    }
    if (trace_ != INVALID_PROCESSTRACE_HANDLE) api.close(trace_);
    if (thread_.valid()) WaitForSingleObject(thread_.get(), 10'000);
    EtwSource* self = this;
    g_kernel_logger_source.compare_exchange_strong(self, nullptr);
    DeleteCriticalSection(&lock_);
  }

  Status Init() {
    const EtwApi& api = Api();
    const bool logger = session_kind_ == Session::kKernelLogger;
    const std::string what = logger ? "kernel-logger" : "etw";
    if (logger ? !api.enough_for_kernel_logger() : !api.complete()) {
      return Unimplemented(what + ": " + (logger ? "StartTraceW" : "EnableTraceEx2") +
                           " or another ETW function is missing" +
                           (logger ? "" : " (before Windows 7)"));
    }
    if (logger) {
      EtwSource* none = nullptr;
      if (!g_kernel_logger_source.compare_exchange_strong(none, this)) {
        return AlreadyExists("kernel-logger: this process already reads the NT Kernel Logger");
      }
    }
    stop_.reset(CreateEventW(nullptr, TRUE, FALSE, nullptr));
    ready_.reset(CreateEventW(nullptr, FALSE, FALSE, nullptr));
    if (!stop_.valid() || !ready_.valid()) {
      return win::LastErrorToStatus(what + ": CreateEvent");
    }
    const wchar_t* name = SessionName(session_kind_);
    Properties props(session_kind_);
    ULONG rc = api.start(&session_, name, props.get());
    if (rc == ERROR_ALREADY_EXISTS && logger) {
      session_ = 0;  // someone else's: never stopped here
      return FailedPrecondition(
          "kernel-logger: the NT Kernel Logger is in use by another tool (xperf, Process "
          "Monitor, or an agent that crashed; `logman stop \"NT Kernel Logger\" -ets` frees "
          "it)");
    }
    if (rc == ERROR_ALREADY_EXISTS) {  // left by a crashed agent: stop it, start afresh
      Properties stale(session_kind_);
      api.control(0, name, stale.get(), EVENT_TRACE_CONTROL_STOP);
      props = Properties(session_kind_);
      rc = api.start(&session_, name, props.get());
    }
    if (rc != ERROR_SUCCESS) {
      session_ = 0;
      return win::WinErrorToStatus(rc, what + ": StartTrace \"" + win::WideToUtf8(name) + "\"");
    }
    if (!logger) {
      rc = api.enable(session_, &kKernelProcessProvider, EVENT_CONTROL_CODE_ENABLE_PROVIDER,
                      TRACE_LEVEL_INFORMATION, kKeywordProcess, 0, 0, nullptr);
      if (rc != ERROR_SUCCESS) {
        return win::WinErrorToStatus(rc, "etw: EnableTraceEx2 Microsoft-Windows-Kernel-Process");
      }
    }
    EVENT_TRACE_LOGFILEW log{};
    log.LoggerName = const_cast<LPWSTR>(name);
    if (logger) {
      log.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME;  // EventCallback: XP has no other
      log.EventCallback = &EtwSource::OnKernelLoggerEvent;
    } else {
      log.ProcessTraceMode = PROCESS_TRACE_MODE_REAL_TIME | PROCESS_TRACE_MODE_EVENT_RECORD;
      log.EventRecordCallback = &EtwSource::OnEvent;
      log.Context = this;
    }
    trace_ = api.open(&log);
    if (trace_ == INVALID_PROCESSTRACE_HANDLE) return win::LastErrorToStatus(what + ": OpenTrace");
    // The logging kernel's pointer size (8 for a 32-bit agent on 64-bit Windows).
    pointer_size_ = log.LogfileHeader.PointerSize == 4 || log.LogfileHeader.PointerSize == 8
                        ? log.LogfileHeader.PointerSize
                        : sizeof(void*);
    thread_.reset(CreateThread(nullptr, 0, &EtwSource::Run, this, 0, nullptr));
    if (!thread_.valid()) return win::LastErrorToStatus(what + ": CreateThread");
    // ProcessTrace fails at once where real-time delivery does not work.
    if (WaitForSingleObject(thread_.get(), kProbeWaitMs) == WAIT_OBJECT_0) {
      ULONG result = trace_result_.load();
      return result == ERROR_SUCCESS ? Unimplemented(what + ": ProcessTrace returned at once")
                                     : win::WinErrorToStatus(result, what + ": ProcessTrace");
    }
    return Status();
  }

  const char* name() const override {
    return session_kind_ == Session::kKernelLogger ? "kernel-logger" : "etw";
  }
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
    if (waited == WAIT_FAILED) {
      return Unexpected(win::LastErrorToStatus(std::string(name()) + ": wait"));
    }
    QuerySessionLosses();
    EnterCriticalSection(&lock_);
    events.swap(queue_);
    LeaveCriticalSection(&lock_);
    if (events.empty() && waited == WAIT_OBJECT_0 + 2) {  // the session ended under us
      ULONG result = trace_result_.load();
      const std::string session = win::WideToUtf8(SessionName(session_kind_));
      if (result == ERROR_SUCCESS) {
        return Unexpected(
            Aborted(std::string(name()) + ": the session \"" + session + "\" was stopped"));
      }
      return Unexpected(win::WinErrorToStatus(result, std::string(name()) + ": the session ended"));
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
    Properties props(session_kind_);
    if (Api().control(session_, SessionName(session_kind_), props.get(),
                      EVENT_TRACE_CONTROL_QUERY) == ERROR_SUCCESS) {
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
    source->Queue(std::move(*parsed));
  }

  // The NT Kernel Logger's events, MOF-style (XP's consumer interface).
  static void WINAPI OnKernelLoggerEvent(PEVENT_TRACE event) {
    EtwSource* source = g_kernel_logger_source.load();
    if (source == nullptr || event == nullptr ||
        !IsEqualGUID(event->Header.Guid, kProcessClassGuid)) {
      return;
    }
    UCHAR type = event->Header.Class.Type;
    if (type != 1 && type != 2) return;  // rundowns (3, 4) and others: not starts or ends
    std::optional<ProcessEvent> parsed = ParseKernelLoggerProcessEvent(
        type, static_cast<uint8_t>(event->Header.Class.Version), source->pointer_size_,
        static_cast<const unsigned char*>(event->MofData), event->MofLength);
    if (!parsed) {
      ++source->lost_;
      return;
    }
    source->Queue(std::move(*parsed));
  }

  // From the trace thread: one event for Next().
  void Queue(ProcessEvent e) {
    e.time_ns = RealtimeNs();
    EnterCriticalSection(&lock_);
    if (queue_.size() < kMaxQueued) {
      queue_.push_back(std::move(e));
    } else {
      ++lost_;
    }
    LeaveCriticalSection(&lock_);
    SetEvent(ready_.get());
  }

  const Session session_kind_;
  std::chrono::milliseconds interval_;
  size_t pointer_size_ = sizeof(void*);  // the logging kernel's, for kernel-logger payloads
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
  auto source = std::make_unique<EtwSource>(Session::kKernelProcess, options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

Result<std::unique_ptr<ProcessEventSource>> OpenKernelLoggerSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<EtwSource>(Session::kKernelLogger, options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace otguard::platform::windows_internal
