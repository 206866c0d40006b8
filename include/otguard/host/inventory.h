// A snapshot of what runs on this host and what it is: OS, processes, services, network
// endpoints and interfaces, autoruns, installed patches and packages, and what each program
// file is (SHA-256, signer on Windows, owning package on Linux). Each collector is one entry of
// the collector table in src/host/inventory.cc.
//
// Thread-safety: TakeInventory may run on any thread; an Inventory is a plain value.
#ifndef OTGUARD_HOST_INVENTORY_H_
#define OTGUARD_HOST_INVENTORY_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "otguard/base/event.h"
#include "otguard/base/status.h"
#include "otguard/platform/autoruns.h"
#include "otguard/platform/interfaces.h"
#include "otguard/platform/packages.h"
#include "otguard/platform/processes.h"
#include "otguard/platform/services.h"
#include "otguard/platform/signer.h"
#include "otguard/platform/sockets.h"
#include "otguard/platform/system.h"

namespace otguard::host {

// How one collector fared: OK with a count, or why it has nothing (Unimplemented on an OS
// without the concept, PermissionDenied without privileges, ...). A failed collector never
// fails the inventory.
struct CollectorOutcome {
  std::string name;  // "os", "processes", "services", "sockets", "hotfixes", ... "images"
  Status status;
  size_t count = 0;
  double seconds = 0;
};

// What one program file is: process images, service binaries and ServiceDlls, autorun images.
struct ImageInfo {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex; "" when not read (see `error`)
  std::string md5;     // the hunt's hash indicators need all three; computed in the same pass
  std::string sha1;
  std::optional<platform::FileSignature> signature;  // Windows
  std::string package;  // Linux: the owning package; "" when none owns it
  std::string error;    // why it could not be read ("permission denied", "larger than ...")
};

struct Inventory {
  EventTime taken_at;  // when collection began: the `@timestamp` of every record
  std::string host_name;
  std::optional<platform::OsVersion> os;
  std::vector<platform::ProcessInfo> processes;        // sorted by pid
  std::vector<platform::ServiceInfo> services;         // sorted by name
  std::vector<platform::SocketEndpoint> sockets;       // sorted by protocol, local port, address
  std::vector<platform::Hotfix> hotfixes;              // sorted by id
  std::vector<platform::InstalledPackage> packages;    // sorted by name
  std::vector<platform::Autorun> autoruns;             // sorted by kind, location, name
  std::vector<platform::NetworkInterface> interfaces;  // sorted by name
  std::vector<ImageInfo> images;                       // sorted by path; one per distinct file
  std::vector<CollectorOutcome> collectors;            // in collection order
};

struct InventoryOptions {
  // Collector names to run; empty runs all. Unknown names are an InvalidArgument.
  std::set<std::string> only;
  // File-based collectors (services on Linux, autoruns, packages) read under this root.
  platform::ConfigRoot root;
  // The images collector skips files larger than this (recorded with an error).
  uint64_t max_image_size = uint64_t{1} << 30;
};

// The image record for `path`, or nullptr (binary search over the sorted images).
const ImageInfo* FindImage(const Inventory& inventory, const std::string& path);

// The collector names, in the order they run.
std::vector<std::string> CollectorNames();

// Collects the snapshot. Errors only for bad options; collectors' failures are outcomes.
Result<Inventory> TakeInventory(const InventoryOptions& options);

}  // namespace otguard::host

#endif  // OTGUARD_HOST_INVENTORY_H_
