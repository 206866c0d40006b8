// An Inventory as records of otguard's event schema (docs/event-schema.md, "Inventory"):
// `event.kind: state`, one record per object, the host record (OS and collector outcomes)
// first, then each collector's, in the order they run. The same fields on every OS; a field
// the OS does not know is left out. And as text for a person.
#ifndef OTGUARD_HOST_INVENTORY_EVENTS_H_
#define OTGUARD_HOST_INVENTORY_EVENTS_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/host/inventory.h"

namespace otguard::host {

std::vector<nlohmann::json> InventoryRecords(const Inventory& inventory);

// The text report: the host, then each collector's section (packages listed only with `all`),
// then the collectors that could not collect and why.
std::string InventoryText(const Inventory& inventory, bool all);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_INVENTORY_EVENTS_H_
