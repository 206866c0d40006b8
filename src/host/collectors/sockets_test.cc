// The sockets collector's records and text (src/host/collectors/sockets.cc), on synthetic
// endpoints: which end is source and which destination, and what counts as listening.
#include <algorithm>

#include <gtest/gtest.h>

#include "host/inventory_collector.h"

namespace otguard::host::internal {
namespace {

const CollectorSpec& Sockets() {
  const auto& all = Collectors();
  auto it = std::find_if(all.begin(), all.end(),
                         [](const CollectorSpec& c) { return std::string(c.name) == "sockets"; });
  EXPECT_NE(it, all.end());
  return *it;
}

platform::SocketEndpoint Endpoint(platform::SocketProtocol protocol, std::string local,
                                  uint16_t port, std::string remote, std::string state) {
  platform::SocketEndpoint e;
  e.protocol = protocol;
  e.local_address = std::move(local);
  e.local_port = port;
  e.remote_port = remote.empty() ? 0 : 49152;
  e.remote_address = std::move(remote);
  e.state = std::move(state);
  return e;
}

TEST(SocketsCollectorTest, LocalEndIsSourceAndListeningIsDecidedPerProtocol) {
  using platform::SocketProtocol;
  Inventory inv;
  inv.host_name = "ops-01";
  inv.sockets = {Endpoint(SocketProtocol::kTcp, "0.0.0.0", 445, "", "LISTEN"),
                 Endpoint(SocketProtocol::kTcp, "10.0.0.5", 445, "10.0.0.9", "ESTABLISHED"),
                 Endpoint(SocketProtocol::kUdp, "0.0.0.0", 161, "", "")};
  inv.sockets[1].pid = 4;
  std::vector<Json> records;
  Sockets().records(inv, records);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0]["event"]["dataset"], "otguard.inventory.socket");
  EXPECT_EQ(records[0]["source"]["port"], 445);
  EXPECT_FALSE(records[0].contains("destination"));
  EXPECT_EQ(records[0]["otguard"]["socket"]["listening"], true);
  EXPECT_EQ(records[1]["destination"]["ip"], "10.0.0.9");
  EXPECT_EQ(records[1]["destination"]["port"], 49152);
  EXPECT_EQ(records[1]["process"]["pid"], 4);
  EXPECT_EQ(records[1]["otguard"]["socket"]["listening"], false);
  EXPECT_EQ(records[2]["network"]["transport"], "udp");
  EXPECT_EQ(records[2]["otguard"]["socket"]["listening"], true);  // unconnected UDP
  EXPECT_FALSE(records[2]["otguard"]["socket"].contains("state"));
  std::string text;
  Sockets().text(inv, false, text);
  EXPECT_EQ(text.rfind("\nnetwork endpoints (3)\n", 0), 0u) << text;
  EXPECT_NE(text.find("owner unknown"), std::string::npos);
  EXPECT_NE(text.find("pid 4"), std::string::npos);
}

}  // namespace
}  // namespace otguard::host::internal
