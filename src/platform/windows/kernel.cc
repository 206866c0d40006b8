// The audit's kernel checks are Linux's; Windows has its own facts (registry, drivers).
#include "otguard/platform/kernel.h"

namespace otguard::platform {
namespace {
Status NotOnWindows() {
  return Unimplemented("kernel sysctl, module and iptables state are Linux's");
}
}  // namespace

Result<std::string> ReadSysctl(const std::string&) { return Unexpected(NotOnWindows()); }
Result<std::string> ReadLoadedModules() { return Unexpected(NotOnWindows()); }
Result<std::string> ReadIpTablesNames(bool) { return Unexpected(NotOnWindows()); }
bool KernelHasModule(const std::string&) { return false; }

}  // namespace otguard::platform
