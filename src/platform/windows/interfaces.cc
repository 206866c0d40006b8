// Network interfaces on Windows: GetAdaptersAddresses (XP SP1 and later) with the prefix list.
//
// The on-link prefix length of an address (OnLinkPrefixLength) exists from Vista on; the
// structures are read through their XP layout and an address's own Length says whether the
// Vista field is there. On XP the length comes from the adapter's prefix list instead: the
// longest listed network prefix that contains the address, else a host prefix (/32, /128).
// Addresses are formatted as sockets.cc does (RFC 5952, no scope ids), so both agents write
// an interface address the same way.
#include <winsock2.h>  // before windows.h

#include <windows.h>

#include <iphlpapi.h>
#include <ws2tcpip.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "otguard/platform/interfaces.h"
#include "platform/windows/sockets_internal.h"
#include "platform/windows/win_util.h"

namespace otguard::platform {
namespace {

using sockets_internal::FormatIpv4;
using sockets_internal::FormatIpv6;

// MSDN recommends starting with 15 KB; the list may grow between calls.
constexpr ULONG kInitialBufferBytes = 16 * 1024;
constexpr int kMaxAttempts = 8;
// An interface with more addresses than this is not a plant PC's; the rest are not listed.
constexpr size_t kMaxAddressesPerInterface = 1024;

// The address bytes (network order) and their width in bits; 0 bits for another family.
struct RawAddress {
  const uint8_t* bytes = nullptr;
  int bits = 0;
};

RawAddress RawOf(const SOCKET_ADDRESS& sa) {
  if (sa.lpSockaddr == nullptr) return {};
  if (sa.lpSockaddr->sa_family == AF_INET &&
      sa.iSockaddrLength >= static_cast<INT>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa.lpSockaddr);
    return {reinterpret_cast<const uint8_t*>(&in->sin_addr), 32};
  }
  if (sa.lpSockaddr->sa_family == AF_INET6 &&
      sa.iSockaddrLength >= static_cast<INT>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa.lpSockaddr);
    return {reinterpret_cast<const uint8_t*>(&in6->sin6_addr), 128};
  }
  return {};
}

bool SamePrefix(const uint8_t* a, const uint8_t* b, ULONG bits) {
  for (ULONG i = 0; i < bits; ++i) {
    const uint8_t mask = static_cast<uint8_t>(0x80 >> (i % 8));
    if ((a[i / 8] & mask) != (b[i / 8] & mask)) return false;
  }
  return true;
}

// XP: the longest network prefix of the adapter that contains `address`.
int PrefixFromList(const RawAddress& address, const IP_ADAPTER_PREFIX_XP* prefix) {
  int best = -1;
  for (int n = 0; prefix != nullptr && n < 4096; prefix = prefix->Next, ++n) {
    const RawAddress net = RawOf(prefix->Address);
    if (net.bits != address.bits || prefix->PrefixLength >= static_cast<ULONG>(address.bits)) {
      continue;
    }
    if (static_cast<int>(prefix->PrefixLength) > best &&
        SamePrefix(net.bytes, address.bytes, prefix->PrefixLength)) {
      best = static_cast<int>(prefix->PrefixLength);
    }
  }
  return best >= 0 ? best : address.bits;
}

int PrefixLengthOf(const IP_ADAPTER_UNICAST_ADDRESS_XP& unicast, const RawAddress& address,
                   const IP_ADAPTER_PREFIX_XP* prefixes) {
  // The Vista layout extends the XP one; Length tells which one Windows filled in.
  constexpr size_t kOnLinkEnd = offsetof(IP_ADAPTER_UNICAST_ADDRESS_LH, OnLinkPrefixLength) + 1;
  if (unicast.Length >= kOnLinkEnd) {
    const auto& lh = reinterpret_cast<const IP_ADAPTER_UNICAST_ADDRESS_LH&>(unicast);
    if (lh.OnLinkPrefixLength <= address.bits) return lh.OnLinkPrefixLength;
  }
  return PrefixFromList(address, prefixes);
}

std::string FormatMac(const BYTE* bytes, DWORD length) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string mac;
  for (DWORD i = 0; i < length && i < MAX_ADAPTER_ADDRESS_LENGTH; ++i) {
    if (i > 0) mac += ':';
    mac += kHex[bytes[i] >> 4];
    mac += kHex[bytes[i] & 0xF];
  }
  return mac;
}

NetworkInterface InterfaceOf(const IP_ADAPTER_ADDRESSES_XP& a) {
  NetworkInterface nic;
  nic.name = a.FriendlyName != nullptr ? win::WideToUtf8(a.FriendlyName, 512) : "";
  if (nic.name.empty() && a.AdapterName != nullptr) nic.name = a.AdapterName;  // "{GUID}"
  nic.description = a.Description != nullptr ? win::WideToUtf8(a.Description, 512) : "";
  nic.mac = FormatMac(a.PhysicalAddress, a.PhysicalAddressLength);
  nic.mtu = a.Mtu;
  nic.up = a.OperStatus == IfOperStatusUp;
  nic.loopback = a.IfType == IF_TYPE_SOFTWARE_LOOPBACK;
  const IP_ADAPTER_UNICAST_ADDRESS_XP* u = a.FirstUnicastAddress;
  for (; u != nullptr && nic.addresses.size() < kMaxAddressesPerInterface; u = u->Next) {
    const RawAddress raw = RawOf(u->Address);
    if (raw.bits == 0) continue;
    const std::string text = raw.bits == 32 ? FormatIpv4(raw.bytes) : FormatIpv6(raw.bytes);
    nic.addresses.push_back(text + "/" + std::to_string(PrefixLengthOf(*u, raw, a.FirstPrefix)));
  }
  return nic;
}

// The adapters, in a buffer aligned for the structures (grown as GetAdaptersAddresses asks).
Result<std::vector<uint64_t>> QueryAdapters() {
  constexpr ULONG kFlags = GAA_FLAG_INCLUDE_PREFIX | GAA_FLAG_SKIP_ANYCAST |
                           GAA_FLAG_SKIP_MULTICAST | GAA_FLAG_SKIP_DNS_SERVER;
  ULONG bytes = kInitialBufferBytes;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::vector<uint64_t> buffer(bytes / sizeof(uint64_t) + 1);
    bytes = static_cast<ULONG>(buffer.size() * sizeof(uint64_t));
    const ULONG rc = GetAdaptersAddresses(
        AF_UNSPEC, kFlags, nullptr, reinterpret_cast<PIP_ADAPTER_ADDRESSES>(buffer.data()), &bytes);
    if (rc == ERROR_SUCCESS) return buffer;
    if (rc == ERROR_NO_DATA) return std::vector<uint64_t>();  // no adapter at all
    if (rc != ERROR_BUFFER_OVERFLOW)
      return Unexpected(win::WinErrorToStatus(rc, "GetAdaptersAddresses"));
  }
  return Unexpected(Aborted("GetAdaptersAddresses: the adapter list kept growing"));
}

}  // namespace

Result<std::vector<NetworkInterface>> ListInterfaces() {
  OTGUARD_ASSIGN_OR_RETURN(std::vector<uint64_t> buffer, QueryAdapters());
  std::vector<NetworkInterface> out;
  if (buffer.empty()) return out;
  const auto* a = reinterpret_cast<const IP_ADAPTER_ADDRESSES_XP*>(buffer.data());
  for (; a != nullptr; a = a->Next) out.push_back(InterfaceOf(*a));
  std::sort(out.begin(), out.end(),
            [](const NetworkInterface& x, const NetworkInterface& y) { return x.name < y.name; });
  return out;
}

}  // namespace otguard::platform
