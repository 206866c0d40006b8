// STUB: replaced by the Windows implementation.
#include "otguard/platform/services.h"
namespace otguard::platform {
Result<std::vector<ServiceInfo>> ListServices() { return Unexpected(Unimplemented("TODO")); }
Status InstallService(const ServiceDefinition&) { return Unimplemented("TODO"); }
Status UninstallService(const std::string&) { return Unimplemented("TODO"); }
Status RunAsService(const std::string&, const std::function<int(StopSignal& stop)>&) {
  return Unimplemented("TODO");
}
}  // namespace otguard::platform
