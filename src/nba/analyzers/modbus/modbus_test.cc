#include "nba/analyzers/modbus/modbus.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::modbus {
namespace {

using testing::Pcap;
using testing::ReplayFiles;

// MBAP (transaction 1, protocol 0, length, unit 17) + PDU.
std::vector<uint8_t> Adu(std::vector<uint8_t> pdu, uint8_t unit = 17) {
  uint16_t length = static_cast<uint16_t>(pdu.size() + 1);
  std::vector<uint8_t> adu = {0x00,
                              0x01,
                              0x00,
                              0x00,
                              static_cast<uint8_t>(length >> 8),
                              static_cast<uint8_t>(length & 0xff),
                              unit};
  adu.insert(adu.end(), pdu.begin(), pdu.end());
  return adu;
}

// Write Multiple Registers (spec §6.12): address 0x0001, 2 registers, 4 bytes 000A 0102.
const std::vector<uint8_t> kWriteRegisters = {0x10, 0x00, 0x01, 0x00, 0x02,
                                              0x04, 0x00, 0x0A, 0x01, 0x02};

TEST(ModbusTest, WriteMultipleRegistersIsOneIcsWriteAlertPerFlow) {
  testing::Conversation run(Info());
  run.Send(Direction::kToServer, Adu(kWriteRegisters));
  run.Send(Direction::kToClient, Adu({0x10, 0x00, 0x01, 0x00, 0x02}));
  run.Send(Direction::kToServer, Adu(kWriteRegisters));
  run.analyzer->Finish();
  EXPECT_EQ(run.ctx.protocol, "modbus");
  auto alerts = run.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  const Finding& f = alerts[0];
  EXPECT_EQ(f.category, Category::kIcsWrite);
  EXPECT_EQ(f.operation, "modbus.write_multiple_registers");
  EXPECT_EQ(f.rule, "modbus.write_multiple_registers");
  EXPECT_EQ(f.technique, "T0836");
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.actor, Direction::kToServer);
  EXPECT_EQ(f.fields["modbus"]["unit_id"], 17);
  EXPECT_EQ(f.fields["modbus"]["function"], 16);
  EXPECT_EQ(f.fields["modbus"]["address"], 1);
  EXPECT_EQ(f.fields["modbus"]["quantity"], 2);
  // The flow's summary counts both requests.
  auto obs = run.ctx.Observations();
  ASSERT_EQ(obs.size(), 1u);
  EXPECT_EQ(obs[0].rule, "modbus.writes");
  EXPECT_EQ(obs[0].fields["modbus"]["count"]["modbus.write_multiple_registers"], 2);
}

TEST(ModbusTest, ReadHoldingRegistersIsNotAnAlert) {
  testing::Conversation run(Info());
  run.Send(Direction::kToServer, Adu({0x03, 0x00, 0x6B, 0x00, 0x03}));
  run.Send(Direction::kToClient, Adu({0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64}));
  run.analyzer->Finish();
  EXPECT_EQ(run.ctx.protocol, "modbus");
  EXPECT_TRUE(run.ctx.findings.empty());
  EXPECT_TRUE(run.ctx.anomalies.empty());
}

TEST(ModbusTest, ExceptionResponsesAreOneObservationAtFinish) {
  testing::Conversation run(Info());
  for (int i = 0; i < 3; ++i) {
    run.Send(Direction::kToServer, Adu({0x03, 0x10, 0x00, 0x00, 0x01}));
    run.Send(Direction::kToClient, Adu({0x83, 0x02}));  // illegal data address
  }
  run.Send(Direction::kToServer, Adu({0x01, 0x00, 0x00, 0x00, 0x01}));
  run.Send(Direction::kToClient, Adu({0x81, 0x01}));  // illegal function
  EXPECT_TRUE(run.ctx.findings.empty());              // nothing before the flow ends
  run.analyzer->Finish();
  ASSERT_EQ(run.ctx.findings.size(), 1u);
  const Finding& f = run.ctx.findings[0];
  EXPECT_EQ(f.kind, Finding::Kind::kObservation);
  EXPECT_EQ(f.rule, "modbus.exceptions");
  EXPECT_EQ(f.fields["modbus"]["exceptions"]["illegal_data_address"], 3);
  EXPECT_EQ(f.fields["modbus"]["exceptions"]["illegal_function"], 1);
  EXPECT_EQ(f.fields["modbus"]["count"], 4);
}

TEST(ModbusTest, BogusMbapLengthIsAnAnomalyAndStops) {
  testing::Conversation run(Info());
  run.Send(Direction::kToServer, Adu({0x03, 0x00, 0x00, 0x00, 0x01}));
  // Length 0x0400 is beyond the 254 an ADU can carry.
  run.Send(Direction::kToServer, {0x00, 0x02, 0x00, 0x00, 0x04, 0x00, 0x11, 0x03, 0x00});
  EXPECT_EQ(run.ctx.anomalies["bad_mbap"], 1);
  EXPECT_TRUE(run.analyzer->stopped());
  // A non-zero protocol id is just as fatal.
  testing::Conversation other(Info());
  other.Send(Direction::kToServer, {0x00, 0x01, 0x00, 0x07, 0x00, 0x06, 0x11, 0x03, 0, 0, 0, 1});
  EXPECT_EQ(other.ctx.anomalies["bad_mbap"], 1);
  EXPECT_TRUE(other.ctx.protocol.empty());
}

TEST(ModbusTest, AdusSplitAcrossSegmentsAndPipelined) {
  testing::Conversation run(Info());
  std::vector<uint8_t> two = Adu({0x06, 0x00, 0x05, 0x12, 0x34});
  std::vector<uint8_t> coil = Adu({0x05, 0x00, 0x07, 0xFF, 0x00});
  two.insert(two.end(), coil.begin(), coil.end());
  for (uint8_t b : two) run.Send(Direction::kToServer, {b});
  std::set<std::string> ops;
  for (const Finding& f : run.ctx.Alerts()) ops.insert(f.operation);
  EXPECT_EQ(ops,
            (std::set<std::string>{"modbus.write_single_register", "modbus.write_single_coil"}));
}

TEST(ModbusTest, DiagnosticsForceListenOnlyIsHighDenialOfService) {
  testing::Conversation run(Info());
  run.Send(Direction::kToServer, Adu({0x08, 0x00, 0x04, 0x00, 0x00}));
  run.Send(Direction::kToServer, Adu({0x08, 0x00, 0x00, 0xA5, 0x37}));  // echo: a read
  auto alerts = run.ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].operation, "modbus.force_listen_only");
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].technique, "T0814");
}

TEST(ModbusTest, ReadDeviceIdentificationIsARead) {
  testing::Conversation run(Info());
  run.Send(Direction::kToServer, Adu({0x2B, 0x0E, 0x01, 0x00}));
  EXPECT_EQ(run.ctx.protocol, "modbus");
  EXPECT_TRUE(run.ctx.findings.empty());
}

TEST(ModbusTest, ProbeClaimsOnlyAWellFormedRequest) {
  std::vector<uint8_t> read = Adu({0x03, 0x00, 0x6B, 0x00, 0x03});
  EXPECT_TRUE(Info().probe(Direction::kToServer, read));
  EXPECT_FALSE(Info().probe(Direction::kToClient, read));
  std::vector<uint8_t> http = {'G', 'E', 'T', ' ', '/', ' ', 'H', 'T', 'T', 'P'};
  EXPECT_FALSE(Info().probe(Direction::kToServer, http));
  read.push_back(0);  // one byte more than the header announces
  EXPECT_FALSE(Info().probe(Direction::kToServer, read));
}

// mb2: a SCADA server (141.81.0.10) polls Modbus/TCP servers and writes coils (function 15).
TEST(ModbusTest, RealScadaCapture) {
  EngineOptions options;
  options.only = {"modbus"};
  auto replay = ReplayFiles({Pcap("modbus-scada-mb2.pcap")}, options);
  int modbus_flows = 0;
  for (const FlowInfo& flow : replay.flows) {
    if (flow.server.port == 502 && flow.payload_bytes[0] > 0) {  // not the empty handshakes
      EXPECT_EQ(flow.app_protocol, "modbus") << flow.client.port;
    }
    if (flow.app_protocol == "modbus") ++modbus_flows;
  }
  EXPECT_EQ(modbus_flows, 14);  // tshark: 14 connections to 502 carry Modbus
  // tshark: 14 connections carry such writes; one alert each.
  EXPECT_EQ(replay.Alerts().size(), 14u);
  std::set<std::string> ops;
  for (const auto& r : replay.Alerts()) {
    EXPECT_EQ(r.finding.category, Category::kIcsWrite);
    EXPECT_FALSE(r.finding.operation.empty());
    ops.insert(r.finding.operation);
  }
  EXPECT_EQ(ops, std::set<std::string>{"modbus.write_multiple_coils"});
  EXPECT_EQ(replay.counters.analyzer_anomalies.count("modbus.bad_mbap"), 0u);
}

}  // namespace
}  // namespace otguard::nba::analyzers::modbus
