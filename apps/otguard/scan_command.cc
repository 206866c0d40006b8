#include "apps/otguard/commands.h"

namespace otguard::cli {
void RegisterScanCommands(CLI::App& app, int* exit_code) {}
}  // namespace otguard::cli
