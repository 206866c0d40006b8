// The correlator's detections and outputs over the real captures: fan-out, slow scan, baseline
// learn-then-analyse, thread-count independence, alert formats.
#include "otguard/nba/analysis.h"

#include <gtest/gtest.h>

#include <set>

#include "nba/testing/replay.h"

namespace otguard::nba {
namespace {

using testing::BundledIntel;
using testing::Pcap;

AnalysisResult Analyse(const std::vector<std::string>& names, AnalysisOptions options = {}) {
  std::vector<std::filesystem::path> files;
  for (const auto& n : names) files.push_back(Pcap(n));
  auto r = Analyze([files] { return OpenCaptureFiles(files); }, options, BundledIntel());
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? std::move(*r) : AnalysisResult();
}

std::vector<const Alert*> WithRule(const AnalysisResult& r, const std::string& rule) {
  std::vector<const Alert*> out;
  for (const auto& a : r.alerts) {
    if (a.rule == rule) out.push_back(&a);
  }
  return out;
}

TEST(AnalysisTest, SmbFanOutFiresOnBothWormWaves) {
  auto r = Analyse({"wannacry.pcap"});
  auto fanout = WithRule(r, "nba.smb_fanout");
  ASSERT_EQ(fanout.size(), 2u);
  EXPECT_EQ(fanout[0]->source.ip.ToString(), "192.168.116.149");
  EXPECT_EQ(fanout[0]->category, Category::kLateralMovement);
  std::set<std::string> first_wave;
  for (const auto& t : fanout[0]->fields["nba"]["targets"]) first_wave.insert(t);
  EXPECT_EQ(first_wave, (std::set<std::string>{"192.168.116.138", "192.168.116.143",
                                               "192.168.116.150", "192.168.116.172"}));
  EXPECT_EQ(fanout[0]->evidence_times.size(), 4u);
  EXPECT_EQ(fanout[1]->source.ip.ToString(), "192.168.116.138");
}

TEST(AnalysisTest, FanOutNeedsTheConfiguredNumberOfHosts) {
  AnalysisOptions options;
  options.detection.fanout_hosts = 6;
  EXPECT_TRUE(WithRule(Analyse({"wannacry.pcap"}, options), "nba.smb_fanout").empty());
}

TEST(AnalysisTest, SlowScanOverHoursIsFlagged) {
  auto r = Analyse({"smb-445-slow-scan.pcap"});
  auto scans = WithRule(r, "nba.slow_scan");
  ASSERT_EQ(scans.size(), 1u);
  EXPECT_EQ(scans[0]->source.ip.ToString(), "176.192.150.3");
  EXPECT_EQ(scans[0]->destination.port, 445);
  EXPECT_EQ(scans[0]->category, Category::kScan);
  EXPECT_GE(scans[0]->fields["nba"]["targets"].size(), 5u);
  EXPECT_GT(scans[0]->fields["nba"]["span_seconds"], 600);
  // Nothing else in a capture of unanswered SYNs.
  EXPECT_EQ(r.alerts.size(), 1u);
}

TEST(AnalysisTest, LearnedBaselineSilencesTheSameTraffic) {
  AnalysisOptions learn;
  learn.learn = true;
  auto learned = Analyse({"modbus-scada-mb2.pcap"}, learn);
  EXPECT_GT(learned.learned.talk_count(), 30u);
  EXPECT_GT(learned.learned.service_count(), 30u);
  // Through the file format, as a user would.
  auto reloaded = Baseline::Parse(learned.learned.ToJson());
  ASSERT_TRUE(reloaded) << reloaded.error().ToString();
  EXPECT_EQ(reloaded->ToJson(), learned.learned.ToJson());
  AnalysisOptions analyze;
  analyze.baseline = &*reloaded;
  auto r = Analyse({"modbus-scada-mb2.pcap"}, analyze);
  for (const auto& a : r.alerts) ADD_FAILURE() << AlertToText(a);
  EXPECT_EQ(r.alerts.size(), 0u);
}

TEST(AnalysisTest, BaselineFromOtherTrafficReportsTheWormAsNew) {
  AnalysisOptions learn;
  learn.learn = true;
  auto normal = Analyse({"modbus-scada-mb2.pcap"}, learn);
  AnalysisOptions analyze;
  analyze.baseline = &normal.learned;
  auto r = Analyse({"wannacry.pcap"}, analyze);
  EXPECT_FALSE(WithRule(r, "nba.first_smb").empty());
  EXPECT_FALSE(WithRule(r, "nba.new_talker").empty());
  EXPECT_FALSE(WithRule(r, "nba.new_service").empty());
  std::set<std::pair<std::string, std::string>> smb_pairs;
  for (const Alert* a : WithRule(r, "nba.first_smb")) {
    smb_pairs.emplace(a->source.ip.ToString(), a->destination.ip.ToString());
  }
  EXPECT_TRUE(smb_pairs.contains({"192.168.116.149", "192.168.116.138"}));
}

TEST(AnalysisTest, TwoThreadsGiveTheSameResultAsOne) {
  for (const char* name : {"wannacry.pcap", "modbus-scada-mb2.pcap", "mining.pcapng"}) {
    auto one = Analyse({name});
    AnalysisOptions two_threads;
    two_threads.threads = 2;
    auto two = Analyse({name}, two_threads);
    ASSERT_EQ(one.alerts.size(), two.alerts.size()) << name;
    for (size_t i = 0; i < one.alerts.size(); ++i) {
      EXPECT_EQ(AlertToEcs(one.alerts[i]), AlertToEcs(two.alerts[i])) << name;
    }
    EXPECT_EQ(one.stats.ToJson(), two.stats.ToJson()) << name;
    EXPECT_EQ(one.counters.packets, two.counters.packets);
    EXPECT_EQ(one.counters.flows, two.counters.flows);
  }
}

TEST(AnalysisTest, StatsCountSessionsPerHostAndPort) {
  auto r = Analyse({"modbus-scada-mb2.pcap"});
  auto scada = IpAddress::Parse("141.81.0.10");
  ASSERT_TRUE(r.stats.hosts.contains(*scada));
  const HostStats& h = r.stats.hosts.at(*scada);
  EXPECT_GT(h.peers.size(), 30u);
  EXPECT_GT(h.sessions_by_dst_port.at({Transport::kTcp, 502}), 0u);
  EXPECT_TRUE(r.stats.services.contains({Transport::kTcp, 102}));
  EXPECT_TRUE(r.stats.services.contains({Transport::kTcp, 44818}));
  uint64_t flows = 0;
  for (const auto& [name, p] : r.stats.protocols) flows += p.flows;
  EXPECT_EQ(flows, r.counters.flows);
}

TEST(AlertTest, CommunityIdMatchesTheSpecExamples) {
  // corelight/community-id-spec baseline values.
  FlowInfo tcp;
  tcp.client = {*IpAddress::Parse("128.232.110.120"), 34855};
  tcp.server = {*IpAddress::Parse("66.35.250.204"), 80};
  tcp.transport = Transport::kTcp;
  EXPECT_EQ(CommunityId(tcp), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
  std::swap(tcp.client, tcp.server);  // the same flow from the other side
  EXPECT_EQ(CommunityId(tcp), "1:LQU9qZlK+B5F3KDmev6m5PMibrg=");
}

TEST(AlertTest, EcsAndEveCarryTheFieldsConsumersRelyOn) {
  Alert a;
  a.ts = 1495094531544000;
  a.flow_id = 7;
  a.rule = "smb.eternalblue.test";
  a.category = Category::kExploit;
  a.severity = Severity::kCritical;
  a.technique = "T0866";
  a.message = "test";
  a.source = {*IpAddress::Parse("10.0.0.1"), 49152};
  a.destination = {*IpAddress::Parse("10.0.0.2"), 445};
  a.app_protocol = "smb";
  auto ecs = AlertToEcs(a);
  EXPECT_EQ(ecs["@timestamp"], "2017-05-18T08:02:11.544Z");
  EXPECT_EQ(ecs["event"]["kind"], "alert");
  EXPECT_EQ(ecs["event"]["module"], "nba");
  EXPECT_EQ(ecs["rule"]["category"], "exploit");
  EXPECT_EQ(ecs["threat"]["technique"]["id"][0], "T0866");
  EXPECT_EQ(ecs["threat"]["technique"]["name"][0], "Exploitation of Remote Services");
  EXPECT_EQ(ecs["source"]["port"], 49152);
  EXPECT_EQ(ecs["destination"]["ip"], "10.0.0.2");
  EXPECT_EQ(ecs["network"]["protocol"], "smb");
  EXPECT_EQ(ecs["otguard"]["evidence"]["flow_id"], 7);
  EXPECT_EQ(ecs["otguard"]["schema_version"], kEventSchemaVersion);
  EXPECT_EQ(ecs["event"]["severity"], 5);
  EXPECT_EQ(ecs["otguard"]["severity"], "critical");
  EXPECT_EQ(ecs["rule"]["ruleset"], "otguard-nba");
  EXPECT_EQ(ecs["rule"]["version"], std::string(OtguardVersion()));
  auto eve = AlertToEve(a);
  EXPECT_EQ(eve["timestamp"], ecs["@timestamp"]);  // one time source for both layouts
  EXPECT_EQ(eve["event_type"], "alert");
  EXPECT_EQ(eve["proto"], "TCP");
  EXPECT_EQ(eve["dest_port"], 445);
  EXPECT_EQ(eve["alert"]["severity"], 1);
  EXPECT_EQ(eve["alert"]["category"], "exploit");
  EXPECT_GE(eve["alert"]["signature_id"].get<uint32_t>(), 9'000'000u);
}

TEST(BaselineTest, MalformedFilesAreClearErrors) {
  EXPECT_FALSE(Baseline::Parse("not json"));
  EXPECT_FALSE(Baseline::Parse("{}"));
  auto bad_port = Baseline::Parse(
      R"({"otguard_baseline":1,"services":[{"host":"10.0.0.1","transport":"tcp","port":70000}]})");
  ASSERT_FALSE(bad_port);
  EXPECT_NE(bad_port.error().message().find("services[0]"), std::string::npos);
  EXPECT_FALSE(Baseline::Parse(
      R"({"otguard_baseline":1,"talkers":[{"client":"10.0.0.300","server":"10.0.0.1","transport":"tcp","port":1}]})"));
  EXPECT_FALSE(Baseline::Parse(R"({"otguard_baseline":1,"operations":[7]})"));
  auto ok = Baseline::Parse(
      R"({"otguard_baseline":1,"operations":[{"client":"10.0.0.1","server":"10.0.0.2","operation":"modbus.write_single_register"}]})");
  ASSERT_TRUE(ok);
  EXPECT_TRUE(ok->HasOperation({*IpAddress::Parse("10.0.0.1"), *IpAddress::Parse("10.0.0.2"),
                                "modbus.write_single_register"}));
}

TEST(AssetNamesTest, ParsesTheLayoutFormatAndRejectsBadEntries) {
  auto ok = AssetNames::Parse(
      R"({"hosts":[{"ip":"10.0.0.1","name":"ES-01","role":"engineering-station","mac":"x"}]})");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->Label(*IpAddress::Parse("10.0.0.1")), "10.0.0.1 [ES-01]");
  EXPECT_EQ(ok->Label(*IpAddress::Parse("10.0.0.2")), "10.0.0.2");
  EXPECT_FALSE(AssetNames::Parse(R"({"hosts":[{"ip":"10.0.0.999","name":"x"}]})"));
  EXPECT_FALSE(AssetNames::Parse(R"({"hosts":[{"name":"x"}]})"));
  EXPECT_FALSE(AssetNames::Parse("[1,2]"));
}

TEST(AnalysisTest, AssetNamesReachAlertsAndTheGraph) {
  AssetNames names;
  names.Add(*IpAddress::Parse("192.168.116.149"), {"ES-01", "engineering-station"});
  AnalysisOptions options;
  options.assets = &names;
  auto r = Analyse({"wannacry.pcap"}, options);
  auto fanout = WithRule(r, "nba.smb_fanout");
  ASSERT_FALSE(fanout.empty());
  ASSERT_TRUE(fanout[0]->source_asset);
  EXPECT_EQ(fanout[0]->source_asset->name, "ES-01");
  EXPECT_NE(r.graph.ToText().find("Patient zero: 192.168.116.149 [ES-01, engineering-station]"),
            std::string::npos)
      << r.graph.ToText();
}

}  // namespace
}  // namespace otguard::nba
