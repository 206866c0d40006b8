// The "fanotify" process-event source: FAN_OPEN_EXEC notifications (never permission events:
// those make the kernel wait for this process, and a stalled agent would stall the host) on
// every mount of a real file system. Needs CAP_SYS_ADMIN in the host's namespaces.
//
// What it sees is a file opened for execution: the pid that opened it and the file itself (the
// event's descriptor, read back as a path and closed at once), so the path is exact even when
// the process ends at once. It is not a process start: an exec opens the program, then its ELF
// interpreter (ld.so), and a script opens the script and then its interpreter. The ELF
// interpreter the program names (PT_INTERP), opened right after it by the same pid, is left
// out; a script gives two starts of one pid (the script, then the interpreter). Parent, user
// and command line are read from /proc/<pid> (complete = false when the process is gone).
// There are no exit events.
//
// Marked: every mount but the kernel's own file systems (proc, sysfs, cgroup ...) and those
// mounted noexec (exec_text.h); a mount made after the source opened is not marked.
#include <fcntl.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_map>
#include <utility>

#include "platform/linux/exec_text.h"
#include "platform/linux/process_events_internal.h"

namespace otguard::platform::linux_internal {
namespace {

std::vector<std::string> ExecMountPoints() {
  std::ifstream in("/proc/self/mountinfo");
  std::stringstream text;
  text << in.rdbuf();
  return ParseExecMountPoints(text.str());
}

// What kind of file an exec opened, from its first 4 KB (pread: the exec's own file offset is
// left alone).
ExecFile Classify(int fd) {
  char head[4096];
  ssize_t n = pread(fd, head, sizeof head, 0);
  return ClassifyExecFile(std::string_view(head, n > 0 ? static_cast<size_t>(n) : 0));
}

// The interpreter's path as the kernel resolves it (readlink of the event's descriptor gives
// the resolved path); the interpreter itself when it cannot be resolved.
std::string Resolve(const std::string& path) {
  // A host has few interpreters; the cache spares a realpath per exec.
  static thread_local std::unordered_map<std::string, std::string> cache;
  auto it = cache.find(path);
  if (it != cache.end()) return it->second;
  if (cache.size() >= 64) cache.clear();
  char resolved[PATH_MAX];
  std::string out = realpath(path.c_str(), resolved) != nullptr ? std::string(resolved) : path;
  cache.emplace(path, out);
  return out;
}

std::string FdPath(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  std::string buf(4096, '\0');
  ssize_t n = readlink(link, buf.data(), buf.size());
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

class FanotifySource final : public ProcessEventSource {
 public:
  explicit FanotifySource(std::chrono::milliseconds interval) : interval_(interval) {}
  ~FanotifySource() override {
    if (fd_ >= 0) close(fd_);  // closing the group removes its marks
  }

  Status Init() {
    if (!stop_.valid()) return ErrnoToStatus(errno, "eventfd");
    fd_ = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                        O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NOATIME);
    if (fd_ < 0 && errno == EPERM) {
      // O_NOATIME needs the file's owner or CAP_FOWNER.
      fd_ = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK,
                          O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    }
    if (fd_ < 0) return ErrnoToStatus(errno, "fanotify_init");
    int marked = 0;
    std::string first_error;
    for (const std::string& point : ExecMountPoints()) {
      if (fanotify_mark(fd_, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC, AT_FDCWD,
                        point.c_str()) == 0) {
        ++marked;
      } else if (first_error.empty()) {
        first_error = ErrnoToStatus(errno, "fanotify_mark " + point).ToString();
      }
    }
    if (marked == 0) {
      return FailedPrecondition("fanotify: no mount could be marked" +
                                (first_error.empty() ? "" : " (" + first_error + ")"));
    }
    return Status();
  }

  const char* name() const override { return "fanotify"; }
  uint64_t lost_events() const override { return lost_; }
  void Stop() override { stop_.Raise(); }

  Result<std::vector<ProcessEvent>> Next() override {
    std::vector<ProcessEvent> events;
    auto deadline = Clock::now() + interval_;
    while (!stop_.raised()) {
      auto now = Clock::now();
      Settle(now, &events);
      if (!events.empty()) break;
      if (pending_.empty() && now >= deadline) break;
      auto until = deadline;
      for (const Pending& p : pending_) until = std::min(until, p.due);
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - now) +
                  std::chrono::milliseconds(1);  // round up: never spin on a sub-ms rest
      OTGUARD_ASSIGN_OR_RETURN(bool readable, WaitReadable(fd_, stop_, wait));
      if (readable) OTGUARD_RETURN_IF_ERROR(Drain());
    }
    return events;
  }

 private:
  using Clock = std::chrono::steady_clock;

  // An exec seen whose details are read from /proc: the event comes during the exec, and until
  // the exec is done /proc shows the image and command line from before (the new image first,
  // its arguments a moment later). When the first look is too early, the next comes a moment
  // later, in the poll wait (no spinning).
  struct Pending {
    ProcessEvent event;
    std::string path;  // the opened file
    bool script = false;
    int tries = 0;
    Clock::time_point due;
  };
  static constexpr std::chrono::milliseconds kSettle{2};
  static constexpr int kMaxTries = 3;  // looks after about 0, 4 and 10 ms: enough for a slow exec

  Status Drain() {
    alignas(fanotify_event_metadata) char buf[8192];
    while (pending_.size() < kMaxEventsPerBatch && !stop_.raised()) {
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n < 0) return ErrnoToStatus(errno, "read fanotify");
      size_t size = static_cast<size_t>(n);
      for (auto* m = reinterpret_cast<const fanotify_event_metadata*>(buf); FAN_EVENT_OK(m, size);
           m = FAN_EVENT_NEXT(m, size)) {
        if (m->vers != FANOTIFY_METADATA_VERSION) {
          return Internal("fanotify: metadata version " + std::to_string(m->vers));
        }
        Add(*m);
      }
      // A read returns every queued event that fits: room left over means the queue is empty.
      if (size + sizeof(fanotify_event_metadata) <= sizeof buf) break;
    }
    return Status();
  }

  void Add(const fanotify_event_metadata& m) {
    if (m.mask & FAN_Q_OVERFLOW) ++lost_;  // the queue was full: events were dropped
    if (m.fd < 0) return;
    if (!(m.mask & FAN_OPEN_EXEC)) {
      close(m.fd);
      return;
    }
    std::string path = FdPath(m.fd);
    uint32_t pid = static_cast<uint32_t>(m.pid);
    int64_t now = RealtimeNs();
    // The ELF interpreter named by the program this pid has just exec'd is part of that exec.
    // Only that exact file is left out, so a program cannot hide the next exec behind it.
    auto last = last_exec_.find(pid);
    if (last != last_exec_.end()) {
      bool interpreter = now - last->second.time_ns < 1'000'000'000LL &&
                         !last->second.interpreter.empty() && path == last->second.interpreter;
      last_exec_.erase(last);
      if (interpreter) {
        close(m.fd);
        return;
      }
    }
    ExecFile file = Classify(m.fd);
    close(m.fd);
    if (file.kind == ExecFileKind::kElfWithInterpreter) {
      if (last_exec_.size() >= kMaxEventsPerBatch) last_exec_.clear();
      last_exec_[pid] = {now, Resolve(file.interpreter)};
    }
    Pending p;
    p.event.pid = pid;
    p.event.time_ns = now;
    p.path = std::move(path);
    p.script = file.kind == ExecFileKind::kScript;
    p.due = Clock::now();  // a first look at once: most execs are done by the time it is read
    pending_.push_back(std::move(p));
  }

  // Reads /proc for the pending execs that are due; moves the finished ones to *events.
  void Settle(Clock::time_point now, std::vector<ProcessEvent>* events) {
    size_t kept = 0;
    for (size_t i = 0; i < pending_.size(); ++i) {
      Pending& p = pending_[i];
      if (p.due > now || !Read(&p)) {
        if (kept != i) pending_[kept] = std::move(p);
        ++kept;
        continue;
      }
      // Never the command line of the image before the exec: an exec not done by now, or a
      // process gone, leaves it unknown. The opened file is the exact path in any case.
      if (!p.script && p.event.executable != p.path) {
        p.event.command_line.reset();
        p.event.complete = false;
      }
      p.event.executable = std::move(p.path);
      events->push_back(std::move(p.event));
    }
    pending_.resize(kept);
  }

  // One look at /proc; false when the exec is not done yet and another look is due later.
  bool Read(Pending* p) {
    p->event.command_line.reset();
    if (p->tries == 0) {
      FillFromProc(&reader_, &p->event);  // parent, user and start time do not change
    } else {
      FillImageFromProc(&reader_, &p->event);
    }
    bool done = !p->event.complete || p->script ||
                (p->event.executable == p->path && p->event.command_line.has_value());
    if (done || ++p->tries >= kMaxTries) return true;
    p->due = Clock::now() + kSettle * (p->tries + 1);
    return false;
  }

  struct LastExec {
    int64_t time_ns;
    std::string interpreter;  // resolved
  };

  std::chrono::milliseconds interval_;
  StopSignal stop_;
  ProcessReader reader_;
  int fd_ = -1;
  uint64_t lost_ = 0;
  std::unordered_map<uint32_t, LastExec> last_exec_;  // bounded: cleared when it fills
  std::vector<Pending> pending_;                      // bounded: kMaxEventsPerBatch
};

}  // namespace

Result<std::unique_ptr<ProcessEventSource>> OpenFanotifySource(
    const ProcessEventSourceOptions& options) {
  auto source = std::make_unique<FanotifySource>(options.poll_interval);
  OTGUARD_RETURN_IF_ERROR(source->Init());
  return std::unique_ptr<ProcessEventSource>(std::move(source));
}

}  // namespace otguard::platform::linux_internal
