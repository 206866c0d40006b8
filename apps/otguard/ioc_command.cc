// Placeholder: `otguard ioc` is being written.
#include "apps/otguard/commands.h"

namespace otguard::cli {

void RegisterIocCommands(CLI::App& app, int* exit_code) {}

}  // namespace otguard::cli
