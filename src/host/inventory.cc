#include "otguard/host/inventory.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <tuple>

#include "otguard/platform/process.h"

namespace otguard::host {
namespace {

// Runs `collect` and records how it went; `collect` fills the inventory and returns a count.
using Collect = std::function<Result<size_t>(Inventory&)>;

struct Collector {
  const char* name;
  Collect collect;
};

template <typename T>
Result<size_t> Store(Result<std::vector<T>> got, std::vector<T>& into) {
  if (!got) return Unexpected(got.error());
  into = std::move(*got);
  return into.size();
}

const std::vector<Collector>& Collectors() {
  static const std::vector<Collector> collectors = {
      {"os",
       [](Inventory& inv) -> Result<size_t> {
         OTGUARD_ASSIGN_OR_RETURN(inv.os, platform::GetOsVersion());
         return 1;
       }},
      {"processes",
       [](Inventory& inv) -> Result<size_t> {
         OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListProcesses(), inv.processes));
         std::sort(inv.processes.begin(), inv.processes.end(),
                   [](const auto& a, const auto& b) { return a.pid < b.pid; });
         return n;
       }},
      {"services",
       [](Inventory& inv) -> Result<size_t> {
         OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListServices(), inv.services));
         std::sort(inv.services.begin(), inv.services.end(),
                   [](const auto& a, const auto& b) { return a.name < b.name; });
         return n;
       }},
      {"sockets",
       [](Inventory& inv) -> Result<size_t> {
         OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListSockets(), inv.sockets));
         auto key = [](const platform::SocketEndpoint& e) {
           return std::tie(e.protocol, e.local_port, e.family, e.local_address, e.remote_address,
                           e.remote_port, e.pid);
         };
         std::sort(inv.sockets.begin(), inv.sockets.end(),
                   [&](const auto& a, const auto& b) { return key(a) < key(b); });
         return n;
       }},
      {"hotfixes",
       [](Inventory& inv) -> Result<size_t> {
         OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListHotfixes(), inv.hotfixes));
         std::sort(inv.hotfixes.begin(), inv.hotfixes.end(),
                   [](const auto& a, const auto& b) { return a.id < b.id; });
         return n;
       }},
  };
  return collectors;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::vector<std::string> CollectorNames() {
  std::vector<std::string> names;
  for (const Collector& c : Collectors()) names.push_back(c.name);
  return names;
}

Result<Inventory> TakeInventory(const InventoryOptions& options) {
  std::vector<std::string> names = CollectorNames();
  for (const std::string& wanted : options.only) {
    if (std::find(names.begin(), names.end(), wanted) == names.end()) {
      return Unexpected(InvalidArgument("unknown inventory collector '" + wanted + "'"));
    }
  }
  Inventory inv;
  inv.taken_at_ns = NowNs();
  inv.host_name = platform::HostName();
  for (const Collector& c : Collectors()) {
    if (!options.only.empty() && !options.only.count(c.name)) continue;
    double start = platform::MonotonicSeconds();
    Result<size_t> got = c.collect(inv);
    CollectorOutcome outcome{c.name, got ? Status() : got.error(), got ? *got : 0,
                             platform::MonotonicSeconds() - start};
    inv.collectors.push_back(std::move(outcome));
  }
  return inv;
}

}  // namespace otguard::host
