// Internals of sockets.cc, declared for its tests (IPv6 text as RFC 5952 writes it: XP has no
// inet_ntop).
#ifndef OTGUARD_SRC_PLATFORM_WINDOWS_SOCKETS_INTERNAL_H_
#define OTGUARD_SRC_PLATFORM_WINDOWS_SOCKETS_INTERNAL_H_

#include <string>

namespace otguard::platform::sockets_internal {

std::string FormatIpv4(const unsigned char* bytes);  // 4 bytes, network order
std::string FormatIpv6(const unsigned char* bytes);  // 16 bytes, network order

}  // namespace otguard::platform::sockets_internal

#endif  // OTGUARD_SRC_PLATFORM_WINDOWS_SOCKETS_INTERNAL_H_
