// The TCP and UDP endpoints of this host with their owning processes (IP Helper on Windows,
// /proc/net on Linux): listening ports and connections for the inventory and the network
// allowlist.
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_SOCKETS_H_
#define OTGUARD_PLATFORM_SOCKETS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

enum class SocketProtocol { kTcp, kUdp };

struct SocketEndpoint {
  SocketProtocol protocol = SocketProtocol::kTcp;
  int family = 4;             // 4 or 6
  std::string local_address;  // textual ("0.0.0.0", "::", "192.168.110.121")
  uint16_t local_port = 0;
  std::string remote_address;  // "" for a listening TCP or an unconnected UDP socket
  uint16_t remote_port = 0;
  // TCP states in the RFC 793 names used by netstat and ECS: "LISTEN", "SYN_SENT",
  // "SYN_RECEIVED", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "CLOSE_WAIT", "CLOSING",
  // "LAST_ACK", "TIME_WAIT", "CLOSED", "DELETE_TCB"; "" for UDP.
  std::string state;
  uint32_t pid = 0;  // 0 when the owner is unknown (another user's socket without privilege)
};

// Every TCP and UDP endpoint, IPv4 and IPv6 (IPv6 where the OS has it: not on Windows XP).
Result<std::vector<SocketEndpoint>> ListSockets();

const char* SocketProtocolName(SocketProtocol protocol);  // "tcp" / "udp"

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_SOCKETS_H_
