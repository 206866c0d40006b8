// A snapshot of what runs on this host and what it is: OS, processes, services, network
// endpoints, installed patches. Later issues add collectors (autoruns, interfaces, file hashes
// and signers); each is one entry of the collector table in src/host/inventory.cc.
//
// Thread-safety: TakeInventory may run on any thread; an Inventory is a plain value.
#ifndef OTGUARD_HOST_INVENTORY_H_
#define OTGUARD_HOST_INVENTORY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "otguard/base/status.h"
#include "otguard/platform/processes.h"
#include "otguard/platform/services.h"
#include "otguard/platform/sockets.h"
#include "otguard/platform/system.h"

namespace otguard::host {

// How one collector fared: OK with a count, or why it has nothing (Unimplemented on an OS
// without the concept, PermissionDenied without privileges, ...). A failed collector never
// fails the inventory.
struct CollectorOutcome {
  std::string name;  // "os", "processes", "services", "sockets", "hotfixes"
  Status status;
  size_t count = 0;
  double seconds = 0;
};

struct Inventory {
  int64_t taken_at_ns = 0;
  std::string host_name;
  std::optional<platform::OsVersion> os;
  std::vector<platform::ProcessInfo> processes;   // sorted by pid
  std::vector<platform::ServiceInfo> services;    // sorted by name
  std::vector<platform::SocketEndpoint> sockets;  // sorted by protocol, local port, address
  std::vector<platform::Hotfix> hotfixes;         // sorted by id
  std::vector<CollectorOutcome> collectors;       // in collection order
};

struct InventoryOptions {
  // Collector names to run; empty runs all. Unknown names are an InvalidArgument.
  std::set<std::string> only;
};

// The collector names, in the order they run.
std::vector<std::string> CollectorNames();

// Collects the snapshot. Errors only for bad options; collectors' failures are outcomes.
Result<Inventory> TakeInventory(const InventoryOptions& options);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_INVENTORY_H_
