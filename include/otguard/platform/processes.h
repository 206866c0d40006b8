// The processes running on this host (inventory, allowlists, hunting). Read-only: nothing here
// suspends, injects into or otherwise touches another process.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_PROCESSES_H_
#define OTGUARD_PLATFORM_PROCESSES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

struct ProcessInfo {
  uint32_t pid = 0;
  uint32_t ppid = 0;  // the parent at the process's start; it may have exited since
  std::string name;   // image file name ("svchost.exe", "sshd"); never empty
  // Full path of the image, UTF-8; empty when the OS does not tell this caller (a protected
  // process, or a kernel thread on Linux).
  std::string executable;
  // nullopt when the OS or this caller's rights do not allow reading it (not the same as an
  // empty command line).
  std::optional<std::string> command_line;
  std::string user;           // "DOMAIN\\user" on Windows, the user name on Linux; "" unknown
  int64_t start_time_ns = 0;  // since the Unix epoch; 0 when unknown
};

// A snapshot of every process. A process this caller may not open is still listed, with what
// is visible without opening it (pid, parent, name). Errors only when no list can be had.
Result<std::vector<ProcessInfo>> ListProcesses();

// A path to read `process`'s image from. Its executable, except where the OS reports the file
// deleted or replaced since the process started (Linux: "<path> (deleted)"): then a path
// through the running process itself (/proc/<pid>/exe), readable while it runs. Empty when
// the executable is unknown.
std::string RunningImagePath(const ProcessInfo& process);

// The current process's id.
uint32_t CurrentProcessId();

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_PROCESSES_H_
