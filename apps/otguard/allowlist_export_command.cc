// `otguard allowlist export` (docs/allowlist-export.md): parse the arguments, load the approved
// allowlist, call the export target of host/allowlist_export.h, write its file.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/allowlist.h"
#include "otguard/host/allowlist_export.h"
#include "otguard/platform/files.h"

namespace otguard::cli {
namespace {

struct ExportArgs {
  std::string format;
  std::string allowlist;
  std::string out;
  bool enforce = false;
  bool windows_defaults = false;
  bool no_host_facts = false;
  std::vector<std::string> publishers;  // "COMMON NAME=O=..., L=..., S=..., C=..."
};

int Fail(std::string_view message) {
  PrintCommandError("allowlist export", message);
  return 2;
}

int RunExport(const ExportArgs& args) {
  auto target = host::FindExportTarget(args.format);
  if (!target) return Fail(target.error().message());
  host::ExportOptions options;
  options.enforce = args.enforce;
  options.windows_defaults = args.windows_defaults;
  for (const std::string& pair : args.publishers) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
      return Fail("--publisher '" + pair + "': expected 'COMMON NAME=O=..., L=..., S=..., C=...'");
    }
    options.publishers[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  auto allowlist = host::LoadAllowlistFile(args.allowlist);
  if (!allowlist) return Fail(allowlist.error().message());
  if ((*target)->uses_file_facts() && !args.no_host_facts) {
    host::ExportFactsReport report;
    host::CollectExportFacts(*allowlist, &options, &report);
    std::fprintf(stderr,
                 "read this host's files: %llu hashed, %llu Authenticode hashes, %llu "
                 "publisher names; %zu problems%s\n",
                 static_cast<unsigned long long>(report.files_hashed),
                 static_cast<unsigned long long>(report.hashes_found),
                 static_cast<unsigned long long>(report.publishers_found), report.problems.size(),
                 report.problems.empty() ? ""
                                         : " (those rules are widened or left out, with "
                                           "a comment in the output):");
    for (const std::string& problem : report.problems) {
      std::fprintf(stderr, "  %s\n", problem.c_str());
    }
  }
  auto text = (*target)->Export(*allowlist, options);
  if (!text) return Fail(args.allowlist + ": " + std::string(text.error().message()));
  if (args.out.empty() || args.out == "-") {
    std::fwrite(text->data(), 1, text->size(), stdout);
    return 0;
  }
  Status written = platform::WriteFileAtomic(args.out, *text, 0644);
  if (!written.ok()) return Fail(written.message());
  std::fprintf(stderr, "wrote %s (%s, %zu bytes)%s\n", args.out.c_str(), args.format.c_str(),
               text->size(), args.enforce ? ", ENFORCING" : ", monitor only");
  return 0;
}

}  // namespace

void RegisterAllowlistExportCommand(CLI::App& app, int* exit_code) {
  CLI::App* allowlist = nullptr;
  try {
    allowlist = app.get_subcommand("allowlist");
  } catch (const CLI::OptionNotFound&) {
    allowlist = app.add_subcommand("allowlist", "Process and network allowlists");
    allowlist->require_subcommand(1);
  }
  auto args = std::make_shared<ExportArgs>();
  std::string formats;
  for (const host::ExportTarget* target : host::ExportTargets()) {
    formats += "\n  " + std::string(target->name()) + ": " + std::string(target->description());
  }
  CLI::App* command = allowlist->add_subcommand(
      "export",
      "Write OS-native enforcement (AppLocker, SRP, firewall, fapolicyd, nftables) "
      "from an approved allowlist; monitor-only unless --enforce");
  command->add_option("--format", args->format, "Target:" + formats)->required();
  command->add_option("--allowlist", args->allowlist, "Approved allowlist file (TOML)")->required();
  command->add_option("--out", args->out, "Output file (default: standard output)");
  command->add_flag("--enforce", args->enforce,
                    "Block what the rules do not allow (default: audit/monitor only)");
  command->add_flag("--windows-defaults", args->windows_defaults,
                    "AppLocker/SRP: add Microsoft's default rules for Windows and Program Files "
                    "(required with --enforce)");
  command->add_flag("--no-host-facts", args->no_host_facts,
                    "AppLocker/SRP: do not read this host's files for Authenticode hashes, "
                    "sizes and publisher names (exporting away from the station)");
  command->add_option("--publisher", args->publishers,
                      "AppLocker: a signer's full certificate subject, as "
                      "'COMMON NAME=O=..., L=..., S=..., C=...' (repeatable)");
  command->callback([args, exit_code] { *exit_code = RunExport(*args); });
}

}  // namespace otguard::cli
