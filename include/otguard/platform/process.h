// The current process and host: priority, CPU time, identity.
#ifndef OTGUARD_PLATFORM_PROCESS_H_
#define OTGUARD_PLATFORM_PROCESS_H_

#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

// Lowers this process's CPU priority to the lowest (nice 19) and its I/O priority to the idle
// class, so a scan yields to the plant's software. Applies to threads created afterwards too.
Status LowerPriority();
// Current nice value and whether the I/O class is idle (for tests and diagnostics).
struct PriorityInfo {
  int nice = 0;
  bool io_idle = false;
};
Result<PriorityInfo> CurrentPriority();

// CPU time (user + system) used by all threads of this process so far, in seconds.
Result<double> ProcessCpuSeconds();
// Seconds of a monotonic clock (for wall time against CPU time).
double MonotonicSeconds();
// Logical CPUs this process may run on (at least 1).
unsigned CpuCount();

std::string HostName();
std::string CurrentUserName();
// True when privileged (root on Linux, an elevated administrator on Windows).
bool IsPrivileged();
// The absolute path of the running executable; empty when unknown.
std::string ExecutablePath();
// Value of an environment variable, empty when unset.
std::string GetEnv(const std::string& name);
// True when standard error is an interactive terminal (progress lines go there only then).
bool StderrIsTerminal();
// True when standard output is an interactive terminal (a person watches, not a script).
bool StdoutIsTerminal();

// Ends the process `pid` at once (SIGKILL on Linux, TerminateProcess on Windows): the agent's
// enforce mode, which an operator opts into per host. Refuses (InvalidArgument) pid 0, pid 1
// and the calling process itself; NotFound when no such process; PermissionDenied without the
// right to end it.
Status TerminateProcess(uint32_t pid);

// Gives the memory the allocator holds free back to the OS (jemalloc's arenas are purged when
// jemalloc is the allocator, glibc's heap trimmed otherwise; the process heap compacted on
// Windows). For a long-running process after a burst of work (the agent after its start-up
// snapshot or a scheduled scan), so its resident size reflects what it uses. Thread-safe.
void ReleaseFreeMemory();

// The program's arguments (argv[0] included) as UTF-8. On Windows they are read from the
// UTF-16 command line, because argv is in the ANSI code page and loses non-ASCII file names.
std::vector<std::string> Utf8Arguments(int argc, char** argv);
// Makes the console show the UTF-8 that otguard writes (Windows console code page); standard
// streams stay binary-safe. No-op on Linux.
void PrepareConsole();

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_PROCESS_H_
