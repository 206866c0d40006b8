// STUB: filled in by the processes helper.
#include "otguard/platform/processes.h"

#include <unistd.h>

namespace otguard::platform {
Result<std::vector<ProcessInfo>> ListProcesses() { return Unexpected(Unimplemented("TODO")); }
uint32_t CurrentProcessId() { return static_cast<uint32_t>(getpid()); }
}  // namespace otguard::platform
