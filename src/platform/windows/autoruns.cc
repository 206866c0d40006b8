#include "otguard/platform/autoruns.h"

namespace otguard::platform {

Result<std::vector<Autorun>> ListAutoruns(const ConfigRoot&) {
  return Unexpected(Unimplemented("ListAutoruns: not yet"));
}

}  // namespace otguard::platform
