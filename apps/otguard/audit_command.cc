// Placeholder: `otguard audit` is being written.
#include "apps/otguard/commands.h"

namespace otguard::cli {

void RegisterAuditCommands(CLI::App& app, int* exit_code) {}

}  // namespace otguard::cli
