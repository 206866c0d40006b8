// Network endpoints (otguard.inventory.socket): TCP and UDP sockets with their owners.
#include <tuple>

#include "host/inventory_collector.h"

namespace otguard::host::internal::collectors::sockets {
namespace {

Result<size_t> Collect(Inventory& inv, const InventoryOptions&) {
  OTGUARD_ASSIGN_OR_RETURN(size_t n, Store(platform::ListSockets(), inv.sockets));
  SortBy(inv.sockets, [](const platform::SocketEndpoint& e) {
    return std::tie(e.protocol, e.local_port, e.family, e.local_address, e.remote_address,
                    e.remote_port, e.pid);
  });
  return n;
}

// The local end is `source`, the remote end `destination` (docs/event-schema.md).
Json Record(const Inventory& inv, const platform::SocketEndpoint& e) {
  Json record = InventoryRecord(inv, "otguard.inventory.socket");
  record["network"] = {{"transport", platform::SocketProtocolName(e.protocol)},
                       {"type", e.family == 6 ? "ipv6" : "ipv4"}};
  record["source"] = {{"ip", e.local_address}, {"port", e.local_port}};
  if (!e.remote_address.empty()) {
    record["destination"] = {{"ip", e.remote_address}, {"port", e.remote_port}};
  }
  if (e.pid != 0) record["process"] = {{"pid", e.pid}};
  Json extra = Json::object();
  SetIfNotEmpty(extra, "state", e.state);
  extra["listening"] = e.state == "LISTEN" ||
                       (e.protocol == platform::SocketProtocol::kUdp && e.remote_address.empty());
  record["otguard"]["socket"] = extra;
  return record;
}

void Records(const Inventory& inv, std::vector<Json>& out) {
  for (const auto& e : inv.sockets) out.push_back(Record(inv, e));
}

std::string Endpoint(int family, const std::string& address, uint16_t port) {
  return (family == 6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

void Text(const Inventory& inv, bool, std::string& out) {
  if (inv.sockets.empty()) return;
  out += Format("\nnetwork endpoints (%zu)\n", inv.sockets.size());
  for (const auto& e : inv.sockets) {
    std::string local = Endpoint(e.family, e.local_address, e.local_port);
    std::string remote =
        e.remote_address.empty() ? "" : Endpoint(e.family, e.remote_address, e.remote_port);
    std::string owner = e.pid != 0 ? "pid " + std::to_string(e.pid) : "owner unknown";
    out += Format("  %-3s %-46s %-46s %-11s %s\n", platform::SocketProtocolName(e.protocol),
                  local.c_str(), remote.c_str(), e.state.c_str(), owner.c_str());
  }
}

}  // namespace

CollectorSpec Spec() {
  return {.name = "sockets", .order = 30, .collect = Collect, .records = Records, .text = Text};
}

}  // namespace otguard::host::internal::collectors::sockets
