// Reading one process from /proc, shared by the inventory (processes.cc) and the process-event
// sources (process_events*.cc), so both describe a process the same way.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_PROC_READER_H_
#define OTGUARD_SRC_PLATFORM_LINUX_PROC_READER_H_

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/processes.h"

namespace otguard::platform::linux_internal {

// Reads processes from /proc with what it learns once (boot time, clock ticks) and a cache of
// user names (bounded: NSS lookups may go to LDAP, and uids are few). Not thread-safe: one per
// thread.
class ProcessReader {
 public:
  ProcessReader();
  // The process `pid_text` under the directory `proc_dir` (an fd of /proc); nullopt when it is
  // gone (or is not a process). Every field comes from the same process (read through one
  // descriptor of its directory).
  std::optional<ProcessInfo> ReadAt(int proc_dir, const char* pid_text);
  std::optional<ProcessInfo> Read(uint32_t pid);
  // Only the executable and the command line of `pid` (the rest of the ProcessInfo stays
  // empty): for a caller that has the parent, user and start time already. nullopt when gone.
  std::optional<ProcessInfo> ReadImage(uint32_t pid);
  // A start time in clock ticks after boot (/proc/<pid>/stat field 22), as ns since the epoch;
  // 0 when the boot time is unknown.
  int64_t TicksToEpochNs(uint64_t start_ticks) const;
  const std::string& UserName(uid_t uid);

 private:
  int64_t boot_seconds_ = 0;
  long ticks_per_second_ = 100;
  std::unordered_map<uid_t, std::string> users_;
};

// A process as the cheapest look tells it: pid, parent and start time (ticks after boot), from
// /proc/<pid>/stat alone. The start time tells a reused pid from the process that had it.
struct ProcessStamp {
  uint32_t pid = 0;
  uint32_t ppid = 0;
  uint64_t start_ticks = 0;
  bool kernel_thread = false;  // runs no program
};

// Every process's stamp, in /proc's order (out is cleared first). Processes that exit while
// listed are left out. An error only when /proc cannot be read.
Status ListProcessStamps(std::vector<ProcessStamp>* out);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_PROC_READER_H_
