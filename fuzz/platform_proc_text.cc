// Fuzz target for the Linux platform's parsers of kernel text (/proc/<pid>/stat, cmdline,
// status, /proc/net/{tcp,udp}[6]) and of /etc/os-release: any text parses or is skipped,
// never a crash or a read outside the input. The first byte picks the parser.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "platform/linux/proc_text.h"
#include "platform/os_release.h"

using namespace otguard::platform;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      linux_internal::StatFields stat;
      if (linux_internal::ParseStat(text, &stat) && stat.comm.size() > text.size()) std::abort();
      break;
    }
    case 1: {
      std::string line = linux_internal::JoinCommandLine(text);
      if (line.find('\0') != std::string::npos && text.find('\0') == std::string::npos) {
        std::abort();  // a NUL appeared from nowhere
      }
      break;
    }
    case 2: {
      uid_t uid = 0;
      (void)linux_internal::ParseEffectiveUid(text, &uid);
      break;
    }
    case 3:
    case 4: {
      SocketEndpoint e;
      uint64_t inode = 0;
      const int family = data[0] % 6 == 3 ? 4 : 6;
      const SocketProtocol protocol = data[0] & 0x80 ? SocketProtocol::kUdp : SocketProtocol::kTcp;
      if (linux_internal::ParseSocketLine(text, protocol, family, &e, &inode) &&
          e.family != family) {
        std::abort();
      }
      break;
    }
    case 5: {
      for (const auto& [name, value] : linux_internal::ParseOsRelease(text)) {
        if (name.empty() || name.size() > text.size() || value.size() > text.size()) std::abort();
      }
      break;
    }
  }
  return 0;
}
