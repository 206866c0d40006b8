#include "nba/analyzers/opcua/opcua.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::opcua {
namespace {

using Bytes = std::vector<uint8_t>;

using testing::Feed;
using testing::Text;

// Part 6 5.2 binary encoding helpers.
void U32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void String(Bytes& b, std::string_view s) {
  U32(b, static_cast<uint32_t>(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}
void NullString(Bytes& b) { U32(b, 0xFFFFFFFF); }
void FourByteNodeId(Bytes& b, uint16_t id) {
  b.insert(b.end(), {0x01, 0x00, uint8_t(id), uint8_t(id >> 8)});
}
void RequestHeader(Bytes& b) {
  b.insert(b.end(), {0x02, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00});  // token: numeric, ns 0, id 1
  for (int i = 0; i < 8; ++i) b.push_back(0x11);                  // timestamp
  U32(b, 7);                                                      // request handle
  U32(b, 0);                                                      // return diagnostics
  NullString(b);                                                  // audit entry id
  U32(b, 10000);                                                  // timeout hint
  b.insert(b.end(), {0x00, 0x00, 0x00});                          // additional header: none
}

// Message header (Part 6 7.1.2.2) around `body`.
Bytes Chunk(std::string_view type, char chunk, const Bytes& body) {
  Bytes b(type.begin(), type.end());
  b.push_back(static_cast<uint8_t>(chunk));
  U32(b, static_cast<uint32_t>(8 + body.size()));
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

// Rewrites a chunk's size field after the chunk was grown.
void SetSize(Bytes& chunk) {
  Bytes size;
  U32(size, static_cast<uint32_t>(chunk.size()));
  std::copy(size.begin(), size.end(), chunk.begin() + 4);
}

Bytes Hello(std::string_view url) {
  Bytes body;
  U32(body, 0);      // protocol version
  U32(body, 65536);  // receive buffer
  U32(body, 65536);  // send buffer
  U32(body, 0);      // max message size: no limit
  U32(body, 0);      // max chunk count: no limit
  String(body, url);
  return Chunk("HEL", 'F', body);
}

Bytes Ack(uint32_t receive) {
  Bytes body;
  U32(body, 0);
  U32(body, receive);
  U32(body, receive);
  U32(body, 0);
  U32(body, 0);
  return Chunk("ACK", 'F', body);
}

Bytes Open(std::string_view policy, uint32_t mode) {
  Bytes body;
  U32(body, 0);  // secure channel id
  String(body, policy);
  NullString(body);  // sender certificate
  NullString(body);  // receiver thumbprint
  U32(body, 51);     // sequence number
  U32(body, 1);      // request id
  FourByteNodeId(body, 446);
  RequestHeader(body);
  U32(body, 0);      // client protocol version
  U32(body, 0);      // request type: issue
  U32(body, mode);   // security mode
  NullString(body);  // client nonce
  U32(body, 3600000);
  return Chunk("OPN", 'F', body);
}

// A service request on channel 1 whose body is the type id, a RequestHeader and an array of
// `count` items (left out: the analyser reads no further).
Bytes Message(uint16_t type_id, uint32_t request_id, int32_t count, char chunk = 'F') {
  Bytes body;
  U32(body, 1);                // secure channel id
  U32(body, 1);                // token id
  U32(body, 52 + request_id);  // sequence number
  U32(body, request_id);
  FourByteNodeId(body, type_id);
  RequestHeader(body);
  U32(body, static_cast<uint32_t>(count));
  return Chunk("MSG", chunk, body);
}

constexpr std::string_view kNone = "http://opcfoundation.org/UA/SecurityPolicy#None";
constexpr std::string_view kBasic256Sha256 =
    "http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256";
constexpr uint16_t kWrite = 673, kCall = 712, kAddNodes = 488, kDeleteNodes = 500, kRead = 631;

using Script = std::vector<testing::Chunk>;

Script Session(std::string_view policy, uint32_t mode) {
  return {{Direction::kToServer, Hello("opc.tcp://plc1.refinery:4840/UA/Server")},
          {Direction::kToClient, Ack(65536)},
          {Direction::kToServer, Open(policy, mode)}};
}

TEST(OpcUa, HelloAndOpenWithPolicyNoneAreObserved) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx, Session(kNone, 1));
  EXPECT_EQ(ctx.protocol, "opcua");
  EXPECT_TRUE(ctx.Alerts().empty());
  const Finding* hello = ctx.Find("opcua.hello");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(hello->kind, Finding::Kind::kObservation);
  EXPECT_EQ(Text(hello->fields["opcua"]["endpoint_url"]), "opc.tcp://plc1.refinery:4840/UA/Server");
  EXPECT_EQ(Text(hello->fields["opcua"]["security_policy"]), "None");
  EXPECT_EQ(Text(hello->fields["opcua"]["security_mode"]), "None");
  EXPECT_EQ(ctx.findings.size(), 1u);  // reported once, not again at Finish
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(OpcUa, WriteRequestOnUnencryptedChannelIsAnIcsWrite) {
  testing::RecordingContext ctx;
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToServer, Message(kWrite, 2, 3)});
  s.push_back({Direction::kToServer, Message(kWrite, 3, 1)});
  Feed(Info(), ctx, s);
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);  // once per flow
  EXPECT_EQ(alerts[0].rule, "opcua.write");
  EXPECT_EQ(alerts[0].operation, "opcua.write");
  EXPECT_EQ(alerts[0].category, Category::kIcsWrite);
  EXPECT_EQ(alerts[0].technique, "T0836");
  EXPECT_EQ(alerts[0].actor, Direction::kToServer);
  EXPECT_EQ(Text(alerts[0].fields["opcua"]["service"]), "Write");
  EXPECT_EQ(Text(alerts[0].fields["opcua"]["count"]), "3");
  EXPECT_EQ(Text(alerts[0].fields["opcua"]["security_policy"]), "None");
}

TEST(OpcUa, CallAddAndDeleteNodesAreEachReported) {
  testing::RecordingContext ctx;
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToServer, Message(kCall, 2, 1)});
  s.push_back({Direction::kToServer, Message(kAddNodes, 3, 1)});
  s.push_back({Direction::kToServer, Message(kDeleteNodes, 4, 5)});
  s.push_back({Direction::kToServer, Message(kRead, 5, 10)});
  Feed(Info(), ctx, s);
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 3u);
  EXPECT_EQ(alerts[0].rule, "opcua.call");
  EXPECT_EQ(alerts[1].rule, "opcua.add_nodes");
  EXPECT_EQ(alerts[2].rule, "opcua.delete_nodes");
  EXPECT_EQ(Text(alerts[2].fields["opcua"]["count"]), "5");
}

TEST(OpcUa, ReadRequestIsNotAnAlert) {
  testing::RecordingContext ctx;
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToServer, Message(kRead, 2, 10)});
  Feed(Info(), ctx, s);
  EXPECT_TRUE(ctx.Alerts().empty());
}

TEST(OpcUa, SecuredChannelBodiesAreNotInterpreted) {
  // Under Basic256Sha256 the body is (typically) encrypted: bytes that happen to look like a
  // WriteRequest must not be taken for one.
  testing::RecordingContext ctx;
  Script s = Session(kBasic256Sha256, 3);
  s.push_back({Direction::kToServer, Message(kWrite, 2, 1)});
  Feed(Info(), ctx, s);
  EXPECT_TRUE(ctx.Alerts().empty());
  const Finding* hello = ctx.Find("opcua.hello");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(Text(hello->fields["opcua"]["security_policy"]), "Basic256Sha256");
  EXPECT_FALSE(hello->fields["opcua"].contains("security_mode"));
}

TEST(OpcUa, ServerResponsesAreNotRequests) {
  testing::RecordingContext ctx;
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToClient, Message(kWrite, 2, 1)});
  Feed(Info(), ctx, s);
  EXPECT_TRUE(ctx.Alerts().empty());
}

TEST(OpcUa, OnlyTheFirstChunkOfAMessageCarriesTheType) {
  testing::RecordingContext ctx;
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToServer, Message(kRead, 7, 1, 'C')});
  // The final chunk of request 7 continues the Read body; its bytes look like a Call.
  s.push_back({Direction::kToServer, Message(kCall, 7, 1, 'F')});
  // A new request after it is parsed again.
  s.push_back({Direction::kToServer, Message(kWrite, 8, 1, 'F')});
  Feed(Info(), ctx, s);
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "opcua.write");
}

TEST(OpcUa, ByteAtATimeDeliveryGivesTheSameResult) {
  testing::RecordingContext ctx;
  std::unique_ptr<Analyzer> a = Info().create(ctx);
  Script s = Session(kNone, 1);
  s.push_back({Direction::kToServer, Message(kWrite, 2, 1)});
  for (const testing::Chunk& c : s) {
    for (uint8_t b : c.bytes) a->Deliver(c.dir, {&b, 1});
  }
  a->Finish();
  EXPECT_EQ(ctx.Alerts().size(), 1u);
  EXPECT_NE(ctx.Find("opcua.hello"), nullptr);
}

TEST(OpcUa, LargeChunkIsSkippedAndTheStreamStaysInStep) {
  testing::RecordingContext ctx;
  Script s = {{Direction::kToServer, Hello("opc.tcp://historian:4840")},
              {Direction::kToClient, Ack(1024 * 1024)},
              {Direction::kToServer, Open(kNone, 1)}};
  Bytes big = Message(kRead, 2, 1);
  big.resize(300 * 1024, 0x5A);  // more than the analyser ever buffers
  SetSize(big);
  s.push_back({Direction::kToServer, big});
  s.push_back({Direction::kToServer, Message(kWrite, 3, 1)});
  std::unique_ptr<Analyzer> a = Info().create(ctx);
  for (const testing::Chunk& c : s) {
    // Deliver in TCP-sized pieces.
    for (size_t at = 0; at < c.bytes.size(); at += 1460) {
      a->Deliver(c.dir, std::span<const uint8_t>(c.bytes).subspan(
                            at, std::min<size_t>(1460, c.bytes.size() - at)));
    }
  }
  EXPECT_FALSE(a->stopped());
  ASSERT_EQ(ctx.Alerts().size(), 1u);
  EXPECT_EQ(ctx.Alerts()[0].rule, "opcua.write");
}

TEST(OpcUa, ChunkLargerThanTheAgreedBufferStops) {
  testing::RecordingContext ctx;
  Bytes big = Message(kRead, 2, 1);
  big.resize(10000, 0);
  SetSize(big);
  auto a = Feed(Info(), ctx,
                {{Direction::kToServer, Hello("opc.tcp://x")},
                 {Direction::kToClient, Ack(8192)},
                 {Direction::kToServer, big}});
  EXPECT_EQ(ctx.anomalies["opcua.oversized"], 1);
  EXPECT_TRUE(a->stopped());
}

TEST(OpcUa, MalformedHeaderAfterConfirmationStops) {
  testing::RecordingContext ctx;
  Bytes bad = {'M', 'S', 'G', 'F', 0x04, 0x00, 0x00, 0x00};  // size below the header
  auto a = Feed(Info(), ctx,
                {{Direction::kToServer, Hello("opc.tcp://x")}, {Direction::kToServer, bad}});
  EXPECT_EQ(ctx.anomalies["opcua.bad_header"], 1);
  EXPECT_TRUE(a->stopped());
}

TEST(OpcUa, OtherProtocolStopsQuietly) {
  testing::RecordingContext ctx;
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  auto a = Feed(Info(), ctx, {{Direction::kToServer, Bytes(http.begin(), http.end())}});
  EXPECT_TRUE(a->stopped());
  EXPECT_TRUE(ctx.protocol.empty());
  EXPECT_TRUE(ctx.anomalies.empty());
}

TEST(OpcUa, EndpointUrlIsMadePrintable) {
  testing::RecordingContext ctx;
  Feed(Info(), ctx, {{Direction::kToServer, Hello(std::string("opc.tcp://a\x01\xff", 13))}});
  const Finding* hello = ctx.Find("opcua.hello");
  ASSERT_NE(hello, nullptr);
  EXPECT_EQ(Text(hello->fields["opcua"]["endpoint_url"]), "opc.tcp://a\\x01\\xff");
}

TEST(OpcUa, ProbeWantsAPlausibleHello) {
  EXPECT_TRUE(Info().probe(Direction::kToServer, Hello("opc.tcp://plc:4840")));
  Bytes tiny = Hello("x");
  tiny[4] = 12;  // size below a Hello's fixed fields
  EXPECT_FALSE(Info().probe(Direction::kToServer, tiny));
  const std::string hell = "HELF is not a size";
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes(hell.begin(), hell.end())));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Ack(65536)));
}

TEST(OpcUa, SharedCapturesRaiseNothing) {
  for (const std::string name :
       {"modbus-scada-mb2.pcap", "wannacry.pcap", "ms17-010-metasploit-win7x64.pcap",
        "eternalblue-failed-patched-win7.pcap", "smb-445-slow-scan.pcap", "mining.pcapng"}) {
    testing::Replay r = testing::ReplayFiles({testing::Pcap(name)});
    EXPECT_GT(r.counters.packets, 0u) << name;
    EXPECT_TRUE(r.WithRule("opcua.").empty()) << name;
    EXPECT_EQ(r.counters.analyzer_flows.count("opcua"), 0u) << name;
  }
}

}  // namespace
}  // namespace otguard::nba::analyzers::opcua
