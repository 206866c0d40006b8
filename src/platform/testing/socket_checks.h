// Test helpers for ListSockets(), shared by the Linux and Windows socket tests (which differ
// only in how they open their sockets: BSD sockets or Winsock).
#ifndef OTGUARD_SRC_PLATFORM_TESTING_SOCKET_CHECKS_H_
#define OTGUARD_SRC_PLATFORM_TESTING_SOCKET_CHECKS_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "otguard/platform/sockets.h"

namespace otguard::platform::test_support {

// The endpoints ListSockets() reports for this protocol, family (4 or 6) and local port.
inline std::vector<SocketEndpoint> MatchingSockets(SocketProtocol protocol, int family,
                                                   uint16_t local_port) {
  std::vector<SocketEndpoint> out;
  auto list = ListSockets();
  EXPECT_TRUE(list.has_value()) << list.error().message();
  if (!list) return out;
  for (const SocketEndpoint& e : *list) {
    if (e.protocol == protocol && e.family == family && e.local_port == local_port) {
      out.push_back(e);
    }
  }
  return out;
}

// A TCP listener on `address`:`port` is reported once, as LISTEN, without a peer. Returns its
// owner (the caller knows what the OS can tell), 0 when it was not found.
inline uint32_t ExpectListener(int family, uint16_t port, const char* address) {
  auto found = MatchingSockets(SocketProtocol::kTcp, family, port);
  EXPECT_EQ(found.size(), 1u);
  if (found.size() != 1) return 0;
  EXPECT_EQ(found[0].state, "LISTEN");
  EXPECT_EQ(found[0].local_address, address);
  EXPECT_EQ(found[0].remote_address, "");
  EXPECT_EQ(found[0].remote_port, 0);
  return found[0].pid;
}

}  // namespace otguard::platform::test_support

#endif  // OTGUARD_SRC_PLATFORM_TESTING_SOCKET_CHECKS_H_
