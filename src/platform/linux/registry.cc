// Linux has no registry.
#include "otguard/platform/registry.h"

namespace otguard::platform {
namespace {
Status NoRegistry() { return Unimplemented("there is no registry on Linux"); }
}  // namespace

Result<RegistryValue> ReadRegistryValue(RegistryHive, const std::string&, const std::string&) {
  return Unexpected(NoRegistry());
}
Result<std::vector<RegistryValue>> ListRegistryValues(RegistryHive, const std::string&) {
  return Unexpected(NoRegistry());
}
Result<std::vector<std::string>> ListRegistrySubkeys(RegistryHive, const std::string&) {
  return Unexpected(NoRegistry());
}

}  // namespace otguard::platform
