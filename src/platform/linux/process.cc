// Linux implementation of otguard/platform/process.h.
#include "otguard/platform/process.h"

#include <dlfcn.h>
#include <malloc.h>
#include <pwd.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <ctime>
#include <vector>

#include <sched.h>

namespace otguard::platform {
namespace {

// From linux/ioprio.h, which glibc does not wrap.
constexpr int kIoprioWhoProcess = 1;
constexpr int kIoprioClassShift = 13;
constexpr int kIoprioClassIdle = 3;

}  // namespace

Status LowerPriority() {
  errno = 0;
  if (setpriority(PRIO_PROCESS, 0, 19) != 0) return ErrnoToStatus(errno, "setpriority");
  int prio = kIoprioClassIdle << kIoprioClassShift;
  if (syscall(SYS_ioprio_set, kIoprioWhoProcess, 0, prio) != 0) {
    return ErrnoToStatus(errno, "ioprio_set");
  }
  return Status::Ok();
}

Result<PriorityInfo> CurrentPriority() {
  PriorityInfo info;
  errno = 0;
  info.nice = getpriority(PRIO_PROCESS, 0);
  if (info.nice == -1 && errno != 0) return Unexpected(ErrnoToStatus(errno, "getpriority"));
  long io = syscall(SYS_ioprio_get, kIoprioWhoProcess, 0);
  if (io < 0) return Unexpected(ErrnoToStatus(errno, "ioprio_get"));
  info.io_idle = (io >> kIoprioClassShift) == kIoprioClassIdle;
  return info;
}

Result<double> ProcessCpuSeconds() {
  struct timespec ts;
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) {
    return Unexpected(ErrnoToStatus(errno, "clock_gettime"));
  }
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double MonotonicSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

unsigned CpuCount() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? static_cast<unsigned>(n) : 1;
}

std::string HostName() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

std::string CurrentUserName() {
  uid_t uid = geteuid();
  std::vector<char> buf(16384);
  struct passwd pw;
  struct passwd* found = nullptr;
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) == 0 && found != nullptr) {
    return found->pw_name;
  }
  return std::to_string(uid);
}

bool IsPrivileged() { return geteuid() == 0; }

std::string ExecutablePath() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

std::string GetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v ? v : "";
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }
bool StdoutIsTerminal() { return isatty(STDOUT_FILENO) == 1; }

std::vector<std::string> Utf8Arguments(int argc, char** argv) {
  return std::vector<std::string>(argv, argv + argc);
}

void PrepareConsole() {}

Status TerminateProcess(uint32_t pid) {
  if (pid <= 1 || pid == static_cast<uint32_t>(getpid())) {
    return InvalidArgument("refusing to end pid " + std::to_string(pid));
  }
  if (kill(static_cast<pid_t>(pid), SIGKILL) != 0) {
    if (errno == ESRCH) return NotFound("no process " + std::to_string(pid));
    return ErrnoToStatus(errno, "kill " + std::to_string(pid));
  }
  return Status::Ok();
}

void ReleaseFreeMemory() {
  // jemalloc (linked into the otguard program where Debian has it) keeps freed pages until its
  // decay timer runs; glibc's malloc_trim does nothing for it. Looked up at run time, so the
  // libraries do not depend on which allocator the program links.
  using Mallctl = int (*)(const char*, void*, size_t*, void*, size_t);
  if (auto mallctl = reinterpret_cast<Mallctl>(dlsym(RTLD_DEFAULT, "mallctl"))) {
    mallctl("arena.4096.purge", nullptr, nullptr, nullptr, 0);  // 4096: MALLCTL_ARENAS_ALL
    return;
  }
  malloc_trim(0);
}

}  // namespace otguard::platform
