// The kernel's hardening facts from /proc and /sys.
#include "otguard/platform/kernel.h"

#include <vector>

#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {

// A file under /proc or /sys: stat says size 0, so read until the end (at most 4 MiB).
Result<std::string> ReadKernelText(const std::string& path) {
  OTGUARD_ASSIGN_OR_RETURN(ReadOnlyFile file, ReadOnlyFile::Open(path));
  std::string text;
  std::vector<uint8_t> buffer(16 * 1024);
  constexpr size_t kMax = 4 << 20;
  while (text.size() < kMax) {
    OTGUARD_ASSIGN_OR_RETURN(size_t n, file.ReadAt(text.size(), buffer));
    if (n == 0) break;
    text.append(reinterpret_cast<const char*>(buffer.data()), n);
  }
  return text;
}

}  // namespace

Result<std::string> ReadSysctl(const std::string& name) {
  if (name.empty() || name.find("..") != std::string::npos || name.find('/') != std::string::npos) {
    return Unexpected(InvalidArgument("not a sysctl name: '" + name + "'"));
  }
  std::string path = "/proc/sys/" + name;
  for (char& c : path) {
    if (c == '.') c = '/';
  }
  return ReadKernelText(path);
}

Result<std::string> ReadLoadedModules() { return ReadKernelText("/proc/modules"); }

Result<std::string> ReadIpTablesNames(bool ipv6) {
  return ReadKernelText(ipv6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names");
}

bool KernelHasModule(const std::string& name) {
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
    return false;
  }
  return PathExists("/sys/module/" + name);
}

}  // namespace otguard::platform
