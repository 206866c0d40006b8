// Linux keeps variable state under /var/lib (FHS 3.0, section 5.8).
#include "otguard/platform/folders.h"

namespace otguard::platform {

std::string ProgramDataDir() { return "/var/lib/otguard"; }

}  // namespace otguard::platform
