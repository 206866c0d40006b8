// `otguard ioc check|show|import-stix`: validate IOC packs, list their indicators, and turn a
// STIX 2.1 bundle into a pack (docs/ioc-packs.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/hunt_run.h"
#include "otguard/host/ioc.h"
#include "otguard/platform/files.h"

namespace otguard::cli {
namespace {

struct IocArgs {
  std::vector<std::string> files;
  std::vector<std::string> packs;
  bool json = false;
  std::string bundle;
  std::string output;
  std::string id;
  std::string name;
};

void IocPrint(FILE* out, const std::string& text) { std::fwrite(text.data(), 1, text.size(), out); }

// Exit 0 when every pack is valid, 2 when one is not.
int RunCheck(const IocArgs& args) {
  int rc = 0;
  for (const std::string& file : args.files) {
    auto pack = host::LoadPackFile(file);
    if (!pack) {
      // Parse errors already start with "<file>:<line>:<column>:".
      std::string message(pack.error().message());
      if (!message.starts_with(file + ":")) message = file + ": " + message;
      IocPrint(stderr, message + "\n");
      rc = 2;
      continue;
    }
    std::printf("%s: ok, pack %s %s, %zu indicators\n", file.c_str(), pack->id.c_str(),
                pack->version.c_str(), pack->indicators.size());
  }
  return rc;
}

int RunShow(const IocArgs& args) {
  host::PackSources sources;  // the built-in packs and --pack files
  sources.files = args.packs;
  host::LoadedPacks loaded = host::LoadPacks(sources);
  for (const std::string& error : loaded.errors) PrintCommandError("ioc show", error);
  if (!loaded.errors.empty()) return 2;
  if (loaded.packs.empty())
    PrintCommandError("ioc show", "no packs (this build has no built-in pack)");
  JsonLinesWriter out(stdout);
  for (const host::Pack& pack : loaded.packs) {
    if (!args.json) {
      IocPrint(stdout, host::PackText(pack));
      continue;
    }
    for (const host::Indicator& i : pack.indicators) {
      if (Status s = out.Write(host::IndicatorSummary(pack, i)); !s.ok()) {
        PrintCommandError("ioc show", s.ToString());
        return 2;
      }
    }
  }
  return 0;
}

// Exit 0 when everything was imported, 1 when something was left out, 2 on errors.
int RunImportStix(const IocArgs& args) {
  auto import = host::ImportStixFile(args.bundle);
  if (!import) {
    PrintCommandError("ioc import-stix", import.error().message());
    return 2;
  }
  host::Pack& pack = import->pack;
  for (const auto& u : import->unsupported) {
    IocPrint(stderr,
             args.bundle + ": " + u.stix_id + ": left out: " + u.part + " (" + u.reason + ")\n");
  }
  if (pack.indicators.empty()) {
    PrintCommandError("ioc import-stix",
                      args.bundle + ": no indicator could be imported (" +
                          std::to_string(import->indicators_seen) + " STIX indicator objects, " +
                          std::to_string(import->unsupported.size()) + " parts left out)");
    return 2;
  }
  if (!args.id.empty()) pack.id = args.id;
  if (!args.name.empty()) pack.name = args.name;
  if (Status s = host::CheckPackHeader(pack); !s.ok()) {  // --id and --name
    PrintCommandError("ioc import-stix", s.message());
    return 2;
  }
  std::string toml = host::PackToToml(pack);
  if (args.output.empty()) {
    IocPrint(stdout, toml);
  } else if (Status s = platform::WriteFileAtomic(args.output, toml, 0644); !s.ok()) {
    PrintCommandError("ioc import-stix", s.ToString());
    return 2;
  }
  IocPrint(stderr, args.bundle + ": " + std::to_string(import->indicators_seen) +
                       " STIX indicators, " + std::to_string(pack.indicators.size()) +
                       " otguard indicators, " + std::to_string(import->unsupported.size()) +
                       " parts left out\n");
  return import->unsupported.empty() ? 0 : 1;
}

}  // namespace

void RegisterIocCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<IocArgs>();
  CLI::App* ioc = app.add_subcommand("ioc", "IOC packs: check, show, import from STIX 2.1");
  ioc->require_subcommand(1);

  CLI::App* check = ioc->add_subcommand("check", "Validate IOC pack files (exit 0 valid, 2 not)");
  check->add_option("files", args->files, "Pack files (TOML, docs/ioc-packs.md)")->required();
  check->callback([args, exit_code] { *exit_code = RunCheck(*args); });

  CLI::App* show =
      ioc->add_subcommand("show", "List the indicators of the built-in and given packs");
  show->add_option("--pack", args->packs, "Also this pack file (repeatable)");
  show->add_flag("--json", args->json, "One JSON object per indicator");
  show->callback([args, exit_code] { *exit_code = RunShow(*args); });

  CLI::App* import = ioc->add_subcommand(
      "import-stix",
      "Turn a STIX 2.1/2.0 bundle's (or TAXII envelope's) indicators into a pack (exit 0 all "
      "imported, 1 parts left out, 2 error or nothing imported)");
  import->add_option("bundle", args->bundle, "STIX 2.1 bundle (JSON)")->required();
  import->add_option("-o,--output", args->output, "Write the pack here (default: stdout)");
  import->add_option("--id", args->id, "Pack id (default: stix)");
  import->add_option("--name", args->name, "Pack name");
  import->callback([args, exit_code] { *exit_code = RunImportStix(*args);
});
}  // namespace otguard::cli

}  // namespace otguard::cli
