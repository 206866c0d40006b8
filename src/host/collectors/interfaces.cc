// Network interfaces (otguard.inventory.interface): name, MAC, MTU, addresses.
#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::interfaces {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions&) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListInterfaces(), inv.interfaces));
  SortBy(inv.interfaces, [](const auto& i) -> const std::string& { return i.name; });
  return n;
}

Json Record(const Inventory& inv, const platform::NetworkInterface& i) {
  Json record = InventoryRecord(inv, "otguard.inventory.interface");
  Json extra = {{"name", i.name},
                {"mtu", i.mtu},
                {"up", i.up},
                {"loopback", i.loopback},
                {"addresses", i.addresses}};
  SetIfNotEmpty(extra, "description", i.description);
  SetIfNotEmpty(extra, "mac", i.mac);
  record["otguard"]["interface"] = extra;
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& i : inv.interfaces) out.push_back(Record(inv, i));
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.interfaces.empty()) return;
  out += Format("\ninterfaces (%zu)\n", inv.interfaces.size());
  for (const auto& i : inv.interfaces) {
    std::string addresses;
    for (const auto& a : i.addresses) addresses += (addresses.empty() ? "" : " ") + a;
    out += Format("  %-24s %-4s %-17s mtu %-6u %s%s%s\n", i.name.c_str(), i.up ? "up" : "down",
                  i.mac.c_str(), i.mtu, addresses.c_str(), i.description.empty() ? "" : "  ",
                  i.description.c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "interfaces", .order = 40, .collect = Collect, .records = Records, .text = Text};
}

}  // namespace otguard::host::internal::collectors::interfaces
