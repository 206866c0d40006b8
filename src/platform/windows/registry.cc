// STUB: replaced by the Windows implementation.
#include "otguard/platform/registry.h"
namespace otguard::platform {
Result<RegistryValue> ReadRegistryValue(RegistryHive, const std::string&, const std::string&) {
  return Unexpected(Unimplemented("TODO"));
}
Result<std::vector<RegistryValue>> ListRegistryValues(RegistryHive, const std::string&) {
  return Unexpected(Unimplemented("TODO"));
}
Result<std::vector<std::string>> ListRegistrySubkeys(RegistryHive, const std::string&) {
  return Unexpected(Unimplemented("TODO"));
}
}  // namespace otguard::platform
