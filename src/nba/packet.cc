// Frame decoding: Ethernet (with 802.1Q/QinQ), Linux cooked, null/loop and raw IP; IPv4, IPv6
// (with extension headers), TCP, UDP, ICMP. Every length field is checked against the bytes
// that are really there before it is used.
#include "otguard/nba/packet.h"

#include <algorithm>
#include <cstring>

#include "otguard/base/ip_text.h"

namespace otguard::nba {
namespace {

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86dd, kEtherVlan = 0x8100,
                   kEtherQinQ = 0x88a8, kEtherVlan9100 = 0x9100;
constexpr int kMaxVlanTags = 4;
constexpr int kMaxIpv6ExtHeaders = 8;

uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

using Bytes = std::span<const uint8_t>;

// Transport header at `l4` (captured bytes); `l4_wire_len` is what the IP header announces.
std::optional<Anomaly> DecodeTransport(Bytes l4, uint32_t l4_wire_len, Packet& out) {
  auto set_payload = [&](size_t header_len) -> std::optional<Anomaly> {
    out.payload_wire_len = l4_wire_len > header_len ? l4_wire_len - header_len : 0;
    size_t captured = l4.size() - header_len;
    out.payload = l4.subspan(header_len, std::min<size_t>(captured, out.payload_wire_len));
    if (out.payload.size() < out.payload_wire_len) return Anomaly::kSnaplenCut;
    return std::nullopt;
  };
  switch (out.ip_proto) {
    case 6: {
      out.transport = Transport::kTcp;
      if (l4.size() < 20) return Anomaly::kTruncatedTransport;
      out.src_port = Be16(&l4[0]);
      out.dst_port = Be16(&l4[2]);
      out.seq = Be32(&l4[4]);
      out.ack = Be32(&l4[8]);
      size_t offset = (l4[12] >> 4) * 4u;
      out.tcp_flags = l4[13];
      if (offset < 20 || offset > l4_wire_len) return Anomaly::kBadTcpOffset;
      if (offset > l4.size()) return Anomaly::kTruncatedTransport;
      return set_payload(offset);
    }
    case 17: {
      out.transport = Transport::kUdp;
      if (l4.size() < 8) return Anomaly::kTruncatedTransport;
      out.src_port = Be16(&l4[0]);
      out.dst_port = Be16(&l4[2]);
      uint16_t udp_len = Be16(&l4[4]);
      if (udp_len < 8 || udp_len > l4_wire_len) return Anomaly::kBadUdpLength;
      l4_wire_len = udp_len;
      l4 = l4.first(std::min<size_t>(l4.size(), udp_len));
      return set_payload(8);
    }
    case 1:
    case 58: {
      out.transport = out.ip_proto == 1 ? Transport::kIcmp : Transport::kIcmpV6;
      if (l4.size() < 4) return Anomaly::kTruncatedTransport;
      out.src_port = l4[0];  // type
      out.dst_port = l4[1];  // code
      return set_payload(4);
    }
    default:
      out.transport = Transport::kOther;
      out.payload_wire_len = l4_wire_len;
      out.payload = l4.first(std::min<size_t>(l4.size(), l4_wire_len));
      return std::nullopt;
  }
}

std::optional<Anomaly> DecodeIpv4(Bytes ip, Packet& out) {
  if (ip.size() < 20) return Anomaly::kTruncatedIp;
  if ((ip[0] >> 4) != 4) return Anomaly::kBadIpHeader;
  size_t ihl = (ip[0] & 0x0f) * 4u;
  uint16_t total = Be16(&ip[2]);
  if (ihl < 20 || total < ihl) return Anomaly::kBadIpHeader;
  if (ip.size() < ihl) return Anomaly::kTruncatedIp;
  out.src = IpAddress::V4(&ip[12]);
  out.dst = IpAddress::V4(&ip[16]);
  out.ip_proto = ip[9];
  uint16_t frag = Be16(&ip[6]);
  if ((frag & 0x1fff) != 0) return Anomaly::kIpFragment;
  // Some NICs capture with total length 0 (TSO); trust the captured length then.
  uint32_t wire = total == 0 ? static_cast<uint32_t>(ip.size()) : total;
  Bytes captured = ip.first(std::min<size_t>(ip.size(), wire));
  return DecodeTransport(captured.subspan(ihl), wire - static_cast<uint32_t>(ihl), out);
}

bool IsIpv6Extension(uint8_t next) {
  return next == 0 || next == 43 || next == 60 || next == 51 || next == 135 || next == 44;
}

std::optional<Anomaly> DecodeIpv6(Bytes ip, Packet& out) {
  if (ip.size() < 40) return Anomaly::kTruncatedIp;
  if ((ip[0] >> 4) != 6) return Anomaly::kBadIpHeader;
  uint32_t payload_len = Be16(&ip[4]);
  out.src = IpAddress::V6(&ip[8]);
  out.dst = IpAddress::V6(&ip[24]);
  uint8_t next = ip[6];
  size_t offset = 40;
  size_t end = std::min<size_t>(ip.size(), 40 + size_t{payload_len});
  for (int i = 0; IsIpv6Extension(next); ++i) {
    if (i == kMaxIpv6ExtHeaders) return Anomaly::kTooManyHeaders;
    if (offset + 8 > end) return Anomaly::kTruncatedIp;
    if (next == 44) {  // fragment header
      uint16_t frag = Be16(&ip[offset + 2]);
      if ((frag & 0xfff8) != 0) return Anomaly::kIpFragment;
      next = ip[offset];
      offset += 8;
      continue;
    }
    size_t len = next == 51 ? (ip[offset + 1] + 2u) * 4u : (ip[offset + 1] + 1u) * 8u;
    next = ip[offset];
    offset += len;
  }
  if (offset > 40 + size_t{payload_len}) return Anomaly::kBadIpHeader;
  if (offset > end) return Anomaly::kTruncatedIp;
  out.ip_proto = next;
  uint32_t wire = payload_len + 40 - static_cast<uint32_t>(offset);
  return DecodeTransport(ip.subspan(offset, end - offset), wire, out);
}

std::optional<Anomaly> DecodeByEtherType(uint16_t type, Bytes rest, Packet& out) {
  if (type == kEtherIpv4) return DecodeIpv4(rest, out);
  if (type == kEtherIpv6) return DecodeIpv6(rest, out);
  return Anomaly::kNotIp;
}

std::optional<Anomaly> DecodeEthernet(Bytes f, Packet& out) {
  if (f.size() < 14) return Anomaly::kTruncatedLink;
  uint16_t type = Be16(&f[12]);
  size_t offset = 14;
  for (int tags = 0; type == kEtherVlan || type == kEtherQinQ || type == kEtherVlan9100; ++tags) {
    if (tags == kMaxVlanTags) return Anomaly::kTooManyHeaders;
    if (f.size() < offset + 4) return Anomaly::kTruncatedLink;
    if (tags == 0) out.vlan = Be16(&f[offset]) & 0x0fff;
    type = Be16(&f[offset + 2]);
    offset += 4;
  }
  return DecodeByEtherType(type, f.subspan(offset), out);
}

std::optional<Anomaly> DecodeRawIp(Bytes f, Packet& out) {
  if (f.empty()) return Anomaly::kTruncatedLink;
  switch (f[0] >> 4) {
    case 4:
      return DecodeIpv4(f, out);
    case 6:
      return DecodeIpv6(f, out);
    default:
      return Anomaly::kNotIp;
  }
}

}  // namespace

IpAddress IpAddress::V4(const uint8_t octets[4]) {
  IpAddress a;
  a.bytes[10] = a.bytes[11] = 0xff;
  std::memcpy(&a.bytes[12], octets, 4);
  return a;
}

IpAddress IpAddress::V6(const uint8_t octets[16]) {
  IpAddress a;
  std::memcpy(a.bytes.data(), octets, 16);
  return a;
}

bool IpAddress::is_v4() const {
  static constexpr uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(bytes.data(), kPrefix, 12) == 0;
}

// Text through base/ip_text, the one IP parser and formatter (the same rules as IOC packs).
std::string IpAddress::ToString() const {
  IpPrefix p;
  if (is_v4()) {
    p.family = 4;
    p.length = 32;
    std::copy(bytes.begin() + 12, bytes.end(), p.bytes.begin());
  } else {
    p.family = 6;
    p.length = 128;
    p.bytes = bytes;
  }
  return IpPrefixText(p);
}

std::optional<IpAddress> IpAddress::Parse(std::string_view text) {
  std::optional<IpPrefix> p = ParseIpAddress(text);
  if (!p) return std::nullopt;
  return p->family == 4 ? V4(p->bytes.data()) : V6(p->bytes.data());
}

std::string_view TransportName(Transport t) {
  switch (t) {
    case Transport::kTcp:
      return "tcp";
    case Transport::kUdp:
      return "udp";
    case Transport::kIcmp:
      return "icmp";
    case Transport::kIcmpV6:
      return "ipv6-icmp";
    case Transport::kOther:
      break;
  }
  return "other";
}

std::string_view AnomalyName(Anomaly a) {
  static constexpr std::string_view kNames[] = {
      "truncated_link",      "unsupported_link", "not_ip",
      "truncated_ip",        "bad_ip_header",    "ip_fragment",
      "truncated_transport", "bad_tcp_offset",   "bad_udp_length",
      "snaplen_cut",         "too_many_headers", "bad_capture_length"};
  static_assert(std::size(kNames) == static_cast<size_t>(Anomaly::kCount));
  return kNames[static_cast<size_t>(a)];
}

std::optional<Anomaly> Decode(int link_type, std::span<const uint8_t> frame, uint32_t wire_len,
                              Packet& out) {
  out.wire_len = wire_len;
  switch (static_cast<LinkType>(link_type)) {
    case LinkType::kEthernet:
      return DecodeEthernet(frame, out);
    case LinkType::kRaw:
    case LinkType::kIpv4:
    case LinkType::kIpv6:
      return DecodeRawIp(frame, out);
    case LinkType::kNull:
    case LinkType::kLoop:
      if (frame.size() < 4) return Anomaly::kTruncatedLink;
      return DecodeRawIp(frame.subspan(4), out);
    case LinkType::kLinuxSll:
      if (frame.size() < 16) return Anomaly::kTruncatedLink;
      return DecodeByEtherType(Be16(&frame[14]), frame.subspan(16), out);
    case LinkType::kLinuxSll2:
      if (frame.size() < 20) return Anomaly::kTruncatedLink;
      return DecodeByEtherType(Be16(&frame[0]), frame.subspan(20), out);
  }
  return Anomaly::kUnsupportedLink;
}

}  // namespace otguard::nba
