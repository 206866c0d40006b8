// Parsers of the kernel's text under /proc (processes.cc, sockets.cc), declared here for their
// tests and fuzzer: the text is the kernel's, but a process name or a future kernel's format
// must never crash the inventory.
#ifndef OTGUARD_SRC_PLATFORM_LINUX_PROC_TEXT_H_
#define OTGUARD_SRC_PLATFORM_LINUX_PROC_TEXT_H_

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/platform/sockets.h"

namespace otguard::platform::linux_internal {

// What /proc/<pid>/stat tells: "pid (comm) state ppid ... starttime(22) ...".
struct StatFields {
  std::string comm;
  uint32_t ppid = 0;
  uint64_t flags = 0;        // the kernel's PF_* flags (field 9)
  uint64_t start_ticks = 0;  // clock ticks after boot
};
// False when the text is not a stat line (too few fields, no parenthesised name).
bool ParseStat(std::string_view stat, StatFields* out);

// /proc/<pid>/cmdline (NUL-separated argv) as one line; see processes.cc for the quoting.
std::string JoinCommandLine(std::string_view raw);

// The effective uid from /proc/<pid>/status; false when there is no "Uid:" line.
bool ParseEffectiveUid(std::string_view status, uid_t* uid);

// "0100007F:0277" or 32 hex digits and a port, as /proc/net/{tcp,udp}[6] print them.
bool ParseEndpoint(std::string_view text, int family, std::string* address, uint16_t* port);

// One line of /proc/net/{tcp,tcp6,udp,udp6}; false for the header and malformed lines.
bool ParseSocketLine(const std::string& line, SocketProtocol protocol, int family,
                     SocketEndpoint* out, uint64_t* inode);

}  // namespace otguard::platform::linux_internal

#endif  // OTGUARD_SRC_PLATFORM_LINUX_PROC_TEXT_H_
