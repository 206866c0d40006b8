// Flows: the bidirectional conversations the engine tracks, as observers and analysers see them.
#ifndef OTGUARD_NBA_FLOW_H_
#define OTGUARD_NBA_FLOW_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "otguard/nba/packet.h"

namespace otguard::nba {

// Which way bytes travel. The client is the side that opened the flow (SYN sender) or, for a
// capture that starts mid-stream, the side on the ephemeral port.
enum class Direction : uint8_t { kToServer = 0, kToClient = 1 };
inline int Index(Direction d) { return static_cast<int>(d); }
inline Direction Reverse(Direction d) {
  return d == Direction::kToServer ? Direction::kToClient : Direction::kToServer;
}

struct Endpoint {
  IpAddress ip;
  uint16_t port = 0;
  auto operator<=>(const Endpoint&) const = default;
};

enum class TcpState : uint8_t {
  kNone,         // not TCP
  kSynSent,      // SYN seen
  kEstablished,  // handshake completed, or data seen mid-stream
  kMidStream,    // first packet was not a SYN: the capture started inside the connection
  kClosing,      // FIN seen
  kClosed,       // FIN both ways
  kReset,        // RST seen
};
std::string_view TcpStateName(TcpState s);

enum class FlowEndReason : uint8_t {
  kClosed,         // FIN both ways or RST
  kIdleTimeout,    // no packet for the idle timeout
  kActiveTimeout,  // open for longer than the active timeout: the record is cut, a new one follows
  kEvicted,        // the flow table was full; the least recently seen flow went
  kEndOfInput,     // the capture ended
};
std::string_view FlowEndReasonName(FlowEndReason r);

// A flow as observers see it. Owned by the engine; valid during the callback that passes it.
struct FlowInfo {
  uint64_t id = 0;  // unique within one analysis; stable across threads
  Endpoint client, server;
  Transport transport = Transport::kOther;
  uint16_t vlan = 0;
  TcpState tcp_state = TcpState::kNone;
  Micros first_seen = 0, last_seen = 0;
  uint64_t first_packet_index = 0, last_packet_index = 0;
  uint64_t packets[2] = {0, 0};        // indexed by Direction
  uint64_t bytes[2] = {0, 0};          // wire bytes
  uint64_t payload_bytes[2] = {0, 0};  // transport payload bytes announced by the headers
  // The application protocol an analyser confirmed ("smb", "modbus" ...), empty if none.
  std::string_view app_protocol;
};

// Community ID v1 (corelight/community-id-spec) of the flow's 5-tuple, seed 0: "1:base64".
std::string CommunityId(const FlowInfo& flow);

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_FLOW_H_
