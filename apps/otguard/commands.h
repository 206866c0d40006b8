// The otguard subcommands. Each Register*() adds its subcommands to `app`; when one runs, it
// stores the process exit code in *exit_code. Commands are thin: they parse and call libraries.
#ifndef OTGUARD_APPS_OTGUARD_COMMANDS_H_
#define OTGUARD_APPS_OTGUARD_COMMANDS_H_

#include <CLI/CLI.hpp>

namespace otguard::cli {

void RegisterSigsCommands(CLI::App& app, int* exit_code);       // sigs compile|info|verify
void RegisterScanCommands(CLI::App& app, int* exit_code);       // scan, quarantine list|restore
void RegisterNbaCommands(CLI::App& app, int* exit_code);        // nba analyze|stats|learn|graph
void RegisterInventoryCommands(CLI::App& app, int* exit_code);  // inventory
void RegisterServiceCommands(CLI::App& app, int* exit_code);    // service install|uninstall|run
void RegisterHuntCommands(CLI::App& app, int* exit_code);       // hunt
void RegisterIocCommands(CLI::App& app, int* exit_code);        // ioc check|show|import-stix
void RegisterAuditCommands(CLI::App& app, int* exit_code);      // audit
// allowlist learn|review|approve|diff|replay|compare
void RegisterAllowlistCommands(CLI::App& app, int* exit_code);
// allowlist export (under the `allowlist` command; registered after RegisterAllowlistCommands)
void RegisterAllowlistExportCommand(CLI::App& app, int* exit_code);
void RegisterAgentCommands(CLI::App& app, int* exit_code);  // agent run

}  // namespace otguard::cli

#endif  // OTGUARD_APPS_OTGUARD_COMMANDS_H_
