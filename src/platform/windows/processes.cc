// STUB: replaced by the Windows implementation.
#include "otguard/platform/processes.h"
#include <windows.h>
namespace otguard::platform {
Result<std::vector<ProcessInfo>> ListProcesses() { return Unexpected(Unimplemented("TODO")); }
uint32_t CurrentProcessId() { return GetCurrentProcessId(); }
}  // namespace otguard::platform
