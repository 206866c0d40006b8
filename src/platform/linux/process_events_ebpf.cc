// The "ebpf" process-event source: the BPF program bpf/exec.bpf.c on the sched_process_exec
// and sched_process_exit raw tracepoints, loaded through libbpf from the object embedded in
// this binary at build time (a station needs no extra file), its events read from a ring
// buffer.
//
// The event itself carries pid, parent, effective uid, the path given to execve and the first
// KB of the arguments; the executable's full path and the whole command line are read from
// /proc/<pid> right after, and a process gone by then keeps what the event carried. Needs root
// (CAP_BPF and CAP_PERFMON) and a kernel with BTF (/sys/kernel/btf/vmlinux): the program is fitted
// to the running kernel by CO-RE at load time. A full ring buffer drops events in the kernel; they
// are counted in lost_events().
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "otguard_embedded/exec_bpf.inc"
#include "platform/linux/bpf/exec_event.h"
#include "platform/linux/proc_text.h"
#include "platform/linux/process_events_internal.h"

namespace otguard::platform::linux_internal {
namespace {

struct EmbeddedObject {
  const char* name;
  const unsigned char* data;
  size_t size;
};
constexpr EmbeddedObject kObjects[] = {OTGUARD_EMBEDDED_EXEC_BPF};

// The ring buffer: about 330 starts and their exits of a burst wait here for Next() (a power
// of two of pages).
constexpr uint32_t kRingBytes = 512 * 1024;

// libbpf's last warning, for the probe's status; libbpf's chatter is not printed (the agent's
// log gets the status instead). libbpf's print callback is process-wide.
std::mutex libbpf_message_mutex;
std::string libbpf_message;

int KeepLibbpfWarning(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  int n = std::vsnprintf(line, sizeof line, format, args);
  std::string text(line, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof line - 1) : 0);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  std::lock_guard<std::mutex> lock(libbpf_message_mutex);
  libbpf_message = std::move(text);
  return 0;
}

std::string TakeLibbpfWarning() {
  std::lock_guard<std::mutex> lock(libbpf_message_mutex);
  std::string_view text = libbpf_message;
  if (text.starts_with("libbpf: ")) text.remove_prefix(8);
  std::string detail = text.empty() ? "" : " (libbpf: " + std::string(text) + ")";
  libbpf_message.clear();
  return detail;
}

Status LibbpfError(int err, const std::string& what) {
  err = err < 0 ? -err : err;
  std::string detail = TakeLibbpfWarning();
  if (err == EPERM || err == EACCES) {
    return PermissionDenied("ebpf: " + what + ": not permitted (needs root, or CAP_BPF and " +
                            "CAP_PERFMON in the host's namespace)" + detail);
  }
  return FailedPrecondition("ebpf: " + what + ": " + std::strerror(err) + detail);
}

int64_t ClockNs(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

class EbpfSource final : public ProcessEventSource {
 public:
  explicit EbpfSource(std::chrono::milliseconds interval) : interval_(interval) {}
  ~EbpfSource() override {
    if (ring_ != nullptr) ring_buffer__free(ring_);
    for (bpf_link* link : links_) bpf_link__destroy(link);
    if (object_ != nullptr) bpf_object__close(object_);
  }

  Status Init() {
    if (!stop_.valid()) return ErrnoToStatus(errno, "eventfd");
    // The program reports the kernel's pids, those of the host's pid namespace: inside another
    // one (a container's) they would not match /proc. The host's namespace has a fixed inode
    // number (the kernel's PROC_PID_INIT_INO).
    char ns[64] = {};
    if (readlink("/proc/self/ns/pid", ns, sizeof ns - 1) > 0 &&
        std::strcmp(ns, "pid:[4026531836]") != 0) {
      return FailedPrecondition(
          "ebpf: this process runs in a pid namespace of its own (a container): the kernel's "
          "pids would not be this namespace's");
    }
    if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
      return FailedPrecondition(
          "ebpf: the kernel has no BTF (/sys/kernel/btf/vmlinux): the program cannot be fitted "
          "to it (a kernel built without CONFIG_DEBUG_INFO_BTF)");
    }
    static std::once_flag print_once;
    std::call_once(print_once, [] { libbpf_set_print(KeepLibbpfWarning); });
    TakeLibbpfWarning();
    LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = "otguard_exec");
    object_ = bpf_object__open_mem(kObjects[0].data, kObjects[0].size, &opts);
    if (object_ == nullptr) return LibbpfError(errno, "open the embedded BPF object");
    bpf_map* ring = bpf_object__find_map_by_name(object_, "events");
    lost_map_ = bpf_object__find_map_by_name(object_, "lost");
    if (ring == nullptr || lost_map_ == nullptr) {
      return Internal("ebpf: the BPF object lacks its maps");
    }
    if (int err = bpf_map__set_max_entries(ring, kRingBytes); err != 0) {
      return LibbpfError(err, "size the ring buffer");
    }
    if (int err = bpf_object__load(object_); err != 0) {
      return LibbpfError(err, "load the BPF programs");
    }
    bpf_program* program;
    bpf_object__for_each_program(program, object_) {
      bpf_link* link = bpf_program__attach(program);
      if (link == nullptr) {
        return LibbpfError(errno, std::string("attach ") + bpf_program__name(program));
      }
      links_.push_back(link);
    }
    ring_ = ring_buffer__new(bpf_map__fd(ring), &EbpfSource::OnRecord, this, nullptr);
    if (ring_ == nullptr) return LibbpfError(errno, "open the ring buffer");
    return Status();
  }

  const char* name() const override { return "ebpf"; }
  void Stop() override { stop_.Raise(); }

  uint64_t lost_events() const override {
    int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) return 0;
    std::vector<uint64_t> values(static_cast<size_t>(cpus));
    uint32_t key = 0;
    if (bpf_map_lookup_elem(bpf_map__fd(lost_map_), &key, values.data()) != 0) return 0;
    uint64_t total = 0;
    for (uint64_t v : values) total += v;
    return total;
  }

  Result<std::vector<ProcessEvent>> Next() override {
    batch_.clear();
    OTGUARD_ASSIGN_OR_RETURN(bool readable,
                             WaitReadable(ring_buffer__epoll_fd(ring_), stop_, interval_));
    if (!readable) return std::move(batch_);
    boot_to_epoch_ns_ = ClockNs(CLOCK_REALTIME) - ClockNs(CLOCK_BOOTTIME);
    int n = ring_buffer__consume(ring_);
    // Add() ends the consume with -ENOSPC when the batch is full: the rest waits in the ring.
    if (n < 0 && n != -EINTR && n != -ENOSPC) {
      return Unexpected(ErrnoToStatus(-n, "ebpf: read the ring buffer"));
    }
    return std::move(batch_);
  }

 private:
  static int OnRecord(void* self, void* data, size_t size) {
    return static_cast<EbpfSource*>(self)->Add(data, size);
  }

  int Add(const void* data, size_t size) {
    otguard_exec_header header;
    if (size < sizeof header) return 0;
    std::memcpy(&header, data, sizeof header);
    ProcessEvent out;
    out.pid = header.pid;
    out.ppid = header.ppid;
    out.time_ns = static_cast<int64_t>(header.time_boot_ns) + boot_to_epoch_ns_;
    out.start_time_ns = static_cast<int64_t>(header.start_boot_ns) + boot_to_epoch_ns_;
    out.user = reader_.UserName(header.uid);
    if (header.kind == OTGUARD_EXEC_EXIT && size >= sizeof(otguard_exit_record)) {
      otguard_exit_record e;
      std::memcpy(&e, data, sizeof e);
      out.kind = ProcessEventKind::kExit;
      out.exit_code = DecodeWaitStatus(e.exit_code);
    } else if (header.kind == OTGUARD_EXEC_START && size >= sizeof(otguard_exec_record)) {
      std::memcpy(&exec_, data, sizeof exec_);
      AddStart(&out);
    } else {
      return 0;
    }
    batch_.push_back(std::move(out));
    // libbpf ends a consume on a negative return (the record itself counts as read).
    return batch_.size() >= kMaxEventsPerBatch ? -ENOSPC : 0;
  }

  void AddStart(ProcessEvent* out) {
    exec_.filename[sizeof exec_.filename - 1] = '\0';
    out->executable = exec_.filename;
    FillImageFromProc(&reader_, out);
    if (out->complete) return;
    // Gone already (or a zombie): what the kernel recorded at the exec is what there is. The
    // execve path, resolved as /proc/<pid>/exe would have shown it when it is absolute, and
    // the arguments read in the kernel (at most 1 KB). Complete when both are whole.
    char resolved[PATH_MAX];
    bool absolute =
        out->executable.starts_with("/") && realpath(out->executable.c_str(), resolved) != nullptr;
    if (absolute) out->executable = resolved;
    size_t args = std::min<size_t>(exec_.args_len, sizeof exec_.args);
    if (args > 0) {
      out->command_line = JoinCommandLine(std::string_view(exec_.args, args));
    }
    out->complete = absolute && args > 0 && exec_.args_truncated == 0;
  }

  std::chrono::milliseconds interval_;
  StopSignal stop_;
  ProcessReader reader_;
  bpf_object* object_ = nullptr;
  bpf_map* lost_map_ = nullptr;
  std::vector<bpf_link*> links_;
  ring_buffer* ring_ = nullptr;
  std::vector<ProcessEvent> batch_;
  otguard_exec_record exec_;  // the record being read (1.5 KB: not on the stack)
  int64_t boot_to_epoch_ns_ = 0;
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenEbpfSource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<EbpfSource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace otguard::platform::linux_internal
