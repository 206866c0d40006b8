#include "nba/analyzers/enip/enip.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::enip {
namespace {

using testing::Pcap;
using testing::ReplayFiles;
using Bytes = std::vector<uint8_t>;

void Put16(Bytes& b, size_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Encapsulation header (session 0x12345678, zero status, context and options) + data.
Bytes Encap(uint16_t command, const Bytes& data, uint32_t session = 0x12345678) {
  Bytes out;
  Put16(out, command);
  Put16(out, data.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(session >> (8 * i)));
  out.resize(24, 0);  // status, sender context, options
  return Concat(out, data);
}

// SendRRData: interface handle 0, timeout 10, two items: null address, unconnected data.
Bytes SendRR(const Bytes& cip) {
  Bytes d = {0, 0, 0, 0, 10, 0, 2, 0, 0, 0, 0, 0, 0xB2, 0x00};
  Put16(d, cip.size());
  return Encap(0x006F, Concat(d, cip));
}

// SendUnitData: connected address (id 0x01020304) and connected data with sequence 7.
Bytes SendUnit(const Bytes& cip) {
  Bytes d = {0, 0, 0, 0, 0, 0, 2, 0, 0xA1, 0x00, 4, 0, 4, 3, 2, 1, 0xB1, 0x00};
  Put16(d, cip.size() + 2);
  d.push_back(7);
  d.push_back(0);
  return Encap(0x0070, Concat(d, cip));
}

// Set_Attribute_Single on TCP/IP Interface object (class 0xF5) instance 1 attribute 5.
const Bytes kSetAttribute = {0x10, 0x03, 0x20, 0xF5, 0x24, 0x01,
                             0x30, 0x05, 0xC0, 0xA8, 0x01, 0x0A};

TEST(EnipTest, SendRRDataSetAttributeSingleIsAnAlert) {
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  s.Send(Direction::kToServer, Encap(0x0065, {1, 0, 0, 0}, 0));  // RegisterSession
  s.Send(Direction::kToServer, SendRR(kSetAttribute));
  s.Send(Direction::kToServer, SendRR(kSetAttribute));
  EXPECT_EQ(s.ctx.protocol, "enip");
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const Finding& f = alerts[0];
  EXPECT_EQ(f.operation, "enip.set_attribute_single");
  EXPECT_EQ(f.category, Category::kIcsWrite);
  EXPECT_EQ(f.technique, "T0836");
  EXPECT_EQ(f.fields["enip"]["class"], 0xF5);
  EXPECT_EQ(f.fields["enip"]["instance"], 1);
  EXPECT_EQ(f.fields["enip"]["attribute"], 5);
  EXPECT_EQ(f.fields["enip"]["command"], "send_rr_data");
  s.analyzer->Finish();
  EXPECT_EQ(s.ctx.findings.back().fields["enip"]["count"]["enip.set_attribute_single"], 2);
}

TEST(EnipTest, ListIdentityAndReadsAreNotAlerts) {
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  s.Send(Direction::kToServer, Encap(0x0063, {}, 0));
  // Get_Attribute_Single on the Identity object, and its reply.
  s.Send(Direction::kToServer, SendRR({0x0E, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07}));
  s.Send(Direction::kToClient, SendRR({0x8E, 0x00, 0x00, 0x00, 0x04, 'P', 'L', 'C', '1'}));
  s.analyzer->Finish();
  EXPECT_EQ(s.ctx.protocol, "enip");
  EXPECT_TRUE(s.ctx.findings.empty());
  EXPECT_TRUE(s.ctx.anomalies.empty());
}

TEST(EnipTest, ResetIsHighDeviceRestart) {
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  s.Send(Direction::kToServer, SendRR({0x05, 0x02, 0x20, 0x01, 0x24, 0x01}));
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "enip.reset");
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].technique, "T0816");
}

// Logix Write Tag to "Speed" inside a Multiple Service Packet, over a connected session; a
// Read Tag beside it is not an alert.
TEST(EnipTest, LogixWriteTagInsideMultipleServicePacket) {
  Bytes write = {0x4D, 0x04, 0x91, 0x05, 'S', 'p', 'e', 'e',  'd',
                 0x00, 0xC4, 0x00, 1,    0,   0,   0,   0x10, 0x00};
  Bytes read = {0x4C, 0x04, 0x91, 0x05, 'S', 'p', 'e', 'e', 'd', 0x00, 0x01, 0x00};
  Bytes msp = {0x0A, 0x02, 0x20, 0x02, 0x24, 0x01};
  Put16(msp, 2);
  Put16(msp, 6);
  Put16(msp, 6 + read.size());
  msp = Concat(Concat(msp, read), write);
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  s.Send(Direction::kToServer, SendUnit(msp));
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "enip.write_tag");
  EXPECT_EQ(alerts[0].fields["enip"]["tag"], "Speed");
  EXPECT_TRUE(s.ctx.anomalies.empty());
}

// Forward Close (0x4E on the Connection Manager) shares its code with Read-Modify-Write Tag:
// it is connection housekeeping, not a write. A Set inside an Unconnected Send is found.
TEST(EnipTest, ConnectionManagerServicesAndUnconnectedSend) {
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  s.Send(Direction::kToServer,
         SendRR({0x4E, 0x02, 0x20, 0x06, 0x24, 0x01, 0x07, 0xE9, 0x01, 0x00, 0x00, 0x00}));
  EXPECT_TRUE(s.ctx.Alerts().empty());
  Bytes ucs = {0x52, 0x02, 0x20, 0x06, 0x24, 0x01, 0x07, 0xE9};
  Put16(ucs, kSetAttribute.size());
  ucs = Concat(Concat(ucs, kSetAttribute), {0x01, 0x00, 0x01, 0x00});  // route: backplane 0
  s.Send(Direction::kToServer, SendRR(ucs));
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "enip.set_attribute_single");
}

TEST(EnipTest, NotEnipOrMalformedIsHandled) {
  testing::Conversation http(Info(), Transport::kTcp, 44818);
  Bytes get(30, 'A');
  http.Send(Direction::kToServer, get);
  EXPECT_TRUE(http.analyzer->stopped());
  EXPECT_TRUE(http.ctx.protocol.empty());
  testing::Conversation s(Info(), Transport::kTcp, 44818);
  Bytes bad = SendRR({0x10, 0x7F, 0x20, 0x01});  // path longer than the message
  s.Send(Direction::kToServer, bad);
  EXPECT_EQ(s.ctx.anomalies["bad_cip_path"], 1);
  EXPECT_TRUE(s.ctx.Alerts().empty());
}

TEST(EnipTest, Class1IoDatagramsAreCountedOnly) {
  testing::Conversation s(Info(), Transport::kUdp, 2222);
  // Sequenced address item (connection id, sequence) + connected data (sequence + data).
  Bytes io = {2, 0, 0x02, 0x80, 8, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0xB1, 0x00, 4, 0, 5, 0, 0xAA, 0xBB};
  s.Send(Direction::kToServer, io);
  s.Send(Direction::kToClient, io);
  s.analyzer->Finish();
  EXPECT_EQ(s.ctx.protocol, "enip");
  ASSERT_EQ(s.ctx.findings.size(), 1u);
  EXPECT_EQ(s.ctx.findings[0].rule, "enip.io");
  EXPECT_EQ(s.ctx.findings[0].fields["enip"]["io_packets"], 2);
}

TEST(EnipTest, ProbeNeedsAWholeWellFormedRequest) {
  EXPECT_TRUE(Info().probe(Direction::kToServer, Encap(0x0065, {1, 0, 0, 0}, 0)));
  EXPECT_TRUE(Info().probe(Direction::kToServer, Encap(0x0063, {}, 0)));
  EXPECT_FALSE(Info().probe(Direction::kToClient, Encap(0x0063, {}, 0)));
  EXPECT_FALSE(Info().probe(Direction::kToServer, Bytes(24, 0)));
}

// mb2: the SCADA server talks to four Logix controllers over connected explicit messaging
// (SendUnitData with Multiple Service Packets of Read Tag and Read-Modify-Write Tag).
TEST(EnipTest, RealScadaCapture) {
  EngineOptions options;
  options.only = {"enip"};
  auto replay = ReplayFiles({Pcap("modbus-scada-mb2.pcap")}, options);
  int enip_flows = 0;
  for (const FlowInfo& flow : replay.flows) {
    if (flow.server.port == 44818 && flow.payload_bytes[0] > 0) {
      EXPECT_EQ(flow.app_protocol, "enip") << flow.client.port;
    }
    if (flow.app_protocol == "enip") ++enip_flows;
  }
  EXPECT_EQ(enip_flows, 4);
  // tshark: 4 connections carry such writes; one alert each.
  EXPECT_EQ(replay.Alerts().size(), 4u);
  std::set<std::string> ops;
  for (const auto& r : replay.Alerts()) {
    EXPECT_FALSE(r.finding.operation.empty());
    ops.insert(r.finding.operation);
  }
  EXPECT_EQ(ops, std::set<std::string>{"enip.read_modify_write_tag"});
  for (const auto& [name, n] : replay.counters.analyzer_anomalies) ADD_FAILURE() << name << n;
}

}  // namespace
}  // namespace otguard::nba::analyzers::enip
