// `otguard inventory [--json] [--only C,...]`: a snapshot of the host (src/host).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apps/otguard/commands.h"
#include "otguard/base/time_format.h"
#include "otguard/host/inventory.h"
#include "otguard/host/inventory_events.h"

namespace otguard::cli {
namespace {

struct InventoryArgs {
  bool json = false;
  std::vector<std::string> only;
};

void PrintJson(const host::Inventory& inv) {
  for (const nlohmann::json& record : host::InventoryRecords(inv)) {
    std::string line = record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  }
}

void PrintOs(const host::Inventory& inv) {
  std::printf("host: %s\n", inv.host_name.c_str());
  if (inv.os) {
    std::printf("os:   %s (version %s, build %s%s%s, %s)\n", inv.os->name.c_str(),
                inv.os->version.c_str(), inv.os->build.c_str(),
                inv.os->service_pack.empty() ? "" : ", ", inv.os->service_pack.c_str(),
                inv.os->architecture.c_str());
  }
}

void PrintProcesses(const host::Inventory& inv) {
  if (inv.processes.empty()) return;
  std::printf("\nprocesses (%zu)\n%7s %7s  %-24s %s\n", inv.processes.size(), "pid", "ppid", "user",
              "image / command line");
  for (const auto& p : inv.processes) {
    std::string what = p.command_line && !p.command_line->empty()
                           ? *p.command_line
                           : (p.executable.empty() ? p.name : p.executable);
    // A readable table: very long command lines (class paths, environments) are cut here;
    // --json has them whole.
    constexpr size_t kMaxShown = 160;
    if (what.size() > kMaxShown) {
      size_t cut = kMaxShown;
      while (cut > 0 && (static_cast<unsigned char>(what[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
      what = what.substr(0, cut) + " ...";
    }
    std::printf("%7u %7u  %-24s %s\n", p.pid, p.ppid, p.user.c_str(), what.c_str());
  }
}

void PrintServices(const host::Inventory& inv) {
  if (inv.services.empty()) return;
  size_t drivers = 0;
  for (const auto& s : inv.services) drivers += s.driver ? 1 : 0;
  std::printf("\nservices (%zu; %zu drivers are in --json only)\n", inv.services.size() - drivers,
              drivers);
  for (const auto& s : inv.services) {
    if (s.driver) continue;
    std::printf("  %-32s %-8s %-8s %s%s%s\n", s.name.c_str(), platform::ServiceStateName(s.state),
                platform::ServiceStartTypeName(s.start_type), s.binary_path.c_str(),
                s.service_dll.empty() ? "" : "  dll: ", s.service_dll.c_str());
  }
}

void PrintSockets(const host::Inventory& inv) {
  if (inv.sockets.empty()) return;
  std::printf("\nnetwork endpoints (%zu)\n", inv.sockets.size());
  for (const auto& e : inv.sockets) {
    std::string local = (e.family == 6 ? "[" + e.local_address + "]" : e.local_address) + ":" +
                        std::to_string(e.local_port);
    std::string remote = e.remote_address.empty()
                             ? ""
                             : (e.family == 6 ? "[" + e.remote_address + "]" : e.remote_address) +
                                   ":" + std::to_string(e.remote_port);
    std::string owner = e.pid != 0 ? "pid " + std::to_string(e.pid) : "owner unknown";
    std::printf("  %-3s %-46s %-46s %-11s %s\n", platform::SocketProtocolName(e.protocol),
                local.c_str(), remote.c_str(), e.state.c_str(), owner.c_str());
  }
}

void PrintText(const host::Inventory& inv) {
  PrintOs(inv);
  PrintProcesses(inv);
  PrintServices(inv);
  PrintSockets(inv);
  if (!inv.hotfixes.empty()) {
    std::printf("\ninstalled updates (%zu)\n", inv.hotfixes.size());
    for (const auto& h : inv.hotfixes) {
      std::printf("  %-12s %-10s %s\n", h.id.c_str(), h.installed_on.c_str(),
                  h.description.c_str());
    }
  }
  std::printf("\n");
  for (const auto& c : inv.collectors) {
    if (!c.status.ok())
      std::printf("%s: not collected: %s\n", c.name.c_str(),
                  std::string(c.status.message()).c_str());
  }
}

int RunInventory(const InventoryArgs& args) {
  host::InventoryOptions options;
  options.only.insert(args.only.begin(), args.only.end());
  auto inv = host::TakeInventory(options);
  if (!inv) {
    std::fprintf(stderr, "otguard inventory: %s\n", inv.error().ToString().c_str());
    return 2;
  }
  if (args.json) {
    PrintJson(*inv);
  } else {
    PrintText(*inv);
  }
  return 0;
}

}  // namespace

void RegisterInventoryCommands(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<InventoryArgs>();
  CLI::App* cmd = app.add_subcommand(
      "inventory", "A snapshot of this host: OS, processes, services, network endpoints, updates");
  cmd->add_flag("--json", args->json, "One JSON record per object (docs/event-schema.md)");
  std::string names;
  for (const auto& n : host::CollectorNames()) names += (names.empty() ? "" : ", ") + n;
  cmd->add_option("--only", args->only, "Only these collectors: " + names)->delimiter(',');
  cmd->callback([args, exit_code] { *exit_code = RunInventory(*args); });
}

}  // namespace otguard::cli
