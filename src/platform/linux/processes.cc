// Linux implementation of otguard/platform/processes.h: one pass over /proc.
//
// Each process is read through a descriptor of its /proc/<pid> directory (openat), so every
// field comes from the same process even if the pid is reused while we read. A process that
// exits while we read it (ENOENT/ESRCH) is left out: it is no longer running. A field this
// caller may not read (EACCES: another user's /proc/<pid>/exe without root) stays empty.
#include "otguard/platform/processes.h"
#include "platform/linux/proc_reader.h"
#include "platform/linux/proc_text.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace otguard::platform {
namespace {

using linux_internal::JoinCommandLine;
using linux_internal::ParseEffectiveUid;
using linux_internal::ParseStat;
using linux_internal::StatFields;

// Command lines can be long (Java class paths), but never need more than this here.
constexpr size_t kMaxFileBytes = 1 << 20;

// Owns a file descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }

 private:
  int fd_;
};

bool Vanished(int err) { return err == ENOENT || err == ESRCH; }

// Reads a /proc file relative to `dir` (AT_FDCWD for an absolute path) into *out (at most
// kMaxFileBytes). Returns 0 or the errno, which tells "gone" from "not allowed".
int ReadProcFile(int dir, const char* path, std::string* out) {
  out->clear();
  Fd fd(openat(dir, path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return errno;
  char buf[4096];
  while (out->size() < kMaxFileBytes) {
    ssize_t n = read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
    // procfs hands out a file whole, up to the size asked for: a short read is its end. (One
    // system call less per file: the process-event sources read three per process start.)
    if (static_cast<size_t>(n) < sizeof buf) break;
  }
  return 0;
}

// Boot time (seconds since the epoch) from the "btime" line of /proc/stat; 0 when unknown.
int64_t BootTimeSeconds() {
  std::string stat;
  if (ReadProcFile(AT_FDCWD, "/proc/stat", &stat) != 0) return 0;
  size_t pos = stat.find("\nbtime ");
  if (pos == std::string::npos) return 0;
  return std::strtoll(stat.c_str() + pos + 7, nullptr, 10);
}

// The target of /proc/<pid>/exe. "" for kernel threads (no image) and other users' processes
// without privilege. A deleted or replaced image reads "/usr/bin/x (deleted)": the text is
// kept, because a process still running a binary that is gone from disk is worth seeing.
std::string ReadExecutable(int dir) {
  std::string buf(4096, '\0');
  ssize_t n = readlinkat(dir, "exe", buf.data(), buf.size());
  if (n <= 0) return "";
  buf.resize(static_cast<size_t>(n));
  return buf;
}

// The name of the image: comm, which the kernel cuts at 15 bytes; when cut, the file name of
// the executable it is the start of ("systemd-journald" rather than "systemd-journal").
std::string ImageName(const std::string& comm, const std::string& executable) {
  constexpr size_t kCommMax = 15;
  if (comm.size() == kCommMax && !executable.empty()) {
    std::string base = executable.substr(executable.rfind('/') + 1);
    if (base.size() > kCommMax && base.compare(0, kCommMax, comm) == 0) return base;
  }
  return comm;
}

bool IsPid(const char* name) {
  if (*name == '\0') return false;
  for (const char* p = name; *p != '\0'; ++p) {
    if (*p < '0' || *p > '9') return false;
  }
  return true;
}

}  // namespace

Result<std::vector<ProcessInfo>> ListProcesses() {
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return Unexpected(ErrnoToStatus(errno, "/proc"));
  linux_internal::ProcessReader reader;
  std::vector<ProcessInfo> out;
  while (struct dirent* entry = readdir(proc)) {
    if (!IsPid(entry->d_name)) continue;
    if (auto info = reader.ReadAt(dirfd(proc), entry->d_name)) out.push_back(std::move(*info));
  }
  closedir(proc);
  return out;
}

std::string RunningImagePath(const ProcessInfo& process) {
  // readlink(2) of /proc/<pid>/exe appends " (deleted)" to a path whose file is gone.
  constexpr std::string_view kDeletedSuffix = " (deleted)";
  const std::string& exe = process.executable;
  if (exe.starts_with("/") && exe.ends_with(kDeletedSuffix)) {
    return "/proc/" + std::to_string(process.pid) + "/exe";
  }
  return exe;
}

uint32_t CurrentProcessId() { return static_cast<uint32_t>(getpid()); }

namespace linux_internal {

ProcessReader::ProcessReader() : boot_seconds_(BootTimeSeconds()) {
  long ticks = sysconf(_SC_CLK_TCK);
  if (ticks > 0) ticks_per_second_ = ticks;
}

int64_t ProcessReader::TicksToEpochNs(uint64_t start_ticks) const {
  if (boot_seconds_ <= 0) return 0;
  return boot_seconds_ * 1'000'000'000LL +
         static_cast<int64_t>(start_ticks * 1'000'000'000ULL /
                              static_cast<uint64_t>(ticks_per_second_));
}

// A uid without a passwd entry is shown as its number, as ps does: it is known, only unnamed.
const std::string& ProcessReader::UserName(uid_t uid) {
  auto it = users_.find(uid);
  if (it != users_.end()) return it->second;
  constexpr size_t kMaxCachedUsers = 4096;
  if (users_.size() >= kMaxCachedUsers) users_.clear();
  struct passwd pw;
  struct passwd* found = nullptr;
  std::string buf(16384, '\0');
  std::string name = std::to_string(uid);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    name = found->pw_name;
  }
  return users_.emplace(uid, std::move(name)).first->second;
}

std::optional<ProcessInfo> ProcessReader::Read(uint32_t pid) {
  std::string pid_text = std::to_string(pid);
  return ReadAt(AT_FDCWD, ("/proc/" + pid_text).c_str());
}

std::optional<ProcessInfo> ProcessReader::ReadImage(uint32_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%u", pid);
  Fd dir(open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return std::nullopt;
  ProcessInfo info;
  info.pid = pid;
  info.executable = ReadExecutable(dir.get());
  std::string text;
  int err = ReadProcFile(dir.get(), "cmdline", &text);
  if (Vanished(err)) return std::nullopt;
  if (err == 0 && !text.empty()) info.command_line = JoinCommandLine(text);
  return info;
}

// nullopt when the process is gone (or is not a process at all).
std::optional<ProcessInfo> ProcessReader::ReadAt(int proc_dir, const char* pid_text) {
  Fd dir(openat(proc_dir, pid_text, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir.valid()) return std::nullopt;
  std::string text;
  StatFields stat;
  if (ReadProcFile(dir.get(), "stat", &text) != 0 || !ParseStat(text, &stat)) return std::nullopt;

  ProcessInfo info;
  const char* base = std::strrchr(pid_text, '/');
  info.pid = static_cast<uint32_t>(std::strtoul(base ? base + 1 : pid_text, nullptr, 10));
  info.ppid = stat.ppid;
  info.executable = ReadExecutable(dir.get());
  info.name = ImageName(stat.comm, info.executable);
  if (info.name.empty()) info.name = std::to_string(info.pid);  // comm may be ""; a name never
  info.start_time_ns = TicksToEpochNs(stat.start_ticks);
  // Kernel threads (and zombies) have an empty cmdline: no command line, not an empty one.
  int err = ReadProcFile(dir.get(), "cmdline", &text);
  if (Vanished(err)) return std::nullopt;
  if (err == 0 && !text.empty()) info.command_line = JoinCommandLine(text);
  err = ReadProcFile(dir.get(), "status", &text);
  if (Vanished(err)) return std::nullopt;
  uid_t uid = 0;
  if (err == 0 && ParseEffectiveUid(text, &uid)) info.user = UserName(uid);
  return info;
}

Status ListProcessStamps(std::vector<ProcessStamp>* out) {
  out->clear();
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return ErrnoToStatus(errno, "/proc");
  std::string text;
  StatFields stat;
  char path[64];
  while (struct dirent* entry = readdir(proc)) {
    if (!IsPid(entry->d_name) || std::strlen(entry->d_name) > 20) continue;
    std::snprintf(path, sizeof path, "%s/stat", entry->d_name);
    if (ReadProcFile(dirfd(proc), path, &text) != 0 || !ParseStat(text, &stat)) continue;
    ProcessStamp stamp;
    stamp.pid = static_cast<uint32_t>(std::strtoul(entry->d_name, nullptr, 10));
    stamp.ppid = stat.ppid;
    stamp.start_ticks = stat.start_ticks;
    constexpr uint64_t kKernelThread = 0x00200000;  // PF_KTHREAD (include/linux/sched.h)
    stamp.kernel_thread = (stat.flags & kKernelThread) != 0;
    out->push_back(stamp);
  }
  closedir(proc);
  return Status();
}

// comm may itself contain ')' and spaces ("(sd-pam)", "a) b"), so it ends at the LAST ')'.
bool ParseStat(std::string_view stat, StatFields* out) {
  size_t open = stat.find('(');
  size_t close = stat.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return false;
  }
  out->comm = std::string(stat.substr(open + 1, close - open - 1));
  // After ") ": field 3 (state) is index 0, ppid (4) index 1, flags (9) index 6, starttime
  // (22) index 19.
  std::string rest(stat.substr(close + 1));
  char* p = rest.data();
  for (int index = 0; index <= 19; ++index) {
    while (*p == ' ') ++p;
    if (*p == '\0') return false;
    char* end = p;
    while (*end != ' ' && *end != '\0') ++end;
    if (index == 1) out->ppid = static_cast<uint32_t>(std::strtoul(p, nullptr, 10));
    if (index == 6) out->flags = std::strtoull(p, nullptr, 10);
    if (index == 19) out->start_ticks = std::strtoull(p, nullptr, 10);
    p = end;
  }
  return true;
}

// argv as the kernel keeps it, NUL-separated, joined with spaces; an argument with a space, a
// tab or a quote (or an empty one) is put in double quotes with \" and \\ escaped, so the
// arguments can be told apart again. A process that rewrote its title (setproctitle: "sshd:
// user@pts/0", "nginx: worker process") has one argument followed by NUL padding; it is shown
// as written, unquoted, as ps shows it.
std::string JoinCommandLine(std::string_view raw) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.find('\0') == std::string_view::npos) return std::string(raw);
  std::string out;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('\0', start);
    if (end == std::string_view::npos) end = raw.size();
    std::string_view arg = raw.substr(start, end - start);
    if (start > 0) out += ' ';
    if (arg.empty() || arg.find_first_of(" \t\"") != std::string_view::npos) {
      out += '"';
      for (char c : arg) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
      }
      out += '"';
    } else {
      out += arg;
    }
    start = end + 1;
  }
  return out;
}

// The effective uid (second field of "Uid:"): whose rights the process runs with, which is
// what ps shows as USER and what matters for a set-uid program.
bool ParseEffectiveUid(std::string_view status, uid_t* uid) {
  size_t pos = status.find("\nUid:");
  if (pos == std::string_view::npos) return false;
  std::string line(status.substr(pos + 5, 64));
  char* p = line.data();
  std::strtoul(p, &p, 10);  // real uid
  char* end = nullptr;
  unsigned long effective = std::strtoul(p, &end, 10);
  if (end == p) return false;
  *uid = static_cast<uid_t>(effective);
  return true;
}

}  // namespace linux_internal

}  // namespace otguard::platform
