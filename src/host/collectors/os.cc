// The operating system: name, version, build, service pack, architecture. Its fields are on
// the host record (otguard.inventory.host), which every inventory has.
#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::os {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions&) {
  OTGUARD_ASSIGN_OR_RETURN(inv.os, platform::GetOsVersion());
  return 1;
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (!inv.os) return;
  out += Format("os:   %s (version %s, build %s%s%s, %s)\n", inv.os->name.c_str(),
                inv.os->version.c_str(), inv.os->build.c_str(),
                inv.os->service_pack.empty() ? "" : ", ", inv.os->service_pack.c_str(),
                inv.os->architecture.c_str());
}

}  // namespace

CollectorSpec Spec() { return {.name = "os", .order = 0, .collect = Collect, .text = Text}; }

}  // namespace otguard::host::internal::collectors::os
