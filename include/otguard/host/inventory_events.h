// An Inventory as records of otguard's event schema (docs/event-schema.md, "Inventory"):
// `event.kind: state`, one record per object, the host record (OS and collector outcomes)
// first. The same fields on every OS; a field the OS does not know is left out.
#ifndef OTGUARD_HOST_INVENTORY_EVENTS_H_
#define OTGUARD_HOST_INVENTORY_EVENTS_H_

#include <nlohmann/json.hpp>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/host/inventory.h"

namespace otguard::host {

std::vector<nlohmann::json> InventoryRecords(const Inventory& inventory);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_INVENTORY_EVENTS_H_
