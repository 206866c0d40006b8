// Services and drivers (otguard.inventory.service): the SCM on Windows, systemd units and init
// scripts on Linux (read under --root).
#include "host/inventory_collector.h"
#include "host/inventory_internal.h"

namespace otguard::host::internal::collectors::services {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions& options) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListServices(options.root), inv.services));
  SortBy(inv.services, [](const auto& s) -> const std::string& { return s.name; });
  return n;
}

Json Record(const Inventory& inv, const platform::ServiceInfo& s) {
  Json record = InventoryRecord(inv, "otguard.inventory.service");
  record["service"] = {{"name", s.name},
                       {"state", platform::ServiceStateName(s.state)},
                       {"type", s.driver ? "driver" : "service"}};
  Json extra = {{"start_type", platform::ServiceStartTypeName(s.start_type)}};
  SetIfNotEmpty(extra, "display_name", s.display_name);
  SetIfNotEmpty(extra, "description", s.description);
  SetIfNotEmpty(extra, "binary_path", s.binary_path);
  SetIfNotEmpty(extra, "dll", s.service_dll);
  SetIfNotEmpty(extra, "account", s.account);
  SetIfNotEmpty(extra, "config_path", s.config_path);
  std::string image_path = ServiceImagePath(s, inv.autoruns);
  SetIfNotEmpty(extra, "image", image_path);
  // The hashes of the two files a service runs, so a changed ServiceDll shows on the service.
  const ImageInfo* image = image_path.empty() ? nullptr : FindImage(inv, image_path);
  if (image != nullptr) SetIfNotEmpty(extra, "image_sha256", image->sha256);
  const ImageInfo* dll = s.service_dll.empty() ? nullptr : FindImage(inv, s.service_dll);
  if (dll != nullptr) SetIfNotEmpty(extra, "dll_sha256", dll->sha256);
  if (s.pid != 0) record["process"] = {{"pid", s.pid}};
  record["otguard"]["service"] = extra;
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& s : inv.services) out.push_back(Record(inv, s));
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.services.empty()) return;
  size_t drivers = 0;
  for (const auto& s : inv.services) drivers += s.driver ? 1 : 0;
  out += Format("\nservices (%zu; %zu drivers are in --json only)\n", inv.services.size() - drivers,
                drivers);
  for (const auto& s : inv.services) {
    if (s.driver) continue;
    out += Format("  %-32s %-8s %-8s %s%s%s\n", s.name.c_str(), platform::ServiceStateName(s.state),
                  platform::ServiceStartTypeName(s.start_type), s.binary_path.c_str(),
                  s.service_dll.empty() ? "" : "  dll: ", s.service_dll.c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "services",
          .order = 20,
          .collect = Collect,
          .reads_root = true,
          .records = Records,
          .text = Text};
}

}  // namespace otguard::host::internal::collectors::services
