#include "otguard/nba/flow.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <cstring>

#include "otguard/nba/finding.h"

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
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(buf, n, digest);
  unsigned char b64[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  int len = EVP_EncodeBlock(b64, digest, SHA_DIGEST_LENGTH);
  return "1:" + std::string(reinterpret_cast<char*>(b64), len);
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
