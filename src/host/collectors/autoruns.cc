// What starts by itself (otguard.inventory.autorun): run keys, tasks, cron, timers, rc scripts
// (read under --root).
#include <tuple>

#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::autoruns {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions& options) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListAutoruns(options.root), inv.autoruns));
  SortBy(inv.autoruns,
         [](const platform::Autorun& a) { return std::tie(a.kind, a.location, a.name); });
  return n;
}

Json Record(const Inventory& inv, const platform::Autorun& a) {
  Json record = InventoryRecord(inv, "otguard.inventory.autorun");
  Json extra = {{"kind", platform::AutorunKindName(a.kind)},
                {"location", a.location},
                {"name", a.name},
                {"command", a.command},
                {"enabled", a.enabled}};
  SetIfNotEmpty(extra, "image", a.image);
  SetIfNotEmpty(extra, "user", a.user);
  SetIfNotEmpty(extra, "schedule", a.schedule);
  record["otguard"]["autorun"] = extra;
  const ImageInfo* image = a.image.empty() ? nullptr : FindImage(inv, a.image);
  if (image != nullptr && !image->sha256.empty()) {
    record["file"] = {{"hash", {{"sha256", image->sha256}}}};
  }
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& a : inv.autoruns) out.push_back(Record(inv, a));
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.autoruns.empty()) return;
  out += Format("\nautoruns (%zu)\n  %-14s %-36s %-16s %-16s %s\n", inv.autoruns.size(), "kind",
                "name", "user", "schedule", "command");
  for (const auto& a : inv.autoruns) {
    std::string name = a.enabled ? Shorten(a.name, 32) : Shorten(a.name, 21) + " (disabled)";
    out += Format("  %-14s %-36s %-16s %-16s %s\n", platform::AutorunKindName(a.kind), name.c_str(),
                  Shorten(a.user, 16).c_str(), a.schedule.c_str(), Shorten(a.command, 120).c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "autoruns",
          .order = 70,
          .collect = Collect,
          .reads_root = true,
          .records = Records,
          .text = Text};
}

}  // namespace otguard::host::internal::collectors::autoruns
