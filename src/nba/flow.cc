#include "otguard/nba/flow.h"

#include <cstring>

#include "otguard/nba/finding.h"
#include "otguard/platform/crypto.h"

namespace otguard::nba {

std::string_view TcpStateName(TcpState s) {
  switch (s) {
    case TcpState::kNone:
      return "none";
    case TcpState::kSynSent:
      return "syn_sent";
    case TcpState::kEstablished:
      return "established";
    case TcpState::kMidStream:
      return "midstream";
    case TcpState::kClosing:
      return "closing";
    case TcpState::kClosed:
      return "closed";
    case TcpState::kReset:
      return "reset";
  }
  return "none";
}

std::string_view FlowEndReasonName(FlowEndReason r) {
  switch (r) {
    case FlowEndReason::kClosed:
      return "closed";
    case FlowEndReason::kIdleTimeout:
      return "idle_timeout";
    case FlowEndReason::kActiveTimeout:
      return "active_timeout";
    case FlowEndReason::kEvicted:
      return "evicted";
    case FlowEndReason::kEndOfInput:
      return "end_of_input";
  }
  return "closed";
}

namespace {

// RFC 4648 base64 with padding.
std::string Base64(std::span<const uint8_t> data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < data.size(); i += 3) {
    uint32_t group = uint32_t{data[i]} << 16;
    if (i + 1 < data.size()) group |= uint32_t{data[i + 1]} << 8;
    if (i + 2 < data.size()) group |= data[i + 2];
    out += kAlphabet[group >> 18 & 63];
    out += kAlphabet[group >> 12 & 63];
    out += i + 1 < data.size() ? kAlphabet[group >> 6 & 63] : '=';
    out += i + 2 < data.size() ? kAlphabet[group & 63] : '=';
  }
  return out;
}

}  // namespace

// Community ID v1: SHA-1 over seed, the ordered addresses, protocol, a pad byte and the ordered
// ports (network byte order), base64 with a "1:" prefix (corelight/community-id-spec).
std::string CommunityId(const FlowInfo& flow) {
  const Endpoint* a = &flow.client;
  const Endpoint* b = &flow.server;
  if (b->ip < a->ip || (b->ip == a->ip && b->port < a->port)) std::swap(a, b);
  uint8_t buf[2 + 16 + 16 + 2 + 4];
  size_t n = 0;
  buf[n++] = 0;  // seed, big endian
  buf[n++] = 0;
  size_t addr_len = a->ip.is_v4() ? 4 : 16;
  size_t addr_off = a->ip.is_v4() ? 12 : 0;
  std::memcpy(buf + n, a->ip.bytes.data() + addr_off, addr_len);
  n += addr_len;
  std::memcpy(buf + n, b->ip.bytes.data() + addr_off, addr_len);
  n += addr_len;
  buf[n++] = static_cast<uint8_t>(flow.transport);
  buf[n++] = 0;
  bool has_ports = flow.transport == Transport::kTcp || flow.transport == Transport::kUdp ||
                   flow.transport == Transport::kIcmp || flow.transport == Transport::kIcmpV6;
  if (has_ports) {
    buf[n++] = a->port >> 8;
    buf[n++] = a->port & 0xff;
    buf[n++] = b->port >> 8;
    buf[n++] = b->port & 0xff;
  }
  Result<std::array<uint8_t, 20>> digest = platform::Sha1(ByteSpan(buf, n));
  if (!digest) return "";  // the platform's hash failed: no ID rather than a wrong one
  return "1:" + Base64(*digest);
}

std::string_view CategoryName(Category c) {
  static constexpr std::string_view kNames[] = {
      "malware",   "exploit",    "lateral-movement", "scan",   "download", "mining",   "c2",
      "ics-write", "new-talker", "new-service",      "policy", "ioc",      "hardening"};
  return kNames[static_cast<size_t>(c)];
}

std::optional<Category> ParseCategory(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(Category::kHardening); ++i) {
    if (CategoryName(static_cast<Category>(i)) == name) return static_cast<Category>(i);
  }
  return std::nullopt;
}

}  // namespace otguard::nba
