#include "nba/analyzers/dnp3/dnp3.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::dnp3 {
namespace {

using Bytes = std::vector<uint8_t>;

using testing::Feed;
using testing::Text;

void PutCrc(Bytes& out, size_t from) {
  uint16_t crc = Crc({out.data() + from, out.size() - from});
  out.push_back(crc & 0xFF);
  out.push_back(crc >> 8);
}

// A data link frame as IEEE 1815 clause 9 lays it out, CRCs computed.
Bytes Frame(uint8_t control, uint16_t destination, uint16_t source, const Bytes& user) {
  Bytes out = {0x05,
               0x64,
               static_cast<uint8_t>(5 + user.size()),
               control,
               static_cast<uint8_t>(destination),
               static_cast<uint8_t>(destination >> 8),
               static_cast<uint8_t>(source),
               static_cast<uint8_t>(source >> 8)};
  PutCrc(out, 0);
  for (size_t at = 0; at < user.size(); at += 16) {
    size_t start = out.size();
    out.insert(out.end(), user.begin() + at, user.begin() + std::min(user.size(), at + 16));
    PutCrc(out, start);
  }
  return out;
}

// Master 1 to outstation 10, unconfirmed user data, one transport segment.
Bytes Request(const Bytes& apdu, uint8_t transport = 0xC0) {
  Bytes user = {transport};
  user.insert(user.end(), apdu.begin(), apdu.end());
  return Frame(0xC4, 10, 1, user);
}

// DIRECT_OPERATE of one CROB (g12v1, qualifier 0x28: 2-octet count and index): pulse on.
const Bytes kDirectOperate = {0xC0, 0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x00, 0x00, 0x01,
                              0x01, 0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
// READ of class 1, 2, 3 and 0 data (g60v2..4, g60v1, all objects): the usual poll.
const Bytes kClassPoll = {0xC1, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                          0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};

TEST(Dnp3Crc, MatchesCatalogueCheckValue) {
  // CRC-16/DNP in the CRC RevEng catalogue: check value for "123456789" is 0xEA82.
  const std::string check = "123456789";
  EXPECT_EQ(Crc({reinterpret_cast<const uint8_t*>(check.data()), check.size()}), 0xEA82);
}

TEST(Dnp3Crc, MatchesPublishedLinkStatusRequests) {
  // REQUEST_LINK_STATUS headers with their CRCs as published in DNP3 tools and scanners.
  struct Case {
    Bytes header;
    uint16_t crc;
  };
  const std::vector<Case> cases = {
      {{0x05, 0x64, 0x05, 0xC9, 0x00, 0x00, 0x00, 0x00}, 0x4C36},
      {{0x05, 0x64, 0x05, 0xC9, 0x01, 0x00, 0x00, 0x00}, 0x8EDE},
  };
  for (const auto& c : cases) EXPECT_EQ(Crc(c.header), c.crc);
}

TEST(Dnp3Crc, FramesMatchAnIndependentDissector) {
  // The direct operate frame below as Wireshark's DNP3 dissector accepts it (header and both
  // data chunk checksums "[correct]").
  const Bytes expected = {0x05, 0x64, 0x1A, 0xC4, 0x0A, 0x00, 0x01, 0x00, 0x8A, 0x1C, 0xC0, 0xC0,
                          0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x00, 0x00, 0x01, 0x01, 0xE8, 0x03,
                          0x00, 0x00, 0x7A, 0xC4, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF};
  EXPECT_EQ(Request(kDirectOperate), expected);
}

TEST(Dnp3, DirectOperateRaisesOneIcsWriteAlert) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Request(kDirectOperate)},
        {Direction::kToServer, Request(kDirectOperate)}});
  EXPECT_EQ(ctx.protocol, "dnp3");
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);  // once per flow per operation
  const Finding& f = alerts[0];
  EXPECT_EQ(f.rule, "dnp3.direct_operate");
  EXPECT_EQ(f.category, Category::kIcsWrite);
  EXPECT_EQ(f.operation, "dnp3.direct_operate");
  EXPECT_EQ(f.technique, "T0855");
  EXPECT_EQ(f.actor, Direction::kToServer);
  EXPECT_EQ(Text(f.fields["dnp3"]["function"]), "direct_operate");
  EXPECT_EQ(Text(f.fields["dnp3"]["source"]), "1");
  EXPECT_EQ(Text(f.fields["dnp3"]["destination"]), "10");
  EXPECT_EQ(Text(f.fields["dnp3"]["group"]), "12");
  EXPECT_EQ(Text(f.fields["dnp3"]["count"]), "1");
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(Dnp3, ClassPollIsNotAnAlert) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx, {{Direction::kToServer, Request(kClassPoll)}});
  EXPECT_EQ(ctx.protocol, "dnp3");
  EXPECT_TRUE(ctx.findings.empty());
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(Dnp3, BadDataCrcIsAnAnomalyAndDropsTheFragment) {
  testing::RecordingContext ctx;
  Bytes frame = Request(kDirectOperate);
  frame[12] ^= 0xFF;  // inside the first user data block
  Feed(Info(), ctx, {{Direction::kToServer, frame}});
  EXPECT_EQ(ctx.anomalies["dnp3.bad_data_crc"], 1);
  EXPECT_TRUE(ctx.Alerts().empty());
}

TEST(Dnp3, BadHeaderCrcResynchronisesOnTheNextFrame) {
  testing::RecordingContext ctx;
  Bytes broken = Request(kClassPoll);
  broken[8] ^= 0x01;
  Bytes stream = broken;
  Bytes good = Request(kDirectOperate);
  stream.insert(stream.end(), good.begin(), good.end());
  Feed(Info(), ctx, {{Direction::kToServer, stream}});
  EXPECT_EQ(ctx.anomalies["dnp3.bad_header_crc"], 1);
  ASSERT_EQ(ctx.Alerts().size(), 1u);
  EXPECT_EQ(ctx.Alerts()[0].rule, "dnp3.direct_operate");
}

TEST(Dnp3, ReassemblesFragmentsAcrossTransportSegments) {
  testing::RecordingContext ctx;
  Bytes first(kDirectOperate.begin(), kDirectOperate.begin() + 8);
  Bytes rest(kDirectOperate.begin() + 8, kDirectOperate.end());
  Feed(Info(), ctx,
       {{Direction::kToServer, Request(first, 0x40 | 5)},   // FIR, seq 5
        {Direction::kToServer, Request(rest, 0x80 | 6)}});  // FIN, seq 6
  ASSERT_EQ(ctx.Alerts().size(), 1u);
  EXPECT_EQ(Text(ctx.Alerts()[0].fields["dnp3"]["count"]), "1");
}

TEST(Dnp3, OutOfSequenceSegmentIsDropped) {
  testing::RecordingContext ctx;
  Bytes first(kDirectOperate.begin(), kDirectOperate.begin() + 8);
  Bytes rest(kDirectOperate.begin() + 8, kDirectOperate.end());
  Feed(Info(), ctx,
       {{Direction::kToServer, Request(first, 0x40 | 5)},
        {Direction::kToServer, Request(rest, 0x80 | 9)}});
  EXPECT_EQ(ctx.anomalies["dnp3.transport_sequence"], 1);
  EXPECT_TRUE(ctx.Alerts().empty());
}

TEST(Dnp3, ByteAtATimeDeliveryGivesTheSameResult) {
  testing::RecordingContext ctx;
  std::unique_ptr<Analyzer> a = Info().create(ctx);
  Bytes frame = Request(kDirectOperate);
  for (uint8_t b : frame) a->Deliver(Direction::kToServer, {&b, 1});
  ASSERT_EQ(ctx.Alerts().size(), 1u);
}

TEST(Dnp3, LongFragmentSpansSeveralCrcBlocks) {
  // WRITE of 13 analog outputs (g41v2, 16-bit, 1-octet start/stop 0..12): the user data spans
  // several 16-octet CRC blocks.
  Bytes apdu = {0xC0, 0x02, 0x29, 0x02, 0x00, 0x00, 0x0C};
  for (int i = 0; i < 13; ++i) apdu.insert(apdu.end(), {0x10, 0x00, 0x00});
  testing::RecordingContext ctx;
  Feed(Info(), ctx, {{Direction::kToServer, Request(apdu)}});
  ASSERT_EQ(ctx.Alerts().size(), 1u);
  EXPECT_EQ(ctx.Alerts()[0].rule, "dnp3.write");
  EXPECT_EQ(Text(ctx.Alerts()[0].fields["dnp3"]["count"]), "13");
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(Dnp3, RoutineWritesAreNotAlerts) {
  // Clearing the device-restart indication (g80v1 index 7) and setting the time (g50v1).
  const Bytes clear_restart = {0xC2, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07, 0x00};
  const Bytes set_time = {0xC3, 0x02, 0x32, 0x01, 0x07, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Request(clear_restart)}, {Direction::kToServer, Request(set_time)}});
  EXPECT_TRUE(ctx.Alerts().empty());
}

TEST(Dnp3, RestartAndStopApplicationAreAlerts) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Request({0xC0, 0x0D})},
        {Direction::kToServer,
         Request({0xC1, 0x12, 0x5A, 0x01, 0x5B, 0x01, 0x04, 0x00, 0x4D, 0x41, 0x49, 0x4E})}});
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].rule, "dnp3.cold_restart");
  EXPECT_EQ(alerts[0].technique, "T0816");
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[1].rule, "dnp3.stop_application");
  EXPECT_EQ(alerts[1].technique, "T0858");
}

// OPEN_FILE with a g70v3 file command; `mode` 1 read, 2 write.
Bytes OpenFile(uint16_t mode) {
  Bytes object(26, 0);
  object[20] = static_cast<uint8_t>(mode);
  Bytes apdu = {0xC4, 0x19, 0x46, 0x03, 0x5B, 0x01, static_cast<uint8_t>(object.size()), 0x00};
  apdu.insert(apdu.end(), object.begin(), object.end());
  return apdu;
}

TEST(Dnp3, FileOpenedForWritingIsAProgramTransfer) {
  testing::RecordingContext read_ctx, write_ctx;
  Feed(Info(), read_ctx, {{Direction::kToServer, Request(OpenFile(1))}});
  Feed(Info(), write_ctx, {{Direction::kToServer, Request(OpenFile(2))}});
  EXPECT_TRUE(read_ctx.Alerts().empty());
  ASSERT_EQ(write_ctx.Alerts().size(), 1u);
  EXPECT_EQ(write_ctx.Alerts()[0].rule, "dnp3.open_file_write");
  EXPECT_EQ(write_ctx.Alerts()[0].technique, "T0843");
}

TEST(Dnp3, ResponseIndicationsAreObservationsNotAlerts) {
  // Outstation 10 to master 1: RESPONSE with IIN1 = device restart | class 1 events.
  Bytes user = {0xC0, 0xC1, 0x81, 0x82, 0x00};
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToClient, Frame(0x44, 1, 10, user)},
        {Direction::kToClient, Frame(0x44, 1, 10, user)}});
  EXPECT_TRUE(ctx.Alerts().empty());
  ASSERT_EQ(ctx.findings.size(), 1u);
  EXPECT_EQ(ctx.findings[0].rule, "dnp3.iin");
  EXPECT_EQ(ctx.findings[0].kind, Finding::Kind::kObservation);
  EXPECT_EQ(Text(ctx.findings[0].fields["dnp3"]["iin"][0]), "device_restart");
  EXPECT_EQ(Text(ctx.findings[0].fields["dnp3"]["source"]), "10");
}

TEST(Dnp3, NonDnp3StreamStops) {
  testing::RecordingContext ctx;
  std::unique_ptr<Analyzer> a = Info().create(ctx);
  Bytes junk(4096, 'A');
  a->Deliver(Direction::kToServer, junk);
  EXPECT_TRUE(a->stopped());
  EXPECT_TRUE(ctx.protocol.empty());
}

TEST(Dnp3, ProbeNeedsAValidLinkHeader) {
  Bytes frame = Request(kClassPoll);
  EXPECT_TRUE(Info().probe(Direction::kToServer, frame));
  frame[8] ^= 0x01;
  EXPECT_FALSE(Info().probe(Direction::kToServer, frame));
  const Bytes modbus = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A};
  EXPECT_FALSE(Info().probe(Direction::kToServer, modbus));
  EXPECT_FALSE(Info().probe(Direction::kToServer, {}));
}

// The rules the engine reports, in order.
struct RuleRecorder : FlowObserver {
  void OnFinding(const FlowInfo&, const Finding& f, uint64_t, Micros) override {
    rules.push_back(f.rule);
  }
  std::vector<std::string> rules;
};

// A packet from master 10.0.0.1:40000 to outstation 10.0.0.2:20000, without flags or payload.
Packet ToOutstation(Transport transport) {
  static const uint8_t kMaster[4] = {10, 0, 0, 1}, kOutstation[4] = {10, 0, 0, 2};
  Packet p;
  p.src = IpAddress::V4(kMaster);
  p.dst = IpAddress::V4(kOutstation);
  p.src_port = 40000;
  p.dst_port = 20000;
  p.transport = transport;
  p.ip_proto = transport == Transport::kTcp ? 6 : 17;
  return p;
}

TEST(Dnp3, EngineAttachesOnPort20000) {
  Bytes frame = Request(kDirectOperate);
  Packet p = ToOutstation(Transport::kTcp);
  p.tcp_flags = tcp_flags::kSyn;
  p.seq = 100;
  p.ts = 1;
  RuleRecorder recorder;
  Engine engine({}, testing::BundledIntel(), recorder);
  engine.ProcessPacket(p);
  p.tcp_flags = tcp_flags::kAck | tcp_flags::kPsh;
  p.seq = 101;
  p.ts = 2;
  p.payload = frame;
  p.payload_wire_len = frame.size();
  engine.ProcessPacket(p);
  engine.Flush();
  ASSERT_EQ(recorder.rules.size(), 1u);
  EXPECT_EQ(recorder.rules[0], "dnp3.direct_operate");
}

TEST(Dnp3, EngineAnalysesUdpDatagramsOnPort20000) {
  Bytes frame = Request(kDirectOperate);
  Packet p = ToOutstation(Transport::kUdp);
  p.ts = 1;
  p.payload = frame;
  p.payload_wire_len = frame.size();
  RuleRecorder recorder;
  Engine engine({}, testing::BundledIntel(), recorder);
  engine.ProcessPacket(p);
  engine.Flush();
  ASSERT_EQ(recorder.rules.size(), 1u);
  EXPECT_EQ(recorder.rules[0], "dnp3.direct_operate");
}

TEST(Dnp3, SharedCapturesRaiseNothing) {
  const std::vector<std::string> captures = {"modbus-scada-mb2.pcap",
                                             "wannacry.pcap",
                                             "ms17-010-metasploit-win7x64.pcap",
                                             "eternalblue-failed-patched-win7.pcap",
                                             "smb-445-slow-scan.pcap",
                                             "mining.pcapng"};
  for (const auto& name : captures) {
    testing::Replay r = testing::ReplayFiles({testing::Pcap(name)});
    EXPECT_TRUE(r.WithRule("dnp3.").empty()) << name;
    EXPECT_GT(r.counters.packets, 0u) << name;
    // No flow of these captures is DNP3: the probe must not claim any of them.
    EXPECT_EQ(r.counters.analyzer_flows.count("dnp3"), 0u) << name;
  }
}

}  // namespace
}  // namespace otguard::nba::analyzers::dnp3
