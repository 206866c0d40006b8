#include "otguard/nba/watchlist.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace otguard::nba {
namespace {

WatchedIndicator Ind(std::string id) {
  WatchedIndicator w;
  w.pack_id = "test";
  w.pack_version = "1";
  w.indicator_id = std::move(id);
  w.title = "Test indicator";
  return w;
}

Watchlist Build(std::vector<WatchedIndicator> list) {
  auto w = Watchlist::Build(std::move(list));
  EXPECT_TRUE(w.has_value()) << w.error().ToString();
  return w ? *w : Watchlist();
}

FlowInfo Flow(std::string_view client, uint16_t client_port, std::string_view server,
              uint16_t server_port, Transport t = Transport::kTcp) {
  FlowInfo f;
  f.client = {*IpAddress::Parse(client), client_port};
  f.server = {*IpAddress::Parse(server), server_port};
  f.transport = t;
  return f;
}

std::vector<std::string> Ids(const Watchlist& w, const std::vector<WireMatch>& matches) {
  std::vector<std::string> out;
  for (const WireMatch& m : matches) out.push_back(w.indicators()[m.indicator].indicator_id);
  return out;
}

TEST(WatchlistTest, EmptyMatchesNothing) {
  Watchlist w;
  EXPECT_TRUE(w.empty());
  EXPECT_TRUE(w.MatchUrl("http://x.example/").empty());
  EXPECT_TRUE(w.MatchDomain("x.example").empty());
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.1", 40000, "10.0.0.2", 80)).empty());
}

// The case: a URL on a shared host flags that URL, never the host's other URLs.
TEST(WatchlistTest, UrlMatchesOnlyTheSameUrlNeverItsHost) {
  WatchedIndicator stage2 = Ind("stage2");
  stage2.urls = {"https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh"};
  Watchlist w = Build({stage2});
  EXPECT_TRUE(w.has_urls());
  EXPECT_FALSE(w.has_domains());
  auto m = w.MatchUrl("https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh");
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].matched, stage2.urls[0]);
  // The normal form: host case, default port, and http vs https (one family, as in the hunt).
  EXPECT_EQ(
      w.MatchUrl("http://RAW.githubusercontent.com:80/evil-actor/payloads/main/stage2.sh").size(),
      1u);
  EXPECT_TRUE(w.MatchUrl("https://raw.githubusercontent.com/benign/tools/main/setup.sh").empty());
  EXPECT_TRUE(w.MatchUrl("https://raw.githubusercontent.com/").empty());
  EXPECT_TRUE(
      w.MatchUrl("https://raw.githubusercontent.com/evil-actor/payloads/main/stage2.sh?x").empty());
  EXPECT_TRUE(w.MatchUrl("http://raw.githubusercontent.com:8080/evil-actor/payloads/main/stage2.sh")
                  .empty());
  EXPECT_TRUE(w.MatchDomain("raw.githubusercontent.com").empty());
  EXPECT_TRUE(w.MatchUrl("not a url").empty());
}

TEST(WatchlistTest, ZoneDomainMatchesTheZoneAndNamesUnderItOnly) {
  WatchedIndicator zone = Ind("zone"), name = Ind("name");
  zone.domains = {"*.njaavfxcgk3.club"};
  name.domains = {"xmr.pool.minergate.com"};
  Watchlist w = Build({zone, name});
  EXPECT_EQ(Ids(w, w.MatchDomain("swt.njaavfxcgk3.club")), std::vector<std::string>{"zone"});
  EXPECT_EQ(Ids(w, w.MatchDomain("a.b.NJAAVFXCGK3.club.")), std::vector<std::string>{"zone"});
  EXPECT_EQ(Ids(w, w.MatchDomain("njaavfxcgk3.club")), std::vector<std::string>{"zone"});
  EXPECT_TRUE(w.MatchDomain("xnjaavfxcgk3.club").empty());
  EXPECT_TRUE(w.MatchDomain("club").empty());
  EXPECT_EQ(Ids(w, w.MatchDomain("xmr.pool.minergate.com")), std::vector<std::string>{"name"});
  // A name without "*." is that name only.
  EXPECT_TRUE(w.MatchDomain("pool.minergate.com").empty());
  EXPECT_TRUE(w.MatchDomain("a.xmr.pool.minergate.com").empty());
}

TEST(WatchlistTest, AddressesAndPrefixesMatchEitherEnd) {
  WatchedIndicator c2 = Ind("c2"), net = Ind("net"), v6 = Ind("v6");
  c2.addresses = {"45.76.48.72"};
  net.addresses = {"45.77.0.0/16"};
  v6.addresses = {"2001:db8::/32"};
  Watchlist w = Build({c2, net, v6});
  EXPECT_EQ(Ids(w, w.MatchFlow(Flow("10.0.0.5", 50000, "45.76.48.72", 443))),
            std::vector<std::string>{"c2"});
  // The listed host connected in: still its flow.
  EXPECT_EQ(Ids(w, w.MatchFlow(Flow("45.76.48.72", 50000, "10.0.0.5", 3389))),
            std::vector<std::string>{"c2"});
  auto m = w.MatchFlow(Flow("10.0.0.5", 50000, "45.77.29.88", 80));
  ASSERT_EQ(Ids(w, m), std::vector<std::string>{"net"});
  EXPECT_EQ(m[0].matched, "45.77.0.0/16");
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 50000, "45.76.48.73", 443)).empty());
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 50000, "45.78.0.1", 443)).empty());
  EXPECT_EQ(Ids(w, w.MatchFlow(Flow("fd00::1", 50000, "2001:db8:1::5", 443))),
            std::vector<std::string>{"v6"});
  EXPECT_TRUE(w.MatchFlow(Flow("fd00::1", 50000, "2001:db9::5", 443)).empty());
  // ICMP to a listed address is a flow too.
  EXPECT_EQ(w.MatchFlow(Flow("10.0.0.5", 0, "45.76.48.72", 0, Transport::kIcmp)).size(), 1u);
}

TEST(WatchlistTest, PortsAloneNameTheServerPortAndTheProtocol) {
  WatchedIndicator pool = Ind("pool");
  pool.protocol = "tcp";
  pool.ports = {45560};
  Watchlist w = Build({pool});
  auto m = w.MatchFlow(Flow("10.0.0.5", 50000, "198.51.100.7", 45560));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].matched, "tcp/45560");
  // A client's ephemeral port that happens to be listed says nothing.
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 45560, "198.51.100.7", 443)).empty());
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 50000, "198.51.100.7", 45560, Transport::kUdp)).empty());
}

// An indicator with addresses and ports: both on one flow, the port being the listed host's.
TEST(WatchlistTest, AddressesWithPortsNeedBothOnTheListedEnd) {
  WatchedIndicator both = Ind("both");
  both.addresses = {"203.0.113.9"};
  both.ports = {4431, 4433};
  Watchlist w = Build({both});
  EXPECT_EQ(w.MatchFlow(Flow("10.0.0.5", 50000, "203.0.113.9", 4433)).size(), 1u);
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 50000, "203.0.113.9", 443)).empty());
  EXPECT_TRUE(w.MatchFlow(Flow("10.0.0.5", 50000, "203.0.113.8", 4433)).empty());
}

TEST(WatchlistTest, ValuesNotInTheirFormsAreRefusedNamingTheIndicator) {
  WatchedIndicator url = Ind("u"), domain = Ind("d"), address = Ind("a"), proto = Ind("p");
  url.urls = {"raw.githubusercontent.com/x"};
  domain.domains = {"single"};
  address.addresses = {"45.76.0.0/99"};
  proto.protocol = "sctp";
  for (const WatchedIndicator& bad : {url, domain, address, proto}) {
    auto w = Watchlist::Build({bad});
    ASSERT_FALSE(w.has_value()) << bad.indicator_id;
    EXPECT_EQ(w.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(w.error().ToString().find("test/" + bad.indicator_id + ":"), std::string::npos)
        << w.error().ToString();
  }
}

TEST(WatchlistTest, IocFindingNamesPackIndicatorValueAndPlace) {
  WatchedIndicator c2 = Ind("remote-c2-addresses");
  c2.title = "Connection to a MsraMiner C2 address";
  c2.severity = Severity::kCritical;
  c2.technique = "T0869";
  Finding f = IocFinding(c2, {0, "45.76.48.72"}, "tcp 10.0.0.5:50000 -> 45.76.48.72:443", "flow");
  EXPECT_EQ(f.kind, Finding::Kind::kAlert);
  EXPECT_EQ(f.rule, "ioc.test.remote-c2-addresses");
  EXPECT_EQ(f.category, Category::kIoc);
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.technique, "T0869");
  EXPECT_EQ(f.ruleset.name, "test");
  EXPECT_EQ(f.ruleset.version, "1");
  EXPECT_EQ(f.message,
            "Connection to a MsraMiner C2 address: flow tcp 10.0.0.5:50000 -> 45.76.48.72:443 "
            "matches 45.76.48.72 (test/remote-c2-addresses)");
  const auto& ioc = f.fields["ioc"];
  EXPECT_EQ(ioc["pack"], "test");
  EXPECT_EQ(ioc["indicator"], "remote-c2-addresses");
  EXPECT_EQ(ioc["title"], c2.title);
  EXPECT_EQ(ioc["matched"], "45.76.48.72");
  EXPECT_EQ(ioc["seen"], "flow");
}

}  // namespace
}  // namespace otguard::nba
