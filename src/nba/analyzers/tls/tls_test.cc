#include "nba/analyzers/tls/tls.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nba/testing/fake_context.h"
#include "nba/testing/replay.h"

namespace otguard::nba::analyzers::tls {
namespace {

using testing::PoolIntel;

void Put(std::vector<uint8_t>& out, size_t bytes, size_t value) {
  for (size_t i = bytes; i-- > 0;) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

void PutVector(std::vector<uint8_t>& out, size_t prefix, const std::vector<uint8_t>& v) {
  Put(out, prefix, v.size());
  out.insert(out.end(), v.begin(), v.end());
}

std::vector<uint8_t> Str(std::string_view s) { return {s.begin(), s.end()}; }

// A ClientHello handshake message (RFC 8446 §4.1.2) with server_name and ALPN extensions.
std::vector<uint8_t> ClientHelloMessage(std::string_view sni) {
  std::vector<uint8_t> body;
  Put(body, 2, 0x0303);
  body.insert(body.end(), 32, 0xAB);                   // random
  PutVector(body, 1, std::vector<uint8_t>(32, 0x11));  // legacy_session_id
  PutVector(body, 2, {0x13, 0x01, 0xC0, 0x2F});        // cipher suites
  PutVector(body, 1, {0});                             // null compression
  std::vector<uint8_t> extensions;
  Put(extensions, 2, 0x000A);  // supported_groups, skipped
  PutVector(extensions, 2, {0, 2, 0, 0x1D});
  std::vector<uint8_t> name_list, server_name;
  Put(name_list, 1, 0);  // host_name
  PutVector(name_list, 2, Str(sni));
  PutVector(server_name, 2, name_list);
  Put(extensions, 2, 0);
  PutVector(extensions, 2, server_name);
  std::vector<uint8_t> protocols, alpn;
  PutVector(protocols, 1, Str("h2"));
  PutVector(protocols, 1, Str("http/1.1"));
  PutVector(alpn, 2, protocols);
  Put(extensions, 2, 16);
  PutVector(extensions, 2, alpn);
  PutVector(body, 2, extensions);
  std::vector<uint8_t> msg = {1};
  PutVector(msg, 3, body);
  return msg;
}

// The message in handshake records of at most `fragment` bytes each.
std::vector<uint8_t> Records(const std::vector<uint8_t>& msg, size_t fragment) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < msg.size(); i += fragment) {
    size_t n = std::min(fragment, msg.size() - i);
    out.insert(out.end(), {0x16, 0x03, 0x01});
    Put(out, 2, n);
    out.insert(out.end(), msg.begin() + i, msg.begin() + i + n);
  }
  return out;
}

TEST(TlsTest, ClientHelloGivesSniAndAlpn) {
  testing::RecordingContext ctx(Transport::kTcp, 443, PoolIntel());
  auto a = Info().create(ctx);
  auto stream = Records(ClientHelloMessage("historian.example.com"), 1 << 14);
  EXPECT_TRUE(Info().probe(Direction::kToServer, std::span(stream).first(64)));
  a->Deliver(Direction::kToServer, stream);
  EXPECT_EQ(ctx.protocol, "tls");
  ASSERT_EQ(ctx.findings.size(), 1u);
  const auto& f = ctx.findings[0];
  EXPECT_EQ(f.rule, "tls.client_hello");
  EXPECT_EQ(f.kind, Finding::Kind::kObservation);
  EXPECT_EQ(f.fields["tls"]["sni"], "historian.example.com");
  EXPECT_EQ(f.fields["tls"]["alpn"], (std::vector<std::string>{"h2", "http/1.1"}));
  EXPECT_EQ(f.fields["tls"]["client_version"], "0x0303");
  EXPECT_TRUE(a->stopped());  // the rest is encrypted
}

TEST(TlsTest, HelloSplitOverRecordsAndSegmentsToAPoolIsAnAlert) {
  testing::RecordingContext ctx(Transport::kTcp, 443, PoolIntel());
  auto a = Info().create(ctx);
  auto stream = Records(ClientHelloMessage("xmr.pool.MinerGate.com"), 50);
  for (size_t i = 0; i < stream.size(); i += 13) {
    a->Deliver(Direction::kToServer, std::span<const uint8_t>(stream).subspan(
                                         i, std::min<size_t>(13, stream.size() - i)));
  }
  ASSERT_EQ(ctx.findings.size(), 2u);
  EXPECT_EQ(ctx.findings[0].fields["tls"]["sni"], "xmr.pool.MinerGate.com");
  const auto& alert = ctx.findings[1];
  EXPECT_EQ(alert.rule, "tls.pool_sni");
  EXPECT_EQ(alert.kind, Finding::Kind::kAlert);
  EXPECT_EQ(alert.category, Category::kMining);
  EXPECT_EQ(alert.severity, Severity::kHigh);
  EXPECT_EQ(alert.fields["tls"]["pool_domain"], "minergate.com");
}

TEST(TlsTest, LengthsPastTheMessageAreRejected) {
  auto msg = ClientHelloMessage("a.example");
  std::span<const uint8_t> body = std::span<const uint8_t>(msg).subspan(4);
  EXPECT_TRUE(ParseClientHello(body).has_value());
  // Every cut fails except right after compression_methods: extensions are optional.
  const size_t without_extensions = 2 + 32 + 1 + 32 + 2 + 4 + 1 + 1;
  for (size_t cut = 0; cut < body.size(); ++cut) {
    EXPECT_EQ(ParseClientHello(body.first(cut)).has_value(), cut == without_extensions) << cut;
  }
}

TEST(TlsTest, NotTlsIsAnAnomalyAndStops) {
  testing::RecordingContext ctx(Transport::kTcp, 443, PoolIntel());
  auto a = Info().create(ctx);
  const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(http.data()), http.size());
  EXPECT_FALSE(Info().probe(Direction::kToServer, bytes));
  a->Deliver(Direction::kToServer, bytes);
  a->Deliver(Direction::kToClient, bytes);
  EXPECT_TRUE(a->stopped());
  EXPECT_EQ(ctx.AnomalyCount(), 2);
  EXPECT_TRUE(ctx.findings.empty());
}

TEST(TlsTest, ProbeWantsAClientHelloRecord) {
  auto stream = Records(ClientHelloMessage("a.example"), 1 << 14);
  stream[5] = 2;  // a ServerHello
  EXPECT_FALSE(Info().probe(Direction::kToClient, std::span(stream).first(64)));
  stream[5] = 1;
  stream[2] = 9;  // no such record version
  EXPECT_FALSE(Info().probe(Direction::kToServer, std::span(stream).first(64)));
}

// Meterpreter's TLS from the exploited host: the ClientHello (without SNI) is found on port
// 4444 by the probe.
TEST(TlsTest, MetasploitCaptureHasOneClientHelloAndNoAlert) {
  auto replay = testing::ReplayFiles({testing::Pcap("ms17-010-metasploit-win7x64.pcap")});
  auto hellos = replay.WithRule("tls.client_hello");
  ASSERT_EQ(hellos.size(), 1u);
  EXPECT_EQ(hellos[0].flow.app_protocol, "tls");
  EXPECT_EQ(hellos[0].finding.fields["tls"]["sni"], "");
  EXPECT_TRUE(replay.WithRule("tls.pool_sni").empty());
}

TEST(TlsTest, SniUnderAListedZoneIsAnIocAlertAndOtherNamesAreNot) {
  WatchedIndicator w;
  w.pack_id = "test";
  w.pack_version = "1";
  w.indicator_id = "ind";
  w.title = "Test indicator";
  w.severity = Severity::kCritical;
  w.domains = {"*.njaavfxcgk3.club", "historian.example.org"};
  Intel intel;
  auto list = Watchlist::Build({w});
  ASSERT_TRUE(list.has_value());
  intel.SetWatchlist(*list);
  auto ioc_alerts = [&](std::string_view sni) {
    testing::RecordingContext ctx(Transport::kTcp, 443, &intel);
    auto a = Info().create(ctx);
    a->Deliver(Direction::kToServer, Records(ClientHelloMessage(sni), 1 << 14));
    std::vector<Finding> out;
    for (const Finding& f : ctx.findings) {
      if (f.rule.starts_with("ioc.")) out.push_back(f);
    }
    return out;
  };
  auto alerts = ioc_alerts("swt.njaavfxcgk3.club");
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "ioc.test.ind");
  EXPECT_EQ(alerts[0].severity, Severity::kCritical);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "tls sni");
  EXPECT_EQ(alerts[0].fields["ioc"]["value"], "swt.njaavfxcgk3.club");
  EXPECT_TRUE(ioc_alerts("historian.example.com").empty());
  EXPECT_TRUE(ioc_alerts("njaavfxcgk3.club.example.com").empty());
}

}  // namespace
}  // namespace otguard::nba::analyzers::tls
