// `otguard inventory [--json] [--only C,...] [--root DIR]`: a snapshot of the host (src/host).
#include <cstdint>
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
  bool all = false;
  std::vector<std::string> only;
  std::string root;
  uint64_t max_image_size = uint64_t{1} << 30;
};

// Cuts `text` to at most `max` bytes (on a UTF-8 boundary), marking the cut: a readable table
// keeps very long command lines (class paths, environments) to a line; --json has them whole.
std::string Shorten(std::string text, size_t max) {
  if (text.size() <= max) return text;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return text.substr(0, cut) + " ...";
}

// Where a process's image comes from, in one short word: its signer (Windows), its package
// (Linux), else the start of its SHA-256; "?" when the image was not read.
std::string Origin(const host::Inventory& inv, const platform::ProcessInfo& p) {
  const host::ImageInfo* image =
      p.executable.empty() ? nullptr : host::FindImage(inv, p.executable);
  if (image == nullptr) return "";
  if (image->signature) {
    const platform::FileSignature& s = *image->signature;
    if (s.state == platform::SignatureState::kTrusted) return Shorten(s.subject, 20);
    return std::string(platform::SignatureStateName(s.state)) + ":" + image->sha256.substr(0, 8);
  }
  if (!image->package.empty()) return Shorten(image->package, 20);
  if (!image->sha256.empty()) return "sha256:" + image->sha256.substr(0, 12);
  return "?";
}

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
  bool images = !inv.images.empty();
  std::printf("\nprocesses (%zu)\n%7s %7s  %-24s %s%s\n", inv.processes.size(), "pid", "ppid",
              "user", images ? "signer/package/hash    " : "", "image / command line");
  for (const auto& p : inv.processes) {
    std::string what = p.command_line && !p.command_line->empty()
                           ? *p.command_line
                           : (p.executable.empty() ? p.name : p.executable);
    std::string origin = images ? Origin(inv, p) : "";
    std::printf("%7u %7u  %-24s %-*s%s\n", p.pid, p.ppid, p.user.c_str(), images ? 24 : 0,
                origin.c_str(), Shorten(what, 160).c_str());
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

void PrintInterfaces(const host::Inventory& inv) {
  if (inv.interfaces.empty()) return;
  std::printf("\ninterfaces (%zu)\n", inv.interfaces.size());
  for (const auto& i : inv.interfaces) {
    std::string addresses;
    for (const auto& a : i.addresses) addresses += (addresses.empty() ? "" : " ") + a;
    std::printf("  %-24s %-4s %-17s mtu %-6u %s%s%s\n", i.name.c_str(), i.up ? "up" : "down",
                i.mac.c_str(), i.mtu, addresses.c_str(), i.description.empty() ? "" : "  ",
                i.description.c_str());
  }
}

void PrintHotfixes(const host::Inventory& inv) {
  if (inv.hotfixes.empty()) return;
  std::printf("\ninstalled updates (%zu)\n", inv.hotfixes.size());
  for (const auto& h : inv.hotfixes) {
    std::printf("  %-12s %-10s %s\n", h.id.c_str(), h.installed_on.c_str(), h.description.c_str());
  }
}

// A Linux station has over a thousand packages: listed with --all (and always in --json).
void PrintPackages(const host::Inventory& inv, bool all) {
  if (inv.packages.empty()) return;
  if (!all) {
    std::printf("\ninstalled packages (%zu; listed with --all and in --json)\n",
                inv.packages.size());
    return;
  }
  std::printf("\ninstalled packages (%zu)\n", inv.packages.size());
  for (const auto& p : inv.packages) {
    std::printf("  %-40s %-32s %-6s %s\n", p.name.c_str(), p.version.c_str(),
                p.architecture.c_str(), p.installed_on.c_str());
  }
}

void PrintAutoruns(const host::Inventory& inv) {
  if (inv.autoruns.empty()) return;
  std::printf("\nautoruns (%zu)\n  %-14s %-36s %-16s %-16s %s\n", inv.autoruns.size(), "kind",
              "name", "user", "schedule", "command");
  for (const auto& a : inv.autoruns) {
    std::string name = a.enabled ? Shorten(a.name, 32) : Shorten(a.name, 21) + " (disabled)";
    std::printf("  %-14s %-36s %-16s %-16s %s\n", platform::AutorunKindName(a.kind), name.c_str(),
                Shorten(a.user, 16).c_str(), a.schedule.c_str(), Shorten(a.command, 120).c_str());
  }
}

// The counts, and the files a person should look at first: unreadable ones, and on a host
// that tells where files come from, those nobody vouches for (unsigned, no package).
void PrintImages(const host::Inventory& inv) {
  if (inv.images.empty()) return;
  size_t hashed = 0;
  bool any_origin = false;
  for (const auto& i : inv.images) {
    hashed += i.sha256.empty() ? 0 : 1;
    any_origin =
        any_origin || !i.package.empty() ||
        (i.signature.has_value() && i.signature->state != platform::SignatureState::kUnsigned);
  }
  std::printf("\nprogram files (%zu, %zu hashed; hashes in --json)\n", inv.images.size(), hashed);
  for (const auto& i : inv.images) {
    bool vouched = !i.package.empty() || (i.signature.has_value() &&
                                          i.signature->state == platform::SignatureState::kTrusted);
    if (i.error.starts_with("deleted")) {
      std::printf("  %-12s %s  sha256 %s\n", i.error.c_str(), i.path.c_str(),
                  i.sha256.empty() ? "unknown" : i.sha256.c_str());
    } else if (!i.error.empty()) {
      std::printf("  %-12s %s (%s)\n", "not read", i.path.c_str(), i.error.c_str());
    } else if (any_origin && !vouched) {
      const char* what =
          i.signature ? platform::SignatureStateName(i.signature->state) : "no package";
      std::printf("  %-12s %s  sha256 %s\n", what, i.path.c_str(), i.sha256.c_str());
    }
  }
}

void PrintText(const host::Inventory& inv, bool all) {
  PrintOs(inv);
  PrintProcesses(inv);
  PrintServices(inv);
  PrintSockets(inv);
  PrintInterfaces(inv);
  PrintHotfixes(inv);
  PrintPackages(inv, all);
  PrintAutoruns(inv);
  PrintImages(inv);
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
  options.root.root = args.root;
  options.max_image_size = args.max_image_size;
  auto inv = host::TakeInventory(options);
  if (!inv) {
    std::fprintf(stderr, "otguard inventory: %s\n", inv.error().ToString().c_str());
    return 2;
  }
  if (args.json) {
    PrintJson(*inv);
  } else {
    PrintText(*inv, args.all);
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
