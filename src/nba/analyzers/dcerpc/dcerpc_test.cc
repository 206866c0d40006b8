#include "nba/analyzers/dcerpc/dcerpc.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::dcerpc {
namespace {

using Bytes = std::vector<uint8_t>;

using testing::Feed;
using testing::Text;

// Little- or big-endian NDR writer for the test PDUs (C706 chapter 12 and 14).
struct Writer {
  bool le = true;
  Bytes b;
  void U8(uint8_t v) { b.push_back(v); }
  void Uint(uint32_t v, int n) {
    for (int i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * (le ? i : n - 1 - i))));
  }
  void U16(uint16_t v) { Uint(v, 2); }
  void U32(uint32_t v) { Uint(v, 4); }
  // "e1af8308-5d1f-11c9-91a4-08002b14a0fa" in NDR order.
  void Uuid(std::string_view text) {
    std::string hex;
    for (char c : text) {
      if (c != '-') hex.push_back(c);
    }
    auto byte = [&](int i) {
      return static_cast<uint8_t>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    };
    Uint(byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3), 4);
    Uint(byte(4) << 8 | byte(5), 2);
    Uint(byte(6) << 8 | byte(7), 2);
    for (int i = 8; i < 16; ++i) U8(byte(i));
  }
  void Bytes_(const Bytes& v) { b.insert(b.end(), v.begin(), v.end()); }
};

constexpr std::string_view kEpm = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
constexpr std::string_view kNdr = "8a885d04-1ceb-11c9-9fe8-08002b104860";
constexpr std::string_view kIOPCServer = "39c13a4d-011e-11d0-9675-0020afd8adb3";
constexpr std::string_view kIOPCSyncIO = "39c13a52-011e-11d0-9675-0020afd8adb3";
constexpr std::string_view kIRemUnknown2 = "00000143-0000-0000-c000-000000000046";

// Common header (C706 12.6.3.1) around `body`, with an optional 8-octet sec_trailer and
// `auth_length` octets of verifier.
Bytes Pdu(uint8_t type, uint8_t flags, uint32_t call_id, const Bytes& body, bool le = true,
          uint8_t auth_level = 0) {
  Writer w{le, {}};
  const uint16_t auth_length = auth_level ? 16 : 0;
  w.U8(5);
  w.U8(0);
  w.U8(type);
  w.U8(flags);
  w.U8(le ? 0x10 : 0x00);
  w.U8(0);
  w.U8(0);
  w.U8(0);
  w.U16(static_cast<uint16_t>(16 + body.size() + (auth_length ? 8 + auth_length : 0)));
  w.U16(auth_length);
  w.U32(call_id);
  w.Bytes_(body);
  if (auth_length) {
    w.Bytes_({10, auth_level, 0, 0, 0, 0, 0, 0});  // NTLMSSP, level, no pad
    w.Bytes_(Bytes(auth_length, 0xAA));
  }
  return w.b;
}

Bytes Bind(const std::vector<std::pair<uint16_t, std::string_view>>& contexts, bool le = true,
           uint8_t type = 11) {
  Writer w{le, {}};
  w.U16(5840);
  w.U16(5840);
  w.U32(0);
  w.U8(static_cast<uint8_t>(contexts.size()));
  w.U8(0);
  w.U16(0);
  for (const auto& [id, uuid] : contexts) {
    w.U16(id);
    w.U8(1);
    w.U8(0);
    w.Uuid(uuid);
    w.U16(uuid == kEpm ? 3 : 0);
    w.U16(0);
    w.Uuid(kNdr);
    w.U32(2);
  }
  return Pdu(type, 0x03, 1, w.b, le);
}

Bytes BindAck(size_t results) {
  Writer w;
  w.U16(5840);
  w.U16(5840);
  w.U32(0x1234);
  w.U16(4);
  w.Bytes_({'1', '3', '5', 0});
  w.U16(0);  // pad to 4
  w.U8(static_cast<uint8_t>(results));
  w.U8(0);
  w.U16(0);
  for (size_t i = 0; i < results; ++i) {
    w.U16(0);
    w.U16(0);
    w.Uuid(kNdr);
    w.U32(2);
  }
  return Pdu(12, 0x03, 1, w.b);
}

Bytes Request(uint32_t call_id, uint16_t context_id, uint16_t opnum, const Bytes& stub,
              bool object = false, uint8_t auth_level = 0) {
  Writer w;
  w.U32(static_cast<uint32_t>(stub.size()));
  w.U16(context_id);
  w.U16(opnum);
  if (object) w.Uuid("0000a401-1234-5678-9abc-def012345678");  // an IPID
  w.Bytes_(stub);
  return Pdu(0, 0x03 | (object ? 0x80 : 0), call_id, w.b, true, auth_level);
}

// A protocol tower (C706 Appendix L): interface, NDR, RPC connection-oriented, TCP, IP.
Bytes Tower(std::string_view iface, uint16_t port, std::array<uint8_t, 4> ip) {
  Writer w;
  w.U16(5);
  auto floor = [&](const Bytes& lhs, const Bytes& rhs) {
    w.U16(static_cast<uint16_t>(lhs.size()));
    w.Bytes_(lhs);
    w.U16(static_cast<uint16_t>(rhs.size()));
    w.Bytes_(rhs);
  };
  auto uuid_floor = [&](std::string_view uuid, uint16_t major) {
    Writer lhs;
    lhs.U8(0x0D);
    lhs.Uuid(uuid);
    lhs.U16(major);
    floor(lhs.b, {0, 0});
  };
  uuid_floor(iface, 0);
  uuid_floor(kNdr, 2);
  floor({0x0B}, {0, 0});
  floor({0x07}, {static_cast<uint8_t>(port >> 8), static_cast<uint8_t>(port)});
  floor({0x09}, {ip[0], ip[1], ip[2], ip[3]});
  return w.b;
}

Bytes EptMapRequest(std::string_view iface) {
  Writer w;
  w.U32(1);  // object: referent
  w.Uuid("00000000-0000-0000-0000-000000000000");
  w.U32(2);  // map_tower: referent
  Bytes tower = Tower(iface, 135, {0, 0, 0, 0});
  w.U32(static_cast<uint32_t>(tower.size()));
  w.U32(static_cast<uint32_t>(tower.size()));
  w.Bytes_(tower);
  while (w.b.size() % 4) w.U8(0);
  w.Bytes_(Bytes(20, 0));  // entry handle
  w.U32(4);                // max towers
  return w.b;
}

Bytes EptMapResponseStub(std::string_view iface, uint16_t port) {
  Writer w;
  w.Bytes_(Bytes(20, 0));  // entry handle
  w.U32(1);                // num towers
  w.U32(4);                // max count
  w.U32(0);                // offset
  w.U32(1);                // actual count
  w.U32(3);                // referent
  Bytes tower = Tower(iface, port, {10, 0, 0, 2});
  w.U32(static_cast<uint32_t>(tower.size()));
  w.U32(static_cast<uint32_t>(tower.size()));
  w.Bytes_(tower);
  while (w.b.size() % 4) w.U8(0);
  w.U32(0);  // status
  return w.b;
}

Bytes Response(uint32_t call_id, const Bytes& stub, uint8_t flags = 0x03, uint8_t auth_level = 0) {
  Writer w;
  w.U32(static_cast<uint32_t>(stub.size()));
  w.U16(0);
  w.U8(0);
  w.U8(0);
  w.Bytes_(stub);
  return Pdu(2, flags, call_id, w.b, true, auth_level);
}

constexpr std::string_view kSomeService = "12345778-1234-abcd-ef00-0123456789ac";  // SAMR

TEST(DceRpc, EndpointMapperBindAndMappedPortAreObserved) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kEpm}})},
        {Direction::kToClient, BindAck(1)},
        {Direction::kToServer, Request(2, 0, 3, EptMapRequest(kSomeService))},
        {Direction::kToClient, Response(2, EptMapResponseStub(kSomeService, 49668))}});
  EXPECT_EQ(ctx.protocol, "dcerpc");
  EXPECT_EQ(ctx.Alerts().size(), 0u);
  auto binds = ctx.WithRule("dcerpc.bind");
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(Text(binds[0].fields["dcerpc"]["interfaces"][0]["name"]), "epm");
  EXPECT_EQ(Text(binds[0].fields["dcerpc"]["interfaces"][0]["uuid"]), kEpm);
  EXPECT_EQ(Text(binds[0].fields["dcerpc"]["interfaces"][0]["version"]), "3.0");
  auto maps = ctx.WithRule("dcerpc.epm_map");
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(maps[0].kind, Finding::Kind::kObservation);
  EXPECT_EQ(Text(maps[0].fields["dcerpc"]["port"]), "49668");
  EXPECT_EQ(Text(maps[0].fields["dcerpc"]["ip"]), "10.0.0.2");
  EXPECT_EQ(Text(maps[0].fields["dcerpc"]["interface"]["uuid"]), kSomeService);
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(DceRpc, FragmentedEptMapResponseIsReassembled) {
  Bytes stub = EptMapResponseStub(kSomeService, 50000);
  Bytes first(stub.begin(), stub.begin() + 40), rest(stub.begin() + 40, stub.end());
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kEpm}})},
        {Direction::kToClient, BindAck(1)},
        {Direction::kToServer, Request(7, 0, 3, EptMapRequest(kSomeService))},
        {Direction::kToClient, Response(7, first, 0x01)},
        {Direction::kToClient, Response(7, rest, 0x02)}});
  auto maps = ctx.WithRule("dcerpc.epm_map");
  ASSERT_EQ(maps.size(), 1u);
  EXPECT_EQ(Text(maps[0].fields["dcerpc"]["port"]), "50000");
}

TEST(DceRpc, EncryptedEptMapResponseIsNotParsed) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kEpm}})},
        {Direction::kToServer, Request(2, 0, 3, EptMapRequest(kSomeService))},
        {Direction::kToClient, Response(2, EptMapResponseStub(kSomeService, 49668), 0x03, 6)}});
  EXPECT_TRUE(ctx.WithRule("dcerpc.epm_map").empty());
}

TEST(DceRpc, OpcDaSyncWriteIsAnIcsWrite) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kIRemUnknown2}})},
        {Direction::kToServer, Bind({{1, kIOPCServer}, {2, kIOPCSyncIO}}, true, 14)},
        {Direction::kToServer, Request(3, 2, 3, Bytes(64, 0), true)},  // Read
        {Direction::kToServer, Request(4, 2, 4, Bytes(64, 0), true)},  // Write
        {Direction::kToServer, Request(5, 2, 4, Bytes(64, 0), true)}});
  auto binds = ctx.WithRule("dcerpc.bind");
  ASSERT_EQ(binds.size(), 2u);
  EXPECT_EQ(Text(binds[1].fields["dcerpc"]["interfaces"][0]["name"]), "IOPCServer");
  EXPECT_EQ(Text(binds[1].fields["dcerpc"]["interfaces"][1]["name"]), "IOPCSyncIO");
  auto writes = ctx.WithRule("dcerpc.opc_da_write");
  ASSERT_EQ(writes.size(), 1u);  // once per flow
  EXPECT_EQ(writes[0].kind, Finding::Kind::kAlert);
  EXPECT_EQ(writes[0].category, Category::kIcsWrite);
  EXPECT_EQ(writes[0].operation, "dcerpc.opc_da_write");
  EXPECT_EQ(writes[0].actor, Direction::kToServer);
  EXPECT_EQ(Text(writes[0].fields["dcerpc"]["interface"]), "IOPCSyncIO");
  EXPECT_EQ(Text(writes[0].fields["dcerpc"]["method"]), "Write");
  EXPECT_EQ(Text(writes[0].fields["dcerpc"]["opnum"]), "4");
  EXPECT_EQ(ctx.Alerts().size(), 1u);
}

TEST(DceRpc, OpcDaReadsAndServerCallsAreNotAlerts) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{1, kIOPCServer}, {2, kIOPCSyncIO}})},
        {Direction::kToServer, Request(3, 2, 3, Bytes(32, 0), true)},    // IOPCSyncIO::Read
        {Direction::kToServer, Request(4, 1, 4, Bytes(32, 0), true)}});  // IOPCServer opnum 4
  EXPECT_EQ(ctx.Alerts().size(), 0u);
}

TEST(DceRpc, EncryptedWriteIsStillSeen) {
  // Packet privacy hides the stub but not the opnum in the header.
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{2, kIOPCSyncIO}})},
        {Direction::kToServer, Request(4, 2, 4, Bytes(32, 0x77), true, 6)}});
  EXPECT_EQ(ctx.WithRule("dcerpc.opc_da_write").size(), 1u);
}

TEST(DceRpc, BigEndianBindIsUnderstood) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx, {{Direction::kToServer, Bind({{0, kIOPCServer}}, false)}});
  auto binds = ctx.WithRule("dcerpc.bind");
  ASSERT_EQ(binds.size(), 1u);
  EXPECT_EQ(Text(binds[0].fields["dcerpc"]["interfaces"][0]["name"]), "IOPCServer");
}

TEST(DceRpc, SameInterfaceIsReportedOncePerFlow) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kIOPCServer}})},
        {Direction::kToServer, Bind({{1, kIOPCServer}}, true, 14)}});
  EXPECT_EQ(ctx.WithRule("dcerpc.bind").size(), 1u);
}

TEST(DceRpc, ByteAtATimeDeliveryGivesTheSameResult) {
  testing::RecordingContext ctx;
  std::unique_ptr<Analyzer> a = Info().create(ctx);
  std::vector<testing::Chunk> s = {
      {Direction::kToServer, Bind({{0, kEpm}})},
      {Direction::kToClient, BindAck(1)},
      {Direction::kToServer, Request(2, 0, 3, EptMapRequest(kSomeService))},
      {Direction::kToClient, Response(2, EptMapResponseStub(kSomeService, 49668))}};
  for (const testing::Chunk& c : s) {
    for (uint8_t b : c.bytes) a->Deliver(c.dir, {&b, 1});
  }
  EXPECT_EQ(ctx.WithRule("dcerpc.epm_map").size(), 1u);
}

TEST(DceRpc, TruncatedTowerIsAnAnomalyNotACrash) {
  Bytes stub = EptMapResponseStub(kSomeService, 49668);
  stub[42] = 0xFF;  // tower length (at 40) far beyond the stub
  testing::RecordingContext ctx;
  Feed(Info(), ctx,
       {{Direction::kToServer, Bind({{0, kEpm}})},
        {Direction::kToServer, Request(2, 0, 3, EptMapRequest(kSomeService))},
        {Direction::kToClient, Response(2, stub)}});
  EXPECT_TRUE(ctx.WithRule("dcerpc.epm_map").empty());
  EXPECT_GE(ctx.anomalies["dcerpc.bad_epm_tower"], 1);
}

TEST(DceRpc, OtherProtocolStopsQuietly) {
  testing::RecordingContext ctx;
  const Bytes smb = {0x00, 0x00, 0x00, 0x2f, 0xff, 0x53, 0x4d, 0x42, 0x72, 0x00,
                     0x00, 0x00, 0x00, 0x18, 0x01, 0x28, 0x00, 0x00, 0x00, 0x00};
  auto a = Feed(Info(), ctx, {{Direction::kToServer, smb}});
  EXPECT_TRUE(a->stopped());
  EXPECT_TRUE(ctx.protocol.empty());
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(DceRpc, ProbeAcceptsOnlyABind) {
  EXPECT_TRUE(Info().probe(Direction::kToServer, Bind({{0, kIOPCServer}})));
  EXPECT_FALSE(Info().probe(Direction::kToClient, Bind({{0, kIOPCServer}})));
  EXPECT_FALSE(Info().probe(Direction::kToServer, BindAck(1)));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Request(1, 0, 0, Bytes(8, 0))));
  Bytes v4 = Bind({{0, kIOPCServer}});
  v4[0] = 4;  // connectionless is version 4
  EXPECT_FALSE(Info().probe(Direction::kToServer, v4));
  const std::string http = "GET / HTTP/1.1\r\nHost: plc\r\n\r\n";
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes(http.begin(), http.end())));
}

// OPC DA servers listen on a port the mapper or the OXID resolver hands out: the probe must
// bring the analyser to such a flow.
TEST(DceRpc, EngineProbesDynamicPorts) {
  struct Recorder : FlowObserver {
    void OnFinding(const FlowInfo& flow, const Finding& f, uint64_t, Micros) override {
      rules.push_back(f.rule);
      protocol = std::string(flow.app_protocol);
    }
    std::vector<std::string> rules;
    std::string protocol;
  } recorder;
  Engine engine({}, testing::BundledIntel(), recorder);
  static const uint8_t kClient[4] = {10, 0, 0, 1}, kServer[4] = {10, 0, 0, 2};
  Packet p;
  p.src = IpAddress::V4(kClient);
  p.dst = IpAddress::V4(kServer);
  p.src_port = 50123;
  p.dst_port = 49668;
  p.transport = Transport::kTcp;
  p.ip_proto = 6;
  p.tcp_flags = tcp_flags::kSyn;
  p.seq = 1000;
  p.ts = 1;
  engine.ProcessPacket(p);
  uint32_t seq = 1001;
  for (const Bytes& pdu : {Bind({{2, kIOPCSyncIO}}), Request(4, 2, 4, Bytes(32, 0), true)}) {
    p.tcp_flags = tcp_flags::kAck | tcp_flags::kPsh;
    p.seq = seq;
    p.ts += 1;
    p.payload = pdu;
    p.payload_wire_len = static_cast<uint32_t>(pdu.size());
    engine.ProcessPacket(p);
    seq += static_cast<uint32_t>(pdu.size());
  }
  engine.Flush();
  EXPECT_EQ(recorder.rules, (std::vector<std::string>{"dcerpc.bind", "dcerpc.opc_da_write"}));
  EXPECT_EQ(recorder.protocol, "dcerpc");
}

// Real captures: two carry DCE/RPC on port 135 (a DCOM client resolving an OXID on the plant
// network, Metasploit asking the endpoint mapper); both are observations, never alerts, and no
// other flow is claimed by the probe.
TEST(DceRpc, SharedCapturesRaiseNoAlerts) {
  const std::map<std::string, std::string> binds = {{"modbus-scada-mb2.pcap", "IOXIDResolver"},
                                                    {"ms17-010-metasploit-win7x64.pcap", "epm"}};
  for (const std::string name :
       {"modbus-scada-mb2.pcap", "wannacry.pcap", "ms17-010-metasploit-win7x64.pcap",
        "eternalblue-failed-patched-win7.pcap", "smb-445-slow-scan.pcap", "mining.pcapng"}) {
    testing::Replay r = testing::ReplayFiles({testing::Pcap(name)});
    EXPECT_GT(r.counters.packets, 0u) << name;
    std::vector<std::string> seen;
    for (const auto& f : r.WithRule("dcerpc.")) {
      EXPECT_EQ(f.finding.kind, Finding::Kind::kObservation) << name << " " << f.finding.rule;
      EXPECT_EQ(f.flow.server.port, 135) << name;
      seen.push_back(Text(f.finding.fields["dcerpc"]["interfaces"][0]["name"]));
    }
    auto expected = binds.find(name);
    EXPECT_EQ(seen, expected == binds.end() ? std::vector<std::string>{}
                                            : std::vector<std::string>{expected->second})
        << name;
    size_t confirmed = 0;
    for (const FlowInfo& flow : r.flows) {
      if (flow.app_protocol != "dcerpc") continue;
      ++confirmed;
      EXPECT_EQ(flow.server.port, 135) << name;  // the probe claimed nothing else
    }
    EXPECT_EQ(confirmed, seen.size()) << name;
  }
}

}  // namespace
}  // namespace otguard::nba::analyzers::dcerpc
