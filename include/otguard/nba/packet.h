// Decoded packets: what the link, network and transport headers of one captured frame say.
// A Packet only points into the captured bytes; it is valid while those bytes are.
#ifndef OTGUARD_NBA_PACKET_H_
#define OTGUARD_NBA_PACKET_H_

#include <array>
#include <compare>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace otguard::nba {

// Microseconds since the Unix epoch (capture time).
using Micros = int64_t;
inline constexpr Micros kMicrosPerSecond = 1'000'000;

// An IPv4 or IPv6 address. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so that one type and one
// comparison serve both families.
struct IpAddress {
  std::array<uint8_t, 16> bytes{};

  static IpAddress V4(const uint8_t octets[4]);
  static IpAddress V6(const uint8_t octets[16]);
  // Dotted quad or RFC 5952 text; nullopt if it is neither.
  static std::optional<IpAddress> Parse(std::string_view text);

  bool is_v4() const;
  std::string ToString() const;
  // Word-wise: every packet compares addresses several times.
  friend bool operator==(const IpAddress& a, const IpAddress& b) {
    uint64_t x[2], y[2];
    std::memcpy(x, a.bytes.data(), 16);
    std::memcpy(y, b.bytes.data(), 16);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  // Byte order (big-endian words), as for std::array.
  friend std::strong_ordering operator<=>(const IpAddress& a, const IpAddress& b) {
    uint64_t x[2], y[2];
    std::memcpy(x, a.bytes.data(), 16);
    std::memcpy(y, b.bytes.data(), 16);
    if (x[0] != y[0]) return __builtin_bswap64(x[0]) <=> __builtin_bswap64(y[0]);
    return __builtin_bswap64(x[1]) <=> __builtin_bswap64(y[1]);
  }
};

template <typename H>
H AbslHashValue(H h, const IpAddress& a) {
  return H::combine_contiguous(std::move(h), a.bytes.data(), a.bytes.size());
}

enum class Transport : uint8_t { kOther = 0, kIcmp = 1, kTcp = 6, kUdp = 17, kIcmpV6 = 58 };
std::string_view TransportName(Transport t);  // "tcp", "udp", "icmp", "ipv6-icmp", "other"

namespace tcp_flags {
inline constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
}

// Input problems the decoder counts instead of failing on. Never fatal: the packet is either
// decoded as far as it goes, or skipped and counted.
enum class Anomaly : uint8_t {
  kTruncatedLink,       // frame shorter than its link header
  kUnsupportedLink,     // a link type other than Ethernet, raw IP, Linux SLL/SLL2, null/loop
  kNotIp,               // ARP, LLDP, STP ...: counted, not analysed
  kTruncatedIp,         // fewer bytes than the IP header says
  kBadIpHeader,         // version, header length or total length impossible
  kIpFragment,          // non-first fragment (not reassembled; first fragments are decoded)
  kTruncatedTransport,  // TCP/UDP header cut by snaplen or a short packet
  kBadTcpOffset,        // TCP data offset below 20 or past the packet
  kBadUdpLength,        // UDP length field below 8 or past the IP payload
  kSnaplenCut,          // payload cut by the capture's snaplen (analysers see a gap)
  kTooManyHeaders,      // more VLAN tags or IPv6 extension headers than we follow
  kBadCaptureLength,    // caplen larger than len, or larger than the buffer
  kCount
};
std::string_view AnomalyName(Anomaly a);

struct Packet {
  Micros ts = 0;
  uint64_t index = 0;  // 0-based position in the input, for evidence and ordering
  IpAddress src, dst;
  uint16_t src_port = 0, dst_port = 0;  // ICMP: type and code
  Transport transport = Transport::kOther;
  uint8_t ip_proto = 0;
  uint8_t tcp_flags = 0;
  uint16_t vlan = 0;  // outermost 802.1Q id, 0 if untagged
  uint32_t seq = 0, ack = 0;
  uint32_t wire_len = 0;             // frame length on the wire
  uint32_t payload_wire_len = 0;     // transport payload length the headers announce
  std::span<const uint8_t> payload;  // captured transport payload (may be shorter: snaplen)
};

// Link types we decode (libpcap DLT_ values).
enum class LinkType : int {
  kNull = 0,
  kEthernet = 1,
  kRaw = 101,
  kLoop = 108,
  kLinuxSll = 113,
  kIpv4 = 228,
  kIpv6 = 229,
  kLinuxSll2 = 276
};

// Decodes one frame. Returns the anomaly that stopped decoding, if any; `out` is filled as far
// as decoding went and is usable (for flow accounting) only when the result is nullopt or
// kSnaplenCut. Never reads outside `frame`.
std::optional<Anomaly> Decode(int link_type, std::span<const uint8_t> frame, uint32_t wire_len,
                              Packet& out);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_PACKET_H_
