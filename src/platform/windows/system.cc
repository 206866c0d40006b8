// STUB: replaced by the Windows implementation.
#include "otguard/platform/system.h"
namespace otguard::platform {
Result<OsVersion> GetOsVersion() { return Unexpected(Unimplemented("TODO")); }
Result<std::vector<Hotfix>> ListHotfixes() { return Unexpected(Unimplemented("TODO")); }
}  // namespace otguard::platform
