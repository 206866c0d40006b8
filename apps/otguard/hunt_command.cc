// Placeholder: `otguard hunt` is being written.
#include "apps/otguard/commands.h"

namespace otguard::cli {

void RegisterHuntCommands(CLI::App& app, int* exit_code) {}

}  // namespace otguard::cli
