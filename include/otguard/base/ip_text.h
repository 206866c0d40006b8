// IPv4 and IPv6 addresses and CIDR prefixes in text, parsed without the OS (inet_pton is not on
// Windows XP): for IOC packs, STIX imports and matching connections against them.
//
// Thread-safety: pure functions.
#ifndef OTGUARD_BASE_IP_TEXT_H_
#define OTGUARD_BASE_IP_TEXT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace otguard {

struct IpPrefix {
  int family = 4;                   // 4 or 6
  std::array<uint8_t, 16> bytes{};  // IPv4 in the first 4 bytes
  int length = 32;                  // prefix length: 32 / 128 for a single address
};

// One address, no "/len": "10.0.0.1" (family 4, length 32), "2001:db8::1", "::ffff:1.2.3.4"
// (family 6, length 128), by the rules of ParseIpPrefix. The one IP text parser of otguard.
std::optional<IpPrefix> ParseIpAddress(std::string_view text);

// "45.76.0.0/16", "2001:db8::/32", "10.0.0.1" (length 32), "::ffff:1.2.3.4". nullopt when the
// text is not an address (leading zeros in IPv4 octets are refused: they are octal to some
// parsers), or the length is out of range. A zone ("%eth0") is not accepted.
std::optional<IpPrefix> ParseIpPrefix(std::string_view text);

// True when `address` (a single address, any textual form) lies in `prefix`. An IPv4-mapped
// IPv6 address ("::ffff:45.76.1.2") is compared as the IPv4 address.
bool IpPrefixContains(const IpPrefix& prefix, std::string_view address);

// True when bits beyond the prefix length are set ("45.76.0.1/16"): not a network.
bool IpPrefixHasHostBits(const IpPrefix& prefix);

// The canonical text: dotted quad, RFC 5952 IPv6 (an IPv4-mapped address keeps its dotted quad,
// "::ffff:1.2.3.4"), "/len" unless a single address.
std::string IpPrefixText(const IpPrefix& prefix);

}  // namespace otguard

#endif  // OTGUARD_BASE_IP_TEXT_H_
