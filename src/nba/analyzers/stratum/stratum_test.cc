#include "nba/analyzers/stratum/stratum.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::stratum {
namespace {

// 45560 is a known pool port.
const Intel* PoolIntel() {
  static const Intel* const kIntel = [] {
    auto* intel = new Intel;
    intel->AddPoolPort(45560);
    return intel;
  }();
  return kIntel;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(StratumTest, MiningCaptureFlagsEverySessionWithVariantAgentAndPort) {
  auto replay = testing::ReplayFiles({testing::Pcap("mining.pcapng")});
  auto sessions = replay.WithRule("stratum.session");
  ASSERT_EQ(sessions.size(), 4u);
  std::map<std::string, int> variants;
  for (const auto& s : sessions) {
    const auto& f = s.finding;
    EXPECT_EQ(f.kind, Finding::Kind::kAlert);
    EXPECT_EQ(f.category, Category::kMining);
    EXPECT_EQ(f.severity, Severity::kHigh);
    EXPECT_EQ(f.technique, "T1496");
    EXPECT_EQ(s.flow.app_protocol, "stratum");
    const auto& st = f.fields["stratum"];
    EXPECT_EQ(st["server_port"], s.flow.server.port);
    ++variants[st["variant"]];
    if (st["variant"] == "cryptonote-login") {
      EXPECT_EQ(st["server_port"], 9050);
      EXPECT_EQ(st["method"], "login");
      EXPECT_EQ(st["agent"], "xmr-stak-cpu/1.3.0-1.5.0");
      EXPECT_EQ(st["user"].get<std::string>().substr(0, 12), "4BCeEPhodgPM");
      EXPECT_EQ(st["pool_port_known"], false);
    } else if (st["variant"] == "stratum-v1") {
      EXPECT_EQ(st["server_port"], 3333);
      EXPECT_EQ(st["method"], "mining.authorize");
      EXPECT_EQ(st["agent"], "EWBF 0.3.4b");
      EXPECT_TRUE(st["pool_host"].get<std::string>().ends_with("-zcash.flypool.org"));
      EXPECT_TRUE(st["user"].get<std::string>().starts_with("t1f"));
      EXPECT_EQ(st["pool_port_known"], true);
    } else {
      EXPECT_EQ(st["variant"], "ethereum-stratum");
      EXPECT_EQ(st["server_port"], 9999);
      EXPECT_EQ(st["method"], "eth_submitLogin");
      EXPECT_TRUE(st["user"].get<std::string>().starts_with("0x9c99d212"));
      EXPECT_EQ(st["worker"], "eth1.0");
    }
  }
  EXPECT_EQ(variants["cryptonote-login"], 1);
  EXPECT_EQ(variants["stratum-v1"], 2);
  EXPECT_EQ(variants["ethereum-stratum"], 1);
}

TEST(StratumTest, PlantCaptureHasNoStratum) {
  auto replay = testing::ReplayFiles(
      {testing::Pcap("modbus-scada-mb2.pcap"), testing::Pcap("ms17-010-metasploit-win7x64.pcap")});
  EXPECT_TRUE(replay.WithRule("stratum.").empty());
}

TEST(StratumTest, XmrigLoginWithOtherWhitespaceSplitAcrossSegmentsIsOneAlert) {
  testing::RecordingContext ctx(Transport::kTcp, 45560, PoolIntel());
  auto a = Info().create(ctx);
  const std::string login =
      "{ \"id\" : 1 , \"jsonrpc\" : \"2.0\" , \"method\" : \"login\" , \"params\" : "
      "{ \"login\" : \"dashcoin@protonmail.com\" , \"pass\" : \"x\" , "
      "\"agent\" : \"XMRig/2.4.2 (Windows NT 6.1; Win64; x64) libuv/1.14.1 msvc/2015\" } }\r\n";
  for (size_t i = 0; i < login.size(); i += 7) {
    a->Deliver(Direction::kToServer, Bytes(std::string_view(login).substr(i, 7)));
  }
  a->Deliver(Direction::kToClient,
             Bytes("{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"1\","
                   "\"job\":{\"blob\":\"0606\",\"job_id\":\"7\",\"target\":\"dc460300\"},"
                   "\"status\":\"OK\"}}\n"
                   "{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"07\","
                   "\"job_id\":\"8\",\"target\":\"dc460300\"}}\n"));
  a->Deliver(Direction::kToServer,
             Bytes("{\"method\":\"submit\",\"params\":{\"id\":\"1\",\"job_id\":\"8\","
                   "\"nonce\":\"98024001\",\"result\":\"c9\"},\"id\":2}\n"));
  a->Finish();
  EXPECT_EQ(ctx.protocol, "stratum");
  ASSERT_EQ(ctx.findings.size(), 1u);
  const auto& st = ctx.findings[0].fields["stratum"];
  EXPECT_EQ(st["variant"], "cryptonote-login");
  EXPECT_TRUE(st["agent"].get<std::string>().starts_with("XMRig/2.4.2"));
  EXPECT_EQ(st["user"], "dashcoin@protonmail.com");
  EXPECT_EQ(st["pool_port_known"], true);
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(StratumTest, NiceHashEthereumStratumSubscribeIsEthereumVariant) {
  testing::RecordingContext ctx(Transport::kTcp, 3353, PoolIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer,
             Bytes("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"ethminer/0.19\","
                   "\"EthereumStratum/1.0.0\"]}\n"));
  EXPECT_TRUE(ctx.findings.empty());  // not clear yet: the authorize carries the user
  a->Deliver(Direction::kToServer,
             Bytes("{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"0xabc.rig\",\"x\"]}"
                   "\n"));
  ASSERT_EQ(ctx.findings.size(), 1u);
  const auto& st = ctx.findings[0].fields["stratum"];
  EXPECT_EQ(st["variant"], "ethereum-stratum");
  EXPECT_EQ(st["agent"], "ethminer/0.19");
  EXPECT_EQ(st["user"], "0xabc.rig");
  EXPECT_EQ(st["pool_port_known"], false);
}

TEST(StratumTest, ServerWorkSeenMidStreamIsEnough) {
  testing::RecordingContext ctx(Transport::kTcp, 7777, PoolIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToClient, Bytes("5c\",true]}\n"));  // the capture starts mid-line
  a->Deliver(Direction::kToClient,
             Bytes("{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"8c\",\"04\"]}\n"));
  ASSERT_EQ(ctx.findings.size(), 1u);
  EXPECT_EQ(ctx.findings[0].fields["stratum"]["method"], "mining.notify");
  EXPECT_EQ(ctx.AnomalyCount(), 1);
}

TEST(StratumTest, OtherJsonRpcIsNotMining) {
  testing::RecordingContext ctx(Transport::kTcp, 9000, PoolIntel());
  auto a = Info().create(ctx);
  for (int i = 0; i < 20 && !a->stopped(); ++i) {
    a->Deliver(Direction::kToServer,
               Bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"getStatus\",\"params\":[]}\n"));
    a->Deliver(Direction::kToServer,
               Bytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"login\",\"params\":[\"u\"]}\n"));
  }
  a->Finish();
  EXPECT_TRUE(ctx.findings.empty());
  EXPECT_TRUE(ctx.protocol.empty());
  EXPECT_TRUE(a->stopped());  // gave up after a bounded number of lines
}

TEST(StratumTest, InvalidLinesAreAnomaliesThenStop) {
  testing::RecordingContext ctx(Transport::kTcp, 3333, PoolIntel());
  auto a = Info().create(ctx);
  for (int i = 0; i < 5 && !a->stopped(); ++i) {
    a->Deliver(Direction::kToServer, Bytes("{\"method\":\"mining.subscribe\",\"params\":[\n"));
  }
  EXPECT_TRUE(a->stopped());
  EXPECT_EQ(ctx.AnomalyCount(), 3);
  EXPECT_TRUE(ctx.findings.empty());
}

TEST(StratumTest, LineLongerThanTheBoundStops) {
  testing::RecordingContext ctx(Transport::kTcp, 3333, PoolIntel());
  auto a = Info().create(ctx);
  std::string chunk(4096, 'a');
  for (int i = 0; i < 20 && !a->stopped(); ++i) a->Deliver(Direction::kToServer, Bytes(chunk));
  EXPECT_TRUE(a->stopped());
  EXPECT_EQ(ctx.anomalies, (std::map<std::string, int>{{"line_too_long", 1}}));
}

TEST(StratumTest, GapResynchronisesAtTheNextLine) {
  testing::RecordingContext ctx(Transport::kTcp, 3333, PoolIntel());
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, Bytes("{\"id\":1,\"method\":\"mining.sub"));
  a->Gap(Direction::kToServer, 100);
  a->Deliver(Direction::kToServer, Bytes("ignored tail\n"));
  a->Deliver(Direction::kToServer,
             Bytes("{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"w\",\"x\"]}\n"));
  EXPECT_EQ(ctx.findings.size(), 1u);
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(StratumTest, ProbeClaimsJsonRpcObjectsOnly) {
  EXPECT_TRUE(Info().probe(Direction::kToServer, Bytes("{\"id\":1,\"method\":\"login\"")));
  EXPECT_TRUE(Info().probe(Direction::kToServer, Bytes("  { \"worker\": \"\", \"jsonrpc\"")));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes("GET / HTTP/1.1\r\n")));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes("{\"name\":\"value\"}")));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes("{\"id\":\x01\x02")));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes("")));
}

}  // namespace
}  // namespace otguard::nba::analyzers::stratum
