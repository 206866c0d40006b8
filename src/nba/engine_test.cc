#include "otguard/nba/engine.h"

#include <gtest/gtest.h>

#include <set>

#include "nba/testing/replay.h"

namespace otguard::nba {
namespace {

using testing::Pcap;
using testing::ReplayFiles;

Packet Tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport, uint8_t flags,
           uint32_t seq, std::span<const uint8_t> payload, Micros ts, uint64_t index) {
  Packet p;
  p.src = *IpAddress::Parse(src);
  p.dst = *IpAddress::Parse(dst);
  p.src_port = sport;
  p.dst_port = dport;
  p.transport = Transport::kTcp;
  p.ip_proto = 6;
  p.tcp_flags = flags;
  p.seq = seq;
  p.payload = payload;
  p.payload_wire_len = static_cast<uint32_t>(payload.size());
  p.wire_len = 54 + p.payload_wire_len;
  p.ts = ts;
  p.index = index;
  return p;
}

class Collect : public FlowObserver {
 public:
  void OnFlowStart(const FlowInfo& f) override { started.push_back(f); }
  void OnFlowEnd(const FlowInfo& f, FlowEndReason r) override { ended.push_back({f, r}); }
  std::vector<FlowInfo> started;
  std::vector<std::pair<FlowInfo, FlowEndReason>> ended;
};

TEST(EngineTest, MidStreamFlowPicksTheServiceSideAsServer) {
  Collect c;
  Intel intel;
  intel.AddService(Transport::kTcp, 445, {"smb"});
  Engine engine({}, intel, c);
  uint8_t data[] = {1, 2, 3};
  // The first packet seen is the server's reply.
  engine.ProcessPacket(Tcp("10.0.0.2", 445, "10.0.0.1", 50000, tcp_flags::kAck, 1, data, 0, 0));
  engine.ProcessPacket(Tcp("10.0.0.1", 50000, "10.0.0.2", 445, tcp_flags::kAck, 9, data, 1, 1));
  engine.Flush();
  ASSERT_EQ(c.ended.size(), 1u);
  const FlowInfo& f = c.ended[0].first;
  EXPECT_EQ(f.client.ip.ToString(), "10.0.0.1");
  EXPECT_EQ(f.server.port, 445);
  EXPECT_EQ(f.tcp_state, TcpState::kMidStream);
  EXPECT_EQ(f.packets[Index(Direction::kToServer)], 1u);
  EXPECT_EQ(f.packets[Index(Direction::kToClient)], 1u);
  EXPECT_EQ(c.ended[0].second, FlowEndReason::kEndOfInput);
}

TEST(EngineTest, IdleFlowsExpireAndFullTableEvictsTheOldest) {
  Collect c;
  EngineOptions options;
  options.max_flows = 2;
  options.tcp_idle_timeout = 10 * kMicrosPerSecond;
  Engine engine(options, Intel(), c);
  uint8_t none[1] = {};
  auto syn = [&](const char* src, Micros ts, uint64_t i) {
    engine.ProcessPacket(
        Tcp(src, 40000, "10.0.0.9", 80, tcp_flags::kSyn, 0, std::span(none, 0), ts, i));
  };
  syn("10.0.0.1", 0, 0);
  syn("10.0.0.2", 1, 1);
  syn("10.0.0.3", 2, 2);  // table full: 10.0.0.1 goes
  ASSERT_EQ(c.ended.size(), 1u);
  EXPECT_EQ(c.ended[0].second, FlowEndReason::kEvicted);
  EXPECT_EQ(c.ended[0].first.client.ip.ToString(), "10.0.0.1");
  syn("10.0.0.4", 20 * kMicrosPerSecond, 3);  // both others idle for more than 10 s
  EXPECT_EQ(engine.counters().flows_idle, 2u);
  EXPECT_EQ(engine.counters().flows_evicted, 1u);
  EXPECT_EQ(engine.active_flows(), 1u);
}

TEST(EngineTest, ShardsPartitionFlowsWithoutLosingAny) {
  auto whole = ReplayFiles({Pcap("modbus-scada-mb2.pcap")});
  std::set<uint64_t> ids;
  uint64_t packets = 0;
  for (uint32_t shard = 0; shard < 2; ++shard) {
    EngineOptions options;
    options.shard = shard;
    options.shard_count = 2;
    auto part = ReplayFiles({Pcap("modbus-scada-mb2.pcap")}, options);
    for (const auto& f : part.flows) {
      EXPECT_TRUE(ids.insert(f.id).second);
      packets += f.packets[0] + f.packets[1];
    }
  }
  EXPECT_EQ(ids.size(), whole.flows.size());
  uint64_t whole_packets = 0;
  for (const auto& f : whole.flows) whole_packets += f.packets[0] + f.packets[1];
  EXPECT_EQ(packets, whole_packets);
  EXPECT_GT(whole.flows.size(), 30u);
}

TEST(EngineTest, WannacryCaptureHasNoHandshakesButEveryFlowHasAClient) {
  auto r = ReplayFiles({Pcap("wannacry.pcap")});
  ASSERT_FALSE(r.flows.empty());
  size_t smb = 0;
  for (const auto& f : r.flows) {
    if (f.server.port == 445) {
      ++smb;
      EXPECT_NE(f.client.port, 445);
    }
  }
  EXPECT_GE(smb, 8u);
  EXPECT_EQ(r.capture.truncated_files, 0u);
}

}  // namespace
}  // namespace otguard::nba
