// RunAnalysis (run.h): what the command line names is loaded, or refused with a clear error.
#include "otguard/nba/run.h"

#include <gtest/gtest.h>

#include "nba/testing/replay.h"
#include "testing/temp_dir.h"

namespace otguard::nba {
namespace {

RunRequest OnCapture(const std::string& name) {
  RunRequest r;
  r.captures = {testing::Pcap(name)};
  r.data_dir = OTGUARD_SOURCE_DIR "/data";
  return r;
}

TEST(RunAnalysisTest, AnalysesTheNamedCaptures) {
  auto r = RunAnalysis(OnCapture("wannacry.pcap"));
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_GT(r->counters.packets, 4000u);
  EXPECT_FALSE(r->alerts.empty());
  ASSERT_FALSE(r->graph.patient_zero.empty());
  EXPECT_EQ(r->graph.patient_zero.front().ToString(), "192.168.116.149");
}

TEST(RunAnalysisTest, NeitherOrBothInputsIsAnError) {
  RunRequest none;
  EXPECT_EQ(RunAnalysis(none).error().code(), StatusCode::kInvalidArgument);
  RunRequest both = OnCapture("wannacry.pcap");
  both.open = [] { return OpenCaptureFiles({testing::Pcap("wannacry.pcap")}); };
  EXPECT_EQ(RunAnalysis(both).error().code(), StatusCode::kInvalidArgument);
}

TEST(RunAnalysisTest, NamedFilesThatAreMissingOrWrongAreErrors) {
  testutil::TempDir dir;
  RunRequest missing = OnCapture("wannacry.pcap");
  missing.baseline = dir.File("none.baseline");
  auto r = RunAnalysis(missing);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("none.baseline"), std::string::npos) << r.error().ToString();

  RunRequest no_intel = OnCapture("wannacry.pcap");
  no_intel.data_dir = dir.path();
  EXPECT_FALSE(RunAnalysis(no_intel));

  RunRequest no_capture;
  no_capture.captures = {dir.File("absent.pcap")};
  no_capture.data_dir = OTGUARD_SOURCE_DIR "/data";
  EXPECT_FALSE(RunAnalysis(no_capture));
}

TEST(RunAnalysisTest, AssetNamesReachTheGraph) {
  testutil::TempDir dir;
  std::string assets = dir.Write(
      "assets.json", R"({"hosts": [{"ip": "192.168.116.149", "name": "PZ", "role": "x"}]})");
  RunRequest req = OnCapture("wannacry.pcap");
  req.assets = assets;
  auto r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  const GraphNode& pz = r->graph.nodes.at(r->graph.patient_zero.front());
  ASSERT_TRUE(pz.asset.has_value());
  EXPECT_EQ(pz.asset->name, "PZ");
}

// --- IOC indicators on real captures ---------------------------------------------------------

WatchedIndicator Watched(std::string id) {
  WatchedIndicator w;
  w.pack_id = "test";
  w.pack_version = "2026.12.04";
  w.indicator_id = std::move(id);
  w.title = "Test indicator";
  w.severity = Severity::kCritical;
  w.technique = "T0869";
  return w;
}

std::vector<const Alert*> IocAlerts(const AnalysisResult& r) {
  std::vector<const Alert*> out;
  for (const Alert& a : r.alerts) {
    if (a.category == Category::kIoc) out.push_back(&a);
  }
  return out;
}

// gopacket's test_ethernet.pcap: curl fetches http://10.1.1.1/ and is redirected to
// /login.asp on the same host, which it does not fetch.
TEST(RunAnalysisTest, UrlIndicatorAlertsOnTheCapturedRequestOnly) {
  RunRequest req = OnCapture("gopacket/test_ethernet.pcap");
  WatchedIndicator root = Watched("root");
  root.urls = {"http://10.1.1.1/"};
  req.watch = {root};
  auto r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  auto alerts = IocAlerts(*r);
  ASSERT_EQ(alerts.size(), 1u);
  const Alert& a = *alerts[0];
  EXPECT_EQ(a.rule, "ioc.test.root");
  EXPECT_EQ(a.severity, Severity::kCritical);
  EXPECT_EQ(a.source.ip.ToString(), "10.1.1.2");
  EXPECT_EQ(a.destination.ip.ToString(), "10.1.1.1");
  EXPECT_EQ(a.destination.port, 80);
  EXPECT_EQ(a.app_protocol, "http");
  EXPECT_EQ(a.fields["ioc"]["seen"], "http request");
  EXPECT_EQ(a.fields["ioc"]["value"], "http://10.1.1.1/");
  nlohmann::json ecs = AlertToEcs(a);
  EXPECT_EQ(ecs["rule"]["ruleset"], "test");
  EXPECT_EQ(ecs["rule"]["version"], "2026.12.04");
  EXPECT_EQ(ecs["rule"]["category"], "ioc");
  EXPECT_EQ(ecs["otguard"]["details"]["ioc"]["indicator"], "root");

  // The redirect's target is on the same host: an indicator for it must not fire.
  WatchedIndicator login = Watched("login");
  login.urls = {"http://10.1.1.1/login.asp"};
  req.watch = {login};
  r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  EXPECT_TRUE(IocAlerts(*r).empty());
}

TEST(RunAnalysisTest, AddressIndicatorWithPortAlertsOnTheFlow) {
  RunRequest req = OnCapture("gopacket/test_ethernet.pcap");
  WatchedIndicator web = Watched("web"), ssh = Watched("ssh");
  web.addresses = ssh.addresses = {"10.1.1.0/24"};
  web.protocol = ssh.protocol = "tcp";
  web.ports = {80};
  ssh.ports = {22};
  req.watch = {web, ssh};
  auto r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  auto alerts = IocAlerts(*r);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0]->rule, "ioc.test.web");
  EXPECT_EQ(alerts[0]->fields["ioc"]["seen"], "flow");
  EXPECT_EQ(alerts[0]->fields["ioc"]["matched"], "10.1.1.0/24");
  EXPECT_EQ(alerts[0]->fields["ioc"]["value"], "tcp 10.1.1.2:44644 -> 10.1.1.1:80");
}

// gopacket's test_dns.pcap: queries from resolvers for real names (two under vtomske.ru).
TEST(RunAnalysisTest, DomainIndicatorAlertsOnCapturedQueries) {
  RunRequest req = OnCapture("gopacket/test_dns.pcap");
  WatchedIndicator zone = Watched("zone"), other = Watched("other");
  zone.domains = {"*.vtomske.ru"};
  other.domains = {"vtomske.ru.example", "guru-net.com"};  // mail.guru-net.com is not it
  req.watch = {zone, other};
  auto r = RunAnalysis(req);
  ASSERT_TRUE(r) << r.error().ToString();
  auto alerts = IocAlerts(*r);
  ASSERT_EQ(alerts.size(), 1u);  // one client, one server: the second query is a repeat
  EXPECT_EQ(alerts[0]->rule, "ioc.test.zone");
  EXPECT_EQ(alerts[0]->source.ip.ToString(), "109.60.128.2");
  EXPECT_EQ(alerts[0]->fields["ioc"]["value"], "finance.vtomske.ru");
  EXPECT_EQ(alerts[0]->fields["ioc"]["seen"], "dns query");
  EXPECT_EQ(r->duplicate_alerts, 1u);
}

TEST(RunAnalysisTest, AWatchedValueNotInItsFormIsAnError) {
  RunRequest req = OnCapture("gopacket/test_dns.pcap");
  WatchedIndicator bad = Watched("bad");
  bad.urls = {"not a url"};
  req.watch = {bad};
  auto r = RunAnalysis(req);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().ToString().find("test/bad"), std::string::npos) << r.error().ToString();
}

}  // namespace
}  // namespace otguard::nba
