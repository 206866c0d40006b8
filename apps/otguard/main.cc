// otguard: one binary, one subcommand per capability (DESIGN.md).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/log.h"
#include "otguard/platform/process.h"

int main(int argc, char** argv) {
  CLI::App app{"otguard: security for industrial control systems that never disturbs production"};
  app.require_subcommand(1);
  // "/tmp/x" is a path, not an option, on every OS (CLI11 reads /x as an option on Windows).
  app.allow_windows_style_options(false);
  app.set_version_flag("--version", std::string("otguard ") + OTGUARD_VERSION);
  std::string log_level = "warn";
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error|off")
      ->capture_default_str();

  int exit_code = 0;
  otguard::cli::RegisterSigsCommands(app, &exit_code);
  otguard::cli::RegisterScanCommands(app, &exit_code);
  otguard::cli::RegisterInventoryCommands(app, &exit_code);
  otguard::cli::RegisterServiceCommands(app, &exit_code);
  otguard::cli::RegisterHuntCommands(app, &exit_code);
  otguard::cli::RegisterIocCommands(app, &exit_code);
  otguard::cli::RegisterAuditCommands(app, &exit_code);
  otguard::cli::RegisterAllowlistCommands(app, &exit_code);
  otguard::cli::RegisterAllowlistExportCommand(app, &exit_code);
  otguard::cli::RegisterAgentCommands(app, &exit_code);
#ifdef OTGUARD_WITH_NBA  // Linux: network capture is a sensor's job, not a station's
  otguard::cli::RegisterNbaCommands(app, &exit_code);
#endif

  app.parse_complete_callback([&] { otguard::InitLogging(log_level); });
  otguard::platform::PrepareConsole();
  // UTF-8 arguments on every OS (on Windows argv is in the ANSI code page).
  std::vector<std::string> args = otguard::platform::Utf8Arguments(argc, argv);
  std::vector<char*> utf8_argv;
  for (std::string& a : args) utf8_argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(utf8_argv.size()), utf8_argv.data());
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // Usage errors are errors (2), as with clamscan; --help and --version are not.
    return rc == 0 ? 0 : 2;
  }
  return exit_code;
}
