// Fuzz target for the whole packet path: link/IP/transport decoding, the flow table (with a
// small table so that eviction happens), idle and active timeouts, TCP reassembly and every
// built-in protocol analyser, as a capture would drive them.
//
// Input: frames of [control:1][length:2 little endian][bytes]. The control byte chooses
//   bits 0-2: the link type (Ethernet, raw IP, Linux SLL, SLL2, null, loop, IPv4, Ethernet),
//   bit 3:    the frame was cut by a snaplen (its wire length is larger than what follows),
//   bits 4-7: how far the clock moves before this frame (including backwards), so that flows
//             time out, get cut by the active timeout and arrive out of order.
// After the last frame the engine is flushed, ending every flow.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "otguard/nba/engine.h"
#include "otguard/nba/intel.h"
#include "otguard/nba/packet.h"

namespace {

using namespace otguard::nba;

constexpr std::array<int, 8> kLinkTypes = {
    static_cast<int>(LinkType::kEthernet), static_cast<int>(LinkType::kRaw),
    static_cast<int>(LinkType::kLinuxSll), static_cast<int>(LinkType::kLinuxSll2),
    static_cast<int>(LinkType::kNull),     static_cast<int>(LinkType::kLoop),
    static_cast<int>(LinkType::kIpv4),     static_cast<int>(LinkType::kEthernet)};

// Clock steps chosen to cross the timeouts below.
constexpr std::array<Micros, 16> kClockSteps = {0,
                                                1,
                                                1'000,
                                                100'000,
                                                kMicrosPerSecond,
                                                3 * kMicrosPerSecond,
                                                10 * kMicrosPerSecond,
                                                31 * kMicrosPerSecond,
                                                61 * kMicrosPerSecond,
                                                121 * kMicrosPerSecond,
                                                601 * kMicrosPerSecond,
                                                3601 * kMicrosPerSecond,
                                                -1,
                                                -kMicrosPerSecond,
                                                -100 * kMicrosPerSecond,
                                                0};

const Intel& FuzzIntel() {
  static const Intel* intel = [] {
    auto* i = new Intel();
    i->AddPoolDomain("minergate.com");
    i->AddPoolDomain("nanopool.org");
    i->AddPoolDomain("supportxmr.com");
    for (uint16_t port : {3333, 4444, 5555, 7777, 9999, 14444, 45560}) i->AddPoolPort(port);
    i->AddService(Transport::kTcp, 445, {"smb", false, false});
    i->AddService(Transport::kTcp, 139, {"netbios-ssn", false, false});
    i->AddService(Transport::kTcp, 80, {"http", true, false});
    i->AddService(Transport::kTcp, 502, {"modbus", false, true});
    i->AddService(Transport::kTcp, 102, {"s7comm", false, true});
    i->AddService(Transport::kTcp, 44818, {"enip", false, true});
    i->AddService(Transport::kUdp, 53, {"dns", false, false});
    i->AddService(Transport::kUdp, 137, {"netbios-ns", false, false});
    return i;
  }();
  return *intel;
}

// Everything the engine reports must be usable by the writers downstream.
class CheckingObserver final : public FlowObserver {
 public:
  void OnFinding(const FlowInfo& flow, const Finding& f, uint64_t, Micros) override {
    if (f.rule.empty() || f.rule.find('.') == std::string::npos) std::abort();
    if (!f.fields.is_object()) std::abort();
    // The alert writer dumps fields; bytes from the wire must not make that throw.
    (void)f.fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    (void)CommunityId(flow);
  }
  void OnFlowEnd(const FlowInfo& flow, FlowEndReason) override {
    if (flow.packets[0] + flow.packets[1] == 0) std::abort();  // a flow without a packet
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  EngineOptions options;
  options.max_flows = 64;
  options.tcp_idle_timeout = 60 * kMicrosPerSecond;
  options.udp_idle_timeout = 10 * kMicrosPerSecond;
  options.other_idle_timeout = 3 * kMicrosPerSecond;
  options.active_timeout = 600 * kMicrosPerSecond;
  options.reassembly_limit = 4096;
  CheckingObserver observer;
  Engine engine(options, FuzzIntel(), observer);

  std::span<const uint8_t> in(data, size);
  Micros ts = 1'500'000'000LL * kMicrosPerSecond;
  uint64_t index = 0;
  while (in.size() >= 3) {
    uint8_t control = in[0];
    size_t len = std::min<size_t>(in[1] | size_t{in[2]} << 8, in.size() - 3);
    std::span<const uint8_t> frame = in.subspan(3, len);
    in = in.subspan(3 + len);
    ts += kClockSteps[control >> 4];
    uint32_t wire_len = static_cast<uint32_t>(len) + ((control & 0x08) ? 1460 : 0);
    engine.ProcessFrame(kLinkTypes[control & 0x07], frame, wire_len, ts, index++);
  }
  engine.Flush();
  if (engine.active_flows() != 0) std::abort();  // Flush ends every flow
  const EngineCounters& c = engine.counters();
  if (c.packets != index || c.ip_packets > c.packets) std::abort();
  return 0;
}
