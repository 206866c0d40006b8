// The flow table of one engine shard: canonical keys, slots with stable addresses, and one
// least-recently-seen list per timeout class so that expiry and eviction are O(1) per packet.
#ifndef OTGUARD_SRC_NBA_FLOW_TABLE_H_
#define OTGUARD_SRC_NBA_FLOW_TABLE_H_

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <vector>

#include "otguard/nba/analyzer.h"
#include "otguard/nba/flow.h"
#include "otguard/nba/packet.h"

namespace otguard::nba::internal {

// The same key for both directions: the lower (address, port) endpoint first.
struct FlowKey {
  IpAddress lo_ip, hi_ip;
  uint16_t lo_port = 0, hi_port = 0;
  uint16_t vlan = 0;
  uint8_t proto = 0;
  bool operator==(const FlowKey&) const = default;
  // One multiply-xor pass over the key's words, then absl's own mixing: hashing is on every
  // packet's path, and absl's byte-wise combine of 40 bytes showed in profiles.
  template <typename H>
  friend H AbslHashValue(H h, const FlowKey& k) {
    uint64_t w[4];
    std::memcpy(w, k.lo_ip.bytes.data(), 16);
    std::memcpy(w + 2, k.hi_ip.bytes.data(), 16);
    uint64_t x =
        (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^
        (w[2] * 0x165667b19e3779f9ull) ^ (w[3] * 0x27d4eb2f165667c5ull) ^
        (uint64_t{k.lo_port} << 48 | uint64_t{k.hi_port} << 32 | uint64_t{k.vlan} << 16 | k.proto);
    return H::combine(std::move(h), x);
  }
};
FlowKey KeyOf(const Packet& p);

// A segment that arrived ahead of a hole: what was captured of it, and its length on the wire
// (longer when the capture's snaplen cut it).
struct PendingSegment {
  std::vector<uint8_t> data;
  uint32_t wire_len = 0;
};

// One direction of a TCP byte stream being put back in order.
struct Stream {
  bool seq_known = false;
  uint32_t next_seq = 0;
  uint64_t next_offset = 0;                    // stream offset of next_seq (no wrap-around)
  std::map<uint64_t, PendingSegment> pending;  // out-of-order segments by offset
  size_t pending_bytes = 0;                    // captured bytes buffered
};

class FlowContext;

// Analysis state, allocated only for flows that an analyser claimed.
struct FlowAnalysis {
  FlowAnalysis();
  ~FlowAnalysis();  // in engine.cc, where FlowContext is complete
  std::unique_ptr<FlowContext> ctx;
  std::vector<std::pair<const AnalyzerInfo*, std::unique_ptr<Analyzer>>> analyzers;
  // Analysers that ran on this flow and stopped: never attached again (a probe of the other
  // direction would otherwise start a fresh one and report the flow twice).
  std::vector<const AnalyzerInfo*> retired;
  Stream streams[2];
};

enum class TimeoutClass : uint8_t { kTcp, kUdp, kOther, kClosed, kCount };

struct FlowSlot {
  static constexpr uint32_t kNone = UINT32_MAX;
  FlowKey key;
  FlowInfo info;
  bool in_use = false;
  bool client_is_lo = false;
  bool fin[2] = {false, false};
  uint8_t probed = 0;  // bit per direction: first payload already probed
  TimeoutClass timeout_class = TimeoutClass::kOther;
  uint32_t self = kNone;                // this slot's index
  uint32_t prev = kNone, next = kNone;  // LRU links within timeout_class
  std::unique_ptr<FlowAnalysis> analysis;
};

class FlowTable {
 public:
  // Returns the slot for `key`, or nullptr.
  FlowSlot* Find(const FlowKey& key);
  FlowSlot* Insert(const FlowKey& key);
  void Erase(FlowSlot* slot);
  // Marks the slot as just seen (moves it to the tail of its class list).
  void Touch(FlowSlot* slot);
  void SetClass(FlowSlot* slot, TimeoutClass c);
  // Oldest slot of a class, or nullptr.
  FlowSlot* Oldest(TimeoutClass c);
  size_t size() const { return index_.size(); }
  template <typename F>
  void ForEach(F f) {
    for (auto& s : slots_)
      if (s.in_use) f(s);
  }

 private:
  static uint32_t IndexOf(const FlowSlot* slot) { return slot->self; }
  void Unlink(uint32_t i);
  void LinkTail(uint32_t i);

  absl::flat_hash_map<FlowKey, uint32_t> index_;
  std::deque<FlowSlot> slots_;  // stable addresses
  std::vector<uint32_t> free_;
  std::vector<FlowSlot*> by_index_;
  struct List {
    uint32_t head = FlowSlot::kNone, tail = FlowSlot::kNone;
  };
  std::array<List, static_cast<size_t>(TimeoutClass::kCount)> lists_;
};

}  // namespace otguard::nba::internal

#endif  // OTGUARD_SRC_NBA_FLOW_TABLE_H_
