#include "otguard/platform/packages.h"

namespace otguard::platform {

Result<std::vector<InstalledPackage>> ListPackages(const ConfigRoot&) {
  return Unexpected(Unimplemented("ListPackages: not yet"));
}
Result<std::map<std::string, std::string>> OwningPackages(const std::vector<std::string>&,
                                                          const ConfigRoot&) {
  return Unexpected(Unimplemented("OwningPackages: not yet"));
}

}  // namespace otguard::platform
