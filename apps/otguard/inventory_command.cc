// `otguard inventory [--json] [--only C,...] [--root DIR]`: a snapshot of the host (src/host).
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "apps/otguard/commands.h"
#include "otguard/base/event.h"
#include "otguard/host/host_root.h"
#include "otguard/host/inventory.h"
#include "otguard/host/inventory_events.h"

namespace otguard::cli {
namespace {

struct InventoryArgs {
  bool json = false;
  bool all = false;
  std::vector<std::string> only;
  std::string root;
  uint64_t max_image_size = uint64_t{1} << 30;
};

int InventoryFail(const std::string& message) {
  PrintCommandError("inventory", message);
  return 2;
}

int RunInventory(const InventoryArgs& args) {
  auto root = host::HostRoot::Open(args.root);
  if (!root) return InventoryFail(std::string(root.error().message()));
  host::InventoryOptions options;
  options.only.insert(args.only.begin(), args.only.end());
  options.root = root->config();
  options.max_image_size = args.max_image_size;
  auto inv = host::TakeInventory(options);
  if (!inv) return InventoryFail(inv.error().ToString());
  if (!args.json) {
    std::string text = host::InventoryText(*inv, args.all);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  JsonLinesWriter out(stdout);
  for (const nlohmann::json& record : host::InventoryRecords(*inv)) {
    if (Status s = out.Write(record); !s.ok()) return InventoryFail(s.ToString());
  }
  return 0;
}

}  // namespace

void RegisterInventoryCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InventoryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inventory",
      "A snapshot of this host: OS, processes, services, network, updates, packages, autoruns, "
      "program file hashes");
  cmd->add_flag("--json", args->json, "One JSON record per object (docs/event-schema.md)");
  std::string names;
  for (const auto& n : host::CollectorNames()) names += (names.empty() ? "" : ", ") + n;
  cmd->add_option("--only", args->only,
                  "Only these collectors: " + names + " (images also runs the lists it hashes)")
      ->delimiter(',');
  cmd->add_flag("--all", args->all, "List every installed package in the text output too");
  cmd->add_option("--root", args->root,
                  "Read services, packages and autoruns from this directory (a mounted disk)");
  cmd->add_option("--max-image-size", args->max_image_size,
                  "Program files larger than this many bytes are not hashed (default 1 GiB)");
  cmd->callback([args, exit_code] { *exit_code = RunInventory(*args); });
}

}  // namespace otguard::cli
