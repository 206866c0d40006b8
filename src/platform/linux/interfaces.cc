// Linux implementation of otguard/platform/interfaces.h: getifaddrs(3) for the names, flags and
// addresses; /sys/class/net/<name>/{address,mtu} for what getifaddrs does not give directly.
#include "otguard/platform/interfaces.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <map>
#include <memory>
#include <span>

#include "otguard/platform/files.h"

namespace otguard::platform {
namespace {

// Number of leading one bits of a netmask (a non-contiguous mask counts its set bits, the best
// a prefix length can say of it).
int PrefixLength(const uint8_t* mask, size_t bytes) {
  int bits = 0;
  for (size_t i = 0; i < bytes; ++i) bits += std::popcount(mask[i]);
  return bits;
}

// "192.168.1.10/24" or "fe80::1/64"; "" for other families (AF_PACKET carries no address).
std::string CidrOf(const ifaddrs& ifa) {
  char text[INET6_ADDRSTRLEN] = {};
  if (ifa.ifa_addr->sa_family == AF_INET) {
    auto* addr = reinterpret_cast<const sockaddr_in*>(ifa.ifa_addr);
    if (inet_ntop(AF_INET, &addr->sin_addr, text, sizeof text) == nullptr) return {};
    int prefix = 32;
    if (ifa.ifa_netmask != nullptr) {
      auto* mask = reinterpret_cast<const sockaddr_in*>(ifa.ifa_netmask);
      prefix = PrefixLength(reinterpret_cast<const uint8_t*>(&mask->sin_addr), 4);
    }
    return std::string(text) + "/" + std::to_string(prefix);
  }
  if (ifa.ifa_addr->sa_family == AF_INET6) {
    auto* addr = reinterpret_cast<const sockaddr_in6*>(ifa.ifa_addr);
    if (inet_ntop(AF_INET6, &addr->sin6_addr, text, sizeof text) == nullptr) return {};
    int prefix = 128;
    if (ifa.ifa_netmask != nullptr) {
      auto* mask = reinterpret_cast<const sockaddr_in6*>(ifa.ifa_netmask);
      prefix = PrefixLength(reinterpret_cast<const uint8_t*>(&mask->sin6_addr), 16);
    }
    return std::string(text) + "/" + std::to_string(prefix);
  }
  return {};
}

std::string ReadSysNet(const std::string& name, const char* attribute) {
  // Interface names cannot hold '/', but a name from the kernel is still checked before it
  // becomes a path.
  if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
    return {};
  }
  // sysfs reports every attribute as 4096 bytes long: read what is there instead.
  auto file = ReadOnlyFile::Open("/sys/class/net/" + name + "/" + attribute);
  if (!file) return {};
  std::string text(128, '\0');
  auto n = file->ReadFull(0, std::span(reinterpret_cast<uint8_t*>(text.data()), text.size()));
  text.resize(n ? *n : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// The MAC as the kernel prints it (lower case); "" for none or all zeros (loopback, tunnels).
std::string MacOf(const std::string& name) {
  std::string mac = ReadSysNet(name, "address");
  if (mac.find_first_not_of("0:") == std::string::npos) return {};
  std::transform(mac.begin(), mac.end(), mac.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return mac;
}

uint32_t MtuOf(const std::string& name) {
  std::string text = ReadSysNet(name, "mtu");
  uint32_t mtu = 0;
  std::from_chars(text.data(), text.data() + text.size(), mtu);
  return mtu;
}

}  // namespace

Result<std::vector<NetworkInterface>> ListInterfaces() {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return Unexpected(ErrnoToStatus(errno, "getifaddrs"));
  std::unique_ptr<ifaddrs, decltype(&freeifaddrs)> owner(list, &freeifaddrs);
  std::map<std::string, NetworkInterface> by_name;  // one ifaddrs entry per address
  for (const ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
    if (ifa->ifa_name == nullptr) continue;
    // An IPv4 address with a label ("eth0:1", ifconfig's aliases) belongs to the device eth0.
    std::string name = ifa->ifa_name;
    name = name.substr(0, name.find(':'));
    NetworkInterface& nic = by_name[name];
    nic.name = name;
    nic.up = (ifa->ifa_flags & IFF_UP) != 0;
    nic.loopback = (ifa->ifa_flags & IFF_LOOPBACK) != 0;
    if (ifa->ifa_addr == nullptr) continue;
    std::string cidr = CidrOf(*ifa);
    if (!cidr.empty()) nic.addresses.push_back(std::move(cidr));
  }
  std::vector<NetworkInterface> out;
  out.reserve(by_name.size());
  for (auto& [name, nic] : by_name) {
    nic.mac = MacOf(name);
    nic.mtu = MtuOf(name);
    out.push_back(std::move(nic));
  }
  return out;
}

}  // namespace otguard::platform
