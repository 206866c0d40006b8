// `otguard ioc check|show|import-stix`: validate IOC packs, list their indicators, and turn a
// STIX 2.1 bundle into a pack (docs/ioc-packs.md).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/otguard/commands.h"
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

void Print(FILE* out, const std::string& text) { std::fwrite(text.data(), 1, text.size(), out); }

// Exit 0 when every pack is valid, 2 when one is not.
int RunCheck(const IocArgs& args) {
  int rc = 0;
  for (const std::string& file : args.files) {
    auto pack = host::LoadPackFile(file);
    if (!pack) {
      // Parse errors already start with "<file>:<line>:<column>:".
      std::string message(pack.error().message());
      if (!message.starts_with(file + ":")) message = file + ": " + message;
      Print(stderr, message + "\n");
      rc = 2;
      continue;
    }
    std::printf("%s: ok, pack %s %s, %zu indicators\n", file.c_str(), pack->id.c_str(),
                pack->version.c_str(), pack->indicators.size());
  }
  return rc;
}

nlohmann::json IndicatorJson(const host::Pack& pack, const host::Indicator& i) {
  return {{"pack", pack.id},
          {"pack_version", pack.version},
          {"id", i.id},
          {"kind", host::IndicatorKindName(i.kind)},
          {"severity", SeverityName(i.severity)},
          {"technique", i.technique},
          {"technique_name", std::string(host::IcsTechniqueName(i.technique))},
          {"title", i.title}};
}

int RunShow(const IocArgs& args) {
  std::vector<host::Pack> packs = host::BuiltinPacks();
  for (const std::string& file : args.packs) {
    auto pack = host::LoadPackFile(file);
    if (!pack) {
      std::string message(pack.error().message());
      if (!message.starts_with(file + ":")) message = file + ": " + message;
      Print(stderr, "otguard ioc show: " + message + "\n");
      return 2;
    }
    packs.push_back(std::move(*pack));
  }
  if (packs.empty())
    Print(stderr, "otguard ioc show: no packs (this build has no built-in pack)\n");
  for (const host::Pack& pack : packs) {
    if (args.json) {
      for (const host::Indicator& i : pack.indicators) {
        Print(stdout, IndicatorJson(pack, i).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace) +
                          "\n");
      }
      continue;
    }
    std::printf("%s %s (%s): %s, %zu indicators\n", pack.id.c_str(), pack.version.c_str(),
                pack.origin.c_str(), pack.name.c_str(), pack.indicators.size());
    for (const host::Indicator& i : pack.indicators) {
      std::string technique =
          i.technique.empty()
              ? "-"
              : i.technique + " " + std::string(host::IcsTechniqueName(i.technique));
      std::printf("  %-34s %-15s %-8s %-42s %s\n", i.id.c_str(), host::IndicatorKindName(i.kind),
                  SeverityName(i.severity), technique.c_str(), i.title.c_str());
    }
  }
  return 0;
}

// Exit 0 when everything was imported, 1 when something was left out, 2 on errors.
int RunImportStix(const IocArgs& args) {
  auto text = platform::ReadFileToString(args.bundle, 16u << 20);
  if (!text) {
    Print(stderr, "otguard ioc import-stix: " + std::string(text.error().message()) + "\n");
    return 2;
  }
  auto import = host::ImportStixBundle(*text, args.bundle);
  if (!import) {
    Print(stderr, "otguard ioc import-stix: " + std::string(import.error().message()) + "\n");
    return 2;
  }
  host::Pack& pack = import->pack;
  if (!args.id.empty()) pack.id = args.id;
  if (!args.name.empty()) pack.name = args.name;
  std::string toml = host::PackToToml(pack);
  // What we write must load: this also checks --id and --name.
  if (auto check = host::ParsePack(toml, args.output.empty() ? "<stdout>" : args.output); !check) {
    Print(stderr, "otguard ioc import-stix: " + std::string(check.error().message()) + "\n");
    return 2;
  }
  for (const auto& u : import->unsupported) {
    Print(stderr,
          args.bundle + ": " + u.stix_id + ": left out: " + u.part + " (" + u.reason + ")\n");
  }
  if (args.output.empty()) {
    Print(stdout, toml);
  } else if (Status s = platform::WriteFileAtomic(args.output, toml, 0644); !s.ok()) {
    Print(stderr, "otguard ioc import-stix: " + s.ToString() + "\n");
    return 2;
  }
  Print(stderr, args.bundle + ": " + std::to_string(import->indicators_seen) +
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
      "Turn a STIX 2.1 bundle's indicators into a pack (exit 0 all imported, 1 parts left out, "
      "2 error)");
  import->add_option("bundle", args->bundle, "STIX 2.1 bundle (JSON)")->required();
  import->add_option("-o,--output", args->output, "Write the pack here (default: stdout)");
  import->add_option("--id", args->id, "Pack id (default: stix)");
  import->add_option("--name", args->name, "Pack name");
  import->callback([args, exit_code] { *exit_code = RunImportStix(*args);
});
}  // namespace otguard::cli

}  // namespace otguard::cli
