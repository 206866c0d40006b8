// Installed Windows updates (otguard.inventory.hotfix); Unimplemented on Linux.
#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::hotfixes {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions&) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListHotfixes(), inv.hotfixes));
  SortBy(inv.hotfixes, [](const auto& h) -> const std::string& { return h.id; });
  return n;
}

Json Record(const Inventory& inv, const platform::Hotfix& h) {
  Json record = InventoryRecord(inv, "otguard.inventory.hotfix");
  Json package = {{"name", h.id}, {"type", "hotfix"}};
  SetIfNotEmpty(package, "description", h.description);
  SetIfNotEmpty(package, "installed", h.installed_on);
  record["package"] = package;
  record["otguard"]["hotfix"] = {{"source", h.source}};
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& h : inv.hotfixes) out.push_back(Record(inv, h));
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.hotfixes.empty()) return;
  out += Format("\ninstalled updates (%zu)\n", inv.hotfixes.size());
  for (const auto& h : inv.hotfixes) {
    out +=
        Format("  %-12s %-10s %s\n", h.id.c_str(), h.installed_on.c_str(), h.description.c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "hotfixes", .order = 50, .collect = Collect, .records = Records, .text = Text};
}

}  // namespace otguard::host::internal::collectors::hotfixes
