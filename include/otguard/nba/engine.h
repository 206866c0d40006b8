// The packet engine: decodes frames, keeps the flow table, reassembles TCP and runs the
// protocol analysers. One Engine is one shard: single-threaded, owns its flows. Analysis (see
// analysis.h) runs several shards on several cores and merges what they observe in packet
// order.
#ifndef OTGUARD_NBA_ENGINE_H_
#define OTGUARD_NBA_ENGINE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "otguard/nba/analyzer.h"
#include "otguard/nba/finding.h"
#include "otguard/nba/flow.h"
#include "otguard/nba/intel.h"
#include "otguard/nba/packet.h"

namespace otguard::nba {

struct EngineOptions {
  size_t max_flows = 2'000'000;  // beyond this the least recently seen flow is evicted
  Micros tcp_idle_timeout = 600 * kMicrosPerSecond;
  Micros udp_idle_timeout = 120 * kMicrosPerSecond;
  Micros other_idle_timeout = 60 * kMicrosPerSecond;
  Micros active_timeout = 3600 * kMicrosPerSecond;
  // Out-of-order bytes buffered per direction before the hole is declared a gap.
  size_t reassembly_limit = 64 * 1024;
  bool analyzers = true;          // false: flows and statistics only
  std::vector<std::string> only;  // run only these analysers (empty: all)
  // Shard selection: this engine keeps only flows with FlowHash % shard_count == shard.
  uint32_t shard = 0, shard_count = 1;
  // Development tap: sees every chunk (or gap, with empty data) delivered to an analyser.
  // Used by the fuzz-corpus tool; leave empty in production.
  std::function<void(const FlowInfo&, std::string_view analyzer, Direction dir,
                     std::span<const uint8_t> data, uint64_t gap)>
      tap;
};

// Receives what the engine sees, in packet order, on the engine's thread.
class FlowObserver {
 public:
  virtual ~FlowObserver() = default;
  virtual void OnFlowStart(const FlowInfo& flow) {}
  // The server sent its first packet (for TCP: SYN-ACK or data): the service exists.
  virtual void OnFlowAnswered(const FlowInfo& flow) {}
  // `packet_index` and `ts`: the packet that made the analyser report.
  virtual void OnFinding(const FlowInfo& flow, const Finding& finding, uint64_t packet_index,
                         Micros ts) {}
  virtual void OnFlowEnd(const FlowInfo& flow, FlowEndReason reason) {}
};

struct EngineCounters {
  uint64_t packets = 0, bytes = 0;
  uint64_t ip_packets = 0;
  std::array<uint64_t, static_cast<size_t>(Anomaly::kCount)> anomalies{};
  uint64_t flows = 0, flows_evicted = 0, flows_idle = 0, flows_active_cut = 0;
  uint64_t reassembly_gaps = 0, reassembly_gap_bytes = 0;
  uint64_t findings = 0;
  // Per analyser: "<name>.<what>" -> count of protocol violations it skipped.
  std::map<std::string, uint64_t> analyzer_anomalies;
  std::map<std::string, uint64_t> analyzer_flows;  // flows each analyser was attached to
  void Add(const EngineCounters& other);
};

// Symmetric hash of a packet's flow key (the same both ways), for sharding.
uint64_t FlowHash(const Packet& p);

class Engine {
 public:
  // `intel` and `observer` must outlive the engine.
  Engine(EngineOptions options, const Intel& intel, FlowObserver& observer);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // One captured frame. `index` numbers packets across all inputs (evidence, ordering).
  void ProcessFrame(int link_type, std::span<const uint8_t> frame, uint32_t wire_len, Micros ts,
                    uint64_t index);
  // An already decoded packet (payload must stay valid during the call).
  void ProcessPacket(const Packet& packet);
  // Ends every flow (kEndOfInput), running the analysers' Finish().
  void Flush();

  const EngineCounters& counters() const;
  size_t active_flows() const;

  class Impl;  // opaque: engine.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace otguard::nba

#endif  // OTGUARD_NBA_ENGINE_H_
