// STUB: filled in by the system helper.
#include "otguard/platform/system.h"

namespace otguard::platform {
Result<OsVersion> GetOsVersion() { return Unexpected(Unimplemented("TODO")); }
Result<std::vector<Hotfix>> ListHotfixes() {
  return Unexpected(Unimplemented("installed patches are listed on Windows only"));
}
}  // namespace otguard::platform
