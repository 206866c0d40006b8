// Installed packages (otguard.inventory.package): dpkg (read under --root), or the Windows
// Uninstall entries.
#include <tuple>

#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::packages {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions& options) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListPackages(options.root), inv.packages));
  SortBy(inv.packages, [](const auto& p) { return std::tie(p.name, p.architecture); });
  return n;
}

// ECS `package.*`; `package.type` is where it was found (`dpkg`, `uninstall`).
Json Record(const Inventory& inv, const platform::InstalledPackage& p) {
  Json record = InventoryRecord(inv, "otguard.inventory.package");
  Json package = {{"name", p.name}, {"type", p.source}};
  SetIfNotEmpty(package, "version", p.version);
  SetIfNotEmpty(package, "architecture", p.architecture);
  SetIfNotEmpty(package, "installed", p.installed_on);
  record["package"] = package;
  Json extra = Json::object();
  SetIfNotEmpty(extra, "publisher", p.publisher);
  if (!extra.empty()) record["otguard"]["package"] = extra;
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& p : inv.packages) out.push_back(Record(inv, p));
}

// A Linux station has over a thousand packages: listed with --all (and always in --json).
void Text(const Inventory& inv, bool all, std::string& out) {
  if (inv.packages.empty()) return;
  if (!all) {
    out += Format("\ninstalled packages (%zu; listed with --all and in --json)\n",
                  inv.packages.size());
    return;
  }
  out += Format("\ninstalled packages (%zu)\n", inv.packages.size());
  for (const auto& p : inv.packages) {
    out += Format("  %-40s %-32s %-6s %s\n", p.name.c_str(), p.version.c_str(),
                  p.architecture.c_str(), p.installed_on.c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "packages",
          .order = 60,
          .collect = Collect,
          .reads_root = true,
          .records = Records,
          .text = Text};
}

}  // namespace otguard::host::internal::collectors::packages
