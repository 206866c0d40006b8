#include "otguard/platform/interfaces.h"

namespace otguard::platform {

Result<std::vector<NetworkInterface>> ListInterfaces() {
  return Unexpected(Unimplemented("ListInterfaces: not yet"));
}

}  // namespace otguard::platform
