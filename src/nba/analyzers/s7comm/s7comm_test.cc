#include "nba/analyzers/s7comm/s7comm.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::s7comm {
namespace {

using testing::Pcap;
using testing::ReplayFiles;

using Bytes = std::vector<uint8_t>;

// TPKT + COTP DT (LI 2, end of TSDU unless `last` is false) around `user`.
Bytes Dt(const Bytes& user, bool last = true) {
  size_t len = 4 + 3 + user.size();
  Bytes out = {0x03, 0x00, static_cast<uint8_t>(len >> 8),          static_cast<uint8_t>(len),
               0x02, 0xF0, static_cast<uint8_t>(last ? 0x80 : 0x00)};
  out.insert(out.end(), user.begin(), user.end());
  return out;
}

// S7 job header (ROSCTR 1, PDU reference 0x0100) + parameters + data.
Bytes Job(const Bytes& params, const Bytes& data = {}) {
  Bytes out = {0x32,
               0x01,
               0x00,
               0x00,
               0x01,
               0x00,
               static_cast<uint8_t>(params.size() >> 8),
               static_cast<uint8_t>(params.size()),
               static_cast<uint8_t>(data.size() >> 8),
               static_cast<uint8_t>(data.size())};
  out.insert(out.end(), params.begin(), params.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

Bytes Ascii(std::string_view s) { return Bytes(s.begin(), s.end()); }

Bytes Concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// COTP connection request with S7 TSAPs (calling 0x0100, called 0x0102: rack 0 slot 2).
const Bytes kConnectRequest = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                               0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x02};

// PLC stop: function 0x29, five unknown bytes, "P_PROGRAM".
const Bytes kPlcStop = Concat({0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}, Ascii("P_PROGRAM"));

TEST(S7commTest, PlcStopJobIsACriticalAlert) {
  testing::Conversation s(Info());
  s.Send(Direction::kToServer, kConnectRequest);
  s.Send(Direction::kToServer, Dt(Job(kPlcStop)));
  EXPECT_EQ(s.ctx.protocol, "s7comm");
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "s7comm.plc_stop");
  EXPECT_EQ(alerts[0].category, Category::kIcsWrite);
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(alerts[0].technique, "T0858");
  EXPECT_EQ(alerts[0].fields["s7comm"]["pi_service"], "P_PROGRAM");
  EXPECT_TRUE(s.ctx.anomalies.empty());
}

TEST(S7commTest, BlockDownloadIsOneHighAlertWithTheBlock) {
  testing::Conversation s(Info());
  // Request download of DB 1 (file "_0A00001P"), then download block and download ended.
  Bytes file = Ascii("_0A00001P");
  Bytes request = Concat({0x1A, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}, file);
  request = Concat(request, Concat({0x0D, 0x31}, Ascii("000128000064")));
  Bytes block = Concat({0x1B, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}, file);
  Bytes ended = Concat({0x1C, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09}, file);
  for (const Bytes& p : {request, block, ended}) s.Send(Direction::kToServer, Dt(Job(p)));
  s.analyzer->Finish();
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "s7comm.block_download");
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].technique, "T0843");
  EXPECT_EQ(alerts[0].fields["s7comm"]["block_type"], "DB");
  EXPECT_EQ(alerts[0].fields["s7comm"]["block_number"], "00001");
  ASSERT_EQ(s.ctx.findings.back().rule, "s7comm.writes");
  EXPECT_EQ(s.ctx.findings.back().fields["s7comm"]["count"]["s7comm.block_download"], 3);
}

TEST(S7commTest, WriteVarSplitOverTwoCotpSegments) {
  testing::Conversation s(Info());
  // Write var, one item: DB 5, byte 16 (bit address 0x80), 2 bytes.
  Bytes params = {0x05, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00,
                  0x02, 0x00, 0x05, 0x84, 0x00, 0x00, 0x80};
  Bytes data = {0x00, 0x04, 0x00, 0x10, 0xBE, 0xEF};
  Bytes pdu = Job(params, data);
  Bytes first(pdu.begin(), pdu.begin() + 8), second(pdu.begin() + 8, pdu.end());
  s.Send(Direction::kToServer, Dt(first, /*last=*/false));
  EXPECT_TRUE(s.ctx.findings.empty());
  s.Send(Direction::kToServer, Dt(second));
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "s7comm.write_var");
  EXPECT_EQ(alerts[0].fields["s7comm"]["db"], 5);
  EXPECT_EQ(alerts[0].fields["s7comm"]["area"], "data_block");
  EXPECT_EQ(alerts[0].fields["s7comm"]["address"], 16);
}

TEST(S7commTest, ReadVarAndResponsesAreNotAlerts) {
  testing::Conversation s(Info());
  Bytes read = {0x04, 0x01, 0x12, 0x0A, 0x10, 0x02, 0x00, 0x02, 0x00, 0x05, 0x84, 0x00, 0x00, 0x80};
  s.Send(Direction::kToServer, Dt(Job(read)));
  // A stop job echoed by the PLC (server to client) is not the client stopping it.
  s.Send(Direction::kToClient, Dt(Job(kPlcStop)));
  EXPECT_EQ(s.ctx.protocol, "s7comm");
  EXPECT_TRUE(s.ctx.findings.empty());
}

TEST(S7commTest, PiServiceDeleteBlock) {
  testing::Conversation s(Info());
  Bytes block = Concat({0x01, 0x00, 0x30, 0x41}, Ascii("00007P"));  // one block: DB 7
  Bytes params = {0x28, 0, 0, 0, 0, 0, 0, 0xFD, 0x00, static_cast<uint8_t>(block.size())};
  params = Concat(Concat(params, block), Concat({0x05}, Ascii("_DELE")));
  s.Send(Direction::kToServer, Dt(Job(params)));
  auto alerts = s.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "s7comm.block_delete");
  EXPECT_EQ(alerts[0].technique, "T0809");
  EXPECT_EQ(alerts[0].fields["s7comm"]["block_number"], "00007");
}

TEST(S7commTest, S7commPlusIsRecognisedOnly) {
  testing::Conversation s(Info());
  s.Send(Direction::kToServer, Dt({0x72, 0x01, 0x00, 0x1E, 0x31, 0x00}));
  EXPECT_EQ(s.ctx.protocol, "s7comm");
  ASSERT_EQ(s.ctx.findings.size(), 1u);
  EXPECT_EQ(s.ctx.findings[0].kind, Finding::Kind::kObservation);
  EXPECT_EQ(s.ctx.findings[0].rule, "s7comm.s7commplus");
}

TEST(S7commTest, OtherIsoProtocolsAndGarbageAreLeftAlone) {
  testing::Conversation mms(Info());  // IEC 61850 MMS also runs over ISO-on-TCP on port 102
  mms.Send(Direction::kToServer, Dt({0x0D, 0xC0, 0x01, 0x00}));
  EXPECT_TRUE(mms.analyzer->stopped());
  EXPECT_TRUE(mms.ctx.protocol.empty());
  testing::Conversation bad(Info());
  bad.Send(Direction::kToServer, Dt(Job(kPlcStop)));
  bad.Send(Direction::kToServer, {0x47, 0x45, 0x54, 0x20, 0x2F});  // not a TPKT
  EXPECT_TRUE(bad.analyzer->stopped());
  EXPECT_EQ(bad.ctx.anomalies["bad_tpkt"], 1);
  // A job whose lengths run past the PDU is counted, not parsed.
  testing::Conversation s(Info());
  Bytes job = Job(kPlcStop);
  job[7] = 0x40;
  s.Send(Direction::kToServer, Dt(job));
  EXPECT_EQ(s.ctx.anomalies["bad_length"], 1);
  EXPECT_TRUE(s.ctx.findings.empty());
}

TEST(S7commTest, ProbeWantsS7Tsaps) {
  EXPECT_TRUE(Info().probe(Direction::kToServer, kConnectRequest));
  // RDP's X.224 connection request: a cookie, no TSAPs.
  Bytes rdp = Concat({0x03, 0x00, 0x00, 0x23, 0x1E, 0xE0, 0x00, 0x00, 0x00, 0x00, 0x00},
                     Ascii("Cookie: mstshash=ab\r\n"));
  EXPECT_FALSE(Info().probe(Direction::kToServer, rdp));
  EXPECT_TRUE(Info().probe(Direction::kToServer, Dt(Job(kPlcStop))));
}

// mb2: the SCADA server polls 14 S7 PLCs (read var) and writes variables.
TEST(S7commTest, RealScadaCapture) {
  EngineOptions options;
  options.only = {"s7comm"};
  auto replay = ReplayFiles({Pcap("modbus-scada-mb2.pcap")}, options);
  int s7_flows = 0;
  for (const FlowInfo& flow : replay.flows) {
    if (flow.server.port == 102 && flow.payload_bytes[0] > 0) {
      EXPECT_EQ(flow.app_protocol, "s7comm") << flow.client.port;
    }
    if (flow.app_protocol == "s7comm") ++s7_flows;
  }
  EXPECT_EQ(s7_flows, 14);  // tshark: 14 connections carry S7comm
  // tshark: 12 connections carry such writes; one alert each.
  EXPECT_EQ(replay.Alerts().size(), 12u);
  std::set<std::string> ops;
  for (const auto& r : replay.Alerts()) {
    EXPECT_FALSE(r.finding.operation.empty());
    ops.insert(r.finding.operation);
  }
  EXPECT_EQ(ops, std::set<std::string>{"s7comm.write_var"});
  for (const auto& [name, n] : replay.counters.analyzer_anomalies) ADD_FAILURE() << name << n;
}

}  // namespace
}  // namespace otguard::nba::analyzers::s7comm
