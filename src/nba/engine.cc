// The per-shard packet path: decode, flow lookup, accounting, analyser dispatch with TCP
// reassembly. Allocation-free for packets of flows that no analyser claimed.
#include "otguard/nba/engine.h"

#include <absl/hash/hash.h>

#include <algorithm>
#include <cstring>
#include <exception>

#include "flow_table.h"
#include "reassembly.h"

namespace otguard::nba {

using internal::FlowAnalysis;
using internal::FlowKey;
using internal::FlowSlot;
using internal::TimeoutClass;

// Times are kept within [1970, 9999] so that differences of two times never overflow.
constexpr Micros kMaxMicros = 253402300799 * kMicrosPerSecond;

namespace {

bool ServesPort(const AnalyzerInfo& a, Transport t, uint16_t port) {
  auto has = [port](const std::vector<uint16_t>& v) {
    return std::find(v.begin(), v.end(), port) != v.end();
  };
  if (a.transport == t) return has(a.ports);
  return t == Transport::kUdp && has(a.udp_ports);
}

// A fast 64-bit mix of one endpoint (splitmix64 finaliser over its words).
uint64_t MixEndpoint(const IpAddress& ip, uint16_t port) {
  uint64_t w[2];
  std::memcpy(w, ip.bytes.data(), 16);
  uint64_t h = w[0] * 0x9e3779b97f4a7c15ull ^ w[1] ^ (uint64_t{port} << 48);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

// The sum of the two endpoints' mixes is the same both ways. Not absl::Hash: shards of one
// analysis and the tools that check them must agree, and absl's seed may differ between
// processes. Every shard computes it for every packet, so it must be cheap.
uint64_t FlowHash(const Packet& p) {
  bool icmp = p.transport == Transport::kIcmp || p.transport == Transport::kIcmpV6;
  uint64_t h =
      MixEndpoint(p.src, icmp ? 0 : p.src_port) + MixEndpoint(p.dst, icmp ? 0 : p.dst_port);
  return h ^ (uint64_t{p.ip_proto} * 0x9e3779b97f4a7c15ull);
}

void EngineCounters::Add(const EngineCounters& o) {
  packets += o.packets;
  bytes += o.bytes;
  ip_packets += o.ip_packets;
  for (size_t i = 0; i < anomalies.size(); ++i) anomalies[i] += o.anomalies[i];
  flows += o.flows;
  flows_evicted += o.flows_evicted;
  flows_idle += o.flows_idle;
  flows_active_cut += o.flows_active_cut;
  reassembly_gaps += o.reassembly_gaps;
  reassembly_gap_bytes += o.reassembly_gap_bytes;
  findings += o.findings;
  for (const auto& [k, v] : o.analyzer_anomalies) analyzer_anomalies[k] += v;
  for (const auto& [k, v] : o.analyzer_flows) analyzer_flows[k] += v;
}

class Engine::Impl {
 public:
  Impl(EngineOptions options, const Intel& intel, FlowObserver& observer);

  void ProcessPacket(const Packet& p);
  void Flush();

  EngineOptions options_;
  const Intel& intel_;
  FlowObserver& observer_;
  EngineCounters counters_;
  internal::FlowTable table_;
  std::vector<const AnalyzerInfo*> analyzers_;
  Micros now_ = 0;
  uint64_t packet_index_ = 0;
  Micros next_expire_ = 0;
  static constexpr Micros kExpireInterval = kMicrosPerSecond / 10;

 private:
  friend class internal::FlowContext;
  FlowSlot* Lookup(const Packet& p, bool& created);
  FlowSlot* Create(const FlowKey& key, const Packet& p);
  void Expire(Micros now);
  void EndFlow(FlowSlot* slot, FlowEndReason reason);
  void Account(FlowSlot* slot, const Packet& p, Direction dir);
  void Attach(FlowSlot* slot, const AnalyzerInfo* info);
  void AttachByPort(FlowSlot* slot);
  void Probe(FlowSlot* slot, Direction dir, std::span<const uint8_t> payload);
  void Analyse(FlowSlot* slot, const Packet& p, Direction dir);
  void DeliverAll(FlowSlot* slot, Direction dir, std::span<const uint8_t> data);
  void GapAll(FlowSlot* slot, Direction dir, uint64_t len);
  void FinishAll(FlowSlot* slot);
  void DropStopped(FlowSlot* slot);
  void MatchWatchlist(const FlowInfo& flow, const Packet& p);
  bool IsServicePort(Transport t, uint16_t port) const;
  Micros IdleTimeout(TimeoutClass c) const;
};

namespace internal {

class FlowContext final : public AnalyzerContext {
 public:
  FlowContext(Engine::Impl& engine, FlowSlot& slot) : engine_(engine), slot_(slot) {}
  const FlowInfo& flow() const override { return slot_.info; }
  const Intel& intel() const override { return engine_.intel_; }
  Micros now() const override { return engine_.now_; }
  uint64_t packet_index() const override { return engine_.packet_index_; }
  void Report(Finding finding) override {
    ++engine_.counters_.findings;
    engine_.observer_.OnFinding(slot_.info, finding, engine_.packet_index_, engine_.now_);
  }
  void ConfirmProtocol(std::string_view name) override {
    if (slot_.info.app_protocol.empty()) slot_.info.app_protocol = name;
  }
  void Anomaly(std::string_view what) override {
    std::string key(current_);
    key += '.';
    key += what;
    ++engine_.counters_.analyzer_anomalies[key];
  }
  void set_current(std::string_view name) { current_ = name; }

 private:
  Engine::Impl& engine_;
  FlowSlot& slot_;
  std::string_view current_;
};

FlowAnalysis::FlowAnalysis() = default;
FlowAnalysis::~FlowAnalysis() {
  analyzers.clear();  // analysers refer to ctx: they go first
}

}  // namespace internal

Engine::Impl::Impl(EngineOptions options, const Intel& intel, FlowObserver& observer)
    : options_(std::move(options)), intel_(intel), observer_(observer) {
  if (!options_.analyzers) return;
  for (const AnalyzerInfo* info : BuiltinAnalyzers()) {
    if (!options_.only.empty() &&
        std::find(options_.only.begin(), options_.only.end(), info->name) == options_.only.end()) {
      continue;
    }
    analyzers_.push_back(info);
  }
}

Micros Engine::Impl::IdleTimeout(TimeoutClass c) const {
  switch (c) {
    case TimeoutClass::kTcp:
      return options_.tcp_idle_timeout;
    case TimeoutClass::kUdp:
      return options_.udp_idle_timeout;
    case TimeoutClass::kClosed:
      return std::min<Micros>(options_.tcp_idle_timeout, 30 * kMicrosPerSecond);
    default:
      return options_.other_idle_timeout;
  }
}

void Engine::Impl::Expire(Micros now) {
  for (size_t c = 0; c < static_cast<size_t>(TimeoutClass::kCount); ++c) {
    auto cls = static_cast<TimeoutClass>(c);
    Micros timeout = IdleTimeout(cls);
    while (FlowSlot* oldest = table_.Oldest(cls)) {
      if (now - oldest->info.last_seen <= timeout) break;
      if (cls == TimeoutClass::kClosed) {
        EndFlow(oldest, FlowEndReason::kClosed);
      } else {
        ++counters_.flows_idle;
        EndFlow(oldest, FlowEndReason::kIdleTimeout);
      }
    }
  }
}

void Engine::Impl::EndFlow(FlowSlot* slot, FlowEndReason reason) {
  if (slot->analysis) {
    // What analysers report when the flow ends belongs to the flow's last packet, not to
    // whichever packet made the engine notice the end (that differs between shard counts).
    Micros now = now_;
    uint64_t index = packet_index_;
    now_ = slot->info.last_seen;
    packet_index_ = slot->info.last_packet_index;
    FinishAll(slot);
    now_ = now;
    packet_index_ = index;
  }
  observer_.OnFlowEnd(slot->info, reason);
  table_.Erase(slot);
}

bool Engine::Impl::IsServicePort(Transport t, uint16_t port) const {
  if (intel_.Service(t, port) != nullptr) return true;
  for (const AnalyzerInfo* a : analyzers_) {
    if (ServesPort(*a, t, port)) return true;
  }
  return false;
}

FlowSlot* Engine::Impl::Create(const FlowKey& key, const Packet& p) {
  if (table_.size() >= options_.max_flows) {
    // Evict the least recently seen flow of any class.
    FlowSlot* victim = nullptr;
    for (size_t c = 0; c < static_cast<size_t>(TimeoutClass::kCount); ++c) {
      FlowSlot* s = table_.Oldest(static_cast<TimeoutClass>(c));
      if (s && (!victim || s->info.last_seen < victim->info.last_seen)) victim = s;
    }
    if (victim) {
      ++counters_.flows_evicted;
      EndFlow(victim, FlowEndReason::kEvicted);
    }
  }
  FlowSlot* slot = table_.Insert(key);
  ++counters_.flows;
  // Who is the client: the SYN sender; mid-stream, the side that is not on a service port.
  bool sender_is_client = true;
  const bool syn = p.transport == Transport::kTcp && (p.tcp_flags & tcp_flags::kSyn);
  if (syn) {
    sender_is_client = !(p.tcp_flags & tcp_flags::kAck);
  } else {
    bool src_service = IsServicePort(p.transport, p.src_port);
    bool dst_service = IsServicePort(p.transport, p.dst_port);
    if (src_service != dst_service) {
      sender_is_client = dst_service;
    } else if ((p.src_port < 1024) != (p.dst_port < 1024)) {
      sender_is_client = p.dst_port < 1024;
    } else if ((p.src_port >= 32768) != (p.dst_port >= 32768)) {
      sender_is_client = p.src_port >= 32768;
    }
  }
  FlowInfo& info = slot->info;
  info.id = p.index + 1;
  info.first_packet_index = p.index;
  info.client = sender_is_client ? Endpoint{p.src, p.src_port} : Endpoint{p.dst, p.dst_port};
  info.server = sender_is_client ? Endpoint{p.dst, p.dst_port} : Endpoint{p.src, p.src_port};
  if (p.transport == Transport::kIcmp || p.transport == Transport::kIcmpV6) {
    info.client.port = info.server.port = 0;
  }
  info.transport = p.transport;
  info.vlan = p.vlan;
  info.first_seen = info.last_seen = p.ts;
  slot->client_is_lo = info.client.ip == key.lo_ip && info.client.port == key.lo_port;
  if (p.transport == Transport::kTcp) {
    info.tcp_state = syn ? TcpState::kSynSent : TcpState::kMidStream;
    table_.SetClass(slot, TimeoutClass::kTcp);
  } else if (p.transport == Transport::kUdp) {
    table_.SetClass(slot, TimeoutClass::kUdp);
  }
  if (!analyzers_.empty()) AttachByPort(slot);
  return slot;
}

void Engine::Impl::Attach(FlowSlot* slot, const AnalyzerInfo* info) {
  if (!slot->analysis) {
    slot->analysis = std::make_unique<FlowAnalysis>();
    slot->analysis->ctx = std::make_unique<internal::FlowContext>(*this, *slot);
  }
  for (const auto& [existing, a] : slot->analysis->analyzers) {
    if (existing == info) return;
  }
  const auto& retired = slot->analysis->retired;
  if (std::find(retired.begin(), retired.end(), info) != retired.end()) return;
  slot->analysis->ctx->set_current(info->name);
  try {
    std::unique_ptr<Analyzer> a = info->create(*slot->analysis->ctx);
    if (!a) return;
    slot->analysis->analyzers.emplace_back(info, std::move(a));
    ++counters_.analyzer_flows[std::string(info->name)];
  } catch (const std::exception&) {
    slot->analysis->ctx->Anomaly("exception");
  }
}

void Engine::Impl::AttachByPort(FlowSlot* slot) {
  for (const AnalyzerInfo* a : analyzers_) {
    if (ServesPort(*a, slot->info.transport, slot->info.server.port)) Attach(slot, a);
  }
}

void Engine::Impl::Probe(FlowSlot* slot, Direction dir, std::span<const uint8_t> payload) {
  slot->probed |= 1 << Index(dir);
  std::span<const uint8_t> head = payload.first(std::min<size_t>(payload.size(), 64));
  for (const AnalyzerInfo* a : analyzers_) {
    if (a->transport != slot->info.transport || a->probe == nullptr) continue;
    if (a->probe(dir, head)) Attach(slot, a);
  }
}

void Engine::Impl::Account(FlowSlot* slot, const Packet& p, Direction dir) {
  FlowInfo& info = slot->info;
  int d = Index(dir);
  ++info.packets[d];
  info.bytes[d] += p.wire_len;
  info.payload_bytes[d] += p.payload_wire_len;
  info.last_seen = std::max(info.last_seen, p.ts);
  info.last_packet_index = p.index;
  if (p.transport != Transport::kTcp) return;
  uint8_t f = p.tcp_flags;
  if (f & tcp_flags::kRst) {
    info.tcp_state = TcpState::kReset;
  } else if (f & tcp_flags::kFin) {
    slot->fin[d] = true;
    info.tcp_state = slot->fin[0] && slot->fin[1] ? TcpState::kClosed : TcpState::kClosing;
  } else if (info.tcp_state == TcpState::kSynSent && (f & tcp_flags::kAck) &&
             dir == Direction::kToServer && !(f & tcp_flags::kSyn)) {
    info.tcp_state = TcpState::kEstablished;
  }
  if (info.tcp_state == TcpState::kReset || info.tcp_state == TcpState::kClosed) {
    table_.SetClass(slot, TimeoutClass::kClosed);
  }
}

void Engine::Impl::DeliverAll(FlowSlot* slot, Direction dir, std::span<const uint8_t> data) {
  for (auto& [info, a] : slot->analysis->analyzers) {
    if (!a || a->stopped()) continue;
    slot->analysis->ctx->set_current(info->name);
    if (options_.tap) options_.tap(slot->info, info->name, dir, data, 0);
    try {
      a->Deliver(dir, data);
    } catch (const std::exception&) {
      slot->analysis->ctx->Anomaly("exception");
      a.reset();
    }
  }
}

void Engine::Impl::GapAll(FlowSlot* slot, Direction dir, uint64_t len) {
  ++counters_.reassembly_gaps;
  counters_.reassembly_gap_bytes += len;
  for (auto& [info, a] : slot->analysis->analyzers) {
    if (!a || a->stopped()) continue;
    slot->analysis->ctx->set_current(info->name);
    if (options_.tap) options_.tap(slot->info, info->name, dir, {}, len);
    try {
      a->Gap(dir, len);
    } catch (const std::exception&) {
      slot->analysis->ctx->Anomaly("exception");
      a.reset();
    }
  }
}

void Engine::Impl::FinishAll(FlowSlot* slot) {
  FlowAnalysis& fa = *slot->analysis;
  for (Direction dir : {Direction::kToServer, Direction::kToClient}) {
    internal::FlushPending(
        fa.streams[Index(dir)], [&](std::span<const uint8_t> d) { DeliverAll(slot, dir, d); },
        [&](uint64_t gap) { GapAll(slot, dir, gap); });
  }
  for (auto& [info, a] : fa.analyzers) {
    if (!a || a->stopped()) continue;
    fa.ctx->set_current(info->name);
    try {
      a->Finish();
    } catch (const std::exception&) {
      fa.ctx->Anomaly("exception");
    }
  }
}

void Engine::Impl::DropStopped(FlowSlot* slot) {
  auto& list = slot->analysis->analyzers;
  std::erase_if(list, [&](const auto& e) {
    bool done = !e.second || e.second->stopped();
    if (done) slot->analysis->retired.push_back(e.first);
    return done;
  });
  // Keep the (empty) analysis once every analyser is gone so that the flow is not probed
  // again; streams are no longer needed.
  if (list.empty()) {
    for (auto& s : slot->analysis->streams) s = internal::Stream();
  }
}

void Engine::Impl::Analyse(FlowSlot* slot, const Packet& p, Direction dir) {
  if (!(slot->probed & (1 << Index(dir))) && !p.payload.empty()) {
    Probe(slot, dir, p.payload);
  }
  if (!slot->analysis || slot->analysis->analyzers.empty()) return;
  auto deliver = [&](std::span<const uint8_t> d) { DeliverAll(slot, dir, d); };
  auto gap = [&](uint64_t len) { GapAll(slot, dir, len); };
  if (p.transport == Transport::kTcp) {
    internal::Reassemble(slot->analysis->streams[Index(dir)], p, options_.reassembly_limit, deliver,
                         gap);
  } else if (!p.payload.empty()) {
    deliver(p.payload);
    if (p.payload.size() < p.payload_wire_len) gap(p.payload_wire_len - p.payload.size());
  }
  DropStopped(slot);
}

// IOC addresses and ports are a property of the flow, not of a protocol: checked once, when
// the flow starts, whatever analysers run.
void Engine::Impl::MatchWatchlist(const FlowInfo& flow, const Packet& p) {
  const Watchlist& watchlist = intel_.watchlist();
  std::vector<WireMatch> matches = watchlist.MatchFlow(flow);
  if (matches.empty()) return;
  const bool ports = flow.transport == Transport::kTcp || flow.transport == Transport::kUdp;
  auto text = [&](const Endpoint& e) {
    std::string ip = e.ip.ToString();
    if (!ports) return ip;
    return (e.ip.is_v4() ? ip : "[" + ip + "]") + ":" + std::to_string(e.port);
  };
  const std::string value = std::string(TransportName(flow.transport)) + " " + text(flow.client) +
                            " -> " + text(flow.server);
  for (const WireMatch& m : matches) {
    ++counters_.findings;
    observer_.OnFinding(flow, IocFinding(watchlist.indicators()[m.indicator], m, value, "flow"),
                        p.index, p.ts);
  }
}

FlowSlot* Engine::Impl::Lookup(const Packet& p, bool& created) {
  FlowKey key = internal::KeyOf(p);
  FlowSlot* slot = table_.Find(key);
  if (slot && p.ts - slot->info.first_seen > options_.active_timeout) {
    ++counters_.flows_active_cut;
    EndFlow(slot, FlowEndReason::kActiveTimeout);
    slot = nullptr;
  }
  if (slot && slot->timeout_class == TimeoutClass::kClosed && p.transport == Transport::kTcp &&
      (p.tcp_flags & (tcp_flags::kSyn | tcp_flags::kAck)) == tcp_flags::kSyn) {
    // Port reuse: a new connection on the 5-tuple of a closed one.
    EndFlow(slot, FlowEndReason::kClosed);
    slot = nullptr;
  }
  created = slot == nullptr;
  return slot ? slot : Create(key, p);
}

void Engine::Impl::ProcessPacket(const Packet& p) {
  if (options_.shard_count > 1 && FlowHash(p) % options_.shard_count != options_.shard) return;
  now_ = p.ts;
  packet_index_ = p.index;
  ++counters_.ip_packets;
  // Idle flows are looked for at most every 100 ms of capture time, not on every packet: a flow
  // may outlive its timeout by that much.
  if (p.ts >= next_expire_) {
    Expire(p.ts);
    next_expire_ = p.ts + kExpireInterval;
  }
  bool created = false;
  FlowSlot* slot = Lookup(p, created);
  const FlowKey& key = slot->key;
  bool src_is_lo = key.lo_ip == p.src;
  if (p.transport != Transport::kIcmp && p.transport != Transport::kIcmpV6) {
    src_is_lo = src_is_lo && key.lo_port == p.src_port;
  }
  Direction dir = slot->client_is_lo == src_is_lo ? Direction::kToServer : Direction::kToClient;
  Account(slot, p, dir);
  if (created) {
    observer_.OnFlowStart(slot->info);
    if (intel_.watchlist().has_endpoints()) MatchWatchlist(slot->info, p);
  } else {
    table_.Touch(slot);
  }
  if (dir == Direction::kToClient && slot->info.packets[1] == 1 &&
      !(p.tcp_flags & tcp_flags::kRst)) {
    observer_.OnFlowAnswered(slot->info);
  }
  if (!analyzers_.empty()) Analyse(slot, p, dir);
}

void Engine::Impl::Flush() {
  std::vector<FlowSlot*> open;
  table_.ForEach([&](FlowSlot& s) { open.push_back(&s); });
  std::sort(open.begin(), open.end(), [](const FlowSlot* a, const FlowSlot* b) {
    return a->info.first_packet_index < b->info.first_packet_index;
  });
  for (FlowSlot* s : open) EndFlow(s, FlowEndReason::kEndOfInput);
}

Engine::Engine(EngineOptions options, const Intel& intel, FlowObserver& observer)
    : impl_(std::make_unique<Impl>(std::move(options), intel, observer)) {}
Engine::~Engine() = default;

void Engine::ProcessFrame(int link_type, std::span<const uint8_t> frame, uint32_t wire_len,
                          Micros ts, uint64_t index) {
  EngineCounters& c = impl_->counters_;
  ++c.packets;
  c.bytes += wire_len;
  Packet p;
  p.ts = std::clamp<Micros>(ts, 0, kMaxMicros);
  p.index = index;
  if (frame.size() > wire_len) {
    ++c.anomalies[static_cast<size_t>(Anomaly::kBadCaptureLength)];
    frame = frame.first(wire_len);
  }
  std::optional<Anomaly> anomaly = Decode(link_type, frame, wire_len, p);
  if (anomaly) {
    ++c.anomalies[static_cast<size_t>(*anomaly)];
    if (*anomaly != Anomaly::kSnaplenCut) return;
  }
  impl_->ProcessPacket(p);
}

void Engine::ProcessPacket(const Packet& packet) {
  ++impl_->counters_.packets;
  impl_->counters_.bytes += packet.wire_len;
  if (packet.ts < 0 || packet.ts > kMaxMicros) {
    Packet clamped = packet;
    clamped.ts = std::clamp<Micros>(packet.ts, 0, kMaxMicros);
    impl_->ProcessPacket(clamped);
    return;
  }
  impl_->ProcessPacket(packet);
}

void Engine::Flush() { impl_->Flush(); }
const EngineCounters& Engine::counters() const { return impl_->counters_; }
size_t Engine::active_flows() const { return impl_->table_.size(); }

}  // namespace otguard::nba
