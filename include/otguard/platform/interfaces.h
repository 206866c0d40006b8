// Network interfaces of this host (getifaddrs and /sys/class/net on Linux,
// GetAdaptersAddresses on Windows).
//
// Thread-safety: all functions are thread-safe.
#ifndef OTGUARD_PLATFORM_INTERFACES_H_
#define OTGUARD_PLATFORM_INTERFACES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "otguard/base/status.h"

namespace otguard::platform {

struct NetworkInterface {
  std::string name;         // "eth0"; on Windows the friendly name ("Local Area Connection")
  std::string description;  // Windows adapter description; "" on Linux
  std::string mac;          // "00:1a:2b:3c:4d:5e" lower case; "" when none (loopback, tunnels)
  uint32_t mtu = 0;
  bool up = false;
  bool loopback = false;
  std::vector<std::string> addresses;  // CIDR: "192.168.110.121/24", "fe80::1/64"
};

// Sorted by name.
Result<std::vector<NetworkInterface>> ListInterfaces();

}  // namespace otguard::platform

#endif  // OTGUARD_PLATFORM_INTERFACES_H_
