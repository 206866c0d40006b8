#include "nba/analyzers/dns/dns.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "nba/testing/fake_context.h"

namespace otguard::nba::analyzers::dns {
namespace {

using testing::PoolIntel;

// Builds messages in RFC 1035 §4.1 wire format.
class MessageBuilder {
 public:
  MessageBuilder(uint16_t id, bool response, uint16_t qd, uint16_t an) {
    Put16(id);
    Put16(response ? 0x8180 : 0x0100);  // QR, RD (and RA in responses)
    Put16(qd);
    Put16(an);
    Put16(0);
    Put16(0);
  }
  // Uncompressed name; returns its offset (for compression pointers).
  size_t Name(const std::string& dotted) {
    size_t at = bytes.size();
    size_t start = 0;
    while (start < dotted.size()) {
      size_t dot = dotted.find('.', start);
      if (dot == std::string::npos) dot = dotted.size();
      bytes.push_back(static_cast<uint8_t>(dot - start));
      bytes.insert(bytes.end(), dotted.begin() + start, dotted.begin() + dot);
      start = dot + 1;
    }
    bytes.push_back(0);
    return at;
  }
  void Pointer(size_t offset) {
    bytes.push_back(static_cast<uint8_t>(0xC0 | offset >> 8));
    bytes.push_back(static_cast<uint8_t>(offset));
  }
  void Question(uint16_t type) {
    Put16(type);
    Put16(1);
  }
  // TYPE, CLASS IN, TTL and RDLENGTH; returns the RDLENGTH offset for FixLength().
  size_t RecordHeader(uint16_t type, uint32_t ttl, uint16_t rdlength) {
    Put16(type);
    Put16(1);
    Put16(static_cast<uint16_t>(ttl >> 16));
    Put16(static_cast<uint16_t>(ttl));
    size_t at = bytes.size();
    Put16(rdlength);
    return at;
  }
  void FixLength(size_t at) {
    size_t len = bytes.size() - at - 2;
    bytes[at] = static_cast<uint8_t>(len >> 8);
    bytes[at + 1] = static_cast<uint8_t>(len);
  }
  void Raw(std::initializer_list<uint8_t> b) { bytes.insert(bytes.end(), b); }
  void Put16(uint16_t v) {
    bytes.push_back(static_cast<uint8_t>(v >> 8));
    bytes.push_back(static_cast<uint8_t>(v));
  }

  std::vector<uint8_t> bytes;
};

// p1.mdfr6avyyle.online CNAME xmr.pool.minergate.com, A 94.130.12.30: the MsraMiner pattern,
// with the owner names compressed as a real resolver writes them.
std::vector<uint8_t> AliasedPoolResponse(uint16_t id) {
  MessageBuilder m(id, true, 1, 2);
  size_t qname = m.Name("p1.mdfr6avyyle.online");
  m.Question(kTypeA);
  m.Pointer(qname);
  size_t len = m.RecordHeader(kTypeCname, 300, 0);
  size_t target = m.bytes.size();
  m.Raw({3, 'x', 'm', 'r', 4, 'p', 'o', 'o', 'l', 9});
  m.Raw({'m', 'i', 'n', 'e', 'r', 'g', 'a', 't', 'e'});
  m.Raw({3, 'c', 'o', 'm', 0});
  m.FixLength(len);
  m.Pointer(target);
  m.RecordHeader(kTypeA, 60, 4);
  m.Raw({94, 130, 12, 30});
  return m.bytes;
}

TEST(DnsParseTest, FollowsCompressionPointersAndBuildsTheCnameChain) {
  auto m = ParseMessage(AliasedPoolResponse(7));
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->response);
  EXPECT_EQ(m->query, "p1.mdfr6avyyle.online");
  ASSERT_EQ(m->answers.size(), 2u);
  EXPECT_EQ(m->answers[0].name, "p1.mdfr6avyyle.online");
  EXPECT_EQ(m->answers[0].data, "xmr.pool.minergate.com");
  EXPECT_EQ(m->answers[1].name, "xmr.pool.minergate.com");
  EXPECT_EQ(m->answers[1].data, "94.130.12.30");
  EXPECT_EQ(CnameChain(*m),
            (std::vector<std::string>{"p1.mdfr6avyyle.online", "xmr.pool.minergate.com"}));
}

TEST(DnsParseTest, PointerToItselfIsRejected) {
  MessageBuilder m(1, false, 1, 0);
  m.Pointer(12);  // the question name points at its own offset
  m.Question(kTypeA);
  EXPECT_FALSE(ParseMessage(m.bytes).has_value());
}

TEST(DnsParseTest, PointerLoopBetweenTwoNamesIsRejected) {
  // Name at 12: label "a" then a pointer to 16; at 16: label "b" then a pointer back to 12.
  MessageBuilder m(1, false, 1, 0);
  m.Raw({1, 'a'});
  m.Pointer(16);
  m.Raw({1, 'b'});
  m.Pointer(12);
  m.Question(kTypeA);
  EXPECT_FALSE(ParseMessage(m.bytes).has_value());
}

TEST(DnsParseTest, ForwardPointerAndReservedLabelTypeAreRejected) {
  MessageBuilder forward(1, false, 1, 0);
  forward.Pointer(14);  // points past itself
  forward.Name("x.example");
  EXPECT_FALSE(ParseMessage(forward.bytes).has_value());
  MessageBuilder reserved(1, false, 1, 0);
  reserved.Raw({0x41, 'a', 0});
  reserved.Question(kTypeA);
  EXPECT_FALSE(ParseMessage(reserved.bytes).has_value());
}

TEST(DnsParseTest, NameLongerThan255OctetsIsRejected) {
  MessageBuilder m(1, false, 1, 0);
  std::string name;
  for (int i = 0; i < 5; ++i) name += std::string(60, 'a') + ".";
  name += "com";
  m.Name(name);
  m.Question(kTypeA);
  EXPECT_FALSE(ParseMessage(m.bytes).has_value());
}

TEST(DnsParseTest, TruncatedAnswerKeepsEarlierRecords) {
  auto bytes = AliasedPoolResponse(7);
  bytes.resize(bytes.size() - 2);  // cut into the A record's address
  auto m = ParseMessage(bytes);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(m->truncated);
  EXPECT_EQ(m->answers.size(), 1u);
}

TEST(DnsAnalyzerTest, AliasOfAPoolIsOneHighMiningAlertWithTheChain) {
  testing::RecordingContext ctx(Transport::kUdp, 53, PoolIntel());
  auto a = Info().create(ctx);
  MessageBuilder query(7, false, 1, 0);
  query.Name("p1.mdfr6avyyle.online");
  query.Question(kTypeA);
  a->Deliver(Direction::kToServer, query.bytes);
  a->Deliver(Direction::kToClient, AliasedPoolResponse(7));
  a->Deliver(Direction::kToClient, AliasedPoolResponse(7));  // a duplicate answer
  a->Finish();
  EXPECT_EQ(ctx.protocol, "dns");
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "dns.pool_lookup");
  EXPECT_EQ(alerts[0].category, Category::kMining);
  EXPECT_EQ(alerts[0].severity, Severity::kHigh);
  EXPECT_EQ(alerts[0].technique, "T1496");
  const auto& d = alerts[0].fields["dns"];
  EXPECT_EQ(d["pool_domain"], "minergate.com");
  EXPECT_EQ(d["matched"], "xmr.pool.minergate.com");
  EXPECT_EQ(d["cname_chain"].size(), 2u);
  EXPECT_EQ(d["addresses"][0], "94.130.12.30");
  // The answers are observations for the correlator, each response once.
  int answers = 0;
  for (const auto& f : ctx.findings) {
    if (f.rule != "dns.answer") continue;
    ++answers;
    EXPECT_EQ(f.kind, Finding::Kind::kObservation);
    EXPECT_EQ(f.fields["dns"]["query"], "p1.mdfr6avyyle.online");
    EXPECT_EQ(f.fields["dns"]["addresses"][0], "94.130.12.30");
    EXPECT_EQ(f.fields["dns"]["cname_chain"][1], "xmr.pool.minergate.com");
  }
  EXPECT_EQ(answers, 2);
}

TEST(DnsAnalyzerTest, OrdinaryLookupIsOnlyAnObservation) {
  testing::RecordingContext ctx(Transport::kUdp, 53, PoolIntel());
  auto a = Info().create(ctx);
  MessageBuilder m(9, true, 1, 1);
  size_t q = m.Name("historian.plant.local");
  m.Question(kTypeA);
  m.Pointer(q);
  m.RecordHeader(kTypeA, 60, 4);
  m.Raw({10, 1, 2, 3});
  a->Deliver(Direction::kToClient, m.bytes);
  a->Finish();
  EXPECT_TRUE(ctx.Alerts().empty());
  ASSERT_EQ(ctx.findings.size(), 1u);
  EXPECT_EQ(ctx.findings[0].rule, "dns.answer");
}

TEST(DnsAnalyzerTest, UnansweredPoolQueryIsReportedAtTheEnd) {
  testing::RecordingContext ctx(Transport::kUdp, 53, PoolIntel());
  auto a = Info().create(ctx);
  MessageBuilder query(3, false, 1, 0);
  query.Name("XMR.Pool.MinerGate.com.");  // case and the trailing root do not matter
  query.Question(kTypeA);
  a->Deliver(Direction::kToServer, query.bytes);
  EXPECT_TRUE(ctx.Alerts().empty());
  a->Finish();
  auto alerts = ctx.Alerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].fields["dns"]["answered"], false);
}

TEST(DnsAnalyzerTest, MalformedDatagramsAreAnomaliesAndStopTheAnalyser) {
  testing::RecordingContext ctx(Transport::kUdp, 53, PoolIntel());
  auto a = Info().create(ctx);
  const std::vector<uint8_t> junk = {1, 2, 3};
  for (int i = 0; i < 4 && !a->stopped(); ++i) a->Deliver(Direction::kToServer, junk);
  EXPECT_TRUE(a->stopped());
  EXPECT_EQ(ctx.AnomalyCount(), 4);
  EXPECT_TRUE(ctx.protocol.empty());
}

TEST(DnsAnalyzerTest, TcpMessagesAreFramedByTheirLengthAcrossSegments) {
  testing::RecordingContext ctx(Transport::kTcp, 53, PoolIntel());
  auto a = TcpInfo().create(ctx);
  std::vector<uint8_t> stream;
  for (uint16_t id : {1, 2}) {
    auto msg = AliasedPoolResponse(id);
    stream.push_back(static_cast<uint8_t>(msg.size() >> 8));
    stream.push_back(static_cast<uint8_t>(msg.size()));
    stream.insert(stream.end(), msg.begin(), msg.end());
  }
  // Deliver in 5-byte segments: prefixes and names split anywhere.
  for (size_t i = 0; i < stream.size(); i += 5) {
    size_t n = std::min<size_t>(5, stream.size() - i);
    a->Deliver(Direction::kToClient, std::span<const uint8_t>(stream).subspan(i, n));
  }
  a->Finish();
  EXPECT_EQ(ctx.Alerts().size(), 1u);  // the same name twice: one alert
  size_t answers = 0;
  for (const auto& f : ctx.findings) answers += f.rule == "dns.answer";
  EXPECT_EQ(answers, 2u);
  EXPECT_TRUE(ctx.anomalies.empty());
}

// --- IOC domains ---------------------------------------------------------------------------

Intel WatchIntel(std::vector<std::string> domains) {
  WatchedIndicator w;
  w.pack_id = "test";
  w.pack_version = "1";
  w.indicator_id = "ind";
  w.title = "Test indicator";
  w.domains = std::move(domains);
  Intel intel;
  auto list = Watchlist::Build({w});
  EXPECT_TRUE(list.has_value());
  if (list) intel.SetWatchlist(*list);
  return intel;
}

// A query for finance.vtomske.ru as captured in tests/data/pcaps/gopacket/test_dns.pcap
// (frame 2, UDP payload).
const std::vector<uint8_t> kCapturedQuery = {0xb2, 0x73, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                             0x00, 0x00, 0x00, 0x07, 0x66, 0x69, 0x6e, 0x61, 0x6e,
                                             0x63, 0x65, 0x07, 0x76, 0x74, 0x6f, 0x6d, 0x73, 0x6b,
                                             0x65, 0x02, 0x72, 0x75, 0x00, 0x00, 0x01, 0x00, 0x01};

std::vector<Finding> IocAlerts(const testing::RecordingContext& ctx) {
  std::vector<Finding> out;
  for (const Finding& f : ctx.findings) {
    if (f.rule.starts_with("ioc.")) out.push_back(f);
  }
  return out;
}

TEST(DnsIocTest, CapturedQueryUnderAListedZoneIsAnAlert) {
  Intel intel = WatchIntel({"*.vtomske.ru"});
  testing::RecordingContext ctx(Transport::kUdp, 53, &intel);
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToServer, kCapturedQuery);
  a->Finish();
  auto alerts = IocAlerts(ctx);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, "ioc.test.ind");
  EXPECT_EQ(alerts[0].category, Category::kIoc);
  EXPECT_EQ(alerts[0].actor, Direction::kToServer);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "dns query");
  EXPECT_EQ(alerts[0].fields["ioc"]["value"], "finance.vtomske.ru");
  EXPECT_EQ(alerts[0].fields["ioc"]["matched"], "*.vtomske.ru");
}

TEST(DnsIocTest, OtherNamesAndNeighbourZonesAreNoMatch) {
  for (const char* listed : {"vtomske.ru.example", "pogoda.vtomske.ru", "*.tomske.ru"}) {
    Intel intel = WatchIntel({listed});
    testing::RecordingContext ctx(Transport::kUdp, 53, &intel);
    auto a = Info().create(ctx);
    a->Deliver(Direction::kToServer, kCapturedQuery);
    EXPECT_TRUE(IocAlerts(ctx).empty()) << listed;
  }
}

// An alias in the answer is where a listed name shows when the asked one is not listed; a
// response whose query was not captured still names the query.
TEST(DnsIocTest, ListedAliasInAnAnswerAndAnUnseenQuery) {
  Intel intel = WatchIntel({"xmr.pool.minergate.com", "*.mdfr6avyyle.online"});
  testing::RecordingContext ctx(Transport::kUdp, 53, &intel);
  auto a = Info().create(ctx);
  a->Deliver(Direction::kToClient, AliasedPoolResponse(9));
  auto alerts = IocAlerts(ctx);
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_EQ(alerts[0].fields["ioc"]["seen"], "dns query");
  EXPECT_EQ(alerts[0].fields["ioc"]["value"], "p1.mdfr6avyyle.online");
  EXPECT_EQ(alerts[1].fields["ioc"]["seen"], "dns answer");
  EXPECT_EQ(alerts[1].fields["ioc"]["value"], "xmr.pool.minergate.com");
}

TEST(DnsIocTest, QueryAndItsAnswerReportTheQueryOnce) {
  Intel intel = WatchIntel({"*.mdfr6avyyle.online"});
  testing::RecordingContext ctx(Transport::kUdp, 53, &intel);
  auto a = Info().create(ctx);
  MessageBuilder query(7, false, 1, 0);
  query.Name("p1.mdfr6avyyle.online");
  query.Question(kTypeA);
  a->Deliver(Direction::kToServer, query.bytes);
  a->Deliver(Direction::kToClient, AliasedPoolResponse(7));
  EXPECT_EQ(IocAlerts(ctx).size(), 1u);
}

}  // namespace
}  // namespace otguard::nba::analyzers::dns
