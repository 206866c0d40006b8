// The text report (report.h) on a synthetic analysis result: the story's order and facts, the
// grouping of alerts, the summaries. Hosts, rules and times here are made up, so nothing can
// pass by knowing the incident capture.
#include "otguard/nba/report.h"

#include <gtest/gtest.h>

namespace otguard::nba {
namespace {

constexpr Micros kT0 = 1'700'000'000 * kMicrosPerSecond;  // 2023-11-14T22:13:20Z

IpAddress Ip(const char* text) { return *IpAddress::Parse(text); }

const IpAddress kA = Ip("10.0.0.1"), kB = Ip("10.0.0.2"), kC = Ip("10.0.0.3"),
                kPool = Ip("198.51.100.7");
const Asset kPz{"PZ-01", "engineering-station"}, kHmi{"HMI-02", "operator-station"};

std::optional<Asset> AssetOf(const IpAddress& ip) {
  if (ip == kA) return kPz;
  if (ip == kB) return kHmi;
  return std::nullopt;
}

Alert MakeAlert(int seconds, const std::string& rule, Category c, Severity s,
                const std::string& message, Endpoint from, Endpoint to) {
  Alert a;
  a.ts = kT0 + seconds * kMicrosPerSecond;
  a.rule = rule;
  a.category = c;
  a.severity = s;
  a.message = message;
  a.source = from;
  a.destination = to;
  a.transport = Transport::kTcp;
  a.source_asset = AssetOf(from.ip);
  a.destination_asset = AssetOf(to.ip);
  return a;
}

void AddEdge(PropagationGraph& g, const IpAddress& from, const IpAddress& to, const char* kind,
             int seconds) {
  Micros ts = kT0 + seconds * kMicrosPerSecond;
  g.edges.push_back({from, to, kind, ts, ts, {}});
  for (const IpAddress& ip : {from, to}) {
    g.nodes[ip].ip = ip;
    g.nodes[ip].asset = AssetOf(ip);
  }
  GraphNode& f = g.nodes[from];
  if (f.first_attacking == 0) f.first_attacking = ts;
  GraphNode& t = g.nodes[to];
  if (t.first_attacked == 0) t.first_attacked = ts;
}

// PZ-01 exploits HMI-02 (two steps of one exploit kit) and serves it a file from port 8080;
// HMI-02 mines and then exploits 10.0.0.3. A new service comes first, as baselines see early.
AnalysisResult Outbreak() {
  AnalysisResult r;
  r.alerts = {
      MakeAlert(5, "nba.new_service", Category::kNewService, Severity::kMedium,
                "10.0.0.2 answers on tcp/445, a service not in the baseline", {kA, 40000},
                {kB, 445}),
      MakeAlert(10, "smb.kit.stage_one", Category::kExploit, Severity::kCritical,
                "ExploitKit (CVE-1): stage one overflow", {kA, 40001}, {kB, 445}),
      MakeAlert(11, "smb.kit.spray", Category::kExploit, Severity::kHigh,
                "ExploitKit (CVE-1) spray: many requests", {kA, 40002}, {kB, 445}),
      MakeAlert(20, "http.executable_download", Category::kDownload, Severity::kHigh,
                "PE file downloaded over HTTP from port 8080: GET /w.exe", {kA, 8080}, {kB, 50000}),
      MakeAlert(30, "stratum.session", Category::kMining, Severity::kHigh,
                "Stratum mining session to port 3333", {kB, 50001}, {kPool, 3333}),
      MakeAlert(40, "smb.kit.stage_one", Category::kExploit, Severity::kCritical,
                "ExploitKit (CVE-1): stage one overflow", {kB, 40003}, {kC, 445}),
  };
  r.alerts[4].destination_domain = "pool.example";
  PropagationGraph& g = r.graph;
  AddEdge(g, kA, kB, "exploit", 10);
  AddEdge(g, kA, kB, "download", 20);
  AddEdge(g, kB, kC, "exploit", 40);
  g.nodes[kB].infected = true;
  g.nodes[kB].notes = {"miner", "pool pool.example"};
  g.nodes[kA].patient_zero_candidate = true;
  g.patient_zero = {kA};
  r.stats.services[{Transport::kTcp, 8080}].servers = {kA};
  r.stats.services[{Transport::kTcp, 445}].servers = {kB, kC};
  r.stats.services[{Transport::kTcp, 3333}].servers = {kPool};
  return r;
}

size_t LineWith(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  EXPECT_NE(at, std::string::npos) << "missing \"" << needle << "\" in\n" << text;
  return at == std::string::npos ? std::string::npos : text.rfind('\n', at) + 1;
}

TEST(ReportTextTest, StoryComesInOrderWithTheFactsOfTheGraph) {
  std::string s = IncidentSummaryText(Outbreak());
  EXPECT_EQ(
      s.rfind("What happened: 2 hosts attacked over the network from patient zero PZ-01, 1 of "
              "them infected; 1 host mining\n",
              0),
      0u)
      << s;
  // The attack's span, and the wider span of all alerts (the new service came first).
  LineWith(s,
           "When: 2023-11-14 22:13:30.000 to 22:14:00.000 UTC (30.0 s); alerts from "
           "22:13:25.000 to 22:14:00.000\n");
  size_t seen = LineWith(s, "What was seen\n");
  size_t pz = LineWith(s,
                       "Patient zero: 10.0.0.1 [PZ-01, engineering-station], attacking from "
                       "22:13:30.000\n");
  size_t infected = LineWith(s, "Infected, in order\n");
  size_t attacked = LineWith(s, "Attacked, not seen spreading\n");
  size_t baseline = LineWith(s, "Not in the baseline (or policy)\n");
  EXPECT_LT(seen, pz);
  EXPECT_LT(pz, infected);
  EXPECT_LT(infected, attacked);
  EXPECT_LT(attacked, baseline);
  LineWith(s,
           "  22:13:30.000  10.0.0.2 [HMI-02, operator-station]: exploited by PZ-01; fetched "
           "the worm from PZ-01 at 22:13:40.000; then attacked 10.0.0.3 from 22:14:00.000; "
           "mining (pool pool.example)\n");
  LineWith(s, "  22:14:00.000  10.0.0.3: exploited by HMI-02\n");
}

// A host the worm reached attacks patient zero back (WannaCry's newly infected hosts scan the
// whole subnet): patient zero is still where it began, not one more victim.
TEST(ReportTextTest, PatientZeroAttackedBackIsNotCountedAsAVictim) {
  AnalysisResult r = Outbreak();
  AddEdge(r.graph, kB, kA, "exploit", 50);
  std::string s = IncidentSummaryText(r);
  EXPECT_EQ(
      s.rfind("What happened: 2 hosts attacked over the network from patient zero PZ-01, 1 of "
              "them infected; 1 host mining\n",
              0),
      0u)
      << s;
}

TEST(ReportTextTest, OneLinePerKindOfActivityWithItsServicePort) {
  std::string s = IncidentSummaryText(Outbreak());
  // Two rules of one family are one line, named by what their messages share.
  LineWith(s,
           "  22:13:30.000  exploit           ExploitKit (CVE-1) ×3: PZ-01, HMI-02 -> HMI-02, "
           "10.0.0.3 on tcp/445\n");
  // The download's actor is the server: its port is the service port, not the client's.
  LineWith(s,
           "download          PE file downloaded over HTTP from port 8080 ×1: PZ-01 -> HMI-02 "
           "on tcp/8080\n");
  LineWith(s,
           "mining            Stratum mining session to port 3333 ×1: HMI-02 -> 198.51.100.7 "
           "(pool.example) on tcp/3333\n");
  // Messages that start with an address share no words: the rule names the line.
  LineWith(s, "new-service       new service ×1: PZ-01 -> HMI-02 on tcp/445\n");
  EXPECT_LT(s.find("ExploitKit"), s.find("PE file")) << "attacks in time order";
}

TEST(ReportTextTest, LongLabelsAreCutAtAWordWithoutAnOpenParenthesis) {
  AnalysisResult r;
  r.alerts = {MakeAlert(1, "x.kit", Category::kExploit, Severity::kHigh,
                        "a client used an identifier the server never issued (canned packets of "
                        "an exploit kit)",
                        {kA, 1}, {kB, 2})};
  TextReportOptions o;
  o.label_columns = 60;
  LineWith(IncidentSummaryText(r, o), "a client used an identifier the server never issued … ×1:");
}

TEST(ReportTextTest, WithoutPropagationTheStorySaysSoAndListsMiners) {
  AnalysisResult r;
  r.alerts = {MakeAlert(30, "stratum.session", Category::kMining, Severity::kHigh,
                        "Stratum mining session to port 3333", {kB, 50001}, {kPool, 3333})};
  r.graph.nodes[kB] = GraphNode{.ip = kB, .asset = kHmi, .notes = {"miner"}};
  std::string s = IncidentSummaryText(r);
  LineWith(s, "What happened: no host-to-host exploitation or worm download seen; 1 host mining\n");
  EXPECT_EQ(s.find("Patient zero"), std::string::npos) << s;
  LineWith(s, "Mining\n  10.0.0.2 [HMI-02, operator-station]: mining\n");
}

TEST(ReportTextTest, AnAttackThatDidNotSpreadIsToldAsSuch) {
  AnalysisResult r;
  r.alerts = {MakeAlert(10, "smb.kit.stage_one", Category::kExploit, Severity::kCritical,
                        "ExploitKit (CVE-1): stage one overflow", {kA, 40001}, {kC, 445})};
  AddEdge(r.graph, kA, kC, "exploit", 10);
  r.graph.patient_zero = {kA};
  std::string s = IncidentSummaryText(r);
  LineWith(s,
           "What happened: 1 host attacked over the network from patient zero PZ-01, none of "
           "them seen spreading\n");
  EXPECT_EQ(s.find("Infected"), std::string::npos) << s;
  LineWith(s, "Attacked, not seen spreading\n  22:13:30.000  10.0.0.3: exploited by PZ-01\n");
}

TEST(ReportTextTest, NoAlertsIsSaidInOneLine) {
  AnalysisResult r;
  r.counters.packets = 12;
  r.counters.flows = 1;
  EXPECT_EQ(AnalyzeText(r), "What happened: nothing that alerts (12 packets, 1 flow)\n");
}

TEST(ReportTextTest, AlertsAreGroupedByRuleMostSevereFirstWithAFewExamples) {
  std::vector<Alert> alerts;
  for (int i = 0; i < 5; ++i) {
    alerts.push_back(MakeAlert(i, "nba.new_talker", Category::kNewTalker, Severity::kMedium,
                               "new client-server pair: " + std::to_string(i),
                               {kA, static_cast<uint16_t>(1000 + i)}, {kC, 502}));
  }
  alerts.push_back(MakeAlert(9, "smb.kit.stage_one", Category::kExploit, Severity::kCritical,
                             "ExploitKit (CVE-1): stage one overflow", {kA, 40001}, {kB, 445}));
  std::string s = AlertGroupsText(alerts);
  EXPECT_EQ(s.rfind("Alerts by rule (6 alerts, 2 rules; most severe first)\n", 0), 0u) << s;
  size_t critical = LineWith(s,
                             "  critical  exploit           smb.kit.stage_one ×1  ExploitKit "
                             "(CVE-1): stage one overflow\n");
  size_t medium =
      LineWith(s, "  medium    new-talker        nba.new_talker ×5  new client-server pair\n");
  EXPECT_LT(critical, medium);
  LineWith(s, "      22:13:29.000  10.0.0.1:40001 [PZ-01] -> 10.0.0.2:445 [HMI-02]\n");
  LineWith(s, "      22:13:22.000  10.0.0.1:1002 [PZ-01] -> 10.0.0.3:502\n");
  EXPECT_EQ(s.find("10.0.0.1:1003"), std::string::npos) << "only 3 examples per rule\n" << s;
  LineWith(s, "      … 2 more\n");
}

TEST(ReportTextTest, AnalyzeTextTellsTheStoryBeforeTheAlerts) {
  std::string s = AnalyzeText(Outbreak());
  EXPECT_LT(s.find("Patient zero"), s.find("Alerts by rule")) << s;
  EXPECT_EQ(s.rfind("What happened", 0), 0u);
}

TEST(ReportTextTest, SummaryLinesCountWhatMatters) {
  AnalysisResult r = Outbreak();
  r.counters.packets = 100;
  r.counters.flows = 7;
  EXPECT_NE(RunSummaryLine(r).find("100 packets, 7 flows, 6 alerts"), std::string::npos);
  // A learn run's alerts are not findings: the line leaves them out.
  EXPECT_EQ(RunSummaryLine(r, false).find("alert"), std::string::npos) << RunSummaryLine(r, false);

  r.learned.AddTalk({kA, kB, Transport::kTcp, 502});
  r.learned.AddTalk({kA, kB, Transport::kTcp, 102});
  r.learned.AddTalk({kC, kB, Transport::kTcp, 502});
  r.learned.AddService({kB, Transport::kTcp, 502});
  std::string learned = LearnedText(r, "plant.baseline");
  EXPECT_EQ(learned,
            "Learned the normal traffic of 100 packets: 3 hosts, 2 client-server pairs, "
            "1 service (host and port), 3 client-server-service triples, 0 ICS operations "
            "(client, device, operation)\nBaseline written to plant.baseline\n");
  EXPECT_EQ(learned.find("alert"), std::string::npos);
}

}  // namespace
}  // namespace otguard::nba
